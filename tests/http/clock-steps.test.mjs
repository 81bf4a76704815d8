// The system clock moves under a running launcher (libfaketime, whose
// timestamp file these tests rewrite; the monotonic clock runs on): a step back
// of an hour, a step forward of a day, a start in 1970 set to now later, and a
// clock running 500 ppm fast. Each step is logged once with the camera's name
// and counted, a drift is no step at all; the playlists' PDT only jumps at a
// discontinuity, the API's range and gaps stay ordered, no segment leaves the
// disk for a step, and a restart after it keeps and lists all. After a step
// back, range playlists and hour pages keep the two runs apart, the earlier
// first, and the timeline and clips find each run by its labels.
//
//   node --test tests/http/clock-steps.test.mjs      (after meson compile -C build)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fakeClock, faketimeMissing } from '../lib/faketime.mjs';
import { endOf, parsePlaylist, pdtJumps } from '../lib/playlist.mjs';
import { startLauncher, waitFor, testCameraSection } from '../lib/launcher.mjs';

const linesOf = (log, name) =>
  log.split('\n').map((l) => l.replace(/^\d\d:\d\d:\d\d\.\d{3} /, '')).filter((l) => l.startsWith(`camera ${name}: `));

async function porch(launcher) {
  return (await (await fetch(`${launcher.url}/api/cameras`)).json()).find((c) => c.name === 'porch');
}

async function livePlaylist(launcher) {
  const r = await fetch(`${launcher.url}/hls/porch/live.m3u8`);
  return r.ok ? parsePlaylist(await r.text()) : [];
}

// The segments marked as a discontinuity, the first one's mark aside (it has nothing before it).
const discontinuities = (segments) => segments.filter((s, i) => i > 0 && s.discontinuity).length;
// Where the first of them is (the first segment after a step), or -1.
const firstBreak = (segments) => segments.findIndex((s, i) => i > 0 && s.discontinuity);

// Until the live playlist has n segments after the first discontinuity.
const segmentsAfterStep = (launcher, n, what) => waitFor(what, async () => {
  const pl = await livePlaylist(launcher);
  const at = firstBreak(pl);
  return at > 0 && pl.length - at >= n;
}, 30000, 100);
// Until it has n discontinuities: a restart's first segment is one.
const discontinuitiesListed = (launcher, n, what) =>
  waitFor(what, async () => discontinuities(await livePlaylist(launcher)) >= n, 30000, 100);

// After a restart on the same storage, following a run whose live playlist
// was `first` with `steps` clock steps in it: once the restart's first segment
// is listed, behind one more discontinuity, the first run's segments are
// listed again in order, PDT jumps only at the discontinuities, and the API's
// range and gaps are in order. Returns the playlist, its jumps and the API's camera.
async function listedAgainAfterRestart(launcher, first, steps) {
  await discontinuitiesListed(launcher, steps + 1, 'a segment after the restart');
  const again = await livePlaylist(launcher);
  assert.deepEqual(again.slice(0, first.length).map((s) => s.uri), first.map((s) => s.uri));
  const jumps = pdtJumps(again);
  assert.equal(jumps.length, steps + 1, JSON.stringify(again));
  const cam = await porch(launcher);
  assertOrdered(cam);
  return { again, jumps, cam };
}

// Where the recorder notes the clock steps it saw, for the next run to find.
const stepsFile = (storage) => join(storage, 'porch', 'clock.steps');

// The API's gap over a forward step: from the end of the labels before it to the first label after it.
function assertGapAtStep(gap, segments) {
  const at = firstBreak(segments);
  const json = JSON.stringify({ gap, before: segments[at - 1], after: segments[at] });
  assert.ok(Math.abs(Date.parse(gap.start) - endOf(segments[at - 1])) <= 1, json);
  assert.ok(Math.abs(Date.parse(gap.end) - segments[at].pdt) <= 1, json);
}

