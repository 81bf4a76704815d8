// The benchmarks of issue 7, run by bench/run (which makes the work folder,
// builds the playlist program and removes everything afterwards). Prints each
// table as it completes and writes them all to bench/RESULTS.md.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { run, stopAll, setGroupsFile, which } from './lib/proc.mjs';
import { remuxSection } from './lib/remux.mjs';
import { startMock } from './lib/recorders.mjs';
import { liveSection, startupSection } from './lib/live.mjs';
import { httpSection } from './lib/http.mjs';
import { playlistSection } from './lib/playlist.mjs';
import { archiveSection } from './lib/archive.mjs';
import { capacitySection } from './lib/capacity.mjs';
import { loadSection } from './lib/load.mjs';
import { f, table } from './lib/report.mjs';

const SECTIONS = ['remux', 'live', 'startup', 'http', 'playlist', 'archive', 'load', 'capacity'];

const CONFIG = {
  full: {
    remux: { seconds: 120, runs: 5, callgrindSeconds: 20 },
    live: { cameras: [1, 10, 50], seconds: 60, callgrindSeconds: 20 },
    startupRuns: 5,
    http: { cameras: 10, seconds: 10, connections: 16 },
    load: { cameras: 10, viewers: 500, seconds: 20 },
    capacity: { counts: [25, 50, 75, 100, 150], seconds: 30 },
  },
  quick: {
    remux: { seconds: 30, runs: 3, callgrindSeconds: 10 },
    live: { cameras: [1, 10], seconds: 20, callgrindSeconds: 10 },
    startupRuns: 1,
    http: { cameras: 4, seconds: 5, connections: 16 },
    load: { cameras: 4, viewers: 200, seconds: 10 },
    capacity: { counts: [10, 25, 50], seconds: 15 },
  },
};

function usage() {
  return `usage: bench/run [--quick] [--only SECTION[,SECTION...]]
  --quick   shorter inputs, fewer runs, fewer cameras (about 5 minutes instead of about 20)
  --only    run only some of: ${SECTIONS.join(', ')} (prints the tables; bench/RESULTS.md is
            written only by a run of every section)`;
}

function parseArgs(argv) {
  const o = { quick: false, only: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--quick') o.quick = true;
    else if (a === '--only' || a.startsWith('--only=')) {
      const v = a.includes('=') ? a.slice(7) : argv[++i];
      o.only = (v || '').split(',').filter(Boolean);
      const bad = o.only.filter((s) => !SECTIONS.includes(s));
      if (bad.length || !o.only.length) throw new Error(`unknown section ${bad.join(', ')}\n${usage()}`);
    } else if (a === '-h' || a === '--help') {
      console.log(usage());
      process.exit(0);
    } else throw new Error(`unknown argument ${a}\n${usage()}`);
  }
  return o;
}

async function firstLine(cmd, args, re = /.*/) {
  if (!which(cmd)) return 'not installed';
  const r = await run(cmd, args);
  const text = `${r.stdout}\n${r.stderr}`;
  const line = text.split('\n').find((l) => re.test(l));
  return line ? line.trim() : '?';
}

async function machine(root) {
  const cpu = (fs.readFileSync('/proc/cpuinfo', 'utf8').match(/^model name\s*:\s*(.*)$/m) || [])[1] || '?';
  const mem = Number((fs.readFileSync('/proc/meminfo', 'utf8').match(/^MemTotal:\s+(\d+)/m) || [])[1]) / 1048576;
  const osName = (fs.readFileSync('/etc/os-release', 'utf8').match(/^PRETTY_NAME="?([^"\n]*)/m) || [])[1] || '?';
  let buildtype = '?';
  try {
    const opts = JSON.parse(fs.readFileSync(path.join(root, 'build/meson-info/intro-buildoptions.json'), 'utf8'));
    buildtype = opts.find((o) => o.name === 'buildtype')?.value ?? '?';
  } catch {
    // not configured by meson
  }
  const git = await run('git', ['-C', root, 'rev-parse', '--short', 'HEAD']);
  const dirty = await run('git', ['-C', root, 'status', '--porcelain', '--untracked-files=no']);
  return {
    rows: [
      ['processors', `${os.cpus().length} (nproc), ${cpu}`],
      ['memory', `${f(mem, 1)} GiB`],
      ['system', `${osName}, Linux ${os.release()}`],
      ['GStreamer', await firstLine('gst-launch-1.0', ['--version'], /GStreamer/)],
      ['ffmpeg', await firstLine('ffmpeg', ['-version'], /^ffmpeg version/)],
      ['nginx', await firstLine('nginx', ['-v'], /nginx version/)],
      ['wrk', await firstLine('wrk', ['--version'], /^wrk/)],
      ['valgrind', await firstLine('valgrind', ['--version'], /valgrind/)],
      ['Node', process.version],
      ['g++', await firstLine('g++', ['--version'], /g\+\+/)],
      ['tree', `${git.stdout.trim() || '?'}${dirty.stdout.trim() ? ' with uncommitted changes' : ''}, meson buildtype ${buildtype}`],
    ],
  };
}

