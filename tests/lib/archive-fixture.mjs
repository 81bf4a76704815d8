// A stand-in for the launcher's archive, for the player's browser tests: an
// HTTP server on a free port of 127.0.0.1 that serves web/ and, for one
// camera `cam1`, exactly the archive contract (live playlist of the window,
// hour pages, range playlists, ranges API, clips, /api/cameras) over the
// history of tests/lib/archive-history.mjs, growing in real time.
//
// The picture is real H.264: thirty 2 s segments made once with ffmpeg, each
// showing the second of the minute it stands for (big digits, and the same
// number in binary as five black or white blocks along the top, which a test
// reads from the pixels). Segment i (wall time i × 2 s since the epoch) is
// file i mod 30 with its timestamps moved to i's place, so that any run of
// segments plays as one continuous stream.
import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import { promisify } from 'node:util';
import { historyPlan, SEGMENT_MS } from './archive-history.mjs';
import { repoRoot } from './launcher.mjs';

export const SLOTS = 30; // one file per 2 s of a minute
const DAY = 86400000;
const PTS_WRAP = 2 ** 33;
const PTS_BASE = 10 * 90000; // first PTS of a run: clear of zero, where PCR (a little earlier) would wrap
export const FIXTURE_CAMERA = 'cam1';

// ---- the segments ----------------------------------------------------------

// The filter that draws slot k = floor(t / 2): k in binary as blocks along the
// top, 2k in digits below.
const PICTURE = "format=gray,geq=lum='if(lt(Y\\,48)\\,255*mod(floor(floor(T/2+0.01)/pow(2\\,floor(X/64)))\\,2)\\,40)',"
  + "format=yuv420p,drawtext=text='%{eif\\:floor(t/2+0.01)*2\\:d\\:2}':fontsize=72:fontcolor=white:x=(w-tw)/2:y=70";
const FFMPEG_ARGS = ['-v', 'error', '-f', 'lavfi', '-i', `nullsrc=s=320x180:r=10:d=${SLOTS * 2}`, '-vf', PICTURE,
  '-c:v', 'libx264', '-preset', 'veryfast', '-g', '10', '-keyint_min', '10', '-sc_threshold', '0', '-bf', '0',
  '-force_key_frames', 'expr:gte(t,n_forced*1)',
  '-f', 'hls', '-hls_time', '2', '-hls_list_size', '0', '-hls_segment_filename', 'slot%02d.ts', 'slots.m3u8'];

// The thirty files, made once per machine (they depend only on the command).
export async function slotFiles() {
  const key = createHash('sha256').update(JSON.stringify(FFMPEG_ARGS)).digest('hex').slice(0, 12);
  const dir = join(tmpdir(), `dvr-archive-fixture-${key}`);
  if (!existsSync(join(dir, 'slots.m3u8'))) {
    const work = `${dir}.${process.pid}`;
    rmSync(work, { recursive: true, force: true });
    mkdirSync(work, { recursive: true });
    await promisify(execFile)('ffmpeg', FFMPEG_ARGS, { cwd: work });
    const made = readdirSync(work).filter((f) => /^slot\d\d\.ts$/.test(f));
    if (made.length !== SLOTS) throw new Error(`ffmpeg made ${made.length} segments in ${work}, not ${SLOTS}`);
    try {
      renameSync(work, dir);
    } catch (e) {
      rmSync(work, { recursive: true, force: true }); // made at the same time by another run
    }
  }
  return Array.from({ length: SLOTS }, (_, k) => {
    const bytes = readFileSync(join(dir, `slot${String(k).padStart(2, '0')}.ts`));
    return { bytes, firstPts: firstPts(bytes) };
  });
}

// Walks the PES headers and adaptation fields of an MPEG-TS buffer, handing
// each PTS/DTS (offset of its 5 bytes) and PCR (offset of its 6 bytes) to visit.
function walkTimestamps(buf, visit) {
  if (buf.length % 188) throw new Error('segment is not whole 188-byte TS packets');
  for (let o = 0; o < buf.length; o += 188) {
    if (buf[o] !== 0x47) throw new Error(`no TS sync byte at ${o}`);
    const pusi = buf[o + 1] & 0x40;
    const afc = (buf[o + 3] >> 4) & 3;
    let p = o + 4;
    if (afc & 2) {
      const length = buf[p];
      if (length > 0 && (buf[p + 1] & 0x10)) visit('pcr', p + 2);
      p += 1 + length;
    }
    if ((afc & 1) && pusi && buf[p] === 0 && buf[p + 1] === 0 && buf[p + 2] === 1) {
      const streamId = buf[p + 3];
      if (streamId >= 0xc0 && streamId <= 0xef) {
        const flags = buf[p + 7] >> 6;
        if (flags & 2) visit('pts', p + 9);
        if (flags === 3) visit('dts', p + 14);
      }
    }
  }
}

