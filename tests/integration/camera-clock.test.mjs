// A camera's own clock, as a real RTSP server sends it: gst-rtsp-server runs
// under libfaketime, whose clock this test sets, so the NTP times of its RTCP
// sender reports (rtpbin reads the real-time clock for each) follow the fake
// clock, while the launcher, on the true clock, records it with
// `wall-clock = camera` (rtspsrc, reference timestamp metas from the reports).
//
//   - A camera whose clock is an hour off from its first report is wrong, not
//     stepping: the log says once how far off it is, nothing is marked or
//     counted, labels stay local.
//   - Once it agrees with the local clock it is used; its step of +3600 s is
//     then logged once, counted in /api/cameras and /metrics, and marked with
//     one EXT-X-DISCONTINUITY, behind which the labels go on by the local
//     clock (README, "When the clock steps"). No segment leaves the 600 s
//     window or the disk for it, and no clock.steps is written: retention
//     ages footage by this machine's clock, which never stepped.
//   - A restart on the same storage keeps every segment.
//
// Sender reports come every 2.5 to 6.2 s (RFC 3550's randomised interval),
// so each change of the camera's clock takes that long to show.
//
//   cd tests && node --test integration/camera-clock.test.mjs    (about 40 s)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fakeClock, faketimeMissing } from '../lib/faketime.mjs';
import { sleep, startLauncher, waitFor } from '../lib/launcher.mjs';
import { parsePlaylist, pdtJumps } from '../lib/playlist.mjs';
import { gstServer } from '../lib/rtsp-servers.mjs';

// Longer than the longest interval between two sender reports, plus a
// keyframe, at which the recorder compares the clocks.
const REPORT_MS = 8000;

const camLines = (log, start) => log.split('\n').map((l) => l.replace(/^\d\d:\d\d:\d\d\.\d{3} /, ''))
  .filter((l) => l.startsWith(`camera cam: ${start}`));
const stepLines = (log) => camLines(log, 'clock step');
const offLines = (log) => camLines(log, "WARNING: the camera's clock is");

async function camera(launcher) {
  return (await (await fetch(`${launcher.url}/api/cameras`)).json()).find((c) => c.name === 'cam');
}

async function livePlaylist(launcher) {
  const r = await fetch(`${launcher.url}/hls/cam/live.m3u8`);
  return r.ok ? parsePlaylist(await r.text()) : [];
}

const discontinuities = (pl) => pl.filter((s, i) => i > 0 && s.discontinuity).length;

// Listed after the last discontinuity.
const sinceLastDiscontinuity = (pl) => pl.length - pl.findLastIndex((s, i) => i === 0 || s.discontinuity);

