// 1. Remux cost: one H.264 file cut into 2 s HLS segments by dvrsink, by stock
// hlssink2 and by ffmpeg, with parsing alone and a plain copy as floors.
import fs from 'node:fs';
import path from 'node:path';
import { run, runWatched, which } from './proc.mjs';
import { readCallgrindRun } from './callgrind.mjs';
import { median, min, max, f, ratio, table } from './report.mjs';

// The two inputs, made from the same x264 encode. MPEG-TS (start codes, as the
// prototype's files) costs every tool a TS demux and, for the GStreamer rows, an
// h264parse scan for start codes; MP4 (qtdemux: length-prefixed access units,
// keyframes flagged) is what a camera's stream looks like after rtph264depay.
// upstream: what the GStreamer rows put between filesrc and the writer; parse:
// what hlssink2 (mpegtsmux wants byte-stream) needs on top of it.
const INPUTS = [
  { id: 'ts', label: 'MPEG-TS', upstream: ['tsdemux', '!', 'h264parse'], parse: [] },
  { id: 'mp4', label: 'MP4', upstream: ['qtdemux'], parse: ['h264parse'] },
];
const gst = (inp, file, ...tail) => ['gst-launch-1.0', ['-q', 'filesrc', `location=${file}`, '!', ...inp.upstream, '!', ...tail]];
const floorName = (inp) => `${inp.upstream.join(' ')} ! fakesink`;
const copyFloorName = (inp) => `${inp.upstream.join(' ')} ! filesink`;

// family: start-up cost subtracted for the per-hour figure (process start,
// plugin loading, probing the input), measured by the start-up rows: the same tool
// demuxing the first second of the same container and doing nothing else with it.
// dvrsink's two writers: its own (the default) and splitmuxsink with mpegtsmux.
const DVR = 'dvrsink writer=lean';
const DVR_TS = 'dvrsink writer=mpegtsmux';
// The default writer without durability: nothing synced, as ffmpeg and hlssink2.
const DVR_NOSYNC = 'dvrsink writer=lean fsync=false';
// MPEG-TS only: dvrsink takes the file as it is, no tsdemux or h264parse in
// front, and cuts the transport stream at keyframes without re-packetizing it.
const DVR_DIRECT = 'dvrsink writer=lean, TS as it is';
const HLS = 'hlssink2';
const FF = 'ffmpeg -c copy -f hls';
const FLOOR = 'demux/parse floor';
// The same demux writing the video it hands out to one file through the page
// cache: reading and writing the bytes with no muxing, no segments and no sync,
// the least any GStreamer recorder of this input can spend.
const COPY_FLOOR = 'read/write floor';
const CAT = 'cat > file';
const dvrsink = (writer, ...extra) => ({
  name: ['dvrsink', `writer=${writer}`, ...extra].join(' '),
  family: 'gst',
  command: (inp, input, out) => gst(inp, input, 'dvrsink', `writer=${writer}`, ...extra, `location=${out}`, 'segment-duration=2', 'window=0'),
});

