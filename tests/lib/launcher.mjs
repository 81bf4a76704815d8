// Starts build/launcher/dvr-launcher on a free port of 127.0.0.1 with a preset
// written to a temporary folder, and stops it again. Shared by the HTTP and
// browser tests so that each test owns its launcher and its storage.
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const launcherPath = join(repoRoot, 'build/launcher/dvr-launcher');

export function freePort() {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', fail);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => ok(port));
    });
  });
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// A port where nothing listens, for a camera that cannot connect: port 1
// (tcpmux), which no test server is ever handed. A port from freePort() is
// free only when asked: a server another suite starts meanwhile may get it.
export const CLOSED_PORT = 1;

// A preset section for a small, cheap test camera (160x120 at 10 fps);
// extra lines go at its end.
export const testCameraSection = (name, pattern, extra = '') => `
[camera ${name}]
source = test
pattern = ${pattern}
width = 160
height = 120
framerate = 10
bitrate = 200
${extra}`;

// Polls fn until it returns a truthy value or the timeout passes.
export async function waitFor(what, fn, timeoutMs = 30000, everyMs = 250) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    try {
      last = await fn();
      if (last) return last;
    } catch (e) {
      last = e;
    }
    await sleep(everyMs);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (last: ${last})`);
}

// presetText: the INI text of the preset. Returns { url, port, storage, dir, proc, log(), stop() }.
// storage: record into this folder (a previous launcher's, to test a restart)
// instead of one in the launcher's own temporary folder; it is left in place.
// wrapper: a command that runs the launcher, e.g. ['prlimit', '--nofile=256:256', '--'].
// scheme: 'https' for a launcher with a certificate (the test trusts it itself).
export async function startLauncher(presetText, { extraArgs = [], env = {}, storage: storageDir, wrapper = [],
  scheme = 'http' } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'dvr-test-'));
  const storage = storageDir || join(dir, 'storage');
  const presetPath = join(dir, 'preset.ini');
  writeFileSync(presetPath, presetText);
  const port = await freePort();
  const args = ['--preset', presetPath, '--listen', `127.0.0.1:${port}`, '--storage', storage, ...extraArgs];
  const command = wrapper.length ? wrapper[0] : launcherPath;
  const commandArgs = wrapper.length ? [...wrapper.slice(1), launcherPath, ...args] : args;
  const proc = spawn(command, commandArgs, {
    cwd: repoRoot,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  proc.stdout.on('data', (d) => (output += d));
  proc.stderr.on('data', (d) => (output += d));
  const exited = new Promise((r) => proc.on('exit', (code, signal) => r({ code, signal })));
  const url = `${scheme}://127.0.0.1:${port}`;
  const handle = {
    url, port, storage, dir, proc, exited,
    log: () => output,
    async stop({ keepFiles = false } = {}) {
      if (proc.exitCode === null && proc.signalCode === null) {
        proc.kill('SIGINT');
        const timer = setTimeout(() => proc.kill('SIGKILL'), 10000);
        await exited;
        clearTimeout(timer);
      }
      if (!keepFiles) rmSync(dir, { recursive: true, force: true });
      return exited;
    },
  };
  try {
    await waitFor('the launcher to answer /api/cameras', async () => {
      if (proc.exitCode !== null) throw new Error(`launcher exited early:\n${output}`);
      const r = await fetch(`${url}/api/cameras`);
      await r.arrayBuffer();
      // 401: up, and guarded by the preset's authentication.
      return r.ok || r.status === 401;
    }, 15000);
  } catch (e) {
    await handle.stop();
    throw new Error(`${e.message}\n--- launcher output ---\n${output}`);
  }
  return handle;
}
