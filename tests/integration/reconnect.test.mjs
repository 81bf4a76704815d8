// A camera that drops its clients and then refuses connections for 15 s: the
// launcher gets it back by itself, marks the gap once, loses nothing, and the
// other camera records on without noticing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startLauncher, waitFor } from '../lib/launcher.mjs';
import { startMockCamera } from '../lib/mock-camera.mjs';

const PASSWORD = 'door-pw-7731';
let camera, launcher;

async function playlist(name) {
  const r = await fetch(`${launcher.url}/hls/${name}/live.m3u8`);
  if (!r.ok) return null;
  const text = await r.text();
  const segments = [];
  let disc = false, pdt = null;
  for (const line of text.split('\n')) {
    if (line === '#EXT-X-DISCONTINUITY') disc = true;
    else if (line.startsWith('#EXT-X-PROGRAM-DATE-TIME:')) pdt = Date.parse(line.slice(25));
    else if (line.startsWith('#EXTINF:')) segments.push({ duration: parseFloat(line.slice(8)), disc, pdt });
    else if (line && !line.startsWith('#')) { segments[segments.length - 1].uri = line; disc = false; }
  }
  const seq = Number((text.match(/#EXT-X-MEDIA-SEQUENCE:(\d+)/) || [])[1]);
  return { text, segments, seq };
}

async function cameraState(name) {
  const r = await fetch(`${launcher.url}/api/cameras`);
  return (await r.json()).find((c) => c.name === name);
}

before(async () => {
  camera = await startMockCamera(['--user', 'admin', '--password', PASSWORD]);
  launcher = await startLauncher(`
[server]
listen = 127.0.0.1:8080
[dvr]
segment-duration = 1
window = 300
[camera door]
source = rtsp
url = ${camera.url}
user = admin
password-env = DOOR_PW
[camera yard]
source = test
pattern = ball
width = 320
height = 240
framerate = 25
`, { env: { DOOR_PW: PASSWORD } });
});

after(async () => {
  if (launcher) await launcher.stop();
  if (camera) await camera.stop();
});

test('a camera lost and refused for 15 s comes back by itself, with one marked gap', { timeout: 120000 }, async () => {
  await waitFor('both cameras recording', async () =>
    (await cameraState('door'))?.state === 'recording' && (await cameraState('yard'))?.state === 'recording', 30000);
  await waitFor('a few segments from the camera', async () => (await playlist('door'))?.segments.length >= 3, 30000);
  const before = await playlist('door');

  await camera.command('refuse 15');
  await camera.command('drop');
  await waitFor('the launcher to notice the camera is gone', async () =>
    ['reconnecting', 'error'].includes((await cameraState('door')).state), 20000);
  const lost = await cameraState('door');
  assert.ok(lost.error, 'the API says what went wrong');

  // Back-off is at most 30 s: recording resumes within that after the refusal ends.
  await waitFor('recording to resume', async () => {
    const pl = await playlist('door');
    return (await cameraState('door')).state === 'recording' && pl.segments.length >= before.segments.length + 3;
  }, 60000);
  const after = await playlist('door');
  const state = await cameraState('door');
  assert.ok(state.reconnects >= 1, `reconnects: ${state.reconnects}`);

  // Nothing recorded before is lost; numbering goes on; exactly one gap is marked.
  assert.equal(after.seq, before.seq);
  for (let i = 0; i < before.segments.length; i++) assert.equal(after.segments[i].uri, before.segments[i].uri);
  assert.equal(after.segments.filter((s) => s.disc).length, 1);

  // The other camera went on without a gap: no mark, and wall clock in step with EXTINF.
  const yard = await playlist('yard');
  assert.equal(yard.segments.filter((s) => s.disc).length, 0);
  for (let i = 0; i + 1 < yard.segments.length; i++) {
    const step = yard.segments[i + 1].pdt - yard.segments[i].pdt;
    assert.ok(Math.abs(step - yard.segments[i].duration * 1000) <= 2, `yard segment ${i}: ${step} ms`);
  }

  // The password never shows, in the API or the log.
  const api = await (await fetch(`${launcher.url}/api/cameras`)).text();
  assert.ok(!api.includes(PASSWORD));
  assert.ok(!launcher.log().includes(PASSWORD));
});

test('a refused login is reported as such, retried slowly, and the password shows nowhere', { timeout: 60000 }, async () => {
  const wrong = 'not-the-password-4412';
  const other = await startLauncher(`
[server]
listen = 127.0.0.1:8080
[dvr]
segment-duration = 1
auth-retry = 300
[camera door]
source = rtsp
url = ${camera.url}
user = admin
password = ${wrong}
`);
  try {
    const door = await waitFor('the camera to be unauthorized', async () => {
      const r = await fetch(`${other.url}/api/cameras`);
      const c = (await r.json()).find((x) => x.name === 'door');
      return c.state === 'unauthorized' && c;
    }, 30000);
    assert.match(door.error, /refused the user name or password/);
    // Slowly: no second attempt within the next seconds.
    await new Promise((r) => setTimeout(r, 3000));
    const again = (await (await fetch(`${other.url}/api/cameras`)).json()).find((x) => x.name === 'door');
    assert.equal(again.state, 'unauthorized');
    assert.equal(again.reconnects, 0);
    for (const text of [JSON.stringify(again), other.log(), await (await fetch(`${other.url}/`)).text()]) {
      assert.ok(!text.includes(wrong), 'the password is shown');
    }
  } finally {
    await other.stop();
  }
});

test('a camera that stops sending is restarted within the stall timeout and records again', { timeout: 90000 }, async () => {
  await waitFor('door recording', async () => (await cameraState('door')).state === 'recording', 30000);
  const started = Date.now();
  await camera.command('stall');
  await waitFor('the stall to be noticed', async () => (await cameraState('door')).state !== 'recording', 20000);
  // stall-timeout defaults to 10 s; two 1 s segments are the floor.
  assert.ok(Date.now() - started < 14000, `noticed after ${Date.now() - started} ms`);
  await camera.command('resume');
  const before = (await cameraState('door')).segments;
  await waitFor('recording again', async () => {
    const c = await cameraState('door');
    return c.state === 'recording' && c.segments > before;
  }, 60000);
});