const ALTERNATIVES = [
  dvrsink('lean'),
  dvrsink('lean', 'fsync=false'),
  dvrsink('mpegtsmux'),
  {
    name: DVR_DIRECT,
    only: 'ts',
    family: 'gst',
    command: (inp, input, out) =>
      ['gst-launch-1.0', ['-q', 'filesrc', `location=${input}`, '!', 'dvrsink', 'writer=lean', `location=${out}`, 'segment-duration=2', 'window=0']],
  },
  {
    name: HLS,
    family: 'gst',
    command: (inp, input, out) =>
      gst(inp, input, ...inp.parse.flatMap((e) => [e, '!']), 'hlssink2', `location=${out}/seg%05d.ts`, `playlist-location=${out}/live.m3u8`,
        'target-duration=2', 'max-files=0', 'playlist-length=0'),
  },
  {
    name: FF,
    family: 'ffmpeg',
    command: (inp, input, out) => [
      'ffmpeg',
      ['-nostdin', '-v', 'error', '-i', input, '-c', 'copy', '-f', 'hls', '-hls_time', '2', '-hls_list_size', '0', '-hls_segment_filename', `${out}/seg%05d.ts`, `${out}/live.m3u8`],
    ],
  },
  { name: FLOOR, floor: floorName, family: 'gst', command: (inp, input) => gst(inp, input, 'fakesink') },
  { name: COPY_FLOOR, floor: copyFloorName, family: 'gst', command: (inp, input, out) => gst(inp, input, 'filesink', `location=${out}/copy.es`) },
  { name: CAT, family: null, command: (inp, input, out) => ['sh', ['-c', 'exec cat "$0" > "$1"', input, `${out}/copy.bin`]] },
  {
    name: 'gst-launch start-up',
    startupOf: 'gst',
    command: (inp, input, out, head) => gst(inp, head, 'fakesink'),
  },
  {
    name: 'ffmpeg start-up',
    startupOf: 'ffmpeg',
    command: (inp, input, out, head) => ['ffmpeg', ['-nostdin', '-v', 'error', '-i', head, '-c', 'copy', '-f', 'null', '-']],
  },
];
// The rows that apply to an input (the TS-as-it-is row only to MPEG-TS).
const altsFor = (inp) => ALTERNATIVES.filter((a) => !a.only || a.only === inp.id);
// How a row is shown: the floor says what it runs for each input.
const rowName = (alt, inp) => (alt.floor ? `${alt.name}: \`${alt.floor(inp)}\`` : alt.name);

async function makeInput(ctx, seconds) {
  const file = path.join(ctx.cache, `h264-1080p25-4M-gop50-${seconds}s.ts`);
  if (fs.existsSync(file) && fs.statSync(file).size > 0) return file;
  // A shorter input is the head of a longer one, if there is one.
  const longer = fs.existsSync(ctx.cache) ? fs.readdirSync(ctx.cache).map((n) => n.match(/^h264-1080p25-4M-gop50-(\d+)s\.ts$/)).filter((m) => m && Number(m[1]) > seconds) : [];
  let r;
  if (longer.length) {
    r = await run('ffmpeg', ['-nostdin', '-v', 'error', '-y', '-i', path.join(ctx.cache, longer[0][0]), '-t', String(seconds), '-c', 'copy', '-f', 'mpegts', `${file}.part`]);
  } else {
    ctx.say(`making ${seconds} s of 1920x1080 25 fps H.264 at 4 Mbit/s with x264 (once; cached in ${ctx.cache})`);
    // A camera's stream: constant bitrate, a keyframe every 50 frames, no B-frames,
    // SPS/PPS before every keyframe; a moving test picture so that motion costs bits.
    r = await run('ffmpeg', [
      '-nostdin', '-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=1920x1080:rate=25', '-t', String(seconds),
      '-c:v', 'libx264', '-preset', 'veryfast', '-profile:v', 'main', '-bf', '0', '-b:v', '4M', '-maxrate', '4M', '-bufsize', '8M',
      '-g', '50', '-keyint_min', '50', '-sc_threshold', '0', '-x264-params', 'repeat-headers=1', '-pix_fmt', 'yuv420p',
      '-f', 'mpegts', `${file}.part`,
    ]);
  }
  if (r.code !== 0) throw new Error(`cannot make the input: ${r.stderr.trim()}`);
  fs.renameSync(`${file}.part`, file);
  return file;
}

// The same encode in MP4, cached next to the MPEG-TS file: `-c copy` turns the
// start codes into lengths (avcC in the sample description), nothing is re-encoded.
async function makeMp4(ts) {
  const file = ts.replace(/\.ts$/, '.mp4');
  if (fs.existsSync(file) && fs.statSync(file).size > 0) return file;
  const r = await run('ffmpeg', ['-nostdin', '-v', 'error', '-y', '-i', ts, '-c', 'copy', '-movflags', '+faststart', '-f', 'mp4', `${file}.part`]);
  if (r.code !== 0) throw new Error(`cannot make the MP4 input: ${r.stderr.trim()}`);
  fs.renameSync(`${file}.part`, file);
  return file;
}

function countSegments(dir) {
  try {
    return fs.readdirSync(dir).filter((n) => n.endsWith('.ts') && !n.startsWith('.') && n !== 'copy.ts').length;
  } catch {
    return 0;
  }
}

