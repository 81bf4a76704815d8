// The launcher's HTTP server as a client sees it: the player page, the camera
// API, playlists and segments (with ranges), refusals of anything outside the
// recordings, a clean stop on SIGINT that leaves the last segment listed, and
// a camera that fails without taking the others down or leaking its password.
//
//   node --test tests/http/          (after meson compile -C build)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { existsSync, readdirSync, readFileSync, statSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { CLOSED_PORT, startLauncher, waitFor } from '../lib/launcher.mjs';

const preset = `
[dvr]
segment-duration = 1
window = 20

[camera cam1]
source = test
pattern = ball
width = 320
height = 180
framerate = 10
bitrate = 300

[camera cam2]
source = test
pattern = smpte
width = 320
height = 180
framerate = 10
bitrate = 300
`;

let launcher;

const segmentsOf = (playlist) =>
  playlist.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
const sequenceOf = (name) => Number(/(\d+)\.ts$/.exec(name)[1]);

async function playlist(cam = 'cam1') {
  const r = await fetch(`${launcher.url}/hls/${cam}/live.m3u8`);
  return r.ok ? r.text() : '';
}

// Sends the request line exactly as written: fetch() would normalise "..",
// "%2e" and backslashes before they ever reach the server.
function rawRequest(path, method = 'GET', headers = {}) {
  return new Promise((resolve, reject) => {
    const sock = connect(launcher.port, '127.0.0.1');
    const chunks = [];
    sock.setTimeout(5000, () => sock.destroy(new Error(`no answer to ${method} ${path}`)));
    sock.on('connect', () =>
      sock.write(`${method} ${path} HTTP/1.1\r\nHost: 127.0.0.1:${launcher.port}\r\nConnection: close\r\n` +
        Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('') + '\r\n'));
    sock.on('data', (d) => chunks.push(d));
    sock.on('error', reject);
    sock.on('end', () => {
      const raw = Buffer.concat(chunks);
      const split = raw.indexOf('\r\n\r\n');
      const head = raw.subarray(0, split < 0 ? raw.length : split).toString('latin1');
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1] ?? 0);
      resolve({ status, head, body: split < 0 ? Buffer.alloc(0) : raw.subarray(split + 4) });
    });
  });
}

before(async () => {
  launcher = await startLauncher(preset);
  await waitFor('cam1 and cam2 to list two segments each', async () =>
    segmentsOf(await playlist('cam1')).length >= 2 && segmentsOf(await playlist('cam2')).length >= 2, 45000);
});

after(async () => {
  if (launcher) await launcher.stop();
});

test('/ serves the player page as HTML', async () => {
  const r = await fetch(`${launcher.url}/`);
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type'), /^text\/html/);
  assert.match(await r.text(), /<html|<!doctype html/i);
});

test('/api/cameras lists every camera as recording, with its playlist', async () => {
  const cams = await waitFor('both cameras to be recording', async () => {
    const list = await (await fetch(`${launcher.url}/api/cameras`)).json();
    return list.every((c) => c.state === 'recording') && list;
  });
  const r = await fetch(`${launcher.url}/api/cameras`);
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type'), /^application\/json/);
  assert.equal(r.headers.get('cache-control'), 'no-cache');
  assert.deepEqual(cams.map((c) => c.name), ['cam1', 'cam2']);
  for (const c of cams) {
    assert.equal(c.state, 'recording');
    assert.equal(c.error, null);
    assert.equal(c.playlist, `/hls/${c.name}/live.m3u8`);
    assert.equal(c.window, 20);
    assert.equal(c.segment_duration, 1);
    assert.ok(c.segments >= 1, `segments: ${c.segments}`);
    assert.ok(!Number.isNaN(Date.parse(c.last_segment_at)), `last_segment_at: ${c.last_segment_at}`);
    assert.match(c.last_segment_at, /Z$/);
    assert.equal(c.reconnects, 0);
  }
});

