// The live side of the bench: one mock camera server with many channels, and the
// two ways of recording its streams: one dvr-launcher for all cameras, or one
// `ffmpeg -c copy -f hls` process per camera (the original prototype's method).
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { start, stop, sleep, freePort, cpuTicks, rssKiB, pssKiB, httpGet, tail } from './proc.mjs';
import { FolderWatch, accountRecording } from './recording.mjs';

export const SEGMENT_DURATION = 2;

function birthTime(file) {
  try {
    const t = fs.statSync(file).birthtimeMs;
    return t > 0 ? t : null;
  } catch {
    return null;
  }
}

export const cameraName = (i) => `c${String(i).padStart(2, '0')}`;

// Starts dvr-mock-camera with `channels` channels; resolves once it serves.
export async function startMock(ctx, channels) {
  const log = path.join(ctx.work, 'mock-camera.log');
  // Standard input stays open while the bench lives: the mock exits when it closes.
  const proc = start(ctx.paths.mock, ['--port', '0', '--channels', String(channels), '--exit-on-stdin-eof'], {
    env: ctx.env,
    stdin: 'pipe',
    stdout: 'pipe',
    stderr: log,
  });
  const lines = readline.createInterface({ input: proc.child.stdout });
  const port = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`dvr-mock-camera did not start in 120 s: ${tail(log, 5)}`)), 120000);
    lines.on('line', (line) => {
      const m = line.match(/serving rtsp:\/\/127\.0\.0\.1:(\d+)\//);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    proc.exited.then((r) => {
      clearTimeout(timer);
      reject(new Error(`dvr-mock-camera exited (${r.code ?? r.signal}): ${tail(log, 5)}`));
    });
  });
  lines.on('line', () => {}); // keep reading its acknowledgements
  return {
    proc,
    port,
    url: (channel) => `rtsp://127.0.0.1:${port}/cam/realmonitor?channel=${channel}&subtype=0`,
    async stop() {
      proc.child.stdin.end();
      await stop(proc, 'SIGTERM', 5000);
    },
  };
}

// Common to both recorders: a folder per camera, watched from before the start.
class Run {
  constructor(ctx, kind, cameras, mock, dir) {
    this.ctx = ctx;
    this.kind = kind;
    this.cameras = cameras;
    this.mock = mock;
    this.dir = dir;
    fs.rmSync(dir, { recursive: true, force: true });
    this.storage = path.join(dir, 'storage');
    this.folders = [];
    for (let i = 1; i <= cameras; i++) {
      const folder = path.join(this.storage, cameraName(i));
      fs.mkdirSync(folder, { recursive: true });
      this.folders.push(folder);
    }
    this.watches = this.folders.map((folder) => new FolderWatch(folder));
    this.procs = [];
  }

  pids() {
    return this.procs.map((p) => p.pid);
  }

  // The recorder's command, run under another program (valgrind) when this.wrap is
  // set: { cmd, args, env } with env added to the recorder's environment.
  command(cmd, args) {
    if (!this.wrap) return [cmd, args, this.ctx.env];
    return [this.wrap.cmd, [...this.wrap.args, cmd, ...args], { ...this.ctx.env, ...(this.wrap.env ?? {}) }];
  }

  alive() {
    return this.procs.filter((p) => cpuTicks(p.pid) !== null).length;
  }