// One timed run. A run whose pipeline finished its work but never exits (seen with
// splitmuxsink-based sinks at EOS on GStreamer 1.22.0) is killed once idle, counted,
// and run again, so that its wall time does not count the wait.
const ATTEMPTS = 4;
async function timed(ctx, alt, inp, input, out, head) {
  const timeFile = path.join(ctx.work, 'time.txt');
  const [cmd, args] = alt.command(inp, input, out, head);
  // Our own wrapper has microseconds; /usr/bin/time rounds to 10 ms.
  const rusage = path.join(ctx.work, 'rusage');
  const wrapper = fs.existsSync(rusage) ? [rusage, [timeFile]] : ['/usr/bin/time', ['-f', '%U %S %e %M %x', '-o', timeFile]];
  let hangs = 0;
  for (let attempt = 1; ; attempt++) {
    fs.rmSync(out, { recursive: true, force: true });
    fs.mkdirSync(out, { recursive: true });
    // Untimed: the previous run's dirty pages go to disk now, so that the kernel's
    // write-back of one tool's files is not charged to the next tool's fsync().
    await run('sync', []);
    const r = await runWatched(wrapper[0], [...wrapper[1], cmd, ...args], { env: ctx.env });
    const segments = countSegments(out);
    fs.rmSync(out, { recursive: true, force: true });
    if (!r.hung && r.code !== 0) throw new Error(`${alt.name} failed (exit ${r.code}): ${r.stderr.trim().split('\n').slice(-5).join(' / ')}`);
    if (r.hung) hangs++;
    if (r.hung && attempt < ATTEMPTS) continue;
    const [user, sys, elapsed, maxrss] = fs.readFileSync(timeFile, 'utf8').trim().split('\n').pop().split(' ').map(Number);
    return { cpu: user + sys, sys, wall: r.hung ? NaN : elapsed, rssMiB: maxrss / 1024, segments, hangs };
  }
}

async function callgrind(ctx, alt, inp, input, head) {
  const out = path.join(ctx.work, 'callgrind-out');
  const dir = path.join(ctx.work, 'callgrind');
  const [cmd, args] = alt.command(inp, input, out, head);
  let hangs = 0;
  for (let attempt = 1; ; attempt++) {
    for (const d of [dir, out]) {
      fs.rmSync(d, { recursive: true, force: true });
      fs.mkdirSync(d, { recursive: true });
    }
    // SIGTERM on a hang: callgrind still writes its counts when the program dies.
    const shim = path.join(ctx.work, 'valgrind_shim.so');
    const env = (alt.family ?? alt.startupOf) === 'ffmpeg' && fs.existsSync(shim) ? { ...ctx.env, LD_PRELOAD: shim } : ctx.env;
    const r = await runWatched('valgrind', ['--tool=callgrind', '--trace-children=yes', `--callgrind-out-file=${dir}/cg.%p`, cmd, ...args], {
      env,
      idleMs: 5000,
      idleSignal: 'SIGTERM',
    });
    fs.rmSync(out, { recursive: true, force: true });
    if (!r.hung && r.code !== 0) throw new Error(`${alt.name} under callgrind failed (exit ${r.code}): ${r.stderr.trim().split('\n').slice(-3).join(' / ')}`);
    if (r.hung) hangs++;
    if (r.hung && attempt < ATTEMPTS - 1) continue;
    const files = fs.readdirSync(dir).map((n) => path.join(dir, n));
    const result = readCallgrindRun(files);
    if ((alt.name === DVR || alt.name === DVR_TS) && files.length === 1) {
      // Kept for a closer look with callgrind_annotate.
      fs.copyFileSync(files[0], path.join(ctx.cache, `callgrind-dvrsink-${alt.name.split('=')[1]}-${inp.id}.out`));
    }
    fs.rmSync(dir, { recursive: true, force: true });
    return { ...result, hangs };
  }
}

