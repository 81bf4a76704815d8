// 2. Live cameras: N mock cameras recorded by one dvr-launcher against N ffmpeg
// processes on the same streams. 3. Start-up and the delay from a finished
// segment to its listing.
import path from 'node:path';
import { LauncherRun, FfmpegRun, measure, SEGMENT_DURATION } from './recorders.mjs';
import { median, percentile, min, max, f, ratio, table } from './report.mjs';
import { tail } from './proc.mjs';

const startTimeout = (n) => 20000 + 500 * n;

export async function liveSection(ctx, mock) {
  const { cameras, seconds } = ctx.cfg.live;
  const results = [];
  for (const n of cameras) {
    // The launcher with each of dvrsink's muxers, then ffmpeg.
    const makers = [
      (dir) => new LauncherRun(ctx, n, mock, dir, 'lean'),
      (dir) => new LauncherRun(ctx, n, mock, dir, 'mpegtsmux'),
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
  ctx.emit({
    id: 'live',
    title: '2. Live cameras',
    intro:
      `One \`dvr-mock-camera --channels ${biggest}\` serves pre-encoded 1920x1080 25 fps H.264 at 4 Mbit/s (GOP 50) over RTSP/TCP on 127.0.0.1. ` +
      `N of its channels are recorded either by one \`dvr-launcher\` (a generated preset, \`source = rtsp\`, 2 s segments; once with ` +
      "dvrsink's default `muxer = lean`, once with `muxer = mpegtsmux`) or by N " +
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
    extra: notes.length ? `Notes:\n\n${notes.join('\n')}` : '',
    meaning:
      `With ${biggest} cameras, the launcher used ${f(lb ? perCamCpu(lb) * 100 : NaN, 2)} % of a core per camera against ` +
      `${f(fb ? perCamCpu(fb) * 100 : NaN, 2)} % for ffmpeg (${ratio(lb ? perCamCpu(lb) : NaN, fb ? perCamCpu(fb) : NaN)}; target: at most 1×), ` +
      `${f(addedBig, 1)} MiB per added camera (target: at most 8), and lost ${lost} segment(s) over all launcher runs (target: 0). ` +
      'The kernel counts CPU time in 10 ms ticks, so the 1-camera rows rest on a few dozen ticks and are coarse; the ' +
      'rows with more cameras are the steadier ones. Both recorders share two cores with the camera server, the bench and whatever else the machine ' +
      'runs, so the rows with many cameras are measured under load; the camera server\'s CPU is not in either column. ' +
      'Where the launcher\'s CPU goes, from callgrind (user-space instructions; `valgrind --tool=callgrind --separate-threads=yes` ' +
      'on a launcher recording one mock camera, instrumentation switched on after 12 s and counted for 20 s: 8447 RTP packets, ' +
      'about 10 MB): 746 million instructions, 88 thousand per RTP packet, against 154 million for ffmpeg on the same stream ' +
      '(4.8×). By thread: splitmuxsink\'s muxer thread, mpegtsmux packetizing into 188-byte buffers and giostreamsink writing each ' +
      'one through GOutputStream, 60 %, and splitmuxsink\'s sink queue 2 % (the lean MPEG-TS writer is meant to replace these); ' +
      'rtspsrc reading the interleaved TCP stream, the RTP session and the jitterbuffer\'s input 19 %; the jitterbuffer\'s ' +
      'output, rtph264depay, h264parse (avc turned into byte-stream) and splitmuxsink\'s input 18 %, of which dvrindex is ' +
      '2 %; the launcher\'s main loop (stall watchdog, status, the probe counting buffers) 0.4 %. Tried, and within 1.5 % per ' +
      'packet, so not kept: jitterbuffer latency 0, do-retransmission off with buffer-mode none; asking the depayloader for ' +
      'byte-stream made that thread 16 % dearer (h264parse then scans for start codes instead of reading NAL lengths). ' +
      'The GStreamer ingest alone (rtspsrc to dvrindex, 276 million) is 1.8× ffmpeg\'s whole run in instructions, so a ' +
      'lean writer closes most of the gap but not all of it.',
  });
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
      'pipeline, measured on the pipeline clock). Over TCP the jitterbuffer passes packets that arrive in order at once, so ' +
      'its latency (200 ms) delays nothing here: with latency 0 the first segment came no sooner (3955 against 3953 ms, ' +
      'medians of 5 starts).',
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
      'dvrsink\'s own writer (muxer=lean, the default) closes a segment at the keyframe that ends it, so a segment is ' +
      'listed tens of milliseconds after its last frame and the first one about one segment-duration after its first frame. ' +
      'With muxer=mpegtsmux, splitmuxsink gathers each GOP whole before deciding which fragment it goes in: a segment closes ' +
      'only when the GOP after it is complete, one GOP (2 s here) later. The first segment was once twice as long: over RTSP ' +
      'the first keyframe lands about 60 ms late, so the next one fell just short of the 2 s cut; segments are now cut at the ' +
      'first keyframe a tenth of the segment duration short of it (200 ms at most). ' +
      '"Last write → listed" adds the file and folder fsyncs, which ffmpeg does not do. ' +
      'Time stamps have the kernel clock tick\'s granularity (a few ms).',
  });
  return { renamedP99: p99, firstFromFrame: fromFrame };
}
