// The server under hostile load: half-sent requests, an address over its
// share, oversized requests and a burst of clip requests. Through each one a
// fresh client (a new connection from another address) must be answered
// within 1 s, during and after, and the camera must record without loss.
//
//   node --test tests/http/hostile.test.mjs     (after meson compile -C build)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startLauncher, testCameraSection, waitFor, sleep } from '../lib/launcher.mjs';
import { freshGet, halfSent, assertRecordingWhole } from '../lib/hostile-clients.mjs';

const headerTimeout = 2;
const preset = `
[server]
header-timeout = ${headerTimeout}
keepalive-timeout = 3
max-connections = 2000
max-connections-per-client = 1000
max-header-bytes = 4096
max-url-bytes = 1024

[dvr]
segment-duration = 1
${testCameraSection('cam1', 'ball')}`;

let launcher;

// The fresh client, from 127.0.0.1 while the load comes from 127.0.0.2 or .3.
const probe = async (what) => {
  const r = await freshGet(launcher.port, '/api/cameras');
  assert.equal(r.status, 200, `a fresh client ${what}`);
};

before(async () => {
  launcher = await startLauncher(preset);
  await waitFor('cam1 to record', async () => {
    const [cam] = await (await fetch(`${launcher.url}/api/cameras`)).json();
    return cam.state === 'recording' && cam.range;
  }, 30000);
});

after(async () => {
  await launcher?.stop();
});

test('1,000 half-sent requests are closed within the header timeout, and a fresh client is answered throughout', async () => {
  const flood = await halfSent(launcher.port, 1000);
  await probe('during 1,000 half-sent requests');
  const held = await flood.closed();
  await probe('after 1,000 half-sent requests');
  const longest = Math.max(...held.map((h) => h.heldMs));
  const shortest = Math.min(...held.map((h) => h.heldMs));
  // Closed for their timeout (not earlier, for room), and not much after it.
  assert.ok(shortest >= headerTimeout * 1000 - 300, `one was closed after ${shortest} ms`);
  assert.ok(longest <= headerTimeout * 1000 + 1500, `one was held ${longest} ms`);
  await assertRecordingWhole(assert, launcher.port, { maxAgeMs: 5000 });
});

test('an address over its share gets 503 with Retry-After while another address is served', async () => {
  const flood = await halfSent(launcher.port, 1020, { localAddress: '127.0.0.3' });
  await probe('from another address while 127.0.0.3 is over its cap');
  const held = await flood.closed();
  const refused = held.filter((h) => h.data.startsWith('HTTP/1.1 503'));
  assert.equal(refused.length, 20, 'the 20 over the cap of 1,000 are refused');
  for (const h of refused) assert.match(h.data, /\r\nRetry-After: \d+\r\n/i);
  // Its share back, the same address is served again.
  const again = await freshGet(launcher.port, '/api/cameras', { localAddress: '127.0.0.3' });
  assert.equal(again.status, 200);
  await probe('after the flood from 127.0.0.3');
  const metrics = (await freshGet(launcher.port, '/metrics')).body.toString();
  assert.ok(Number(/^dvr_http_connections_refused_total (\d+)$/m.exec(metrics)[1]) >= 20, metrics);
  assert.ok(Number(/^dvr_http_connections_timed_out_total (\d+)$/m.exec(metrics)[1]) >= 1000, metrics);
  await assertRecordingWhole(assert, launcher.port, { maxAgeMs: 5000 });
});

test('an oversized URL gets 414, oversized headers 431, past 64 KiB the connection is closed, and nothing else suffers', async () => {
  const long = await freshGet(launcher.port, `/hls/cam1/${'a'.repeat(2000)}.ts`, { localAddress: '127.0.0.2' });
  assert.equal(long.status, 414);
  const longQuery = await freshGet(launcher.port, `/api/cameras?x=${'b'.repeat(2000)}`, { localAddress: '127.0.0.2' });
  assert.equal(longQuery.status, 414);
  const big = await freshGet(launcher.port, '/api/cameras', { localAddress: '127.0.0.2', headers: { 'X-Big': 'c'.repeat(8000) } });
  assert.equal(big.status, 431);
  const many = {};
  for (let i = 0; i < 100; ++i) many[`X-H${i}`] = 'd'.repeat(60);
  assert.equal((await freshGet(launcher.port, '/api/cameras', { localAddress: '127.0.0.2', headers: many })).status, 431);
  // Past 64 KiB libsoup stops reading: a 400, or a reset that loses it.
  const huge = await halfSent(launcher.port, 20, {
    text: `GET /api/cameras HTTP/1.1\r\nHost: x\r\nX-Huge: ${'e'.repeat(70000)}\r\n\r\n`,
  });
  await probe('during 20 requests with 70 KB headers');
  for (const h of await huge.closed()) assert.ok(h.data === '' || h.data.startsWith('HTTP/1.1 400'), h.data.slice(0, 40));
  await probe('after the oversized requests');
  await assertRecordingWhole(assert, launcher.port, { maxAgeMs: 5000 });
});

test('a burst of 200 clip requests is answered (200 or 503 with Retry-After) while a fresh client is served', async () => {
  const [cam] = await (await fetch(`${launcher.url}/api/cameras`)).json();
  const end = Date.parse(cam.range.end);
  const path = `/api/cameras/cam1/clip.mp4?start=${new Date(end - 2000).toISOString()}&end=${new Date(end).toISOString()}`;
  const burst = Array.from({ length: 200 }, () =>
    freshGet(launcher.port, path, { localAddress: '127.0.0.2', timeoutMs: 20000 }));
  await sleep(100);
  await probe('during 200 clip requests');
  const answers = await Promise.all(burst);
  const made = answers.filter((a) => a.status === 200);
  const refused = answers.filter((a) => a.status === 503);
  assert.equal(made.length + refused.length, 200, `statuses: ${[...new Set(answers.map((a) => a.status))]}`);
  assert.ok(made.length >= 2, 'some clips are made');
  for (const a of made) assert.equal(a.body.subarray(4, 8).toString('latin1'), 'ftyp');
  for (const a of refused) assert.ok(Number(a.headers['retry-after']) > 0);
  await probe('after 200 clip requests');
  await assertRecordingWhole(assert, launcher.port, { maxAgeMs: 5000 });
});