  // Waits until every camera has a segment listed. Resolves to the number that have.
  async waitFirstSegments(timeoutMs) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      for (const w of this.watches) if (w.firstListedAt === null) w.scan();
      const done = this.watches.filter((w) => w.firstListedAt !== null).length;
      if (done === this.cameras || Date.now() > deadline || this.alive() === 0) return done;
      await sleep(50);
    }
  }

  // Summed over the recorder's processes: CPU ticks, RSS and PSS in KiB.
  sample() {
    let ticks = 0;
    let rss = 0;
    let pss = 0;
    let missing = 0;
    for (const pid of this.pids()) {
      const t = cpuTicks(pid);
      if (t === null) {
        missing++;
        continue;
      }
      ticks += t;
      rss += rssKiB(pid) ?? 0;
      pss += pssKiB(pid) ?? 0;
    }
    return { ticks, rss, pss, missing, at: performance.now() };
  }

  startupTimes() {
    const firsts = this.watches.map((w) => w.firstListedAt).filter((t) => t !== null);
    const fromFrame = this.watches
      .filter((w) => w.firstListedAt !== null && w.firstSegment?.pdt != null)
      .map((w) => w.firstListedAt - w.firstSegment.pdt);
    return {
      first: firsts.length ? Math.min(...firsts) - this.spawnAt : NaN,
      all: firsts.length === this.cameras ? Math.max(...firsts) - this.spawnAt : NaN,
      started: firsts.length,
      fromFrame,
    };
  }

  delays(from, to) {
    const out = { renamed: [], written: [], ended: [] };
    for (const w of this.watches) {
      const d = w.delays(from, to);
      out.renamed.push(...d.renamed);
      out.written.push(...d.written);
      out.ended.push(...d.ended);
    }
    return out;
  }

  finish() {
    for (const w of this.watches) {
      w.scan();
      w.close();
    }
  }

  // Segments per camera against the time the camera was recorded.
  account() {
    let recorded = 0;
    let wall = 0;
    let listed = 0;
    let lost = 0;
    let discontinuities = 0;
    const perCamera = [];
    this.folders.forEach((folder, i) => {
      const w = this.watches[i];
      // When the stream began for this recorder: dvr stamps the first frame's arrival
      // (PROGRAM-DATE-TIME); ffmpeg creates its first segment file once it has probed the
      // first packets, which that segment then holds.
      let wallFrom = this.spawnAt;
      if (this.kind === 'dvr' && w.firstSegment?.pdt != null) wallFrom = w.firstSegment.pdt;
      else if (this.kind !== 'dvr' && w.firstSegment) {
        const born = birthTime(path.join(folder, w.firstSegment.name));
        if (born) wallFrom = born;
      }
      const a = accountRecording(folder, { wallFrom, stoppedAt: this.stoppedAt, segmentDuration: SEGMENT_DURATION });
      recorded += a.recorded;
      wall += a.wall;
      listed += a.listed;
      lost += a.lost;
      discontinuities += a.discontinuities;
      perCamera.push(a);
    });
    return { recorded, wall, listed, lost, discontinuities, perCamera };
  }

  removeRecordings() {
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

// writer: dvrsink's writer property (lean, its default, or mpegtsmux); ingest: the
// camera's source (lean, the launcher's default dvrrtspsrc, or GStreamer's rtspsrc).
export class LauncherRun extends Run {
  constructor(ctx, cameras, mock, dir, { writer = 'lean', ingest = 'lean' } = {}) {
    super(ctx, 'dvr', cameras, mock, dir);
    this.writer = writer;
    this.ingest = ingest;
    const named = [writer !== 'lean' ? `writer=${writer}` : '', ingest !== 'lean' ? `ingest=${ingest}` : ''].filter(Boolean);
    this.name = ['dvr-launcher', ...named].join(' ');
  }

  async start() {
    this.port = await freePort();
    const preset = [
      '# Written by bench/run: every camera is a channel of one dvr-mock-camera.',
      '[server]',
      `listen = 127.0.0.1:${this.port}`,
      `storage = ${this.storage}`,
      '[dvr]',
      `segment-duration = ${SEGMENT_DURATION}`,
      'window = 0',
      'stall-timeout = 10',
      `writer = ${this.writer}`,
    ];
    for (let i = 1; i <= this.cameras; i++) {
      preset.push(`[camera ${cameraName(i)}]`, 'source = rtsp', `url = ${this.mock.url(i)}`, 'transport = tcp', `ingest = ${this.ingest}`);
    }
    const ini = path.join(this.dir, 'preset.ini');
    fs.writeFileSync(ini, `${preset.join('\n')}\n`);
    this.log = path.join(this.dir, 'launcher.log');
    this.spawnAt = Date.now();
    const [cmd, args, env] = this.command(this.ctx.paths.launcher, ['--preset', ini, '--storage', this.storage, '--listen', `127.0.0.1:${this.port}`]);
    this.procs = [
      start(cmd, args, {
        env,
        cwd: this.dir,
        stdout: this.log,
        stderr: this.log,
      }),
    ];
  }

  async status() {
    const r = await httpGet(this.port, '/api/cameras');
    if (r.status !== 200) return null;
    try {
      return JSON.parse(r.body.toString());
    } catch {
      return null;
    }
  }

  async stop() {
    this.stoppedAt = Date.now();
    // SIGINT: the launcher finishes each camera's last segment, as on Ctrl-C.
    this.stopResult = await stop(this.procs[0], 'SIGINT', 20000);
    this.finish();
  }
}

export class FfmpegRun extends Run {
  constructor(ctx, cameras, mock, dir) {
    super(ctx, 'ffmpeg', cameras, mock, dir);
    this.name = 'ffmpeg ×N';
  }

  async start() {
    this.log = path.join(this.dir, 'ffmpeg.log');
    this.spawnAt = Date.now();
    this.procs = this.folders.map((folder, i) => {
      const [cmd, args, env] = this.command('ffmpeg', [
        '-nostdin', '-v', 'error', '-rtsp_transport', 'tcp', '-i', this.mock.url(i + 1),
        '-c', 'copy', '-f', 'hls', '-hls_time', String(SEGMENT_DURATION), '-hls_list_size', '0',
        '-hls_segment_filename', `${folder}/seg%05d.ts`, `${folder}/live.m3u8`,
      ]);
      return start(cmd, args, { env, cwd: this.dir, stdout: 'ignore', stderr: this.log });
    });
  }

  async stop() {
    this.stoppedAt = Date.now();
    // SIGINT: ffmpeg closes its last segment and writes the playlist.
    const results = await Promise.all(this.procs.map((p) => stop(p, 'SIGINT', 20000)));
    this.stopResult = { forced: results.some((r) => r.forced) };
    this.finish();
  }
}

// Runs a recorder for `seconds` after every camera has started plus a warm-up,
// measuring CPU, memory and the camera server's CPU over that window.
export async function measure(run, { seconds, warmupS = 2, startTimeoutMs }) {
  await run.start();
  const started = await run.waitFirstSegments(startTimeoutMs);
  const startup = run.startupTimes();
  await sleep(warmupS * 1000);
  const mockTicks0 = cpuTicks(run.mock.proc.pid);
  const s0 = run.sample();
  const windowFrom = Date.now();
  let peakRss = s0.rss;
  const end = performance.now() + seconds * 1000;
  while (performance.now() < end) {
    await sleep(Math.min(2000, end - performance.now()));
    peakRss = Math.max(peakRss, run.sample().rss);
  }
  const s1 = run.sample();
  const mockTicks1 = cpuTicks(run.mock.proc.pid);
  const windowTo = Date.now();
  const elapsed = (s1.at - s0.at) / 1000;
  const status = run.status ? await run.status() : null;
  await run.stop();
  const account = run.account();
  return {
    cameras: run.cameras,
    recorder: run.name,
    started,
    startup,
    cpuCores: (s1.ticks - s0.ticks) / 100 / elapsed,
    mockCores: mockTicks0 !== null && mockTicks1 !== null ? (mockTicks1 - mockTicks0) / 100 / elapsed : NaN,
    rssMiB: s1.rss / 1024,
    peakRssMiB: peakRss / 1024,
    pssMiB: s1.pss / 1024,
    died: s1.missing,
    forcedStop: run.stopResult?.forced ?? false,
    delays: run.delays(windowFrom, windowTo),
    account,
    status,
    log: run.log,
  };
}