const loadavg = () => os.loadavg().map((x) => x.toFixed(2)).join(' ');

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const root = process.env.BENCH_ROOT;
  const work = process.env.BENCH_WORK;
  if (!root || !work) throw new Error('run me through bench/run');
  setGroupsFile(path.join(work, 'process-groups'));
  const mode = opts.quick ? 'quick' : 'full';
  const want = (s) => !opts.only || opts.only.includes(s);
  const startedAt = new Date();
  const t0 = performance.now();
  const sections = [];
  const say = (msg) => console.log(`\x1b[1m==> ${msg}\x1b[0m`);
  const ctx = {
    root,
    work,
    cache: process.env.BENCH_CACHE,
    cfg: CONFIG[mode],
    env: process.env,
    paths: {
      launcher: path.join(root, 'build/launcher/dvr-launcher'),
      mock: path.join(root, 'build/tools/mock-camera/dvr-mock-camera'),
    },
    playlistBuildError: process.env.BENCH_PLAYLIST_BUILD_ERROR,
    archiveBuildError: process.env.BENCH_ARCHIVE_BUILD_ERROR,
    say,
    emit(section) {
      section.load = loadavg();
      sections.push(section);
      console.log(`\n## ${section.title}\n`);
      if (section.table) console.log(`${section.table}\n`);
      else console.log(`${section.intro}\n`);
      if (section.extra) console.log(`${section.extra}\n`);
      if (section.meaning) console.log(`${section.meaning}\n`);
    },
  };
  const loadStart = loadavg();
  const info = await machine(root);
  say(`bench ${mode}: ${opts.only ? opts.only.join(', ') : 'all sections'}; work folder ${work}`);

  const headline = {};
  const attempt = async (id, title, fn) => {
    try {
      headline[id] = await fn();
    } catch (e) {
      ctx.emit({ id, title, intro: `Failed: ${e.message}` });
    }
  };
  if (want('remux')) await attempt('remux', '1. Remux cost', () => remuxSection(ctx));

  const needMock = ['live', 'startup', 'http', 'load', 'capacity'].filter(want);
  if (needMock.length) {
    const titles = { live: '2. Live cameras', startup: '3. Start-up and segment listing', http: '4. HTTP',
      load: '7. Load held, faults survived', capacity: '8. Capacity: 4 Mbit/s cameras with zero segments lost' };
    let mock = null;
    if (!fs.existsSync(ctx.paths.mock)) {
      for (const id of needMock) ctx.emit({ id, title: titles[id], intro: 'Not measured: there is no mock camera (build/tools/mock-camera/dvr-mock-camera).' });
    } else {
      try {
        const channels = Math.max(...(want('live') ? ctx.cfg.live.cameras : [1]), want('http') ? ctx.cfg.http.cameras : 1,
          want('load') ? ctx.cfg.load.cameras : 1, ...(want('capacity') ? ctx.cfg.capacity.counts : [1]));
        say(`starting dvr-mock-camera with ${channels} channel(s)`);
        mock = await startMock(ctx, channels);
      } catch (e) {
        for (const id of needMock) ctx.emit({ id, title: titles[id], intro: `Not measured: ${e.message}` });
      }
      if (mock) {
        let live = null;
        if (want('live')) await attempt('live', titles.live, async () => (live = await liveSection(ctx, mock)));
        if (want('startup')) await attempt('startup', titles.startup, () => startupSection(ctx, mock, live));
        if (want('http')) await attempt('http', titles.http, () => httpSection(ctx, mock));
        if (want('load')) await attempt('load', titles.load, () => loadSection(ctx, mock));
        if (want('capacity')) await attempt('capacity', titles.capacity, () => capacitySection(ctx, mock));
        await mock.stop();
      }
    }
  }
  if (want('playlist')) await attempt('playlist', '5. Playlist and index at scale', () => playlistSection(ctx));
  if (want('archive')) await attempt('archive', '6. Retention at scale', () => archiveSection(ctx));
  const minutes = (performance.now() - t0) / 60000;

  const summary = targets(headline, ctx.cfg);
  if (summary) {
    console.log('\n## Against the targets of issue 7\n');
    console.log(`${summary}\n`);
  }
  say(`done in ${f(minutes, 1)} minutes`);
  if (opts.only) {
    say('--only: bench/RESULTS.md left as it was');
    return;
  }
  const order = ['remux', 'remux-ir', 'live', 'startup', 'http', 'playlist', 'archive', 'load', 'capacity'];
  sections.sort((a, b) => order.indexOf(a.id) - order.indexOf(b.id));
  const md = [
    '# Benchmark results',
    '',
    `Written by \`./dvr bench${opts.quick ? ' --quick' : ''}\` (bench/run) on ${startedAt.toISOString().replace('T', ' ').slice(0, 16)} UTC; ` +
      `the run took ${f(minutes, 1)} minutes. ${opts.quick ? 'Quick run: shorter inputs, fewer runs and cameras; `./dvr bench` runs the full set. ' : ''}` +
      `Load average (1, 5, 15 min) ${loadStart} at the start and ${loadavg()} at the end: the machine is shared, so read the ` +
      'seconds with their spread and lean on the instruction counts where they differ.',
    '',
    table(['machine', ''], info.rows),
    '',
  ];
  if (summary) md.push('## Against the targets of issue 7', '', summary, '');
  for (const s of sections) {
    md.push(`## ${s.title}`, '', s.intro, '');
    if (s.table) md.push(s.table, '');
    if (s.extra) md.push(s.extra, '');
    if (s.meaning) md.push(`**What this means.** ${s.meaning}`, '');
  }
  md.push(
    '## Running it',
    '',
    '`./dvr bench` builds the project and runs everything (about 20 minutes on 2 cores); `./dvr bench --quick` (or ' +
      '`bench/run --quick` on a built tree) about 5 minutes; `bench/run --only live,http` runs some sections and prints ' +
      'them without touching this file. Inputs are cached in ~/.cache/stream-dvr-bench/; everything else lives in a ' +
      'temporary folder that is removed at the end, and every process the bench starts is stopped, on Ctrl-C too.',
    '',
  );
  fs.writeFileSync(path.join(root, 'bench/RESULTS.md'), md.join('\n'));
  say('written to bench/RESULTS.md');
}

