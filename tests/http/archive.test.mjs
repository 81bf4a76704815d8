// Days of footage behind a short live window: the live playlist lists the
// window only, and the archive is reached by time (hour pages, ranges, range
// playlists). A camera records live into a folder that already holds two
// days old history, written as the recorder writes it.
//
//   node --test tests/http/archive.test.mjs     (after meson compile -C build)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { startLauncher, waitFor, testCameraSection, launcherPath } from '../lib/launcher.mjs';
import { synthesizeArchive, hourFolder } from '../lib/synth-archive.mjs';

const HOUR = 3600 * 1000;
const preset = `
[dvr]
segment-duration = 1
window = 6
retention = 0
${testCameraSection('cam1', 'ball')}
`;

let launcher;
let work;
let base;  // the start of the synthesised history: an hour two days ago

const entries = (text) => text.split('\n').filter((l) => l && !l.startsWith('#'));
const json = async (path) => (await fetch(`${launcher.url}${path}`)).json();

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'dvr-archive-'));
  const ts = join(work, 'one.ts');
  await promisify(execFile)('gst-launch-1.0', ['-q', 'videotestsrc', 'num-buffers=20', '!',
    'video/x-raw,width=160,height=120,framerate=10/1', '!', 'x264enc', 'key-int-max=10', '!', 'mpegtsmux', '!',
    'filesink', `location=${ts}`]);
  base = Math.floor(Date.now() / HOUR) * HOUR - 48 * HOUR;
  const storage = join(work, 'storage');
  mkdirSync(join(storage, 'cam1'), { recursive: true });
  // Two hours on end, an hour missing, then one more.
  synthesizeArchive(join(storage, 'cam1'), [
    { startMs: base, endMs: base + 2 * HOUR },
    { startMs: base + 3 * HOUR, endMs: base + 4 * HOUR },
  ], { tsFile: ts });
  launcher = await startLauncher(preset, { storage });
  await waitFor('the live playlist to list its window', async () => {
    const r = await fetch(`${launcher.url}/hls/cam1/live.m3u8`);
    return r.ok && entries(await r.text()).length >= 6;
  }, 45000);
});