// The API's range and gaps in order: each from its start to its end, the gaps
// oldest first, apart, and inside the range.
function assertOrdered(cam) {
  const json = JSON.stringify({ range: cam.range, gaps: cam.gaps });
  const start = Date.parse(cam.range.start);
  const end = Date.parse(cam.range.end);
  assert.ok(start < end, json);
  let reached = start;
  for (const gap of cam.gaps) {
    assert.ok(reached < Date.parse(gap.start) && Date.parse(gap.start) < Date.parse(gap.end), json);
    reached = Date.parse(gap.end);
  }
  assert.ok(reached < end, json);
}

// The UTC hour a segment is filed under, as in its archive page's path: YYYY-MM-DD/HH.
const hourOf = (segment) => new Date(segment.pdt).toISOString().slice(0, 13).replace('T', '/');

// The archive page of each hour the segments (in recording order) started in
// lists that hour's segments in the same order, with the same labels and
// discontinuities: two runs filed in one hour stay apart, and PDT only jumps
// at a discontinuity. The hour still recorded may have more at its end.
async function checkHourPages(launcher, segments) {
  const byHour = new Map();
  for (const s of segments) byHour.set(hourOf(s), [...(byHour.get(hourOf(s)) ?? []), s]);
  const recording = hourOf(segments[segments.length - 1]);
  const base = `${launcher.url}/hls/porch/`;
  const seen = (pl, from) => pl.map((s, i) =>
    ({ file: new URL(s.uri, from).pathname, pdt: s.pdt, discontinuity: i > 0 && s.discontinuity }));
  for (const [hour, listed] of byHour) {
    const page = `${base}${hour}/index.m3u8`;
    const r = await fetch(page);
    assert.equal(r.status, 200, `${hour}: ${r.status}`);
    const served = parsePlaylist(await r.text());
    pdtJumps(served);
    const compared = hour === recording ? served.slice(0, listed.length) : served;
    assert.deepEqual(seen(compared, page), seen(listed, base), hour);
  }
}

