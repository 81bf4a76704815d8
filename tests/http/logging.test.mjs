// The launcher's log: one line per state change of a camera, with its name,
// not one per segment, and not one per failed attempt while a camera stays away.
//
//   node --test tests/http/logging.test.mjs          (after meson compile -C build)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CLOSED_PORT, startLauncher, waitFor, testCameraSection } from '../lib/launcher.mjs';

// The log's lines about one camera, without the time stamp.
const linesOf = (log, name) =>
  log.split('\n').map((l) => l.replace(/^\d\d:\d\d:\d\d\.\d{3} /, '')).filter((l) => l.startsWith(`camera ${name}: `));

async function cameras(launcher) {
  return Object.fromEntries((await (await fetch(`${launcher.url}/api/cameras`)).json()).map((c) => [c.name, c]));
}

test('a camera recording segment after segment logs starting and recording once each, with its name',
  { timeout: 60000 }, async () => {
    const launcher = await startLauncher('[dvr]\nsegment-duration = 1\nwindow = 60\n' +
      testCameraSection('porch', 'ball') + testCameraSection('garage', 'snow'));
    let stoppedLog;
    try {
      await waitFor('both cameras to record six segments', async () => {
        const s = await cameras(launcher);
        return s.porch?.segments >= 6 && s.garage?.segments >= 6;
      }, 40000);
      for (const name of ['porch', 'garage']) {
        const lines = linesOf(launcher.log(), name);
        assert.equal(lines.length, 2, `${name}:\n${launcher.log()}`);
        assert.match(lines[0], new RegExp(`^camera ${name}: starting\\b`));
        assert.match(lines[1], new RegExp(`^camera ${name}: recording\\b`));
      }
    } finally {
      const { code } = await launcher.stop({ keepFiles: false });
      stoppedLog = launcher.log();
      assert.equal(code, 0, stoppedLog);
    }
    // Stopping is two more changes, each logged once.
    for (const name of ['porch', 'garage']) {
      const states = linesOf(stoppedLog, name).map((l) => l.split(': ')[1].replace(/[;:].*/, ''));
      assert.deepEqual(states, ['starting', 'recording', 'stopping', 'stopped'], stoppedLog);
    }
  });

test('a camera that stays away is logged once as reconnecting, not once per attempt', { timeout: 60000 }, async () => {
  const launcher = await startLauncher(`
[camera door]
source = rtsp
url = rtsp://127.0.0.1:${CLOSED_PORT}/cam/realmonitor?channel=1&subtype=0
` + testCameraSection('yard', 'smpte'));
  try {
    await waitFor('door to have been retried three times', async () => (await cameras(launcher)).door?.reconnects >= 3,
      30000);
    const lines = linesOf(launcher.log(), 'door');
    assert.equal(lines.length, 2, launcher.log());
    assert.match(lines[0], /^camera door: starting: 127\.0\.0\.1/);
    assert.match(lines[1], /^camera door: reconnecting: cannot connect to the camera at 127\.0\.0\.1/);
  } finally {
    await launcher.stop();
  }
});

test('GST_DEBUG=dvrlauncher:5 gives the per-segment detail that the log leaves out', { timeout: 40000 }, async () => {
  const launcher = await startLauncher('[dvr]\nsegment-duration = 1\n' + testCameraSection('shed', 'ball'),
    { env: { GST_DEBUG: 'dvrlauncher:5', GST_DEBUG_NO_COLOR: '1' } });
  try {
    await waitFor('three segments', async () => (await cameras(launcher)).shed?.segments >= 3, 30000);
    const log = launcher.log();
    assert.match(log, /dvrlauncher .*camera shed: pipeline built \(attempt 1\)/);
    for (const n of [0, 1, 2]) assert.match(log, new RegExp(`dvrlauncher .*camera shed: segment ${n} finished, \\d+ bytes`));
    assert.equal(linesOf(log, 'shed').length, 2, log);
  } finally {
    await launcher.stop();
  }
});