after(async () => {
  await launcher?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

test('the live playlist lists the window, never the archive behind it', async () => {
  const text = await (await fetch(`${launcher.url}/hls/cam1/live.m3u8`)).text();
  assert.ok(entries(text).length <= 9, `live playlist lists ${entries(text).length} segments`);
  const [cam] = await json('/api/cameras');
  assert.equal(cam.window, 6);
  assert.equal(cam.retention, 0);
  assert.equal(cam.archive.start, new Date(base).toISOString());
  assert.ok(Date.parse(cam.archive.end) > Date.now() - 10000);
  assert.ok(Date.parse(cam.range.start) > Date.now() - 60000, 'range is the live window');
});

test('ranges answers the recorded spans with the holes the resolution can show', async () => {
  const fine = await json('/api/cameras/cam1/ranges?resolution=60');
  assert.equal(fine.resolution, 60);
  assert.deepEqual(fine.spans.slice(0, 2), [
    { start: new Date(base).toISOString(), end: new Date(base + 2 * HOUR).toISOString() },
    { start: new Date(base + 3 * HOUR).toISOString(), end: new Date(base + 4 * HOUR).toISOString() },
  ]);
  assert.equal(fine.spans.length, 3, 'and the live recording');
  const coarse = await json(`/api/cameras/cam1/ranges?resolution=${3 * 86400}`);
  assert.equal(coarse.spans.length, 1);
  const part = await json(`/api/cameras/cam1/ranges?start=${new Date(base + HOUR).toISOString()}` +
                          `&end=${new Date(base + 3.5 * HOUR).toISOString()}`);
  assert.deepEqual(part.spans.map((s) => s.start), [new Date(base + HOUR).toISOString(), new Date(base + 3 * HOUR).toISOString()]);
  const bad = await fetch(`${launcher.url}/api/cameras/cam1/ranges?resolution=soon`);
  assert.equal(bad.status, 400);
  assert.match(await bad.text(), /resolution/);
});

test('an hour that is over is a VOD page any cache may keep, and its segments play from it', async () => {
  const url = `${launcher.url}/hls/cam1/${hourFolder(base)}/index.m3u8`;
  const r = await fetch(url);
  assert.equal(r.status, 200);
  assert.match(r.headers.get('cache-control'), /immutable/);
  const etag = r.headers.get('etag');
  assert.ok(etag);
  const page = await r.text();
  assert.match(page, /#EXT-X-PLAYLIST-TYPE:VOD\n/);
  assert.match(page, /#EXT-X-ENDLIST\n$/);
  assert.equal(entries(page).length, 1800);
  assert.ok(page.includes(`#EXT-X-PROGRAM-DATE-TIME:${new Date(base).toISOString()}\n`));
  const segment = await fetch(new URL(entries(page)[0], url));
  assert.equal(segment.status, 200);
  assert.equal(segment.headers.get('content-type'), 'video/mp2t');
  const again = await fetch(url, { headers: { 'If-None-Match': etag } });
  assert.equal(again.status, 304);
  const empty = await fetch(`${launcher.url}/hls/cam1/${hourFolder(base + 2 * HOUR)}/index.m3u8`);
  assert.equal(empty.status, 404);
  const bogus = await fetch(`${launcher.url}/hls/cam1/2026-02-31/10/index.m3u8`);
  assert.equal(bogus.status, 404);
});

test('the hour being recorded is a page still growing, never cached', async () => {
  const now = await waitFor('the current hour page', async () => {
    const r = await fetch(`${launcher.url}/hls/cam1/${hourFolder(Date.now())}/index.m3u8`);
    return r.ok && r;
  });
  assert.equal(now.headers.get('cache-control'), 'no-cache');
  const page = await now.text();
  assert.ok(!page.includes('ENDLIST'));
  assert.ok(entries(page).length >= 6);
});

test('a range playlist reaches across the archive, hours and the hole included', async () => {
  const start = new Date(base + 2 * HOUR - 10000).toISOString();
  const end = new Date(base + 3 * HOUR + 10000).toISOString();
  const r = await fetch(`${launcher.url}/hls/cam1/range.m3u8?start=${start}&end=${end}`);
  assert.equal(r.status, 200);
  const text = await r.text();
  assert.equal(entries(text).length, 10);
  assert.match(text, /#EXT-X-DISCONTINUITY\n/);
  assert.match(text, /#EXT-X-ENDLIST\n$/);
});

test('the live playlist goes gzip-compressed to a client that takes it', async () => {
  const plain = await (await fetch(`${launcher.url}/hls/cam1/live.m3u8`, { headers: { 'Accept-Encoding': 'identity' } })).text();
  const { request } = await import('node:http');
  const body = await new Promise((ok, fail) => {
    request(`${launcher.url}/hls/cam1/live.m3u8`, { headers: { 'Accept-Encoding': 'gzip' } }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => ok({ headers: res.headers, data: Buffer.concat(chunks) }));
    }).on('error', fail).end();
  });
  assert.equal(body.headers['content-encoding'], 'gzip');
  assert.match(body.headers.vary, /Accept-Encoding/);
  const text = gunzipSync(body.data).toString();
  assert.match(text, /^#EXTM3U\n/);
  // Both are the same playlist, give or take the segment added in between.
  assert.equal(text.split('\n')[3].slice(0, 20), plain.split('\n')[3].slice(0, 20));
});

test('a window longer than the retention is refused, naming both keys', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dvr-check-'));
  const file = join(dir, 'p.ini');
  writeFileSync(file, `[dvr]\nwindow = 7200\nretention = 3600\n${testCameraSection('cam1', 'ball')}`);
  const failed = await promisify(execFile)(launcherPath, ['--preset', file, '--storage', join(dir, 's'), '--check'])
    .then(() => null, (e) => e);
  rmSync(dir, { recursive: true, force: true });
  assert.ok(failed, '--check must fail');
  assert.match(failed.stderr + failed.stdout, /window \(7200 s\) is longer than retention \(3600 s\)/);
});
