// SIGHUP reloads the preset: an added camera starts, a removed one stops with
// its last segment finished, a changed one restarts, and an unchanged one
// records on without a gap. A broken preset changes nothing.
//
//   node --test tests/http/          (after meson compile -C build)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startLauncher, waitFor, testCameraSection } from '../lib/launcher.mjs';

const head = '[dvr]\nsegment-duration = 1\nwindow = 120\n';
const first = head + testCameraSection('steady', 'ball') + testCameraSection('leaving', 'snow') +
  testCameraSection('changing', 'smpte');
const second = head + testCameraSection('steady', 'ball') + testCameraSection('changing', 'pinwheel') +
  testCameraSection('arriving', 'gradient');

let launcher;

function parse(text) {
  const segments = [];
  let disc = false, pdt = null;
  for (const line of text.split('\n')) {
    if (line === '#EXT-X-DISCONTINUITY') disc = true;
    else if (line.startsWith('#EXT-X-PROGRAM-DATE-TIME:')) pdt = Date.parse(line.slice(25));
    else if (line.startsWith('#EXTINF:')) segments.push({ duration: parseFloat(line.slice(8)), disc, pdt });
    else if (line && !line.startsWith('#')) { segments[segments.length - 1].uri = line; disc = false; }
  }
  return segments;
}

async function playlist(name) {
  const r = await fetch(`${launcher.url}/hls/${name}/live.m3u8`);
  return r.ok ? parse(await r.text()) : null;
}

async function states() {
  const list = await (await fetch(`${launcher.url}/api/cameras`)).json();
  return Object.fromEntries(list.map((c) => [c.name, c]));
}

function reload(text) {
  writeFileSync(join(launcher.dir, 'preset.ini'), text);
  launcher.proc.kill('SIGHUP');
}

before(async () => {
  launcher = await startLauncher(first);
  await waitFor('every camera to record two segments', async () => {
    for (const name of ['steady', 'leaving', 'changing']) if (!((await playlist(name))?.length >= 2)) return false;
    return true;
  }, 30000);
});

after(async () => {
  if (launcher) await launcher.stop();
});

test('SIGHUP starts added cameras, stops removed ones, restarts changed ones, and leaves the others alone',
  { timeout: 45000 }, async () => {
    const steadyBefore = (await states()).steady;
    reload(second);

    await waitFor('the new set of cameras to record', async () => {
      const s = await states();
      return !s.leaving && s.arriving?.state === 'recording' && s.changing?.state === 'recording' &&
        (await playlist('changing')).some((seg) => seg.disc);
    }, 30000);
    // A few more segments, so that a gap in the steady camera would show.
    const steadyAtReload = (await playlist('steady')).length;
    await waitFor('the steady camera to record on', async () => (await playlist('steady')).length >= steadyAtReload + 2);

    const log = launcher.log();
    assert.match(log, /reloaded .*preset\.ini: added arriving; removed leaving; changed changing/);
    assert.match(log, /camera leaving: stopped/);
    assert.doesNotMatch(log, /camera steady: (stopping|stopped|starting: test source[\s\S]*camera steady: starting)/);

    // The removed camera finished its last segment: listed, on disk, no temporary left.
    const leavingDir = join(launcher.storage, 'leaving');
    const leaving = parse(readFileSync(join(leavingDir, 'live.m3u8'), 'utf8'));
    assert.ok(leaving.length >= 2);
    assert.ok(existsSync(join(leavingDir, leaving.at(-1).uri)));
    assert.deepEqual(readdirSync(leavingDir).filter((f) => f.endsWith('.part') || f.endsWith('.tmp')), []);
    assert.equal((await fetch(`${launcher.url}/hls/leaving/live.m3u8`)).status, 404);

    // The changed camera went on in its folder: one marked restart, numbers rising.
    const changing = await playlist('changing');
    assert.equal(changing.filter((s) => s.disc).length, 1);

    // The steady camera: the same pipeline, no mark, wall clock in step with EXTINF.
    const steady = (await states()).steady;
    assert.equal(steady.reconnects, 0);
    assert.ok(steady.segments > steadyBefore.segments);
    const segments = await playlist('steady');
    assert.equal(segments.filter((s) => s.disc).length, 0);
    for (let i = 0; i + 1 < segments.length; i++) {
      const step = segments[i + 1].pdt - segments[i].pdt;
      assert.ok(Math.abs(step - segments[i].duration * 1000) <= 2, `steady segment ${i}: ${step} ms`);
    }
  });

test('a preset broken on reload is reported and changes nothing', { timeout: 20000 }, async () => {
  const before = await states();
  reload(second + '\n[camera arriving2]\nsource = test\nwidth = enormous\n');
  await waitFor('the reload to be refused', () => /arriving2:width: expected a whole number/.test(launcher.log()), 5000, 100);
  assert.match(launcher.log(), /has errors; the cameras go on as they were/);
  await new Promise((r) => setTimeout(r, 1500));
  const after = await states();
  assert.deepEqual(Object.keys(after).sort(), Object.keys(before).sort());
  for (const name of Object.keys(after)) {
    assert.equal(after[name].state, 'recording', name);
    assert.equal(after[name].reconnects, before[name].reconnects, name);
  }
});

test('a line without "=" on reload is reported by its number; the line, which may be a password, is not logged',
  { timeout: 20000 }, async () => {
    const text = second + '\n[camera arriving3]\nsource = rtsp\nurl = rtsp://127.0.0.1/\npassword Reload-S3cret\n';
    const lineNumber = text.split('\n').indexOf('password Reload-S3cret') + 1;
    reload(text);
    await waitFor('the reload to be refused', () => /preset\.ini:\d+: not a key = value line/.test(launcher.log()),
      5000, 100);
    assert.match(launcher.log(), new RegExp(`preset\\.ini:${lineNumber}: not a key = value line`));
    assert.doesNotMatch(launcher.log(), /Reload-S3cret/);
    assert.equal((await states()).arriving3, undefined);
  });
