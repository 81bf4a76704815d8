// Descriptor exhaustion: a launcher started with an open-file limit of 256
// (as low as a small service's) is flooded with far more connections than
// it has descriptors. The server holds what it may, keeps descriptors for
// the recorder, answers a fresh client within 1 s, and serves everyone again
// once the flood is over; the camera records without loss.
//
//   node --test tests/http/exhaustion.test.mjs     (after meson compile -C build)
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { startLauncher, testCameraSection, waitFor } from '../lib/launcher.mjs';
import { freshGet, halfSent, assertRecordingWhole } from '../lib/hostile-clients.mjs';

const limit = 256;
const preset = `
[server]
header-timeout = 2
max-connections = 100000
max-connections-per-client = 100000

[dvr]
segment-duration = 1
${testCameraSection('cam1', 'ball')}`;

let launcher;
after(async () => {
  await launcher?.stop();
});

const openFiles = () => readdirSync(`/proc/${launcher.proc.pid}/fd`).length;

test('a flood past the open-file limit leaves descriptors for recording, and a fresh client is answered during and after', async () => {
  launcher = await startLauncher(preset, { wrapper: ['prlimit', `--nofile=${limit}:${limit}`, '--'] });
  assert.match(launcher.log(), new RegExp(`open-file limit ${limit}, \\d+ kept for recording`));
  await waitFor('cam1 to record', async () => {
    const [cam] = await (await fetch(`${launcher.url}/api/cameras`)).json();
    return cam.state === 'recording' && cam.range;
  }, 30000);

  const flood = await halfSent(launcher.port, 1000);
  const during = openFiles();
  const reserve = Number(/open-file limit \d+, (\d+) kept/.exec(launcher.log())[1]);
  // The recorder draws on the reserve as it needs: most of it stays free.
  assert.ok(limit - during >= reserve / 2, `${during} descriptors open of ${limit} while flooded`);
  for (let i = 0; i < 3; ++i) {
    const r = await freshGet(launcher.port, '/api/cameras');
    assert.equal(r.status, 200, 'a fresh client during the flood');
  }
  const held = await flood.closed();
  // Only what fits below the line waits out its header timeout; the rest
  // made way for newer connections (or got 503).
  const heldToTimeout = held.filter((h) => h.heldMs >= 1700).length;
  assert.ok(heldToTimeout <= limit - reserve, `${heldToTimeout} of 1,000 held to the header timeout`);
  const metrics = (await freshGet(launcher.port, '/metrics')).body.toString();
  const turnedAway = ['evicted', 'refused'].reduce((n, what) =>
    n + Number(new RegExp(`^dvr_http_connections_${what}_total (\\d+)$`, 'm').exec(metrics)[1]), 0);
  assert.ok(turnedAway >= 1000 - (limit - reserve), `${turnedAway} connections made way or were refused`);

  const r = await freshGet(launcher.port, '/api/cameras');
  assert.equal(r.status, 200, 'a fresh client after the flood');
  assert.ok(openFiles() < 64, 'the flood\'s descriptors are all closed');
  assert.doesNotMatch(launcher.log(), /cannot accept connections/, 'the reserve kept accept() from failing');
  await assertRecordingWhole(assert, launcher.port, { maxAgeMs: 5000 });
});
