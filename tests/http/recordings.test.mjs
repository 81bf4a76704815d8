// What the launcher tells and serves about recorded time: the recorded range
// and its gaps in /api/cameras, VOD playlists of a wall-clock range, and MP4
// clips remuxed while they are sent. One camera records, stops and records
// again in the same folder, so the recording has a real gap.
//
//   node --test tests/http/recordings.test.mjs     (after meson compile -C build)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { readdirSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLauncher, waitFor, sleep } from '../lib/launcher.mjs';

const preset = `
[dvr]
segment-duration = 1
window = 300

[camera cam1]
source = test
pattern = ball
width = 320
height = 180
framerate = 10
bitrate = 300
`;

let launcher;
let storage;
let workDir;
let cam;  // cam1 in /api/cameras once both runs recorded

const listed = (text) => text.split('\n').filter((l) => l && !l.startsWith('#'));
const api = async () => (await (await fetch(`${launcher.url}/api/cameras`)).json())[0];
const live = async () => {
  const r = await fetch(`${launcher.url}/hls/cam1/live.m3u8`);
  return r.ok ? r.text() : '';
};
const iso = (ms) => new Date(ms).toISOString();

before(async () => {
  const first = await startLauncher(preset);
  storage = first.storage;
  launcher = first;
  await waitFor('the first run to list four segments', async () => listed(await live()).length >= 4, 45000);
  await first.stop({ keepFiles: true });
  workDir = first.dir;
  // Long enough to be a gap (more than half a second), short enough for a test.
  await sleep(1500);
  launcher = await startLauncher(preset, { extraArgs: ['--storage', storage] });
  await waitFor('the second run to list four more segments', async () => {
    const text = await live();
    const resumed = text.split('#EXT-X-DISCONTINUITY\n')[1];
    return resumed && listed(resumed).length >= 4;
  }, 45000);
  cam = await api();
});