export async function remuxSection(ctx) {
  const { seconds, runs, callgrindSeconds } = ctx.cfg.remux;
  const tsInput = await makeInput(ctx, seconds);
  const tsHead = await makeInput(ctx, 1);
  const files = {
    ts: { input: tsInput, head: tsHead },
    mp4: { input: await makeMp4(tsInput), head: await makeMp4(tsHead) },
  };
  const MiB = (file) => fs.statSync(file).size / 1048576;
  const key = (inp, name) => `${inp.id}: ${name}`;

  // Same inputs, alternatives in turn (A B C … A B C …, both inputs in each round),
  // so that a slow patch of the machine's time spreads over all of them.
  const results = new Map();
  for (const inp of INPUTS) for (const a of altsFor(inp)) results.set(key(inp, a.name), []);
  const out = path.join(ctx.work, 'remux-out');
  for (let r = 1; r <= runs; r++) {
    for (const inp of INPUTS) {
      for (const alt of altsFor(inp)) {
        // The start-up rows are short and subtracted from everything: more samples.
        for (let k = 0; k < (alt.startupOf ? 3 : 1); k++) {
          results.get(key(inp, alt.name)).push(await timed(ctx, alt, inp, files[inp.id].input, out, files[inp.id].head));
        }
      }
    }
    ctx.say(`remux: run ${r} of ${runs} done`);
  }
  const med = (inp, name, k) => median(results.get(key(inp, name)).map((x) => x[k]));
  const startup = (inp, family) => med(inp, family === 'gst' ? 'gst-launch start-up' : 'ffmpeg start-up', 'cpu');
  const perHour = (inp, name) => {
    const alt = ALTERNATIVES.find((a) => a.name === name);
    if (alt.startupOf) return NaN;
    const net = med(inp, name, 'cpu') - (alt.family ? startup(inp, alt.family) : 0);
    // Lost in the noise of the two medians: no figure rather than a wrong one.
    if (!(net > 0)) return NaN;
    // The start-up row also demuxed one second of video.
    return (net * 3600) / (alt.family ? seconds - 1 : seconds);
  };
  const hangs = (inp, name) => results.get(key(inp, name)).reduce((a, x) => a + x.hangs, 0);
  const hangsOf = (inp, name) => {
    const h = hangs(inp, name);
    return h ? `${h} of ${h + results.get(key(inp, name)).length}` : '0';
  };
  const rows = [];
  for (const inp of INPUTS) {
    const ff = perHour(inp, FF);
    const hs = perHour(inp, HLS);
    for (const alt of altsFor(inp)) {
      const cpus = results.get(key(inp, alt.name)).map((x) => x.cpu);
      const ph = perHour(inp, alt.name);
      rows.push([
        inp.label,
        rowName(alt, inp),
        f(med(inp, alt.name, 'cpu'), 3),
        `${f(min(cpus), 3)}–${f(max(cpus), 3)}`,
        f(med(inp, alt.name, 'sys'), 3),
        alt.startupOf ? '' : f((med(inp, alt.name, 'cpu') * 3600) / seconds, 1),
        f(ph, 1),
        ratio(ph, ff),
        ratio(ph, hs),
        f(med(inp, alt.name, 'wall')),
        f(med(inp, alt.name, 'rssMiB'), 0),
        alt.startupOf || alt.floor || alt.name.startsWith('cat') ? '' : String(med(inp, alt.name, 'segments')),
        hangsOf(inp, alt.name),
      ]);
    }
  }
  const timeTable = table(
    ['input', '', 'CPU s, median', 'min–max', 'of which sys', 'CPU s per hour of video, gross', 'net of start-up', 'net vs ffmpeg', 'net vs hlssink2', 'wall s', 'peak RSS MiB', 'segments', 'hung at EOS'],
    rows,
  );
  const headline = {};
  for (const inp of INPUTS) {
    headline[inp.id] = {
      label: inp.label,
      dvrsinkPerHour: perHour(inp, DVR),
      dvrsinkMpegtsmuxPerHour: perHour(inp, DVR_TS),
      dvrsinkNoSyncPerHour: perHour(inp, DVR_NOSYNC),
      ...(inp.id === 'ts' ? { dvrsinkDirectPerHour: perHour(inp, DVR_DIRECT) } : {}),
      ffmpegPerHour: perHour(inp, FF),
      hlssink2PerHour: perHour(inp, HLS),
      copyFloorPerHour: perHour(inp, COPY_FLOOR),
      // Taken as it is, the file is read and written and nothing else: cat's work.
      ...(inp.id === 'ts' ? { catPerHour: perHour(inp, CAT) } : {}),
    };
  }
  const [T, M] = INPUTS;
  const cpuSentence = (inp) => {
    const h = headline[inp.id];
    return (
      `${inp.label} input: dvrsink with its own writer (the default, writer=lean) spends ${f(h.dvrsinkPerHour, 1)} CPU s per hour of video, net of start-up, ` +
      `against ${f(h.dvrsinkMpegtsmuxPerHour, 1)} with writer=mpegtsmux, ${f(h.ffmpegPerHour, 1)} for ffmpeg (${ratio(h.dvrsinkPerHour, h.ffmpegPerHour)}) ` +
      `and ${f(h.hlssink2PerHour, 1)} for stock hlssink2 (${ratio(h.dvrsinkPerHour, h.hlssink2PerHour)}); in CPU seconds in this run, the target of at most ` +
      `0.50× ffmpeg is ${h.dvrsinkPerHour <= h.ffmpegPerHour / 2 ? 'met' : 'not met'} and that of at most 0.125× hlssink2 ${h.dvrsinkPerHour <= h.hlssink2PerHour / 8 ? 'met' : 'not met'}.` +
      (h.dvrsinkDirectPerHour === undefined
        ? ''
        : ` Taking the transport stream as it is (\`filesrc ! dvrsink\`, no tsdemux or h264parse) it spends ${f(h.dvrsinkDirectPerHour, 1)}: ` +
          `${ratio(h.dvrsinkDirectPerHour, h.ffmpegPerHour)} ffmpeg and ${ratio(h.dvrsinkDirectPerHour, h.hlssink2PerHour)} hlssink2, so the 0.50× target is ` +
          `${h.dvrsinkDirectPerHour <= h.ffmpegPerHour / 2 ? 'met' : 'not met'} and the 0.125× one ${h.dvrsinkDirectPerHour <= h.hlssink2PerHour / 8 ? 'met' : 'not met'}; ` +
          `its floor is cat's ${f(h.catPerHour, 1)} (${ratio(h.catPerHour, h.ffmpegPerHour)} ffmpeg).`) +
      ` Without durability (fsync=false: nothing synced, as ffmpeg) the default writer spends ${f(h.dvrsinkNoSyncPerHour, 1)}: ` +
      `${ratio(h.dvrsinkNoSyncPerHour, h.ffmpegPerHour)} ffmpeg, so syncing each segment, the folder and the journal costs ` +
      `${f(h.dvrsinkPerHour - h.dvrsinkNoSyncPerHour, 1)} CPU s per hour here.` +
      ` The read/write floor, \`${copyFloorName(inp)}\`, spends ${f(h.copyFloorPerHour, 1)}: ${ratio(h.copyFloorPerHour, h.ffmpegPerHour)} ffmpeg` +
      (h.copyFloorPerHour > h.ffmpegPerHour / 2
        ? ', so on this machine reading this input and writing its video once, with nothing else, already costs more than the 0.5× target allows.'
        : '.')
    );
  };
  const hangTotal = (name) => INPUTS.reduce((a, inp) => a + hangs(inp, name), 0);
  ctx.emit({
    id: 'remux',
    title: '1. Remux cost',
    intro:
      `${seconds} s of 1920x1080 25 fps H.264 at 4 Mbit/s (x264, GOP 50, no B-frames, SPS/PPS before every keyframe) cut into ` +
      '2 s HLS segments, each tool as fast as it goes, from two containers of the same encode: the MPEG-TS file x264 wrote ' +
      `(${f(MiB(files.ts.input), 1)} MiB) and an MP4 made from it with \`ffmpeg -c copy -movflags +faststart\` (${f(MiB(files.mp4.input), 1)} MiB). ` +
      'The MP4 case is the one that matters for cameras: qtdemux hands out what rtph264depay hands out, whole length-prefixed ' +
      'access units (avc) with keyframes flagged, so dvrsink takes them with no parser (`filesrc ! qtdemux ! dvrsink`), while ' +
      'MPEG-TS input costs every tool a TS demux and a scan for start codes (`tsdemux ! h264parse ! dvrsink`). hlssink2 ' +
      'needs h264parse on both inputs (its mpegtsmux takes byte-stream). ' +
      `${runs} runs of each, in turn (A B C … A B C …, both inputs in every round); user+sys CPU seconds, ` +
      'wall time and peak RSS from wait4() (bench/rusage.cpp; microseconds, where /usr/bin/time rounds to 10 ms). ' +
      '"Gross" is the whole run per hour of video, start-up included, as in the issue\'s figures. "Net" subtracts the ' +
      'start-up row of the same tool on the same container (process start, dynamic linking, plugin loading, opening and ' +
      'demuxing the first second of that container into nothing), which a recorder running for days pays once: ' +
      '(CPU − start-up) / (seconds − 1) × 3600 is the cost of recording one camera for an hour, and the ratios compare that. ' +
      `The demux/parse floor is what dvrsink's pipeline runs before dvrsink, into fakesink (\`${floorName(T)}\` and \`${floorName(M)}\`); ` +
      `the read/write floor sends the same into one file with filesink (\`${copyFloorName(T)}\` and \`${copyFloorName(M)}\`); \`cat\` copies the file. ` +
      'Before every timed run the bench calls sync, untimed, so that no run pays for the write-back of the one before it.',
    table: timeTable,
    meaning:
      `${cpuSentence(T)} ${cpuSentence(M)} The gross figures, start-up included as in the issue's numbers, lie closer together ` +
      `because ffmpeg's start-up (${f(startup(T, 'ffmpeg'), 2)} CPU s on MPEG-TS, ${f(startup(M, 'ffmpeg'), 2)} on MP4: dynamic linking ` +
      'of its many libraries and probing) is most of what it spends on a short file; the marginal cost is what a recorder pays for days. ' +
      `The sys column shows what buffering bought: dvrsink ${f(med(M, DVR, 'sys'), 3)} s (MP4) and ${f(med(T, DVR, 'sys'), 3)} s (MPEG-TS) ` +
      `against hlssink2's ${f(med(M, HLS, 'sys'), 3)} and ${f(med(T, HLS, 'sys'), 3)} s with one write() per 188-byte packet. ` +
      'CPU seconds on this shared 2-core machine move by 10-30 % from run to run (see min–max), and the net figures carry ' +
      'the noise of two medians (for ffmpeg, a small difference of two large numbers); the instruction counts below ' +
      'repeat exactly and are the better guide.' +
      (hangTotal(DVR) + hangTotal(DVR_TS) + hangTotal(HLS)
        ? ` "Hung at EOS" counts runs that wrote every segment (and, for dvrsink, the final playlist with ENDLIST) but never ` +
          'ended: the pipeline went idle and no EOS message reached gst-launch. The bench kills such a run once it has used ' +
          `no CPU for 2 s and runs it again; here, over both inputs, dvrsink hung ${hangTotal(DVR)} time(s) with writer=lean, ` +
          `${hangTotal(DVR_TS)} with writer=mpegtsmux, hlssink2 ${hangTotal(HLS)}. ` +
          'An application waiting for EOS to finish a recording would wait for ever; splitmuxsink as shipped in 1.22.0 ' +
          'loses the final EOS of fast non-live pipelines now and then (stock hlssink2 shows it too), and the lean writer, ' +
          'which posts EOS itself once its last segment is committed, does not go through it.'
        : ''),
  });

  if (!which('valgrind')) {
    ctx.emit({ id: 'remux-ir', title: '1b. Remux instruction counts', intro: 'Not measured: valgrind is not installed (Debian package valgrind).' });
    return headline;
  }
  // `perf stat -e instructions` needs hardware counters, which a virtual machine often hides.
  const perf = which('perf') ? await run('perf', ['stat', '-x', ',', '-e', 'instructions', 'true']) : null;
  const perfWorks = perf && perf.code === 0 && /^\d+,/m.test(perf.stderr);
  const shortTs = await makeInput(ctx, callgrindSeconds);
  const short = { ts: shortTs, mp4: await makeMp4(shortTs) };
  const ir = new Map();
  for (const inp of INPUTS) {
    for (const alt of altsFor(inp).filter((a) => a.family !== null || a.startupOf)) {
      ctx.say(`callgrind: ${inp.label}: ${alt.name}`);
      ir.set(key(inp, alt.name), await callgrind(ctx, alt, inp, short[inp.id], files[inp.id].head));
    }
  }
  const irOf = (inp, name) => ir.get(key(inp, name));
  const irNet = (inp, name) => {
    const alt = ALTERNATIVES.find((a) => a.name === name);
    return alt.startupOf ? NaN : irOf(inp, name).total - irOf(inp, alt.family === 'gst' ? 'gst-launch start-up' : 'ffmpeg start-up').total;
  };
  const irRows = [];
  for (const inp of INPUTS) {
    for (const alt of altsFor(inp).filter((a) => a.family !== null || a.startupOf)) {
      const r = irOf(inp, alt.name);
      irRows.push([
        inp.label,
        r.hangs ? `${rowName(alt, inp)} (hung at EOS ${r.hangs}×)` : rowName(alt, inp),
        f(r.total / 1e6, 0),
        f(irNet(inp, alt.name) / 1e6, 0),
        f(((irNet(inp, alt.name) / 1e9) * 3600) / (callgrindSeconds - 1), 1),
        ratio(irNet(inp, alt.name), irNet(inp, FF)),
        ratio(irNet(inp, alt.name), irNet(inp, HLS)),
      ]);
    }
  }
  const irTable = table(['input', '', 'instructions, millions', 'net of start-up', 'billions per hour of video', 'vs ffmpeg', 'vs hlssink2'], irRows);

  // Where the GStreamer rows' instructions go, by shared object (own cost).
  const shortName = (n) => n.replace(/\.so[.\d]*$/, '.so');
  const breakdown = (inp, name) => {
    const m = new Map();
    for (const [k, v] of irOf(inp, name).objects) m.set(shortName(k), (m.get(shortName(k)) ?? 0) + v);
    return m;
  };
  const cols = [];
  for (const inp of INPUTS) for (const name of [DVR, DVR_TS, ...(inp.id === 'ts' ? [DVR_DIRECT] : []), HLS]) cols.push({ inp, name, m: breakdown(inp, name), s: breakdown(inp, 'gst-launch start-up') });
  const top = [];
  const topOf = (m, n) => [...m.entries()].sort((a, b) => b[1] - a[1]).slice(0, n).map(([k]) => k);
  for (const c of cols) for (const k of topOf(c.m, c.name === DVR ? 10 : 6)) if (!top.includes(k)) top.push(k);
  const net = (c, k) => (c.m.get(k) ?? 0) - (c.s.get(k) ?? 0);
  // Objects that round to nothing in every column go into the last row.
  const shown = top.filter((k) => cols.some((c) => Math.abs(net(c, k)) >= 5e4));
  const objRows = shown.map((k) => [k, ...cols.map((c) => f(net(c, k) / 1e6, 1))]);
  const rest = (c) => [...new Set([...c.m.keys(), ...c.s.keys()])].filter((k) => !shown.includes(k)).reduce((a, k) => a + net(c, k), 0);
  objRows.push(['everything else', ...cols.map((c) => f(rest(c) / 1e6, 1))]);
  const objTable = table(['shared object (own instructions, millions, net of start-up)', ...cols.map((c) => `${c.inp.label}: ${c.name}`)], objRows);
  const fnTable = (inp) => {
    const r = irOf(inp, DVR);
    const fnRows = [...r.functions.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 10)
      .map(([k, v]) => [`\`${k.replace(/\.so[.\d]*\]$/, '.so]').replace(/'\d+ \[/, ' [')}\``, f(v / 1e6, 1), `${f((100 * v) / r.total, 1)} %`]);
    return table([`function [object], ${inp.label} input, ${DVR} run`, 'own instructions, millions', 'of the run'], fnRows);
  };

  const irHead = {};
  const irSentence = (inp) => {
    const d = irNet(inp, DVR);
    const t = irNet(inp, DVR_TS);
    const ff = irNet(inp, FF);
    const hs = irNet(inp, HLS);
    const floor = irNet(inp, FLOOR);
    irHead[inp.id] = { irDvrsink: d, irDvrsinkMpegtsmux: t, irFfmpeg: ff, irHlssink2: hs, irFloor: floor };
    const direct = inp.id === 'ts' ? irNet(inp, DVR_DIRECT) : NaN;
    if (inp.id === 'ts') irHead[inp.id].irDvrsinkDirect = direct;
    return (
      `${inp.label} input: dvrsink with writer=lean is ${ratio(d, ff)} ffmpeg and ${ratio(d, hs)} hlssink2 in instructions ` +
      `(${f(d / 1e6, 0)}, ${f(ff / 1e6, 0)} and ${f(hs / 1e6, 0)} million net of start-up; writer=mpegtsmux ${ratio(t, ff)} and ${ratio(t, hs)}). ` +
      `Its floor, \`${floorName(inp)}\`, is ${f(floor / 1e6, 0)} million (${ratio(floor, ff)} ffmpeg's whole count), and writer=lean adds ` +
      `${f((d - floor) / 1e6, 0)} million above it${floor > ff / 2 ? ': the floor alone is more than half of ffmpeg, so no writer behind it can meet the 0.5× target on this input' : ''}.` +
      (Number.isNaN(direct)
        ? ''
        : ` Taking the transport stream as it is (\`filesrc ! dvrsink\`, no demuxer or parser) it runs ${f(direct / 1e6, 0)} million: ` +
          `${ratio(direct, ff)} ffmpeg and ${ratio(direct, hs)} hlssink2.`)
    );
  };
  const tSentence = irSentence(T);
  const mSentence = irSentence(M);
  ctx.emit({
    id: 'remux-ir',
    title: '1b. Remux instruction counts',
    intro:
      `\`valgrind --tool=callgrind\`, one run each on the first ${callgrindSeconds} s of the same encode, in each container; ` +
      'the start-up rows run on the 1 s head of the same container. ' +
      `${perfWorks ? '`perf stat -e instructions` works here too, but callgrind is used for all rows alike.' : '`perf stat -e instructions` is not supported on this machine (no hardware counters in the virtual machine), so the counts come from callgrind.'} ` +
      'User-space instructions only: the kernel work of write() and fsync() does not appear here.',
    table: irTable,
    extra:
      `Where the instructions go (callgrind's own cost per shared object, less the same container's start-up run):\n\n${objTable}\n\n` +
      `The busiest functions of the ${DVR} runs (start-up included):\n\n${fnTable(M)}\n\n${fnTable(T)}`,
    meaning:
      `${mSentence} ${tSentence} The two inputs differ upstream of the writer: from MP4, qtdemux hands over whole access units ` +
      `and dvrsink writes them as they are; from MPEG-TS, tsdemux and h264parse cost ${f(irHead.ts.irFloor / 1e6, 0)} million against ` +
      `qtdemux's ${f(irHead.mp4.irFloor / 1e6, 0)}, and ffmpeg too spends ${f(irHead.ts.irFfmpeg / 1e6, 0)} million on MPEG-TS against ` +
      `${f(irHead.mp4.irFfmpeg / 1e6, 0)} on MP4. A camera's stream after rtph264depay is the MP4 case. ` +
      'The per-object table shows where the rest goes: GStreamer core and base (buffer and pad traffic), libc (memory copies), ' +
      'GLib/GObject, mpegtsmux; libgstdvr.so is our own code. hlssink2 pays for its ' +
      'per-packet write() mostly in the kernel, which callgrind does not count, so its gap to dvrsink is larger in CPU seconds ' +
      'than in instructions. The callgrind files of the dvrsink runs are kept in the cache folder ' +
      '(`callgrind_annotate ~/.cache/stream-dvr-bench/callgrind-dvrsink-lean-mp4.out`, `…-lean-ts.out`, `…-mpegtsmux-mp4.out`, `…-mpegtsmux-ts.out`).',
  });
  for (const inp of INPUTS) Object.assign(headline[inp.id], irHead[inp.id]);
  return headline;
}