const readPts = (b, p) => ((b[p] >> 1) & 7) * 2 ** 30 + ((b[p + 1] << 7) | (b[p + 2] >> 1)) * 2 ** 15 + ((b[p + 3] << 7) | (b[p + 4] >> 1));

function writePts(b, p, v) {
  b[p] = (b[p] & 0xf0) | ((Math.floor(v / 2 ** 30) & 7) << 1) | 1;
  const mid = Math.floor(v / 2 ** 15) & 0x7fff;
  b[p + 1] = mid >> 7;
  b[p + 2] = ((mid & 0x7f) << 1) | 1;
  const low = v & 0x7fff;
  b[p + 3] = low >> 7;
  b[p + 4] = ((low & 0x7f) << 1) | 1;
}

const readPcrBase = (b, p) => b[p] * 2 ** 25 + b[p + 1] * 2 ** 17 + b[p + 2] * 2 ** 9 + b[p + 3] * 2 + (b[p + 4] >> 7);

function writePcrBase(b, p, v) {
  b[p] = Math.floor(v / 2 ** 25) & 0xff;
  b[p + 1] = Math.floor(v / 2 ** 17) & 0xff;
  b[p + 2] = Math.floor(v / 2 ** 9) & 0xff;
  b[p + 3] = Math.floor(v / 2) & 0xff;
  b[p + 4] = ((v & 1) << 7) | (b[p + 4] & 0x7f);
}

function firstPts(buf) {
  let first = null;
  walkTimestamps(buf, (kind, p) => { if (kind === 'pts' && first === null) first = readPts(buf, p); });
  if (first === null) throw new Error('segment without a PTS');
  return first;
}

// A copy of the file with every timestamp moved so that its first PTS is pts.
export function retimed(file, pts) {
  const out = Buffer.from(file.bytes);
  const delta = pts - file.firstPts;
  const shift = (v) => (((v + delta) % PTS_WRAP) + PTS_WRAP) % PTS_WRAP;
  walkTimestamps(out, (kind, p) => {
    if (kind === 'pcr') writePcrBase(out, p, shift(readPcrBase(out, p)));
    else writePts(out, p, shift(readPts(out, p)));
  });
  return out;
}

// ---- the recording, as segment indices (i: wall time i × 2 s) ---------------

export class Recording {
  constructor(plan) {
    this.plan = plan;
    this.first = plan.start / SEGMENT_MS;
    this.gaps = plan.gaps.map((g) => ({ a: g.start / SEGMENT_MS, b: g.end / SEGMENT_MS }));
    // Where a run of continuous timestamps starts: the first segment, the
    // first after each gap, and each UTC midnight (so that no run is long
    // enough for the 33-bit PTS to wrap). A segment starting a run, other
    // than the first, carries EXT-X-DISCONTINUITY.
    const breaks = new Set([this.first, ...this.gaps.map((g) => g.b)]);
    for (let m = Math.ceil(plan.start / DAY) * DAY; m < Date.now() + 2 * DAY; m += DAY) {
      if (!this.inGap(m / SEGMENT_MS)) breaks.add(m / SEGMENT_MS);
    }
    this.breaks = [...breaks].sort((x, y) => x - y);
  }

  inGap(i) {
    return this.gaps.some((g) => i >= g.a && i < g.b);
  }

  // The newest complete segment.
  last(now = Date.now()) {
    return Math.floor(now / SEGMENT_MS) - 1;
  }

  exists(i, now = Date.now()) {
    return i >= this.first && i <= this.last(now) && !this.inGap(i);
  }

  runStart(i) {
    let start = this.first;
    for (const b of this.breaks) if (b <= i) start = b;
    return start;
  }

  marked(i) {
    return i !== this.first && this.runStart(i) === i;
  }

  // The media sequence number: segments recorded before it.
  msn(i) {
    let n = i - this.first;
    for (const g of this.gaps) if (g.a < i) n -= Math.min(g.b, i) - g.a;
    return n;
  }