test('the live playlist is served fresh as an HLS playlist', async () => {
  const r = await fetch(`${launcher.url}/hls/cam1/live.m3u8`);
  assert.equal(r.status, 200);
  assert.equal(r.headers.get('content-type'), 'application/vnd.apple.mpegurl');
  assert.equal(r.headers.get('cache-control'), 'no-cache');
  const text = await r.text();
  assert.match(text, /^#EXTM3U/);
  assert.doesNotMatch(text, /#EXT-X-ENDLIST/);
});

async function latestSegment() {
  const name = segmentsOf(await playlist('cam1')).at(-1);
  return { name, url: `${launcher.url}/hls/cam1/${name}`, file: join(launcher.storage, 'cam1', name) };
}

test('a listed segment is served as MPEG-TS, whole and immutable', async () => {
  const seg = await latestSegment();
  const r = await fetch(seg.url);
  assert.equal(r.status, 200);
  assert.equal(r.headers.get('content-type'), 'video/mp2t');
  assert.match(r.headers.get('cache-control'), /immutable/);
  const body = Buffer.from(await r.arrayBuffer());
  const size = statSync(seg.file).size;
  assert.equal(Number(r.headers.get('content-length')), size);
  assert.equal(body.length, size);
  assert.equal(body[0], 0x47, 'TS sync byte');
  assert.ok(body.equals(readFileSync(seg.file)));
});

test('a byte range gives 206 with exactly those bytes', async () => {
  const seg = await latestSegment();
  const file = readFileSync(seg.file);
  const r = await fetch(seg.url, { headers: { Range: 'bytes=100-299' } });
  assert.equal(r.status, 206);
  assert.equal(r.headers.get('content-range'), `bytes 100-299/${file.length}`);
  assert.equal(Number(r.headers.get('content-length')), 200);
  assert.ok(Buffer.from(await r.arrayBuffer()).equals(file.subarray(100, 300)));

  const tail = await fetch(seg.url, { headers: { Range: 'bytes=-188' } });
  assert.equal(tail.status, 206);
  assert.ok(Buffer.from(await tail.arrayBuffer()).equals(file.subarray(file.length - 188)));
});

test('a range beyond the end gives 416', async () => {
  const seg = await latestSegment();
  const size = statSync(seg.file).size;
  const r = await fetch(seg.url, { headers: { Range: `bytes=${size}-` } });
  assert.equal(r.status, 416);
  assert.equal(r.headers.get('content-range'), `bytes */${size}`);
  await r.arrayBuffer();
});

test('HEAD answers the headers of GET and no body', async () => {
  const seg = await latestSegment();
  const r = await rawRequest(`/hls/cam1/${seg.name}`, 'HEAD');
  assert.equal(r.status, 200);
  assert.match(r.head, /content-type: video\/mp2t/i);
  assert.match(r.head, new RegExp(`content-length: ${statSync(seg.file).size}\\b`, 'i'));
  assert.equal(r.body.length, 0);
});

test('methods other than GET and HEAD give 405', async () => {
  for (const method of ['POST', 'PUT', 'DELETE']) {
    const r = await fetch(`${launcher.url}/hls/cam1/live.m3u8`, { method });
    assert.equal(r.status, 405, method);
    assert.match(r.headers.get('allow'), /GET/);
    await r.arrayBuffer();
  }
});

test('a missing file or an unknown camera gives 404', async () => {
  for (const path of ['/hls/cam1/seg-9999999999.ts', '/hls/cam1/nothing.m3u8', '/hls/cam3/live.m3u8', '/nothing.html']) {
    const r = await fetch(`${launcher.url}${path}`);
    assert.equal(r.status, 404, path);
    await r.arrayBuffer();
  }
});

test('no hostile path reaches a file outside the recordings, a link, a hidden, temporary or index file', async () => {
  const hostile = [
    '/hls/cam1/../../etc/passwd',
    '/hls/cam1/%2e%2e%2f%2e%2e%2fetc%2fpasswd',
    '/hls/cam1/%2e%2e/%2e%2e/%2e%2e/etc/passwd',
    '/hls/cam1/.index.tmp',
    '/hls/cam1/index.journal',
    '/hls/..%2F..%2Fetc/passwd',
    '/hls/cam1/%00',
    '/hls/cam1/live.m3u8%00.ts',
    '/hls/cam1/..\\..\\etc\\passwd',
    '/hls/cam1/%5c..%5c..%5cetc%5cpasswd',
    '/hls/cam1/',
    '/hls/cam1',
    '/hls/%2e%2e/cam1/live.m3u8',
    '/../../../../etc/passwd',
    '/vendor/../../package.json',
    '/vendor/%2e%2e/%2e%2e/package.json',
    '/package.json',
    '/node_modules/video.js/package.json',
    // encoded and double-encoded dots and separators
    '/hls/cam1/%2e%2e%2f%2e%2e%2f%2e%2e%2fetc%2fpasswd',
    '/hls/cam1/%252e%252e%252f%252e%252e%252fetc%252fpasswd',
    '/hls/%252e%252e/etc/passwd',
    '/hls/cam1/%2E%2E/%2E%2E/%2E%2E/etc/passwd',
    '/hls/cam1%2f..%2f..%2fetc/passwd',
    '/hls/cam1/..%2f..%2f..%2fetc%2fpasswd',
    '/hls/cam1/.%2e/.%2e/.%2e/etc/passwd',
    '/vendor/..%2f..%2f..%2fpackage.json',
    // backslashes, raw and encoded
    '/hls/cam1/..\\live.m3u8',
    '/hls/cam1\\..\\..\\etc\\passwd',
    '/hls/cam1/..%5clive.m3u8',
    '/hls/cam1/%5c%5c127.0.0.1%5cshare',
    // NUL and other control bytes
    '/hls/cam1/live.m3u8%00',
    '/hls/cam1/%00/../../etc/passwd',
    '/hls/cam1/seg-0000000000.ts%00.m3u8',
    '/hls/cam1/live.m3u8%0a',
    '/hls/cam1/live%0d%0aX-Injected:%20yes.m3u8',
    // hidden, journal, temporary and playlist-temporary names
    '/hls/cam1/.live.m3u8.tmp',
    '/hls/cam1/.index.journal.tmp',
    '/hls/cam1/.seg-1-0.part',
    '/hls/cam1/%2eindex.journal',
    '/hls/cam1/index.journal%00.ts',
    '/hls/cam1/.',
    '/hls/cam1/..',
    '/hls/cam1/%2e',
    // absolute paths and absolute-form targets
    '//etc/passwd',
    '/hls/cam1//etc/passwd',
    '/hls/cam1/%2fetc%2fpasswd',
    '/hls//etc/passwd',
    'http://127.0.0.1/../../etc/passwd',
    '/etc/passwd',
    '/hls/cam1/file:%2f%2f%2fetc%2fpasswd',
    // overlong names
    `/hls/cam1/${'a'.repeat(300)}.ts`,
    `/hls/cam1/seg-${'0'.repeat(5000)}.ts`,
    `/${'x'.repeat(8000)}.html`,
    // unicode look-alikes and overlong UTF-8
    '/hls/cam1/%c0%ae%c0%ae/%c0%ae%c0%ae/etc/passwd',
    '/hls/cam1/%e2%80%a4%e2%80%a4/live.m3u8',
    '/hls/cam1/%ef%bc%8e%ef%bc%8e%ef%bc%8fetc%ef%bc%8fpasswd',
    '/hls/cam1/%e2%88%95etc%e2%88%95passwd',
    '/hls/cam1/live%e2%80%8b.m3u8',
    '/hls/ca%cc%81m1/live.m3u8',
    '/hls/CAM1/live.m3u8',
    // symlinks placed in a camera folder, and a camera folder that is one
    '/hls/cam1/evil.m3u8',
    '/hls/cam1/seg-9999999998.ts',
    '/hls/cam1/sub/live.m3u8',
    '/hls/cam1/linked.m3u8',
    '/hls/cam3/passwd',
    '/hls/cam3/live.m3u8',
  ];
  // Links a careless or hostile process could leave in the storage.
  const folder = join(launcher.storage, 'cam1');
  symlinkSync('/etc/passwd', join(folder, 'evil.m3u8'));
  symlinkSync('/etc/passwd', join(folder, 'seg-9999999998.ts'));
  symlinkSync('/etc', join(folder, 'sub'));
  symlinkSync(join(folder, 'live.m3u8'), join(folder, 'linked.m3u8'));
  symlinkSync('/etc', join(launcher.storage, 'cam3'));
  // Hidden temporaries exist while a segment is being written: ask for a real one.
  const hidden = readdirSync(join(launcher.storage, 'cam1')).find((f) => f.startsWith('.'));
  if (hidden) hostile.push(`/hls/cam1/${hidden}`);
  for (const path of hostile) {
    const r = await rawRequest(path);
    assert.ok([400, 404, 414].includes(r.status), `${path} gave ${r.status}`);
    assert.doesNotMatch(r.body.toString('latin1'), /root:|"name":|#EXTM3U/, path);
    assert.doesNotMatch(r.head, /x-injected/i, path);
  }
  for (const name of ['evil.m3u8', 'seg-9999999998.ts', 'sub', 'linked.m3u8']) rmSync(join(folder, name));
  rmSync(join(launcher.storage, 'cam3'));
});

test('files carry ETag and Last-Modified, and a matching condition gives 304 without a body', async () => {
  const seg = await latestSegment();
  const first = await fetch(seg.url);
  await first.arrayBuffer();
  const etag = first.headers.get('etag');
  const lastModified = first.headers.get('last-modified');
  assert.match(etag, /^"[0-9a-f]+-[0-9a-f]+-[0-9a-f]+"$/);
  assert.equal(new Date(lastModified).getTime(), Math.floor(statSync(seg.file).mtimeMs / 1000) * 1000);

  for (const headers of [{ 'If-None-Match': etag }, { 'If-None-Match': `"x", W/${etag}` }, { 'If-None-Match': '*' },
    { 'If-Modified-Since': lastModified }, { 'If-Modified-Since': new Date(Date.now() + 60000).toUTCString() }]) {
    const r = await rawRequest(`/hls/cam1/${seg.name}`, 'GET', headers);
    assert.equal(r.status, 304, JSON.stringify(headers));
    assert.equal(r.body.length, 0);
    assert.match(r.head, new RegExp(`etag: ${etag}`, 'i'));
    assert.match(r.head, /cache-control: .*immutable/i);
  }
  for (const headers of [{ 'If-None-Match': '"other"' }, { 'If-Modified-Since': 'Sat, 01 Jan 2000 00:00:00 GMT' },
    // If-None-Match wins over a matching If-Modified-Since.
    { 'If-None-Match': '"other"', 'If-Modified-Since': lastModified }]) {
    const r = await fetch(seg.url, { headers });
    assert.equal(r.status, 200, JSON.stringify(headers));
    await r.arrayBuffer();
  }
  // The live playlist is replaced, never edited: a new segment is a new ETag.
  const before = await fetch(`${launcher.url}/hls/cam1/live.m3u8`);
  const tag = before.headers.get('etag');
  const text = await before.text();
  const same = await fetch(`${launcher.url}/hls/cam1/live.m3u8`, { headers: { 'If-None-Match': tag } });
  assert.ok(same.status === 304 || (await same.text()) !== text);
  await waitFor('a new segment', async () => (await playlist()) !== text, 10000);
  const changed = await fetch(`${launcher.url}/hls/cam1/live.m3u8`, { headers: { 'If-None-Match': tag } });
  assert.equal(changed.status, 200);
  assert.notEqual(changed.headers.get('etag'), tag);
  await changed.arrayBuffer();
});

test('If-Range keeps a Range only while the file is the one the client has', async () => {
  const seg = await latestSegment();
  const file = readFileSync(seg.file);
  const head = await fetch(seg.url, { method: 'HEAD' });
  const etag = head.headers.get('etag');
  const lastModified = head.headers.get('last-modified');
  for (const ifRange of [etag, lastModified]) {
    const r = await fetch(seg.url, { headers: { Range: 'bytes=10-19', 'If-Range': ifRange } });
    assert.equal(r.status, 206, ifRange);
    assert.ok(Buffer.from(await r.arrayBuffer()).equals(file.subarray(10, 20)));
  }
  for (const ifRange of ['"stale"', `W/${etag}`, 'Sat, 01 Jan 2000 00:00:00 GMT']) {
    const r = await fetch(seg.url, { headers: { Range: 'bytes=10-19', 'If-Range': ifRange } });
    assert.equal(r.status, 200, ifRange);
    assert.equal(Buffer.from(await r.arrayBuffer()).length, file.length);
  }
});

test('SIGINT stops the launcher with status 0, the last segment finished and listed', async () => {
  const before = segmentsOf(await playlist('cam1'));
  assert.ok(before.length >= 2);
  const { code, signal } = await launcher.stop({ keepFiles: true });
  const { storage, dir } = launcher;
  const log = launcher.log();
  launcher = null;
  try {
    assert.equal(signal, null, log);
    assert.equal(code, 0, log);
    const text = readFileSync(join(storage, 'cam1', 'live.m3u8'), 'utf8');
    const afterStop = segmentsOf(text);
    assert.ok(afterStop.length >= before.length, `listed ${before.length} before, ${afterStop.length} after`);
    const last = afterStop.at(-1);
    assert.ok(sequenceOf(last) >= sequenceOf(before.at(-1)), `${last} is older than ${before.at(-1)}`);
    assert.ok(existsSync(join(storage, 'cam1', last)), `${last} is not on disk`);
    assert.ok(statSync(join(storage, 'cam1', last)).size > 0);
    assert.doesNotMatch(text, /#EXT-X-ENDLIST/);
    assert.match(log, /camera cam1: stopped/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a camera that cannot connect is retried, shown without its password, and never stops the others', async () => {
  const secrets = ['hunter2-Secret', 'urlSecret77'];
  const failing = await startLauncher(`
[camera door]
source = rtsp
url = rtsp://admin:${secrets[1]}@127.0.0.1:${CLOSED_PORT}/cam/realmonitor?channel=1&subtype=0
user = admin
password = ${secrets[0]}

[camera cam1]
source = test
segment-duration = 1
width = 320
height = 180
framerate = 10
bitrate = 300
`);
  try {
    let seen = '';
    const text = await waitFor('door to have been retried while cam1 records', async () => {
      seen = await (await fetch(`${failing.url}/api/cameras`)).text();
      const [door, cam1] = JSON.parse(seen);
      return door.reconnects >= 1 && door.error && cam1.state === 'recording' && seen;
    }, 30000).catch((e) => {
      throw new Error(`${e.message}\n/api/cameras: ${seen}\n--- launcher ---\n${failing.log()}`);
    });
    const [door] = JSON.parse(text);
    assert.equal(door.name, 'door');
    assert.ok(['error', 'reconnecting', 'starting'].includes(door.state), door.state);
    assert.equal(door.segments, 0);
    assert.equal(door.last_segment_at, null);
    for (const secret of secrets) {
      assert.ok(!text.includes(secret), `the API shows a password: ${text}`);
      assert.ok(!failing.log().includes(secret), `the log shows a password:\n${failing.log()}`);
    }
    assert.match(failing.log(), /camera door: reconnecting/);
    assert.match(await (await fetch(`${failing.url}/hls/cam1/live.m3u8`)).text(), /^#EXTM3U/);
  } finally {
    const { code } = await failing.stop();
    assert.equal(code, 0);
  }
});
