// 2. Live cameras: N mock cameras recorded by one dvr-launcher against N ffmpeg
// processes on the same streams. 3. Start-up and the delay from a finished
// segment to its listing.
import fs from 'node:fs';
import path from 'node:path';
import { LauncherRun, FfmpegRun, measure, SEGMENT_DURATION } from './recorders.mjs';
import { readCallgrind } from './callgrind.mjs';
import { median, percentile, min, max, f, ratio, table } from './report.mjs';
import { run as runCmd, sleep, tail, which } from './proc.mjs';

const startTimeout = (n) => 20000 + 500 * n;

// One recorder on one camera under callgrind, counting only a window of steady
// recording: instrumentation off at start (`--instr-atstart=no`), switched on with
// `callgrind_control -i on` once the camera has listed its first segment and
// recorded warmupS more, dumped with `callgrind_control -d` windowS later. The dump
// is <out>.1; what runs after it (the stop) goes into <out> at exit, not counted.
async function callgrindWindow(ctx, make, { warmupS, windowS }) {
  const dir = path.join(ctx.work, 'live-callgrind');
  fs.rmSync(dir, { recursive: true, force: true });
  const cgDir = path.join(dir, 'callgrind');
  fs.mkdirSync(cgDir, { recursive: true });
  const rec = make(path.join(dir, 'recording'));
  const shim = path.join(ctx.work, 'valgrind_shim.so');
  rec.wrap = {
    cmd: 'valgrind',
    args: ['--tool=callgrind', '--instr-atstart=no', `--callgrind-out-file=${cgDir}/cg.%p.out`],
    env: rec instanceof FfmpegRun && fs.existsSync(shim) ? { LD_PRELOAD: shim } : {},
  };
  const control = async (...args) => {
    const r = await runCmd('callgrind_control', [...args, String(rec.pids()[0])]);
    if (r.code !== 0 || !/OK/.test(r.stdout)) throw new Error(`callgrind_control ${args.join(' ')}: ${(r.stdout + r.stderr).trim().slice(0, 200)}`);
  };
  let stopped = false;
  try {
    await rec.start();
    if ((await rec.waitFirstSegments(120000)) < 1) throw new Error(`${rec.name} under callgrind listed no segment in 120 s; log: ${tail(rec.log, 5)}`);
    await sleep(warmupS * 1000);
    await control('-i', 'on');
    const t0 = performance.now();
    await sleep(windowS * 1000);
    await control('-d');
    const seconds = (performance.now() - t0) / 1000;
    await rec.stop();
    stopped = true;
    const dumps = fs.readdirSync(cgDir).filter((n) => /\.out\.\d+$/.test(n));
    if (dumps.length !== 1) throw new Error(`expected one callgrind dump, found ${dumps.length}`);
    const counts = readCallgrind(path.join(cgDir, dumps[0]));
    const account = rec.account();
    return { name: rec.name, seconds, total: counts.total, objects: counts.objects, recordedShare: account.recorded / account.wall };
  } finally {
    if (rec.procs.length && !stopped) await rec.stop().catch(() => {});
    rec.removeRecordings();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

// The launcher's own cost per shared object, in groups.
const GROUPS = [
  ['RTSP/RTP: rtspsrc, rtpbin, the depayloader and their libraries', (o) => /^libgst(rtsp|rtp|rtpmanager|sdp)(-1\.0)?\.so/.test(o)],
  ['libgstdvr.so: dvrrtspsrc, dvrsink, dvrindex, the lean writer', (o) => o.startsWith('libgstdvr.so')],
  ['GStreamer core and base (libgstreamer, libgstbase)', (o) => /^libgst(reamer|base)-1\.0\.so/.test(o)],
  ['other GStreamer plugins and libraries', (o) => o.startsWith('libgst')],
  ['GLib, GObject, GIO', (o) => /^lib(glib|gobject|gio|gmodule)-2\.0\.so/.test(o)],
  ['libc', (o) => /^libc\.so/.test(o)],
  ['dvr-launcher itself', (o) => o === 'dvr-launcher'],
];
function grouped(objects) {
  const sums = new Map([...GROUPS.map(([g]) => [g, 0]), ['everything else', 0]]);
  for (const [o, v] of objects) {
    const g = GROUPS.find(([, test]) => test(o));
    sums.set(g ? g[0] : 'everything else', sums.get(g ? g[0] : 'everything else') + v);
  }
  return sums;
}


export async function liveSection(ctx, mock) {
  const { cameras, seconds } = ctx.cfg.live;
  const results = [];
  for (const n of cameras) {
    // The launcher as it comes, with dvrsink's other writer, with GStreamer's
    // rtspsrc instead of its own source, then ffmpeg.
    const makers = [
      (dir) => new LauncherRun(ctx, n, mock, dir),
      (dir) => new LauncherRun(ctx, n, mock, dir, { writer: 'mpegtsmux' }),
      (dir) => new LauncherRun(ctx, n, mock, dir, { ingest: 'rtspsrc' }),
      (dir) => new FfmpegRun(ctx, n, mock, dir),
    ];
    for (const make of makers) {
      const run = make(path.join(ctx.work, `live-${n}`));
      ctx.say(`live: ${n} camera(s), ${run.name}, ${seconds} s`);
      const r = await measure(run, { seconds, startTimeoutMs: startTimeout(n) });
      if (r.started < n) r.note = `only ${r.started} of ${n} cameras listed a segment within ${startTimeout(n) / 1000} s; log: ${tail(r.log, 5)}`;
      run.removeRecordings();
      results.push(r);
      if (r.note) ctx.say(r.note);
    }
  }

  // Instruction counts of one camera's recording, launcher against ffmpeg.
  let cg = null;
  let cgError = '';
  if (!which('valgrind') || !which('callgrind_control')) cgError = 'valgrind is not installed (Debian package valgrind)';
  else {
    try {
      cg = {};
      const makers = {
        launcher: (dir) => new LauncherRun(ctx, 1, mock, dir),
        rtspsrc: (dir) => new LauncherRun(ctx, 1, mock, dir, { ingest: 'rtspsrc' }),
        ffmpeg: (dir) => new FfmpegRun(ctx, 1, mock, dir),
      };
      for (const [id, make] of Object.entries(makers)) {
        ctx.say(`live: 1 camera, ${id} under callgrind, ${ctx.cfg.live.callgrindSeconds} s window`);
        cg[id] = await callgrindWindow(ctx, make, { warmupS: 4, windowS: ctx.cfg.live.callgrindSeconds });
      }
    } catch (e) {
      cg = null;
      cgError = e.message;
    }
  }

  const find = (n, name) => results.find((r) => r.cameras === n && r.recorder === name);
  const perCamCpu = (r) => r.cpuCores / r.cameras;
  const rows = results.map((r) => {
    const one = find(1, r.recorder);
    const dvr = r.recorder.startsWith('dvr-launcher');
    const other = find(r.cameras, dvr ? 'ffmpeg ×N' : 'dvr-launcher');
    const added = r.cameras > 1 && one ? (r.pssMiB - one.pssMiB) / (r.cameras - 1) : NaN;
    const a = r.account;
    return [
      r.cameras,
      r.recorder === 'ffmpeg ×N' ? `ffmpeg ×${r.cameras}` : r.recorder,
      f(r.cpuCores * 100, 1),
      f(perCamCpu(r) * 100, 2),
      f(perCamCpu(r) * 3600, 0),
      dvr ? ratio(perCamCpu(r), other ? perCamCpu(other) : NaN) : '',
      f(r.pssMiB, 0),
      f(r.pssMiB / r.cameras, 1),
      f(added, 1),
      a.listed,
      `**${a.lost}**`,
      `${f((100 * a.recorded) / a.wall, 1)} %`,
      f(r.mockCores * 100, 0),
    ];
  });
  const liveTable = table(
    [
      'cameras',
      'recorder',
      'CPU % of one core',
      'per camera',
      'CPU s per camera-hour',
      'vs ffmpeg',
      'memory (PSS) MiB',
      'per camera',
      'per added camera',
      'segments listed',
      'lost',
      'media recorded / wall time',
      'camera server CPU %',
    ],
    rows,
  );
  const notes = results
    .filter((r) => r.note || r.died || r.forcedStop || r.account.discontinuities)
    .map(
      (r) =>
        `- ${r.cameras} × ${r.recorder}: ${[
          r.note,
          r.died ? `${r.died} process(es) died during the run` : '',
          r.forcedStop ? 'did not stop within 20 s of SIGINT and was killed' : '',
          r.account.discontinuities ? `${r.account.discontinuities} discontinuities after the first segment` : '',
        ]
          .filter(Boolean)
          .join('; ')}`,
    );
  const biggest = Math.max(...cameras);
  const lb = find(biggest, 'dvr-launcher');
  const fb = find(biggest, 'ffmpeg ×N');
  const lost = results.filter((r) => r.recorder.startsWith('dvr-launcher')).reduce((a, r) => a + r.account.lost, 0);
  const addedBig = lb && find(1, 'dvr-launcher') ? (lb.pssMiB - find(1, 'dvr-launcher').pssMiB) / (biggest - 1) : NaN;
  // The callgrind window: totals, and where the launcher's instructions go.
  let cgExtra = `Instruction counts: not measured (${cgError}).`;
  let cgMeaning = '';
  if (cg) {
    const L = cg.launcher;
    const R = cg.rtspsrc;
    const F = cg.ffmpeg;
    const perS = (x) => x.total / x.seconds;
    const cgRows = [L, R, F].map((x) => [
      x.name === 'ffmpeg ×N' ? 'ffmpeg' : x.name,
      f(x.seconds, 1),
      f(x.total / 1e6, 0),
      f(perS(x) / 1e6, 2),
      f((perS(x) * 3600) / 1e9, 1),
      x === F ? '' : ratio(perS(x), perS(F)),
      `${f(100 * x.recordedShare, 1)} %`,
    ]);
    const cgTable = table(['recorder, 1 camera', 'window s', 'instructions, millions', 'millions per second', 'billions per camera-hour', 'vs ffmpeg', 'media recorded / wall time (whole run)'], cgRows);
    const groupsL = grouped(L.objects);
    const groupsR = grouped(R.objects);
    const perSecond = (groups, x, g) => (groups.get(g) ?? 0) / x.seconds;
    const groupRows = [...groupsL.keys()].map((g) => [
      g,
      f(perSecond(groupsR, R, g) / 1e6, 2),
      f(perSecond(groupsL, L, g) / 1e6, 2),
      `${f((100 * (groupsL.get(g) ?? 0)) / L.total, 1)} %`,
    ]);
    const groupTable = table(
      ['shared objects (own cost), launcher windows', `${R.name}: millions per second`, `${L.name}: millions per second`, `of ${L.name}'s window`],
      groupRows,
    );
    const ffTop = [...F.objects.entries()].sort((a, b) => b[1] - a[1]).slice(0, 4);
    const ffRest = F.total - ffTop.reduce((a, [, v]) => a + v, 0);
    const ffTable = table(
      ['shared objects (own cost), ffmpeg window', 'instructions, millions', 'of the window'],
      [...ffTop.map(([o, v]) => [o.replace(/\.so[.\d]*$/, '.so'), f(v / 1e6, 1), `${f((100 * v) / F.total, 1)} %`]), ['everything else', f(ffRest / 1e6, 1), `${f((100 * ffRest) / F.total, 1)} %`]],
    );
    const [rtp, dvr, core, , glib] = GROUPS.map(([g]) => g);
    const shareR = (g) => (100 * (groupsR.get(g) ?? 0)) / R.total;
    cgExtra =
      'Instruction counts of one camera (channel 1) recorded by each recorder alone under `valgrind --tool=callgrind ' +
      '--instr-atstart=no`: instrumentation is switched on with `callgrind_control -i on PID` 4 s after the camera listed ' +
      `its first segment and the counts are dumped with \`callgrind_control -d PID\` ${ctx.cfg.live.callgrindSeconds} s later; ` +
      'only that dump is read (start-up and stop are not counted). User-space instructions only; the window is wall time ' +
      'measured around the two commands. The last column checks that the recorder kept up with the stream under valgrind ' +
      '(ffmpeg\'s lies above 100 % for the reason given above: its wall time starts at its first segment file, made after probing).\n\n' +
      `${cgTable}\n\n${groupTable}\n\n${ffTable}`;
    cgMeaning =
      `Where the launcher's CPU goes, from the callgrind windows above: with its own RTSP source (dvrrtspsrc, the default) ` +
      `${f(perS(L) / 1e6, 2)} million instructions per second of stream, ${ratio(perS(L), perS(F))} ffmpeg's ${f(perS(F) / 1e6, 2)} million ` +
      `and ${ratio(perS(L), perS(R))} of the ${f(perS(R) / 1e6, 2)} million it spends with GStreamer's rtspsrc. ` +
      `With rtspsrc, ${f(shareR(rtp), 0)} % of the count is RTSP/RTP (rtspsrc, rtpbin, rtph264depay and their libraries), ` +
      `${f(shareR(core), 0)} % GStreamer core and base and ${f(shareR(glib), 0)} % GLib/GObject/GIO, most of it spent per RTP packet ` +
      '(about 360 a second at 4 Mbit/s) as each one crosses rtpsession, the jitter buffer\'s thread, the payload demuxer and the ' +
      `depayloader; dvrrtspsrc reads the connection in large blocks and depayloads inside one element, so one buffer per ` +
      `frame crosses a pad, and the whole launcher's own code (${dvr}) comes to ${f(perSecond(groupsL, L, dvr) / 1e6, 2)} million per second.`;
  }

  ctx.emit({
    id: 'live',
    title: '2. Live cameras',
    intro:
      `One \`dvr-mock-camera --channels ${biggest}\` serves pre-encoded 1920x1080 25 fps H.264 at 4 Mbit/s (GOP 50) over RTSP/TCP on 127.0.0.1. ` +
      `N of its channels are recorded either by one \`dvr-launcher\` (a generated preset, \`source = rtsp\`, 2 s segments; once with ` +
      "its defaults (`ingest = lean`: dvrrtspsrc, and dvrsink's `writer = lean`), once with `writer = mpegtsmux`, once with " +
      "`ingest = rtspsrc`: GStreamer's rtspsrc, rtpbin and rtph264depay) or by N " +
      '`ffmpeg -rtsp_transport tcp -i URL -c copy -f hls -hls_time 2` processes, one after the other on the same streams. ' +
      `CPU is utime+stime from /proc/PID/stat over ${seconds} s, counted from 2 s after every camera listed its first segment ` +
      '(so start-up is left out), summed over the recorder\'s processes. Memory is the proportional set size (PSS, ' +
      'from /proc/PID/smaps_rollup) at the end of the window, which counts shared libraries once across the ffmpeg processes; ' +
      '"per added camera" is (memory at N − memory at 1) / (N − 1). Segments: the recorder is stopped with SIGINT at the ' +
      'end and its playlists are read. "Media recorded / wall time" sums the EXTINF of every camera against the time from ' +
      "the stream's first frame (dvr: the first PROGRAM-DATE-TIME; ffmpeg: the creation time of its first segment file, " +
      'made once it has probed the first packets) to the stop. A camera whose media falls short of its wall time by more ' +
      `than 1.5 s, or whose ` +
      `consecutive PROGRAM-DATE-TIMEs leave a gap, counts the missing time as lost ${SEGMENT_DURATION} s segments. ` +
      "The camera server's own CPU is shown for context.",
    table: liveTable,
    extra: [cgExtra, notes.length ? `Notes:\n\n${notes.join('\n')}` : ''].filter(Boolean).join('\n\n'),
    meaning:
      `With ${biggest} cameras, the launcher used ${f(lb ? perCamCpu(lb) * 100 : NaN, 2)} % of a core per camera against ` +
      `${f(fb ? perCamCpu(fb) * 100 : NaN, 2)} % for ffmpeg (${ratio(lb ? perCamCpu(lb) : NaN, fb ? perCamCpu(fb) : NaN)}; target: at most 1×), ` +
      `${f(addedBig, 1)} MiB per added camera (target: at most 8), and lost ${lost} segment(s) over all launcher runs (target: 0). ` +
      'The kernel counts CPU time in 10 ms ticks, so the 1-camera rows rest on a few dozen ticks and are coarse; the ' +
      'rows with more cameras are the steadier ones. Both recorders share two cores with the camera server, the bench and whatever else the machine ' +
      'runs, so the rows with many cameras are measured under load; the camera server\'s CPU is not in either column. ' +
      cgMeaning,
  });
  if (cg)
    results.callgrind = {
      launcherPerS: cg.launcher.total / cg.launcher.seconds,
      rtspsrcPerS: cg.rtspsrc.total / cg.rtspsrc.seconds,
      ffmpegPerS: cg.ffmpeg.total / cg.ffmpeg.seconds,
    };
  return results;
}

export async function startupSection(ctx, mock, liveResults) {
  const reps = ctx.cfg.startupRuns;
  const solo = { 'dvr-launcher': [], 'ffmpeg ×N': [] };
  for (let i = 0; i < reps; i++) {
    for (const Kind of [LauncherRun, FfmpegRun]) {
      const run = new Kind(ctx, 1, mock, path.join(ctx.work, 'startup'));
      await run.start();
      await run.waitFirstSegments(startTimeout(1));
      const t = run.startupTimes();
      await run.stop();
      run.removeRecordings();
      solo[run.name].push(t);
    }
  }
  ctx.say(`start-up: ${reps} runs of each done`);
  const ms = (x) => f(x, 0);
  const spread = (v) => (v.filter(Number.isFinite).length > 1 ? `${ms(min(v))}–${ms(max(v))}` : '');
  const rows = [];
  for (const [name, ts] of Object.entries(solo)) {
    const first = ts.map((t) => t.first);
    const frame = ts.flatMap((t) => t.fromFrame);
    rows.push([name === 'ffmpeg ×N' ? 'ffmpeg' : name, 1, reps === 1 ? 'fresh start' : `${reps} fresh starts`, ms(median(first)), spread(first), '', name === 'dvr-launcher' ? ms(median(frame)) : '']);
  }
  for (const r of liveResults ?? []) {
    rows.push([
      r.recorder === 'ffmpeg ×N' ? `ffmpeg ×${r.cameras}` : r.recorder,
      r.cameras,
      'live run',
      ms(r.startup.first),
      '',
      r.cameras > 1 ? ms(r.startup.all) : '',
      r.recorder.startsWith('dvr-launcher') ? ms(median(r.startup.fromFrame)) : '',
    ]);
  }
  const startTable = table(
    ['recorder', 'cameras', 'from', 'start → first segment listed, ms', 'min–max', 'start → every camera listed, ms', 'first frame → first segment listed, ms (median)'],
    rows,
  );

  const delayRows = [];
  for (const r of liveResults ?? []) {
    const d = r.delays;
    const dvr = r.recorder.startsWith('dvr-launcher');
    const p = (v) => (v.length ? `${ms(percentile(v, 50))} / ${ms(percentile(v, 99))} / ${ms(max(v))}` : '–');
    delayRows.push([
      r.cameras,
      dvr ? r.recorder : `ffmpeg ×${r.cameras}`,
      d.written.length,
      dvr ? p(d.renamed) : 'n/a (written in place)',
      p(d.written),
      dvr ? p(d.ended) : 'n/a',
    ]);
  }
  const delayTable = table(
    ['cameras', 'recorder', 'segments', 'rename → listed, ms p50 / p99 / max', 'last write → listed, ms p50 / p99 / max', 'last frame → listed, ms p50 / p99 / max'],
    delayRows,
  );
  const l1 = solo['dvr-launcher'];
  const f1 = solo['ffmpeg ×N'];
  const renamed = (liveResults ?? []).filter((r) => r.recorder === 'dvr-launcher').flatMap((r) => r.delays.renamed);
  const p99 = percentile(renamed, 99);
  const fromFrame = median(l1.flatMap((t) => t.fromFrame));
  ctx.emit({
    id: 'startup',
    title: '3. Start-up and segment listing',
    intro:
      'Start: from spawning the recorder to the modification time of the first playlist that lists a segment ' +
      `(each camera's folder is watched with inotify; times are the kernel's file time stamps). One camera, ${reps} fresh ` +
      `start${reps === 1 ? '' : 's'} of each recorder${reps === 1 ? '' : ' in turn'}, plus the starts of the live runs above. ` +
      '"First frame" is the first segment\'s ' +
      'PROGRAM-DATE-TIME: the local clock when that frame reached rtspsrc (dvrindex subtracts the time the frame spent in the ' +
      'pipeline, measured on the pipeline clock).',
    table: startTable,
    extra:
      'How long a finished segment takes to reach the playlist, over the measurement windows of the live runs: ' +
      '"rename" is the segment file\'s ctime (set by the rename into place), "last write" its mtime, "last frame" the end of ' +
      'its media by PROGRAM-DATE-TIME + EXTINF; "listed" is the mtime of the first playlist naming it.\n\n' +
      delayTable,
    meaning:
      `A renamed segment was listed within ${ms(p99)} ms at the 99th percentile over all launcher runs (target: 50 ms): ` +
      'the index journals it (fdatasync) and rewrites the playlist right after the rename. The first segment of a ' +
      `camera is listed ${ms(fromFrame)} ms after its first frame (target: segment-duration + 1 s = ${SEGMENT_DURATION * 1000 + 1000} ms), ` +
      `${ms(median(l1.map((t) => t.first)))} ms after the launcher starts against ${ms(median(f1.map((t) => t.first)))} ms for ffmpeg. ` +
      'dvrsink\'s own writer (the default, writer=lean) closes a segment at the keyframe that ends it, so a segment is ' +
      'listed tens of milliseconds after its last frame and the first one about one segment-duration after its first frame. ' +
      'With writer=mpegtsmux, splitmuxsink gathers each GOP whole before deciding which fragment it goes in: a segment closes ' +
      'only when the GOP after it is complete, one GOP (2 s here) later. The first segment was once twice as long: over RTSP ' +
      'the first keyframe lands about 60 ms late, so the next one fell just short of the 2 s cut; segments are now cut at the ' +
      'first keyframe a tenth of the segment duration short of it (200 ms at most). ' +
      '"Last write → listed" adds the file and folder fsyncs, which ffmpeg does not do. ' +
      'Time stamps have the kernel clock tick\'s granularity (a few ms).',
  });
  return { renamedP99: p99, firstFromFrame: fromFrame };
}