  // Discontinuities before segment i, for EXT-X-DISCONTINUITY-SEQUENCE.
  discontinuitiesBefore(i) {
    return this.breaks.filter((b) => b > this.first && b < i && this.exists(b)).length;
  }

  // Indices of the segments recorded in [fromIdx, toIdx].
  list(fromIdx, toIdx, now = Date.now()) {
    const out = [];
    for (let i = Math.max(fromIdx, this.first); i <= Math.min(toIdx, this.last(now)); i++) {
      if (!this.inGap(i)) out.push(i);
    }
    return out;
  }

  pts(i) {
    return PTS_BASE + (i - this.runStart(i)) * 180000;
  }

  // The live window's segments.
  window(now = Date.now()) {
    const last = this.last(now);
    return this.list(last - Math.round(this.plan.windowS * 1000 / SEGMENT_MS) + 1, last, now);
  }

  // Recorded spans [{ start, end }] (ms) inside [from, to), holes shorter
  // than resolution seconds merged away.
  spans(from, to, resolution, now = Date.now()) {
    const end = (this.last(now) + 1) * SEGMENT_MS;
    const spans = [];
    let at = this.plan.start;
    for (const g of this.plan.gaps) {
      if (g.start > at) spans.push({ start: at, end: g.start });
      at = g.end;
    }
    if (end > at) spans.push({ start: at, end });
    const merged = [];
    for (const s of spans) {
      const c = { start: Math.max(s.start, from), end: Math.min(s.end, to) };
      if (c.end <= c.start) continue;
      const prev = merged[merged.length - 1];
      if (prev && c.start - prev.end < resolution * 1000) prev.end = c.end;
      else merged.push(c);
    }
    return merged;
  }
}

// ---- HTTP ------------------------------------------------------------------

const iso = (ms) => new Date(ms).toISOString();
const pad2 = (n) => String(n).padStart(2, '0');

// "YYYY-MM-DD/HH" of a UTC time: the hour folder.
function hourFolder(ms) {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())}/${pad2(d.getUTCHours())}`;
}

// A query time as the contract reads it: ISO 8601 (no zone means UTC) or epoch seconds.
function parseTime(text) {
  if (text === null || text === undefined || text === '') return null;
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text) * 1000;
  const zoned = /(Z|[+-]\d\d:?\d\d)$/.test(text) ? text : `${text}Z`;
  const ms = Date.parse(zoned);
  return Number.isFinite(ms) ? ms : NaN;
}

function playlist(rec, indices, { vod, uri }) {
  const first = indices[0];
  const lines = ['#EXTM3U', '#EXT-X-VERSION:3', '#EXT-X-TARGETDURATION:2', `#EXT-X-MEDIA-SEQUENCE:${rec.msn(first)}`];
  if (vod) lines.push('#EXT-X-PLAYLIST-TYPE:VOD');
  else lines.push(`#EXT-X-DISCONTINUITY-SEQUENCE:${rec.discontinuitiesBefore(first)}`);
  for (const i of indices) {
    if (rec.marked(i) && (i !== first || !vod)) lines.push('#EXT-X-DISCONTINUITY');
    lines.push(`#EXT-X-PROGRAM-DATE-TIME:${iso(i * SEGMENT_MS)}`, '#EXTINF:2.000,', uri(i));
  }
  if (vod) lines.push('#EXT-X-ENDLIST');
  return `${lines.join('\n')}\n`;
}

const WEB_TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.json': 'application/json', '.map': 'application/json', '.woff': 'font/woff', '.svg': 'image/svg+xml',
};

