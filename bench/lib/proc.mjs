// Processes the bench starts: each in its own process group, tracked until it
// exits, all stopped by stopAll() (on the way out, on Ctrl-C, on an error).
// The process groups still running are listed in a file so that bench/run can
// stop them even if this process dies without cleaning up.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import http from 'node:http';

const running = new Map(); // pid -> { child, exited }
let groupsFile = null;

export function setGroupsFile(path) {
  groupsFile = path;
  writeGroups();
}

function writeGroups() {
  if (!groupsFile) return;
  try {
    fs.writeFileSync(groupsFile, [...running.keys()].map((p) => `${p}\n`).join(''));
  } catch {
    // The work folder may be going away already.
  }
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// Starts a process. stdout/stderr: 'ignore', 'pipe', or a file path (appended).
// Returns { child, pid, exited } where exited resolves to { code, signal }.
export function start(cmd, args, { env = process.env, cwd, stdin = 'ignore', stdout = 'ignore', stderr = 'ignore' } = {}) {
  const fds = [];
  const io = (where) => {
    if (where === 'ignore' || where === 'pipe') return where;
    const fd = fs.openSync(where, 'a');
    fds.push(fd);
    return fd;
  };
  const child = spawn(cmd, args, { env, cwd, detached: true, stdio: [stdin, io(stdout), io(stderr)] });
  for (const fd of fds) fs.closeSync(fd);
  const exited = new Promise((resolve) => {
    child.on('error', (e) => {
      running.delete(child.pid);
      writeGroups();
      resolve({ code: null, signal: null, error: e });
    });
    child.on('exit', (code, signal) => {
      running.delete(child.pid);
      writeGroups();
      resolve({ code, signal });
    });
  });
  if (child.pid) {
    running.set(child.pid, { child, exited });
    writeGroups();
  }
  return { child, pid: child.pid, exited };
}

function signalGroup(pid, signal) {
  try {
    process.kill(-pid, signal);
  } catch {
    // The group is gone.
  }
}

// Asks a process to stop with `signal`, waits up to timeoutMs, then kills its group.
// Resolves to { code, signal, forced }.
export async function stop(proc, signal = 'SIGTERM', timeoutMs = 10000) {
  if (!running.has(proc.pid)) return { ...(await proc.exited), forced: false };
  // Only the process itself: it stops its own children (nginx's workers, say).
  try {
    process.kill(proc.pid, signal);
  } catch {
    // Already gone.
  }
  let timer;
  const timeout = new Promise((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
  });
  const r = await Promise.race([proc.exited, timeout]);
  clearTimeout(timer);
  if (r !== 'timeout') {
    signalGroup(proc.pid, 'SIGKILL'); // anything it left behind in its group
    return { ...r, forced: false };
  }
  signalGroup(proc.pid, 'SIGKILL');
  return { ...(await proc.exited), forced: true };
}

export async function stopAll() {
  const all = [...running.values()];
  for (const { child } of all) signalGroup(child.pid, 'SIGTERM');
  const deadline = sleep(3000).then(() => 'timeout');
  await Promise.race([Promise.all(all.map((p) => p.exited)), deadline]);
  for (const { child } of [...running.values()]) signalGroup(child.pid, 'SIGKILL');
  await Promise.race([Promise.all(all.map((p) => p.exited)), sleep(2000)]);
}

// Runs a command to completion; captures its output.
export function run(cmd, args, { env = process.env, cwd, input } = {}) {
  return new Promise((resolve) => {
    const p = start(cmd, args, { env, cwd, stdin: input === undefined ? 'ignore' : 'pipe', stdout: 'pipe', stderr: 'pipe' });
    let out = '';
    let err = '';
    p.child.stdout?.on('data', (d) => (out += d));
    p.child.stderr?.on('data', (d) => (err += d));
    if (input !== undefined) p.child.stdin.end(input);
    p.exited.then((r) => resolve({ ...r, stdout: out, stderr: err }));
  });
}

export function which(cmd) {
  for (const dir of (process.env.PATH || '').split(':')) {
    try {
      fs.accessSync(`${dir}/${cmd}`, fs.constants.X_OK);
      return `${dir}/${cmd}`;
    } catch {
      // next
    }
  }
  return null;
}

// utime + stime of a process (all its threads, living and gone), in clock ticks.
export const CLOCK_TICKS_PER_S = 100;
export function cpuTicks(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return null;
  }
}

function statusKiB(pid, file, key) {
  try {
    const text = fs.readFileSync(`/proc/${pid}/${file}`, 'utf8');
    const m = text.match(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}
export const rssKiB = (pid) => statusKiB(pid, 'status', 'VmRSS');
// Proportional set size: shared pages split between the processes sharing them.
export const pssKiB = (pid) => statusKiB(pid, 'smaps_rollup', 'Pss');

export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

// GET on 127.0.0.1; resolves to { status, body } or { status: 0, error }.
export function httpGet(port, path, timeoutMs = 3000) {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path, timeout: timeoutMs }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks) }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (e) => resolve({ status: 0, error: e.message }));
  });
}

export function tail(file, lines = 15) {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

// A process and all its descendants, by /proc/PID/task/*/children.
export function descendants(pid) {
  const out = [pid];
  for (let i = 0; i < out.length; i++) {
    let tasks = [];
    try {
      tasks = fs.readdirSync(`/proc/${out[i]}/task`);
    } catch {
      continue;
    }
    for (const t of tasks) {
      try {
        const kids = fs.readFileSync(`/proc/${out[i]}/task/${t}/children`, 'utf8').trim();
        if (kids) out.push(...kids.split(/\s+/).map(Number));
      } catch {
        // gone
      }
    }
  }
  return out;
}

// Runs a command to completion like run(), but notices when the process tree has
// used no CPU for idleMs (a pipeline that finished its work and never exits):
// then sends `idleSignal` to the deepest process (the one doing the work) and
// resolves with hung: true.
export function runWatched(cmd, args, { env = process.env, cwd, idleMs = 2000, idleSignal = 'SIGKILL' } = {}) {
  return new Promise((resolve) => {
    const p = start(cmd, args, { env, cwd, stdout: 'pipe', stderr: 'pipe' });
    let out = '';
    let err = '';
    p.child.stdout?.on('data', (d) => (out += d));
    p.child.stderr?.on('data', (d) => (err += d));
    let last = -1;
    let lastChange = performance.now();
    let hung = false;
    const timer = setInterval(() => {
      const tree = descendants(p.pid);
      const ticks = tree.reduce((a, pid) => a + (cpuTicks(pid) ?? 0), 0);
      const now = performance.now();
      if (ticks !== last) {
        last = ticks;
        lastChange = now;
      } else if (now - lastChange >= idleMs && !hung) {
        hung = true;
        try {
          process.kill(tree[tree.length - 1], idleSignal);
        } catch {
          // exited meanwhile
        }
      }
    }, 200);
    p.exited.then((r) => {
      clearInterval(timer);
      resolve({ ...r, hung, stdout: out, stderr: err });
    });
  });
}
