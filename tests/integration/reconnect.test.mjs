// Real cameras, as dvr-mock-camera plays one on 127.0.0.1: recorded without
// re-encoding, with G.711 audio turned into AAC; a camera lost and refused
// for 15 s, or one that stops sending, comes back by itself with one marked
// gap while a second camera records on; a wrong password is reported as such
// and shows nowhere; the gst-launch-1.0 line --check prints records it too.
//
//   cd tests && node --test integration/      (after meson compile -C build; about 80 s)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { launcherPath, repoRoot, startLauncher, waitFor } from '../lib/launcher.mjs';
import { startMockCamera } from '../lib/mock-camera.mjs';

const PASSWORD = 'door-pw-7731';
let camera;
const launchers = [];

before(async () => {
  camera = await startMockCamera(['--user', 'admin', '--password', PASSWORD, '--audio', 'pcma']);
});

after(async () => {
  for (const l of launchers) await l.stop();
  if (camera) await camera.stop();
});

// A launcher recording the mock camera as "door" and a test source as "yard".
async function launch({ dvr = '', password = PASSWORD, door = '' } = {}) {
  const launcher = await startLauncher(`
[dvr]
segment-duration = 1
window = 300
audio = aac
${dvr}
[camera door]
source = rtsp
url = ${camera.url}
user = admin
password-env = DOOR_PW
${door}
[camera yard]
source = test
pattern = ball
width = 320
height = 240
framerate = 25
bitrate = 300
`, { env: { DOOR_PW: password } });
  launchers.push(launcher);
  return launcher;
}