// Starts the fixture. Returns { url, port, camera, plan, requests, log(), stop() };
// requests lists every request as { path, status, bytes }.
export async function startArchiveFixture({ windowS = 600, days = 3 } = {}) {
  const files = await slotFiles();
  const plan = historyPlan(Date.now(), { windowS, days });
  const rec = new Recording(plan);
  const requests = [];
  let output = '';
  const webDir = join(repoRoot, 'web');
  const vendorDir = join(webDir, 'node_modules/video.js/dist');

  function cameraEntry(now = Date.now()) {
    const win = rec.window(now);
    const gaps = [];
    for (let k = 1; k < win.length; k++) {
      if (win[k] !== win[k - 1] + 1) gaps.push({ start: iso((win[k - 1] + 1) * SEGMENT_MS), end: iso(win[k] * SEGMENT_MS) });
    }
    const end = (win[win.length - 1] + 1) * SEGMENT_MS;
    return {
      name: FIXTURE_CAMERA, source: 'test', state: 'recording', error: null,
      window: plan.windowS, retention: days * 86400, segment_duration: SEGMENT_MS / 1000,
      playlist: `/hls/${FIXTURE_CAMERA}/live.m3u8`,
      segments: win.length, last_segment_at: iso(end), reconnects: 0, bitrate: 100000,
      video_path: 'videotestsrc ! x264enc ! dvrsink', audio_path: null, codec: 'h264',
      range: { start: iso(win[0] * SEGMENT_MS), end: iso(end) }, gaps,
      archive: { start: iso(plan.start), end: iso(end) },
    };
  }

  function send(res, status, type, body, headers = {}) {
    res.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body), ...headers });
    res.end(body);
    return Buffer.byteLength(body);
  }
  const fail = (res, status, text) => send(res, status, 'text/plain; charset=utf-8', `${text}\n`);

  function serveFile(res, file, type, cache) {
    if (!existsSync(file)) return fail(res, 404, 'not found');
    return send(res, 200, type, readFileSync(file), { 'Cache-Control': cache });
  }

  function queryRange(res, q, { required }) {
    const start = parseTime(q.get('start'));
    const end = parseTime(q.get('end'));
    let problem = null;
    if (required && (start === null || end === null)) problem = 'start and end are required';
    else if (Number.isNaN(start) || Number.isNaN(end)) problem = 'start or end is not a time';
    else if (start !== null && end !== null && end <= start) problem = 'end must come after start';
    if (!problem) return { start, end };
    fail(res, 400, problem);
    return null;
  }

  async function handle(req, res) {
    const url = new URL(req.url, 'http://fixture');
    const path = decodeURIComponent(url.pathname);
    const q = url.searchParams;
    const now = Date.now();
    const camPrefix = `/hls/${FIXTURE_CAMERA}/`;

    if (path === '/api/cameras') return send(res, 200, 'application/json', JSON.stringify([cameraEntry(now)]), { 'Cache-Control': 'no-store' });

    if (path === `/api/cameras/${FIXTURE_CAMERA}/ranges`) {
      const range = queryRange(res, q, { required: false });
      if (!range) return 0;
      const resolution = q.has('resolution') ? Number(q.get('resolution')) : 0;
      if (!(resolution >= 0)) return fail(res, 400, 'resolution must be seconds, 0 or more');
      const start = range.start ?? plan.start;
      const end = range.end ?? (rec.last(now) + 1) * SEGMENT_MS;
      const spans = rec.spans(start, end, resolution, now).map((s) => ({ start: iso(s.start), end: iso(s.end) }));
      return send(res, 200, 'application/json',
        JSON.stringify({ camera: FIXTURE_CAMERA, start: iso(start), end: iso(end), resolution, spans }), { 'Cache-Control': 'no-store' });
    }

    if (path === `/api/cameras/${FIXTURE_CAMERA}/clip.mp4`) return clip(req, res, q);

    if (path === `${camPrefix}live.m3u8`) {
      const win = rec.window(now);
      return send(res, 200, 'application/vnd.apple.mpegurl',
        playlist(rec, win, { vod: false, uri: (i) => `${hourFolder(i * SEGMENT_MS)}/seg-${i}.ts` }), { 'Cache-Control': 'no-cache' });
    }

    if (path === `${camPrefix}range.m3u8`) {
      const range = queryRange(res, q, { required: true });
      if (!range) return 0;
      const indices = rec.list(Math.floor(range.start / SEGMENT_MS), Math.ceil(range.end / SEGMENT_MS) - 1, now);
      if (!indices.length) return fail(res, 404, 'nothing recorded in that range');
      return send(res, 200, 'application/vnd.apple.mpegurl',
        playlist(rec, indices, { vod: true, uri: (i) => `${hourFolder(i * SEGMENT_MS)}/seg-${i}.ts` }), { 'Cache-Control': 'no-cache' });
    }

    const hour = path.startsWith(camPrefix) && /^(\d{4}-\d\d-\d\d)\/(\d\d)\/(index\.m3u8|seg-(\d+)\.ts)$/.exec(path.slice(camPrefix.length));
    if (hour) {
      const hourStart = Date.parse(`${hour[1]}T${hour[2]}:00:00Z`);
      if (!Number.isFinite(hourStart)) return fail(res, 404, 'no such hour');
      if (hour[4] !== undefined) {
        const i = Number(hour[4]);
        if (hourFolder(i * SEGMENT_MS) !== `${hour[1]}/${hour[2]}` || !rec.exists(i, now)) return fail(res, 404, 'no such segment');
        const body = retimed(files[i % SLOTS], rec.pts(i));
        return send(res, 200, 'video/mp2t', body, { 'Cache-Control': 'max-age=31536000, immutable' });
      }
      const indices = rec.list(hourStart / SEGMENT_MS, (hourStart + 3600000) / SEGMENT_MS - 1, now);
      if (!indices.length) return fail(res, 404, 'nothing recorded in that hour');
      const over = hourStart + 3600000 <= (rec.last(now) + 1) * SEGMENT_MS;
      const body = playlist(rec, indices, { vod: true, uri: (i) => `seg-${i}.ts` });
      const text = over ? body : body.replace('#EXT-X-ENDLIST\n', '');
      const etag = `"${createHash('sha1').update(text).digest('hex').slice(0, 16)}"`;
      if (over && req.headers['if-none-match'] === etag) {
        res.writeHead(304, { ETag: etag });
        res.end();
        return 0;
      }
      return send(res, 200, 'application/vnd.apple.mpegurl', text,
        over ? { 'Cache-Control': 'max-age=31536000, immutable', ETag: etag } : { 'Cache-Control': 'no-cache' });
    }

    if (path.startsWith('/vendor/')) {
      const file = normalize(join(vendorDir, path.slice('/vendor/'.length)));
      if (!file.startsWith(vendorDir)) return fail(res, 404, 'not found');
      return serveFile(res, file, WEB_TYPES[extname(file)] || 'application/octet-stream', 'max-age=86400');
    }
    const name = path === '/' ? 'index.html' : path.slice(1);
    if (/^[\w.-]+$/.test(name) && WEB_TYPES[extname(name)]) return serveFile(res, join(webDir, name), WEB_TYPES[extname(name)], 'no-cache');
    return fail(res, 404, 'not found');
  }

  // The clip as fragmented MP4, remuxed by ffmpeg from the segments in the
  // range (whole segments: each starts with a keyframe).
  function clip(req, res, q) {
    const range = queryRange(res, q, { required: true });
    if (!range) return 0;
    if (range.end - range.start > 3600000) return fail(res, 400, 'a clip is at most one hour');
    const indices = rec.list(Math.floor(range.start / SEGMENT_MS), Math.ceil(range.end / SEGMENT_MS) - 1);
    if (!indices.length) return fail(res, 404, 'nothing recorded in that range');
    const d = new Date(indices[0] * SEGMENT_MS);
    const stamp = `${d.getUTCFullYear()}${pad2(d.getUTCMonth() + 1)}${pad2(d.getUTCDate())}-${pad2(d.getUTCHours())}${pad2(d.getUTCMinutes())}${pad2(d.getUTCSeconds())}Z`;
    const length = (range.end - indices[0] * SEGMENT_MS) / 1000;
    const ff = spawn('ffmpeg', ['-v', 'error', '-f', 'mpegts', '-i', 'pipe:0', '-t', String(length), '-c', 'copy',
      '-f', 'mp4', '-movflags', 'frag_keyframe+empty_moov+default_base_moof', 'pipe:1'], { stdio: ['pipe', 'pipe', 'pipe'] });
    ff.stderr.on('data', (chunk) => { output += chunk; });
    res.writeHead(200, {
      'Content-Type': 'video/mp4',
      'Content-Disposition': `attachment; filename="${FIXTURE_CAMERA}-${stamp}.mp4"`,
    });
    ff.stdout.pipe(res);
    ff.stdin.on('error', () => {});
    for (const i of indices) ff.stdin.write(retimed(files[i % SLOTS], rec.pts(i)));
    ff.stdin.end();
    return 0;
  }

  const server = createServer((req, res) => {
    Promise.resolve().then(() => handle(req, res)).then((bytes) => {
      requests.push({ path: req.url, status: res.statusCode, bytes });
    }).catch((e) => {
      output += `${req.url}: ${e.stack}\n`;
      if (!res.headersSent) fail(res, 500, e.message);
      else res.destroy();
    });
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}`, port, camera: FIXTURE_CAMERA, plan, requests,
    log: () => output + requests.slice(-40).map((r) => `${r.status} ${r.path} ${r.bytes || ''}`).join('\n'),
    stop: () => new Promise((ok) => { server.closeAllConnections(); server.close(() => ok()); }),
  };
}