test('a camera clock stepping under rtspsrc with wall-clock = camera is said once, marked, and moves no label '
  + 'and no footage; one wrong from the start is no step', { timeout: 60000, skip: faketimeMissing }, async () => {
  // The camera's clock an hour ahead from the start.
  const clock = fakeClock('+3600');
  let server, launcher, storage, firstDir;
  try {
    server = await gstServer([], { env: clock.env });
    const preset = `
[camera cam]
source = rtsp
url = rtsp://127.0.0.1:${server.port}/cam/realmonitor?channel=1&subtype=0
ingest = rtspsrc
wall-clock = camera
segment-duration = 1
window = 600
`;
    const startedAt = Date.now();
    launcher = await startLauncher(preset);
    ({ storage, dir: firstDir } = launcher);
    await waitFor('the camera recording', async () => (await camera(launcher))?.state === 'recording', 20000);
    assert.equal((await camera(launcher)).ingest, 'rtspsrc');

    // Reports on the wrong clock reach the recorder within REPORT_MS.
    await sleep(REPORT_MS);
    let pl = await livePlaylist(launcher);
    assert.ok(pl.length >= 4, `${pl.length} segments`);
    assert.deepEqual(stepLines(launcher.log()), []);
    const off = offLines(launcher.log());
    assert.equal(off.length, 1, launcher.log());
    const offBy = Number(/^camera cam: WARNING: the camera's clock is ([+-]\d+\.\d{3}) s off this machine's; /
      .exec(off[0])?.[1]);
    assert.ok(Math.abs(offBy - 3600) < 1, off[0]);
    assert.equal((await camera(launcher)).clock_steps, 0);
    assert.equal(discontinuities(pl), 0);
    assert.ok(pl.every((s) => s.pdt >= startedAt - 1000 && s.pdt <= Date.now()), 'labelled by the local clock');

    // The camera's clock set right: it agrees, and is used from its next report on.
    clock.set('+0');
    await sleep(REPORT_MS);
    const before = await livePlaylist(launcher);
    assert.equal(discontinuities(before), 0, 'a camera clock that comes to agree is no step');
    assert.equal((await camera(launcher)).clock_steps, 0);

    const steppedAt = Date.now();
    clock.set('+3600');
    await waitFor('the step to be counted', async () => (await camera(launcher)).clock_steps >= 1, 15000, 100);
    await waitFor('two segments after the step', async () => {
      const now = await livePlaylist(launcher);
      return discontinuities(now) >= 1 && sinceLastDiscontinuity(now) >= 2;
    }, 10000, 100);
    pl = await livePlaylist(launcher);
    const fetchedAt = Date.now();

    const lines = stepLines(launcher.log());
    assert.equal(lines.length, 1, launcher.log());
    // A step of a clock in use is said as a step, not as a clock that is off.
    assert.equal(offLines(launcher.log()).length, 1, launcher.log());
    const size = Number(/^camera cam: clock step: the camera's clock stepped by ([+-]\d+\.\d{3}) s \(/
      .exec(lines[0])?.[1]);
    assert.ok(Math.abs(size - 3600) < 1, lines[0]);
    const cam = await camera(launcher);
    assert.equal(cam.clock_steps, 1);
    assert.equal(cam.state, 'recording');
    assert.equal(cam.reconnects, 0);
    const metrics = await (await fetch(`${launcher.url}/metrics`)).text();
    assert.match(metrics, /^dvr_camera_clock_steps_total\{camera="cam"\} 1$/m);

    // One discontinuity, at the step; the labels go on by the local clock
    // across it, not an hour ahead.
    assert.equal(discontinuities(pl), 1);
    const at = pl.findIndex((s, i) => i > 0 && s.discontinuity);
    assert.ok(pl[at].pdt >= steppedAt - 1000 && pl[at].pdt <= steppedAt + 10000,
      `the discontinuity at ${new Date(pl[at].pdt).toISOString()}, the step at ${new Date(steppedAt).toISOString()}`);
    const jumps = pdtJumps(pl);
    assert.equal(jumps.length, 1);
    assert.ok(Math.abs(jumps[0]) <= 50, `labels jump by ${jumps[0]} ms at the step`);
    const last = pl[pl.length - 1];
    assert.ok(Math.abs(last.pdt + last.duration * 1000 - fetchedAt) < 3000,
      `the newest segment ends at ${new Date(last.pdt + last.duration * 1000).toISOString()}`);

    // Nothing left the window or the disk, and retention has no step to note.
    assert.deepEqual(pl.slice(0, before.length).map((s) => s.uri), before.map((s) => s.uri));
    for (const s of pl) assert.ok(existsSync(join(storage, 'cam', s.uri)), `${s.uri} is gone`);
    assert.ok(!existsSync(join(storage, 'cam', 'clock.steps')), 'clock.steps was written');

    await launcher.stop({ keepFiles: true });
    launcher = null;
    for (const s of pl) assert.ok(existsSync(join(storage, 'cam', s.uri)), `${s.uri} is gone after stopping`);

    // A restart on the same storage keeps every segment and goes on behind a
    // discontinuity of its own.
    launcher = await startLauncher(preset, { storage });
    await waitFor('a segment after the restart', async () => discontinuities(await livePlaylist(launcher)) >= 2,
      20000, 100);
    const again = await livePlaylist(launcher);
    assert.deepEqual(again.slice(0, pl.length).map((s) => s.uri), pl.map((s) => s.uri));
    await launcher.stop();
    launcher = null;
    for (const s of pl) assert.ok(existsSync(join(storage, 'cam', s.uri)), `${s.uri} is gone after the restart`);
  } finally {
    if (launcher) await launcher.stop();
    if (server) await server.stop();
    if (firstDir) rmSync(firstDir, { recursive: true, force: true });
    clock.remove();
  }
});