// The duration (s) of a clip of [startMs, endMs), which must be an MP4; kept in dir.
async function clipSeconds(launcher, startMs, endMs, dir) {
  const r = await fetch(`${launcher.url}/api/cameras/porch/clip.mp4?start=${startMs / 1000}&end=${endMs / 1000}`);
  assert.equal(r.status, 200, r.ok ? undefined : await r.text());
  const body = Buffer.from(await r.arrayBuffer());
  assert.equal(body.subarray(4, 8).toString('latin1'), 'ftyp');
  const file = join(dir, `clip-${startMs}.mp4`);
  writeFileSync(file, body);
  const { stdout } = await promisify(execFile)('ffprobe',
    ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', file]);
  return parseFloat(stdout);
}

// Every test here: a launcher under a fake clock set by spec, a first run,
// and a restart on the same storage. firstRun(launcher, clock) returns the
// segments the first run listed, which are on disk after each run, as
// onDisk(storage) also finds; afterRestart(launcher, first) checks the restart.
async function acrossRestart(spec, preset, { firstRun, afterRestart, onDisk = () => {} }) {
  const clock = fakeClock(spec);
  let launcher;
  let firstDir;
  const stillOnDisk = (storage, first, when) => {
    for (const s of first) assert.ok(existsSync(join(storage, 'porch', s.uri)), `${s.uri} is gone ${when}`);
    onDisk(storage);
  };
  try {
    launcher = await startLauncher(preset, { env: clock.env });
    const { storage } = launcher;
    firstDir = launcher.dir;
    let first;
    try {
      first = await firstRun(launcher, clock);
    } finally {
      await launcher.stop({ keepFiles: true });
    }
    stillOnDisk(storage, first, 'after the first run');
    launcher = await startLauncher(preset, { env: clock.env, storage });
    try {
      await afterRestart(launcher, first);
    } finally {
      await launcher.stop();
    }
    stillOnDisk(storage, first, 'after the restart');
  } finally {
    if (firstDir) rmSync(firstDir, { recursive: true, force: true });
    clock.remove();
  }
}

test('a clock stepped back an hour under the launcher is said once, counted, and loses and mixes nothing',
  { timeout: 90000, skip: faketimeMissing }, async () => {
    // Eight seconds before a full hour: the earlier run reaches into the next
    // hour, and the later run, an hour back, is filed under the earlier run's
    // first hour, so that one hour page holds both runs whatever the time of day.
    const ahead = Math.ceil((3600000 - (Date.now() % 3600000)) / 1000) - 8;
    const signed = (seconds) => (seconds < 0 ? `${seconds}` : `+${seconds}`);
    const preset = '[dvr]\nsegment-duration = 1\nwindow = 600\n' + testCameraSection('porch', 'ball');
    await acrossRestart(signed(ahead), preset, {
      firstRun: async (launcher, clock) => {
        // Four segments a run at least: room for a clip of three seconds in each.
        await waitFor('four segments, the newest in the next hour', async () => {
          const pl = await livePlaylist(launcher);
          return pl.length >= 4 && hourOf(pl[pl.length - 1]) !== hourOf(pl[0]);
        }, 30000, 100);
        // The first hour's page is finished: recording has moved past it.
        const firstHour = `${launcher.url}/hls/porch/${hourOf((await livePlaylist(launcher))[0])}/index.m3u8`;
        const finished = await fetch(firstHour);
        assert.match(finished.headers.get('cache-control'), /immutable/);
        assert.match(await finished.text(), /^#EXT-X-ENDLIST$/m);
        clock.set(signed(ahead - 3600));
        await segmentsAfterStep(launcher, 4, 'four segments after the step');
        // Recorded into again: open, not to be cached, and a client that
        // asks again with the finished page's ETag gets the later run too.
        const reopened = await fetch(firstHour, { headers: { 'If-None-Match': finished.headers.get('etag') } });
        assert.equal(reopened.status, 200);
        assert.equal(reopened.headers.get('cache-control'), 'no-cache');
        assert.doesNotMatch(await reopened.text(), /^#EXT-X-ENDLIST$/m);
        const first = await livePlaylist(launcher);
        const jumps = pdtJumps(first);
        assert.equal(jumps.length, 1);
        assert.ok(Math.abs(jumps[0] + 3600000) < 1000, `jump ${jumps[0]} ms`);
        const at = firstBreak(first);
        const earlier = first.slice(0, at);
        const later = first.slice(at);

        // Said once, with the camera's name; counted in the API and the metrics.
        const steps = linesOf(launcher.log(), 'porch').filter((l) => l.includes('clock step'));
        assert.equal(steps.length, 1, launcher.log());
        assert.match(steps[0], /^camera porch: clock step: the system clock stepped by -3600\.0\d\d s/);
        const cam = await porch(launcher);
        assert.equal(cam.clock_steps, 1);
        assertOrdered(cam);
        // The newest footage has the earliest labels.
        assert.equal(Date.parse(cam.range.start), later[0].pdt);
        // The hour between the later run's labels and the earlier run's holds
        // nothing: one gap, ending where the earlier run's labels begin.
        assert.equal(cam.gaps.length, 1, JSON.stringify(cam.gaps));
        const [gap] = cam.gaps;
        const last = first[first.length - 1];
        assert.ok(Math.abs(Date.parse(gap.end) - first[0].pdt) <= 1, JSON.stringify({ gap, first: first[0] }));
        assert.ok(Date.parse(gap.start) >= endOf(last) - 1, JSON.stringify({ gap, last }));
        const metrics = await (await fetch(`${launcher.url}/metrics`)).text();
        assert.match(metrics, /^dvr_camera_clock_steps_total\{camera="porch"\} 1$/m);

        // A range over every label: both runs, the earlier first, the later
        // behind a discontinuity, never interleaved.
        const from = later[0].pdt - 1000;
        const to = Math.max(...first.map((s) => s.pdt)) + 2000;
        const r = await fetch(`${launcher.url}/hls/porch/range.m3u8?start=${from / 1000}&end=${to / 1000}`);
        assert.equal(r.status, 200);
        const range = parsePlaylist(await r.text());
        const names = (pl) => pl.map((s) => s.uri.replace(/^.*\//, ''));
        assert.deepEqual(names(range), names(first));
        assert.equal(pdtJumps(range).length, 1);

        // The timeline by label: the later run's span, then the earlier run's.
        const { spans } = await (await fetch(`${launcher.url}/api/cameras/porch/ranges`)).json();
        const json = JSON.stringify({ spans, earlier, later });
        assert.equal(spans.length, 2, json);
        assert.equal(Date.parse(spans[0].start), later[0].pdt, json);
        assert.ok(Date.parse(spans[0].end) >= endOf(later[later.length - 1]) - 1, json);
        assert.ok(Date.parse(spans[0].end) < Date.parse(spans[1].start), json);
        assert.equal(Date.parse(spans[1].start), earlier[0].pdt, json);
        assert.ok(Math.abs(Date.parse(spans[1].end) - endOf(earlier[earlier.length - 1])) <= 1, json);

        // The hour pages, one of them with both runs, and a clip in each run,
        // from a segment's start (a keyframe): its own footage, as long as asked.
        assert.equal(hourOf(later[0]), hourOf(earlier[0]));
        await checkHourPages(launcher, first);
        for (const run of [later, earlier]) {
          const seconds = await clipSeconds(launcher, run[0].pdt, run[0].pdt + 3000, launcher.dir);
          assert.ok(Math.abs(seconds - 3) <= 1.5, `a clip of 3 s from ${run[0].uri} lasts ${seconds} s`);
        }
        return first;
      },
      onDisk: (storage) => assert.ok(existsSync(stepsFile(storage)), 'the step is not in clock.steps'),
      // A restart after the step keeps every segment and goes on after a discontinuity.
      afterRestart: async (launcher, first) => {
        const { again } = await listedAgainAfterRestart(launcher, first, 1);
        await checkHourPages(launcher, again);
      },
    });
  });

test('a clock stepped forward a day under the launcher deletes no segment, before or after a restart',
  { timeout: 90000, skip: faketimeMissing }, async () => {
    // Twenty seconds kept: by the labels, everything before the step is a day old.
    const preset = '[dvr]\nsegment-duration = 1\nwindow = 20\n' + testCameraSection('porch', 'ball');
    await acrossRestart('+0', preset, {
      firstRun: async (launcher, clock) => {
        await waitFor('two segments', async () => (await livePlaylist(launcher)).length >= 2, 30000, 100);
        clock.set('+86400');
        await segmentsAfterStep(launcher, 2, 'two segments after the step');
        const first = await livePlaylist(launcher);
        const jumps = pdtJumps(first);
        assert.equal(jumps.length, 1);
        assert.ok(Math.abs(jumps[0] - 86400000) < 1000, `jump ${jumps[0]} ms`);
        assert.match(launcher.log(), /camera porch: clock step: the system clock stepped by \+86400\.0\d\d s/);
        const cam = await porch(launcher);
        assertOrdered(cam);
        assert.equal(Date.parse(cam.range.start), first[0].pdt);
        assert.equal(cam.gaps.length, 1, JSON.stringify(cam.gaps));
        assertGapAtStep(cam.gaps[0], first);
        return first;
      },
      afterRestart: async (launcher, first) => {
        // Still listed: the first run's footage is seconds old, not a day.
        const { cam } = await listedAgainAfterRestart(launcher, first, 1);
        assert.equal(Date.parse(cam.range.start), first[0].pdt);
      },
    });
  });

test('a launcher started with a 1970 clock says so once with the camera name, and keeps that footage once NTP sets it',
  { timeout: 90000, skip: faketimeMissing }, async () => {
    const preset = '[dvr]\nsegment-duration = 1\nwindow = 20\n' + testCameraSection('porch', 'ball');
    const warnings = (launcher) => linesOf(launcher.log(), 'porch').filter((l) => l.includes('cannot be right'));
    let gap;
    await acrossRestart('@1970-01-02 00:00:00', preset, {
      firstRun: async (launcher, clock) => {
        await waitFor('two segments', async () => (await livePlaylist(launcher)).length >= 2, 30000, 100);
        const warned = warnings(launcher);
        assert.equal(warned.length, 1, launcher.log());
        assert.match(warned[0],
          /^camera porch: WARNING: the system clock \(1970-01-02T00:00:0\d\.\d{3}Z\) cannot be right, /);
        assert.match(warned[0], /, it is before this program was built: nothing is deleted by age/);
        clock.set('+0');
        await segmentsAfterStep(launcher, 2, 'two segments after the clock was set');
        const first = await livePlaylist(launcher);
        assert.match(first[0].uri, /^1970-01-02\/00\//);
        assert.equal(pdtJumps(first).length, 1);
        for (const s of first) assert.ok(existsSync(join(launcher.storage, 'porch', s.uri)), `${s.uri} is gone`);
        const cam = await porch(launcher);
        assert.equal(cam.state, 'recording');
        assert.equal(cam.clock_steps, 1);
        // From 1970 to now, with one gap between the 1970 labels' end and the set clock's first.
        assertOrdered(cam);
        assert.equal(Date.parse(cam.range.start), first[0].pdt);
        assert.equal(cam.gaps.length, 1, JSON.stringify(cam.gaps));
        [gap] = cam.gaps;
        assertGapAtStep(gap, first);
        // The 1970 hour has its page, apart from now's.
        await checkHourPages(launcher, first);
        return first;
      },
      // A restart with the clock set: the 1970 footage stays, and the clock is no longer doubted.
      afterRestart: async (launcher, first) => {
        const { cam } = await listedAgainAfterRestart(launcher, first, 1);
        assert.equal(cam.clock_steps, 0);
        assert.equal(Date.parse(cam.range.start), first[0].pdt);
        assert.deepEqual(cam.gaps[0], gap);
        assert.deepEqual(warnings(launcher), []);
      },
    });
  });

test('a clock running 500 ppm fast under the launcher is no step: one run, before and after a restart',
  { timeout: 90000, skip: faketimeMissing }, async () => {
    // libfaketime's rate runs from each process's start; the monotonic clock keeps the true rate.
    const preset = '[dvr]\nsegment-duration = 1\nwindow = 600\n' + testCameraSection('porch', 'ball');
    await acrossRestart('+0 x1.0005', preset, {
      firstRun: async (launcher, clock) => {
        await waitFor('ten segments', async () => (await livePlaylist(launcher)).length >= 10, 30000, 100);
        const first = await livePlaylist(launcher);
        assert.deepEqual(pdtJumps(first), []);
        const cam = await porch(launcher);
        assert.equal(cam.clock_steps, 0);
        assert.deepEqual(cam.gaps, []);
        assertOrdered(cam);
        assert.equal(Date.parse(cam.range.start), first[0].pdt);
        assert.deepEqual(linesOf(launcher.log(), 'porch').filter((l) => l.includes('clock step')), []);
        return first;
      },
      onDisk: (storage) => assert.equal(existsSync(stepsFile(storage)), false),
      afterRestart: async (launcher, first) => {
        // Only the restart's discontinuity, its labels just after the first
        // run's: the restart takes a few hundred ms, less up to a frame (100 ms)
        // as the first run's last frame counts whole though the stop may cut it.
        const { jumps, cam } = await listedAgainAfterRestart(launcher, first, 0);
        assert.ok(jumps[0] > -150 && jumps[0] < 30000, `jump ${jumps[0]} ms`);
        assert.equal(cam.clock_steps, 0);
        assert.equal(Date.parse(cam.range.start), first[0].pdt);
        assert.deepEqual(linesOf(launcher.log(), 'porch').filter((l) => l.includes('clock step')), []);
      },
    });
  });