after(async () => {
  if (launcher) await launcher.stop();
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

test('/api/cameras gives the recorded range and the gap of the restart, in UTC with milliseconds', async () => {
  const isoMs = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
  assert.match(cam.range.start, isoMs);
  assert.match(cam.range.end, isoMs);
  assert.equal(cam.gaps.length, 1, JSON.stringify(cam.gaps));
  const [gap] = cam.gaps;
  const [start, end, gs, ge] = [cam.range.start, cam.range.end, gap.start, gap.end].map(Date.parse);
  assert.ok(start < gs && gs < ge && ge < end, JSON.stringify(cam));
  assert.ok(ge - gs > 1000 && ge - gs < 15000, `gap of ${ge - gs} ms`);
  // The range is the live playlist's: its first date and its last segment's end.
  const text = await live();
  assert.equal(cam.range.start, /#EXT-X-PROGRAM-DATE-TIME:(\S+)/.exec(text)[1]);
});

test('/api/cameras gives null and no gaps for a camera with nothing recorded', async () => {
  const other = await startLauncher(`
[camera idle]
source = rtsp
url = rtsp://127.0.0.1:9/nothing
`);
  try {
    const [idle] = await (await fetch(`${other.url}/api/cameras`)).json();
    assert.equal(idle.range, null);
    assert.deepEqual(idle.gaps, []);
  } finally {
    await other.stop();
  }
});

async function rangePlaylist(start, end) {
  const r = await fetch(`${launcher.url}/hls/cam1/range.m3u8?start=${encodeURIComponent(start)}&end=${encodeURIComponent(end)}`);
  return { status: r.status, type: r.headers.get('content-type'), text: await r.text() };
}

test('range.m3u8 of the whole recording is a VOD playlist with dates, the restart marked, and working URIs', async () => {
  const { status, type, text } = await rangePlaylist(cam.range.start, cam.range.end);
  assert.equal(status, 200, text);
  assert.equal(type, 'application/vnd.apple.mpegurl');
  assert.match(text, /^#EXTM3U\n/);
  assert.match(text, /#EXT-X-PLAYLIST-TYPE:VOD\n/);
  assert.match(text, /#EXT-X-ENDLIST\n$/);
  assert.match(text, /#EXT-X-TARGETDURATION:1\n/);
  const uris = listed(text);
  assert.ok(uris.length >= 8, text);
  assert.equal(text.match(/#EXT-X-PROGRAM-DATE-TIME:/g).length, uris.length);
  assert.equal(text.match(/#EXT-X-DISCONTINUITY\n/g).length, 1);
  // The marked segment starts where the gap ends.
  assert.match(text, new RegExp(`#EXT-X-DISCONTINUITY\\n#EXT-X-PROGRAM-DATE-TIME:${cam.gaps[0].end}`));
  const base = `${launcher.url}/hls/cam1/range.m3u8`;
  for (const uri of [uris[0], uris.at(-1)]) {
    const r = await fetch(new URL(uri, base));
    assert.equal(r.status, 200, uri);
    assert.equal(r.headers.get('content-type'), 'video/mp2t');
    await r.arrayBuffer();
  }
});

test('range.m3u8 lists only the segments overlapping the range, epoch seconds or ISO 8601 alike', async () => {
  const start = Date.parse(cam.range.start) + 1500;
  const end = start + 2000;
  const iso8601 = await rangePlaylist(iso(start), iso(end));
  const epoch = await rangePlaylist(String(start / 1000), String(end / 1000));
  assert.equal(iso8601.status, 200);
  assert.equal(iso8601.text, epoch.text);
  const dates = [...iso8601.text.matchAll(/#EXT-X-PROGRAM-DATE-TIME:(\S+)\n#EXTINF:([\d.]+)/g)];
  assert.ok(dates.length >= 2 && dates.length <= 4, iso8601.text);
  for (const [, date, extinf] of dates) {
    const s = Date.parse(date);
    assert.ok(s < end && s + Number(extinf) * 1000 > start, `${date} is outside the range`);
  }
  // An offset zone written with an unencoded '+' means the same instant.
  const offset = iso(start).replace('Z', '+00:00');
  const r = await fetch(`${launcher.url}/hls/cam1/range.m3u8?start=${offset}&end=${encodeURIComponent(iso(end))}`);
  assert.equal(await r.text(), iso8601.text);
});

test('range.m3u8 answers 400 for a malformed or reversed range and 404 for an unknown camera', async () => {
  const bad = [
    'start=yesterday&end=now',
    `start=${encodeURIComponent(cam.range.end)}&end=${encodeURIComponent(cam.range.start)}`,
    `start=${encodeURIComponent(cam.range.start)}`,
    '',
    'start=1700000000&end=1700000000',
    'start=2024-13-45T99:00:00Z&end=2024-01-01T00:00:00Z',
  ];
  for (const q of bad) {
    const r = await fetch(`${launcher.url}/hls/cam1/range.m3u8?${q}`);
    assert.equal(r.status, 400, q);
    assert.match(r.headers.get('content-type'), /^text\/plain/);
    assert.ok((await r.text()).length > 5);
  }
  const r = await fetch(`${launcher.url}/hls/nope/range.m3u8?start=1&end=2`);
  assert.equal(r.status, 404);
  await r.arrayBuffer();
  const empty = await rangePlaylist('1000000000', '1000000060');
  assert.equal(empty.status, 404);
});

const clipUrl = (start, end, camera = 'cam1') =>
  `${launcher.url}/api/cameras/${camera}/clip.mp4?start=${encodeURIComponent(start)}&end=${encodeURIComponent(end)}`;

const run = promisify(execFile);

// The first video frame of a file: its timestamp and whether it is a keyframe.
async function firstVideoFrame(file) {
  const { stdout } = await run('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-read_intervals', '%+#1',
    '-show_entries', 'packet=pts_time,flags', '-of', 'json', file]);
  const [packet] = JSON.parse(stdout).packets;
  return { pts: Number(packet.pts_time), key: packet.flags.startsWith('K') };
}

// Wall-clock times (ms) of the keyframes in a recorded segment, from its
// PROGRAM-DATE-TIME and the keyframes' distance from its first frame.
async function keyframeTimes(uri, programDate) {
  const dir = mkdtempSync(join(tmpdir(), 'dvr-seg-'));
  try {
    const file = join(dir, 'seg.ts');
    writeFileSync(file, Buffer.from(await (await fetch(`${launcher.url}/hls/cam1/${uri}`)).arrayBuffer()));
    const { stdout } = await run('ffprobe', ['-v', 'error', '-select_streams', 'v:0',
      '-show_entries', 'packet=pts_time,flags', '-of', 'json', file]);
    const packets = JSON.parse(stdout).packets.map((p) => ({ pts: Number(p.pts_time), key: p.flags.startsWith('K') }));
    const first = Math.min(...packets.map((p) => p.pts));
    return packets.filter((p) => p.key).map((p) => programDate + (p.pts - first) * 1000);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function probeDuration(buffer) {
  const dir = mkdtempSync(join(tmpdir(), 'dvr-clip-'));
  try {
    const file = join(dir, 'clip.mp4');
    writeFileSync(file, buffer);
    const { stdout } = await run('ffprobe',
      ['-v', 'error', '-show_entries', 'format=duration:stream=codec_name', '-of', 'json', file]);
    const info = JSON.parse(stdout);
    return { duration: Number(info.format.duration), codecs: info.streams.map((s) => s.codec_name),
      first: await firstVideoFrame(file) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('clip.mp4 is an MP4 of the asked length within one GOP, named for camera and time, streamed', async () => {
  const before = readdirSync(join(storage, 'cam1')).filter((f) => !f.startsWith('.')).sort();
  const start = Date.parse(cam.gaps[0].end) + 300;
  const end = start + 3000;
  const r = await fetch(clipUrl(iso(start), iso(end)));
  assert.equal(r.status, 200, await r.clone().text());
  assert.equal(r.headers.get('content-type'), 'video/mp4');
  assert.equal(r.headers.get('transfer-encoding'), 'chunked');
  const stamp = iso(start).replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z').replace('T', '-');
  assert.equal(r.headers.get('content-disposition'), `attachment; filename="cam1-${stamp}.mp4"`);
  const body = Buffer.from(await r.arrayBuffer());
  assert.equal(body.subarray(4, 8).toString('latin1'), 'ftyp');
  const { duration, codecs, first } = await probeDuration(body);
  assert.deepEqual(codecs, ['h264']);
  // The test cameras make a keyframe every second.
  assert.ok(duration >= 3 - 0.15 && duration <= 3 + 1.05, `duration ${duration}`);
  // It starts with the keyframe at or before start, so it shows start itself:
  // from that keyframe's wall-clock time to the end, less at most one frame (10 fps).
  assert.ok(first.key, 'the first video frame is a keyframe');
  const { text } = await rangePlaylist(iso(start - 5000), iso(start + 1));
  const [, date, name] = [...text.matchAll(/#EXT-X-PROGRAM-DATE-TIME:(\S+)\n#EXTINF:[\d.]+,\n(\S+)/g)].at(-1);
  const keyframe = Math.max(...(await keyframeTimes(name, Date.parse(date))).filter((t) => t <= start + 1));
  assert.ok(start - keyframe < 1100, `the keyframe before start is ${start - keyframe} ms before it`);
  const covered = (end - keyframe) / 1000;
  assert.ok(duration >= covered - 0.15 && duration <= covered + 0.15,
    `duration ${duration}, ${covered} s from the keyframe at or before start to the end`);
  // Nothing written beside the recording: the clip never touches the disk.
  const afterwards = readdirSync(join(storage, 'cam1')).filter((f) => !f.startsWith('.'));
  // (New day/hour folders are the recording's own.)
  assert.deepEqual(afterwards.filter((f) => !before.includes(f) && !/^seg-\d+\.ts$/.test(f) && !/^\d{4}-\d\d-\d\d$/.test(f)), []);
});

test('a clip across the restart plays through the gap', async () => {
  const start = Date.parse(cam.gaps[0].start) - 2000;
  const end = Date.parse(cam.gaps[0].end) + 2000;
  const r = await fetch(clipUrl(iso(start), iso(end)));
  assert.equal(r.status, 200);
  const { duration } = await probeDuration(Buffer.from(await r.arrayBuffer()));
  assert.ok(duration >= 4 - 0.15 && duration <= 4 + 2.1, `duration ${duration}`);
});

test('clip.mp4 answers 404 where nothing was recorded, 400 for a bad or over-long range', async () => {
  const cases = [
    [clipUrl('2001-01-01T00:00:00Z', '2001-01-01T00:00:10Z'), 404],
    [clipUrl(cam.range.start, cam.range.end, 'nope'), 404],
    [clipUrl('soon', cam.range.end), 400],
    [clipUrl(cam.range.end, cam.range.start), 400],
    [clipUrl(cam.range.start, iso(Date.parse(cam.range.start) + 3600 * 1000 + 1000)), 400],
  ];
  for (const [url, status] of cases) {
    const r = await fetch(url);
    assert.equal(r.status, status, url);
    assert.match(r.headers.get('content-type'), /^text\/plain/);
    assert.equal(r.headers.get('content-disposition'), null);
    await r.arrayBuffer();
  }
});

test('a client that leaves mid-clip frees its place: later clips still come', async () => {
  const whole = clipUrl(cam.range.start, cam.range.end);
  // Starts a whole-range clip and leaves after its first bytes. A place is freed
  // once the server sees the client gone, which takes a moment, so a 503 here
  // means "not yet": the next try must find a place within the deadline. If
  // leaving never freed a place, the third client would wait for ever.
  const startAndLeave = () => new Promise((resolve, reject) => {
    const req = request(whole, (res) => {
      if (res.statusCode === 503) {
        res.resume();
        res.on('end', () => resolve(false));
        return;
      }
      if (res.statusCode !== 200) {
        res.resume();
        reject(new Error(`clip answered ${res.statusCode}`));
        return;
      }
      res.once('data', () => {
        req.destroy();
        resolve(true);
      });
    });
    req.on('error', (e) => (e.code === 'ECONNRESET' ? resolve(true) : reject(e)));
    req.end();
  });
  for (let i = 0; i < 4; i++) await waitFor(`clip ${i + 1} of 4 to start`, startAndLeave, 10000);
  const r = await waitFor('a clip to be served again', async () => {
    const res = await fetch(clipUrl(cam.range.start, iso(Date.parse(cam.range.start) + 1000)));
    return res.status === 200 ? res : (await res.arrayBuffer(), false);
  }, 10000);
  assert.ok((await r.arrayBuffer()).byteLength > 1000);
});

test('/metrics parses as Prometheus text with each camera counter, its state and requests by status', async () => {
  const r = await fetch(`${launcher.url}/metrics`);
  assert.equal(r.status, 200);
  assert.equal(r.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8');
  const samples = new Map();
  const types = new Map();
  for (const line of (await r.text()).split('\n')) {
    if (!line) continue;
    const meta = /^# (HELP|TYPE) ([a-z_]+) (.+)$/.exec(line);
    if (meta) {
      if (meta[1] === 'TYPE') types.set(meta[2], meta[3]);
      continue;
    }
    const m = /^([a-z_]+)(?:\{((?:[a-z_]+="[^"\\]*",?)*)\})? (-?[0-9.e+]+)$/.exec(line);
    assert.ok(m, `not a sample line: ${line}`);
    assert.ok(types.has(m[1]), `${m[1]} has no TYPE before its samples`);
    samples.set(`${m[1]}{${m[2] ?? ''}}`, Number(m[3]));
  }
  const cam1 = (name, extra = '') => samples.get(`${name}{camera="cam1"${extra}}`);
  assert.equal(types.get('dvr_camera_bytes_written_total'), 'counter');
  assert.ok(cam1('dvr_camera_bytes_written_total') > 10000);
  assert.ok(cam1('dvr_camera_segments_written_total') >= 4);
  assert.equal(cam1('dvr_camera_reconnects_total'), 0);
  assert.equal(cam1('dvr_camera_state', ',state="recording"'), 1);
  for (const state of ['starting', 'reconnecting', 'unauthorized', 'error', 'stopping', 'stopped'])
    assert.equal(cam1('dvr_camera_state', `,state="${state}"`), 0, state);
  assert.ok(cam1('dvr_camera_bitrate_bits_per_second') > 0);
  const age = cam1('dvr_camera_newest_segment_age_seconds');
  assert.ok(age >= -1 && age < 10, `age ${age}`);
  assert.ok(samples.get('dvr_http_requests_total{code="200"}') > 5);
  assert.ok(samples.get('dvr_http_requests_total{code="400"}') >= 1);
});

test('many viewers fetching segments at once do not stall the recording', async () => {
  const agent = new Agent({ keepAlive: true, maxSockets: 32 });
  const get = (path) => new Promise((resolve, reject) => {
    request(`${launcher.url}${path}`, { agent }, (res) => {
      res.on('data', () => {});
      res.on('end', () => resolve(res.statusCode));
    }).on('error', reject).end();
  });
  const startText = await live();
  const seqOf = (name) => Number(/(\d+)\.ts$/.exec(name)[1]);
  const firstNew = seqOf(listed(startText).at(-1)) + 1;
  const deadline = Date.now() + 5000;
  let served = 0;
  await Promise.all(Array.from({ length: 32 }, async () => {
    while (Date.now() < deadline) {
      const names = listed(await live());
      const status = await get(`/hls/cam1/${names[Math.floor(Math.random() * names.length)]}`);
      // A segment may leave the disk between the playlist and the request.
      assert.ok(status === 200 || status === 404, `status ${status}`);
      served += status === 200;
    }
  }));
  agent.destroy();
  assert.ok(served > 50, `only ${served} segments served`);

  const text = await live();
  const entries = [...text.matchAll(/#EXT-X-PROGRAM-DATE-TIME:(\S+)\n#EXTINF:([\d.]+),\n(\S*seg-\d+\.ts)/g)]
    .map(([, date, extinf, name]) => ({ start: Date.parse(date), duration: Number(extinf) * 1000, seq: seqOf(name) }))
    .filter((e) => e.seq >= firstNew - 1);
  // Five seconds of 1 s segments: at least three new ones, back to back.
  assert.ok(entries.length >= 4, text);
  for (let i = 1; i < entries.length; i++) {
    assert.equal(entries[i].seq, entries[i - 1].seq + 1);
    const hole = entries[i].start - (entries[i - 1].start + entries[i - 1].duration);
    assert.ok(Math.abs(hole) < 300, `a hole of ${hole} ms before ${entries[i].seq}`);
  }
  assert.equal(text.match(/#EXT-X-DISCONTINUITY\n/g).length, 1, 'only the restart of before() is marked');
});