function targets(h, cfg) {
  const rows = [];
  const yes = (ok) => (ok === null ? '–' : ok ? 'met' : '**not met**');
  const known = (...xs) => xs.every(Number.isFinite);
  if (h.remux) {
    // One pair of rows per input; the target is in CPU seconds, and the instruction
    // counts, which repeat exactly, get a verdict of their own.
    const verdict = (cpuOk, irOk) => {
      if (cpuOk === null) return yes(irOk);
      if (irOk === null || irOk === cpuOk) return yes(cpuOk);
      return `CPU s ${yes(cpuOk)}; instructions ${yes(irOk)}`;
    };
    // MPEG-TS input twice: behind tsdemux ! h264parse, and taken as it is.
    const variants = Object.values(h.remux).flatMap((r) =>
      r.dvrsinkDirectPerHour === undefined
        ? [r]
        : [r, { ...r, label: `${r.label}, taken as it is`, dvrsinkPerHour: r.dvrsinkDirectPerHour, irDvrsink: r.irDvrsinkDirect, copyFloorPerHour: r.catPerHour, dvrsinkNoSyncPerHour: undefined }],
    );
    for (const r of variants) {
      const { label, dvrsinkPerHour: d, ffmpegPerHour: ff, hlssink2PerHour: hs, irDvrsink: id, irFfmpeg: iff, irHlssink2: ih, copyFloorPerHour: cf } = r;
      // What reading the input and writing its video to one file costs, with nothing else.
      const floorText = known(cf, ff) ? `; read/write floor ${(cf / ff).toFixed(2)}×` : '';
      const noSync = r.dvrsinkNoSyncPerHour;
      const noSyncText = known(noSync, ff) ? `; fsync=false ${(noSync / ff).toFixed(2)}×` : '';
      rows.push([
        `Remux CPU per hour of video ≤ 0.5× ffmpeg (${label} input)`,
        `${f(d, 1)} s vs ${f(ff, 1)} s: ${known(d, ff) ? (d / ff).toFixed(2) : '–'}×${known(id, iff) ? `; instructions ${(id / iff).toFixed(2)}×` : ''}${noSyncText}${floorText}`,
        verdict(known(d, ff) ? d <= ff / 2 : null, known(id, iff) ? id <= iff / 2 : null),
      ]);
      rows.push([
        `Remux CPU ≤ 1/8 of stock hlssink2 (${label} input)`,
        `${f(d, 1)} s vs ${f(hs, 1)} s: ${known(d, hs) ? (d / hs).toFixed(2) : '–'}×${known(id, ih) ? `; instructions ${(id / ih).toFixed(2)}×` : ''}`,
        verdict(known(d, hs) ? d <= hs / 8 : null, known(id, ih) ? id <= ih / 8 : null),
      ]);
    }
  }
  if (h.live) {
    const n = Math.max(...cfg.live.cameras);
    const l = h.live.find((r) => r.cameras === n && r.recorder === 'dvr-launcher');
    const fr = h.live.find((r) => r.cameras === n && r.recorder === 'ffmpeg ×N');
    const l1 = h.live.find((r) => r.cameras === 1 && r.recorder === 'dvr-launcher');
    const lost = h.live.filter((r) => r.recorder.startsWith('dvr-launcher')).reduce((a, r) => a + r.account.lost, 0);
    const started = h.live.filter((r) => r.recorder.startsWith('dvr-launcher')).every((r) => r.started === r.cameras);
    rows.push([`${n} cameras recorded, no segment lost`, `${lost} lost over all launcher runs${started ? '' : '; not every camera started'}`, yes(lost === 0 && started)]);
    if (l && fr) {
      const a = l.cpuCores / n;
      const b = fr.cpuCores / n;
      const cg = h.live.callgrind;
      const irText = cg ? `; instructions, 1 camera: ${(cg.launcherPerS / cg.ffmpegPerS).toFixed(2)}×` : '';
      rows.push([`CPU per camera ≤ ffmpeg's (${n} cameras)`, `${f(a * 100, 2)} % vs ${f(b * 100, 2)} % of a core: ${(a / b).toFixed(2)}×${irText}`, yes(a <= b)]);
    }
    if (l && l1 && n > 1) {
      const added = (l.pssMiB - l1.pssMiB) / (n - 1);
      rows.push(['Memory per added camera ≤ 8 MiB', `${f(added, 1)} MiB (1 → ${n} cameras)`, yes(added <= 8)]);
    }
  }
  if (h.startup) {
    rows.push(['Finished segment listed within 50 ms', `rename → listed p99 ${f(h.startup.renamedP99, 0)} ms`, yes(Number.isFinite(h.startup.renamedP99) ? h.startup.renamedP99 <= 50 : null)]);
    rows.push(['First segment within segment-duration + 1 s of the first keyframe', `${f(h.startup.firstFromFrame, 0)} ms (target 3000)`, yes(Number.isFinite(h.startup.firstFromFrame) ? h.startup.firstFromFrame <= 3000 : null)]);
  }
  if (h.http) {
    const r = h.http.launcherSegmentRps / h.http.nginxSegmentRps;
    rows.push(['HTTP segments ≥ 0.5× nginx, recording unaffected', `${f(h.http.launcherSegmentRps, 0)} vs ${f(h.http.nginxSegmentRps, 0)} requests/s: ${f(r, 2)}×; ${h.http.lost} segment(s) lost`, yes(Number.isFinite(r) ? r >= 0.5 && h.http.lost === 0 : null)]);
  }
  if (h.playlist) {
    rows.push(['Playlist render, 2-hour window < 1 ms', `${f(h.playlist.render2hMs, 3)} ms (median)`, yes(Number.isFinite(h.playlist.render2hMs) ? h.playlist.render2hMs < 1 : null)]);
  }
  if (h.archive) {
    const a = h.archive;
    rows.push(['New segment ≤ 2 ms of index work at any retention', `${f(a.addWorstMs, 2)} ms (worst median, 2 h to 30 days)`, yes(a.addWorstMs <= 2)]);
    rows.push(['Hour page ≤ 1 ms', `${f(a.pageWorstMs, 2)} ms`, yes(a.pageWorstMs <= 1)]);
    rows.push(['ranges for 30 days ≤ 50 ms', `${f(a.rangesMonthMs, 2)} ms`, yes(a.rangesMonthMs <= 50)]);
    rows.push(['50 cameras × 30 days open within 5 s, indexes ≤ 256 MiB', `${f(a.fiftyOpenMs, 0)} ms, ${f(a.fiftyHeapMiB, 1)} MiB`, yes(a.fiftyOpenMs <= 5000 && a.fiftyHeapMiB <= 256)]);
  }
  return rows.length ? table(['target', 'measured', ''], rows) : null;
}

let stopping = false;
async function shutdown(code) {
  if (stopping) return;
  stopping = true;
  await stopAll();
  process.exit(code);
}
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => {
    console.error(`\nbench: ${sig}, stopping everything it started`);
    shutdown(130);
  });
}
main().then(
  () => shutdown(0),
  (e) => {
    console.error(`bench: ${e.message}`);
    shutdown(1);
  },
);