async function playlist(launcher, name) {
  const r = await fetch(`${launcher.url}/hls/${name}/live.m3u8`);
  if (!r.ok) return null;
  const text = await r.text();
  const segments = [];
  let disc = false, pdt = null;
  for (const line of text.split('\n')) {
    if (line === '#EXT-X-DISCONTINUITY') disc = true;
    else if (line.startsWith('#EXT-X-PROGRAM-DATE-TIME:')) pdt = Date.parse(line.slice(25));
    else if (line.startsWith('#EXTINF:')) segments.push({ duration: parseFloat(line.slice(8)), disc, pdt });
    else if (line && !line.startsWith('#')) {
      const s = segments[segments.length - 1];
      s.uri = line;
      s.number = Number(/(\d+)\.ts$/.exec(line)[1]);
      disc = false;
    }
  }
  const seq = Number((text.match(/#EXT-X-MEDIA-SEQUENCE:(\d+)/) || [])[1]);
  return { text, segments, seq };
}

async function cameras(launcher) {
  return (await fetch(`${launcher.url}/api/cameras`)).json();
}

async function cameraState(launcher, name) {
  return (await cameras(launcher)).find((c) => c.name === name);
}

async function bothRecording(launcher) {
  await waitFor('both cameras recording', async () => {
    const list = await cameras(launcher);
    return list.every((c) => c.state === 'recording');
  }, 30000);
  await waitFor('a few segments from the camera', async () =>
    (await playlist(launcher, 'door'))?.segments.length >= 3, 30000);
}

function assertNoPassword(launcher, ...texts) {
  for (const text of [...texts, launcher.log()]) assert.ok(!text.includes(PASSWORD), `the password shows in:\n${text}`);
}

// What the video and audio of the camera go through, by ingest.
const PATHS = {
  lean: {
    video: 'dvrrtspsrc ! dvrsink',
    audio: 'dvrrtspsrc ! alawdec ! audioconvert ! audioresample ! avenc_aac ! aacparse ! dvrsink',
  },
  rtspsrc: {
    video: 'rtspsrc ! rtph264depay ! dvrsink',
    audio: 'rtspsrc ! rtppcmadepay ! alawdec ! audioconvert ! audioresample ! avenc_aac ! aacparse ! dvrsink',
  },
};

for (const ingest of ['lean', 'rtspsrc']) {
  test(`a camera (ingest = ${ingest}) and a test source in one launcher both record; the camera's video is copied, its G.711 audio becomes AAC`,
    { timeout: 60000 }, async () => {
      // lean is the default: only the fallback is named.
      const launcher = await launch({ door: ingest === 'rtspsrc' ? 'ingest = rtspsrc' : '' });
      await bothRecording(launcher);
      const door = await cameraState(launcher, 'door');
      // Walked in the running pipeline: nothing between the source and dvrsink
      // but rtspsrc's depayloader, and nothing at all after dvrrtspsrc.
      assert.equal(door.video_path, PATHS[ingest].video);
      assert.equal(door.audio_path, PATHS[ingest].audio);
      assert.equal(door.codec, 'h264');
      assert.equal(door.source, 'rtsp');
      assert.ok(door.bitrate > 400000 && door.bitrate < 3000000, `bitrate ${door.bitrate}`);
      assert.equal((await cameraState(launcher, 'yard')).state, 'recording');

      const { segments } = await playlist(launcher, 'door');
      const file = join(launcher.storage, 'door', segments.at(-1).uri);
      const { stdout } = await promisify(execFile)('ffprobe',
        ['-v', 'error', '-show_entries', 'stream=codec_type,codec_name,sample_rate', '-of', 'json', file]);
      const streams = JSON.parse(stdout).streams;
      assert.deepEqual(streams.map((s) => `${s.codec_type}:${s.codec_name}`).sort(), ['audio:aac', 'video:h264']);
      assert.ok(launcher.log().includes(`camera door: recording: video ${PATHS[ingest].video}; audio `), launcher.log());
      assertNoPassword(launcher, JSON.stringify(door));
      await launcher.stop();
    });
}

test('a refused login is reported as unauthorized, retried slowly, and the password shows nowhere',
  { timeout: 60000 }, async () => {
    const wrong = 'not-the-password-4412';
    const launcher = await launch({ password: wrong, dvr: 'auth-retry = 300' });
    const door = await waitFor('the camera to be unauthorized', async () => {
      const c = await cameraState(launcher, 'door');
      return c.state === 'unauthorized' && c;
    }, 30000);
    assert.match(door.error, /refused the user name or password/);
    // Slowly: no second attempt within the next seconds, while the other camera records.
    await new Promise((r) => setTimeout(r, 3000));
    const again = await cameraState(launcher, 'door');
    assert.equal(again.state, 'unauthorized');
    assert.equal(again.reconnects, 0);
    assert.equal((await cameraState(launcher, 'yard')).state, 'recording');
    assert.match(launcher.log(), /camera door: unauthorized: .*next attempt in 300 s/);
    const texts = [await (await fetch(`${launcher.url}/api/cameras`)).text(), await (await fetch(`${launcher.url}/`)).text(),
      launcher.log()];
    for (const text of texts) assert.ok(!text.includes(wrong), `the wrong password shows in:\n${text}`);
    await launcher.stop();
  });

test('a camera that stops sending leaves recording within stall-timeout and records again after it resumes',
  { timeout: 60000 }, async () => {
    const launcher = await launch({ dvr: 'stall-timeout = 3' });
    await bothRecording(launcher);
    const before = await playlist(launcher, 'door');
    const started = Date.now();
    await camera.command('stall');
    const stalled = await waitFor('the stall to be noticed', async () => {
      const c = await cameraState(launcher, 'door');
      return c.state !== 'recording' && c;
    }, 15000, 100);
    const noticed = Date.now() - started;
    // 3 s without a buffer, checked every 375 ms; a little slack for the jitter buffer and polling.
    assert.ok(noticed < 4500, `noticed after ${noticed} ms`);
    assert.equal(stalled.state, 'reconnecting');
    assert.match(stalled.error, /no video from the camera for 3 s/);
    await camera.command('resume');
    await waitFor('recording again', async () => {
      const c = await cameraState(launcher, 'door');
      const pl = await playlist(launcher, 'door');
      return c.state === 'recording' && pl.segments.length >= before.segments.length + 3;
    }, 30000);
    const after = await playlist(launcher, 'door');
    assert.equal(after.segments.filter((s) => s.disc).length, 1);
    assert.ok((await cameraState(launcher, 'door')).reconnects >= 1);
    await launcher.stop();
  });

test('a camera lost and refused for 15 s comes back by itself with one marked gap; the other camera never notices',
  { timeout: 90000 }, async () => {
    const launcher = await launch();
    await bothRecording(launcher);
    const before = await playlist(launcher, 'door');

    // The camera drops every client, and turns new ones away for 15 s.
    await camera.command('refuse 15');
    await camera.command('drop');
    const refusedAt = Date.now();
    const lost = await waitFor('the launcher to notice the camera is gone', async () => {
      const c = await cameraState(launcher, 'door');
      return c.state === 'reconnecting' && c;
    }, 10000, 100);
    assert.ok(lost.error, 'the API says what went wrong');
    assert.equal(lost.bitrate, null);

    // Back-off 1, 2, 4, 8, 16 s: the attempt after the refusal ends comes within 30 s of the drop.
    await waitFor('recording to resume', async () => {
      const c = await cameraState(launcher, 'door');
      return c.state === 'recording' && (await playlist(launcher, 'door')).segments.length >= before.segments.length + 3;
    }, 60000);
    assert.ok(Date.now() - refusedAt < 45000, `resumed ${Date.now() - refusedAt} ms after the drop`);
    const after = await playlist(launcher, 'door');
    const door = await cameraState(launcher, 'door');
    assert.ok(door.reconnects >= 2, `reconnects: ${door.reconnects}`);
    assert.match(launcher.log(), /camera door: reconnecting: .*next attempt in 1 s/);

    // Nothing recorded before is lost; numbers keep rising; exactly one gap is marked.
    assert.equal(after.seq, before.seq);
    for (let i = 0; i < before.segments.length; i++) assert.equal(after.segments[i].uri, before.segments[i].uri);
    for (let i = 1; i < after.segments.length; i++) assert.ok(after.segments[i].number > after.segments[i - 1].number);
    assert.equal(after.segments.filter((s) => s.disc).length, 1);
    assert.ok(after.segments.findIndex((s) => s.disc) >= before.segments.length);

    // The other camera went on without a gap: no mark, and wall clock in step with EXTINF.
    const yard = await playlist(launcher, 'yard');
    assert.ok(yard.segments.length >= 20, `yard has ${yard.segments.length} segments`);
    assert.equal(yard.segments.filter((s) => s.disc).length, 0);
    for (let i = 0; i + 1 < yard.segments.length; i++) {
      const step = yard.segments[i + 1].pdt - yard.segments[i].pdt;
      assert.ok(Math.abs(step - yard.segments[i].duration * 1000) <= 2, `yard segment ${i}: ${step} ms`);
    }
    const yardState = await cameraState(launcher, 'yard');
    assert.equal(yardState.reconnects, 0);

    assertNoPassword(launcher, await (await fetch(`${launcher.url}/api/cameras`)).text(),
      await (await fetch(`${launcher.url}/`)).text());
    await launcher.stop();
  });

test('the gst-launch-1.0 line that --check prints records the camera when pasted into a shell', { timeout: 60000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dvr-check-'));
  try {
    const preset = join(dir, 'cams.ini');
    writeFileSync(preset, `[dvr]\nsegment-duration = 1\naudio = aac\n[camera door]\nsource = rtsp\nurl = ${camera.url}\n` +
      'user = admin\npassword-env = DOOR_PW\n');
    const { stdout } = await promisify(execFile)(launcherPath, ['--preset', preset, '--check', '--storage', dir],
      { env: { ...process.env, DOOR_PW: PASSWORD } });
    assert.ok(!stdout.includes(PASSWORD));
    const line = stdout.split('\n').find((l) => l.startsWith('gst-launch-1.0 -e dvrrtspsrc'));
    assert.ok(line, stdout);
    assert.match(line, /'user-pw=\*\*\*'/);
    // The user types the password where the line shows ***.
    const pasted = line.replace("'user-pw=***'", `'user-pw=${PASSWORD}'`);
    const shell = spawn('sh', ['-c', `exec ${pasted}`], {
      env: { ...process.env, GST_PLUGIN_PATH: join(repoRoot, 'build/plugins') }, stdio: 'ignore',
    });
    const exited = new Promise((r) => shell.on('exit', r));
    try {
      await waitFor('segments from the pasted line', () => {
        const file = join(dir, 'door', 'live.m3u8');
        return existsSync(file) && (readFileSync(file, 'utf8').match(/\.ts$/gm) || []).length >= 3;
      }, 30000);
    } finally {
      shell.kill('SIGINT');
      await exited;
    }
    // The second segment: the camera's audio (G.711 turned into AAC) may start
    // after the first segment did, which then has video only.
    const second = readFileSync(join(dir, 'door', 'live.m3u8'), 'utf8').match(/^\S*seg-\S+\.ts$/gm)[1];
    const { stdout: probe } = await promisify(execFile)('ffprobe',
      ['-v', 'error', '-show_entries', 'stream=codec_type,codec_name', '-of', 'json', join(dir, 'door', second)]);
    assert.deepEqual(JSON.parse(probe).streams.map((s) => `${s.codec_type}:${s.codec_name}`).sort(),
      ['audio:aac', 'video:h264']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
