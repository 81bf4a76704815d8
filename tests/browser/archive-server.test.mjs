// What the player relies on from the archive API, checked over HTTP against
// the server tests/lib/archive-server.mjs chooses (the launcher), so that
// the archive browser tests stand on the contract and not on a fixture's
// quirks: the camera list's archive, spans by resolution, hour pages with
// their cache headers, range playlists across hours, and a live playlist of
// the window alone.
//
//   cd tests && node --test browser/archive-server.test.mjs
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ARCHIVE_WINDOW_S, startArchiveServer } from '../lib/archive-server.mjs';
import { SEGMENT_MS } from '../lib/archive-history.mjs';

const HOUR = 3600000;
const pad2 = (n) => String(n).padStart(2, '0');
const hourPath = (ms) => {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())}/${pad2(d.getUTCHours())}`;
};

function parsePlaylist(text) {
  const lines = text.split('\n');
  const segments = [];
  let pending = { discontinuity: false, date: null };
  for (const line of lines) {
    if (line === '#EXT-X-DISCONTINUITY') pending.discontinuity = true;
    else if (line.startsWith('#EXT-X-PROGRAM-DATE-TIME:')) pending.date = Date.parse(line.slice(25));
    else if (line.startsWith('#EXTINF:')) pending.duration = Number(line.slice(8).split(',')[0]);
    else if (line && !line.startsWith('#')) {
      segments.push({ ...pending, uri: line });
      pending = { discontinuity: false, date: null };
    }
  }
  return { text, segments, endList: lines.includes('#EXT-X-ENDLIST'), vod: lines.includes('#EXT-X-PLAYLIST-TYPE:VOD') };
}

describe('the archive API the player relies on', () => {
  let server;
  let get;
  before(async () => {
    server = await startArchiveServer();
    get = (path) => fetch(`${server.url}${path}`);
  });
  after(async () => {
    if (server) await server.stop();
  });

  test('the camera list gives the retention, the archive and the live window inside it', async () => {
    const [camera] = await (await get('/api/cameras')).json();
    assert.equal(camera.name, server.camera);
    assert.ok(camera.retention === 0 || camera.retention >= 3 * 86400, `retention ${camera.retention}`);
    const archive = { start: Date.parse(camera.archive.start), end: Date.parse(camera.archive.end) };
    const range = { start: Date.parse(camera.range.start), end: Date.parse(camera.range.end) };
    assert.ok(Math.abs(archive.start - server.plan.start) <= SEGMENT_MS, 'the archive starts three days back');
    assert.ok(range.start >= archive.start && range.end === archive.end);
    // The window lists every segment that ends inside it: up to a segment more.
    const listed = range.end - range.start;
    assert.ok(listed <= ARCHIVE_WINDOW_S * 1000 + 2 * SEGMENT_MS && listed >= ARCHIVE_WINDOW_S * 1000 - 2 * SEGMENT_MS, `${listed} ms listed`);
  });

  test('ranges: the recorded spans, holes shorter than the resolution merged away', async () => {
    const whole = await (await get(`/api/cameras/${server.camera}/ranges?resolution=1`)).json();
    const spans = whole.spans.map((s) => ({ start: Date.parse(s.start), end: Date.parse(s.end) }));
    // The launcher resumes recording where the written history ends: that
    // restart is one more hole, as every restart is, after the plan's.
    const holes = spans.slice(1).map((s, k) => ({ start: spans[k].end, end: s.start }))
      .filter((h) => !server.plan.historyEnd || h.start < server.plan.historyEnd);
    assert.deepEqual(holes, server.plan.gaps);
    for (let k = 1; k < spans.length; k++) assert.ok(spans[k].start > spans[k - 1].end, 'oldest first, apart');
    const coarse = await (await get(`/api/cameras/${server.camera}/ranges?resolution=3600`)).json();
    const coarseHoles = coarse.spans.length - 1;
    assert.equal(coarseHoles, server.plan.gaps.filter((g) => g.end - g.start >= HOUR).length);
    // A part of it, by epoch seconds.
    const from = server.plan.gaps[0].start - HOUR;
    const part = await (await get(`/api/cameras/${server.camera}/ranges?start=${from / 1000}&end=${(from + 2 * HOUR) / 1000}&resolution=1`)).json();
    assert.deepEqual(part.spans.map((s) => [Date.parse(s.start), Date.parse(s.end)]),
      [[from, server.plan.gaps[0].start], ...(server.plan.gaps[0].end < from + 2 * HOUR ? [[server.plan.gaps[0].end, from + 2 * HOUR]] : [])]);
  });

  test('an hour page that is over: VOD, every segment dated, immutable with an ETag', async () => {
    // The UTC hour around yesterday 14:30 local time, which the plan keeps recorded.
    const d = new Date();
    d.setDate(d.getDate() - 1);
    d.setHours(14, 30, 0, 0);
    const hour = Math.floor(d.getTime() / HOUR) * HOUR;
    const response = await get(`/hls/${server.camera}/${hourPath(hour)}/index.m3u8`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('cache-control'), /immutable/);
    assert.ok(response.headers.get('etag'));
    const page = parsePlaylist(await response.text());
    assert.ok(page.vod && page.endList);
    assert.equal(page.segments.length, HOUR / SEGMENT_MS);
    for (const s of page.segments) {
      assert.ok(s.date >= hour && s.date < hour + HOUR, 'dated inside its hour');
      assert.match(s.uri, /^seg-\d+\.ts$/);
    }
    const segment = await get(`/hls/${server.camera}/${hourPath(hour)}/${page.segments[0].uri}`);
    assert.equal(segment.status, 200);
    assert.equal(segment.headers.get('content-type'), 'video/mp2t');
  });

  test('the running hour has no ENDLIST and is not cached; an hour with nothing is 404', async () => {
    // Not in the first seconds of an hour, when the running hour has nothing yet.
    if (Date.now() % HOUR < 10000) await new Promise((r) => setTimeout(r, 10000));
    const response = await get(`/hls/${server.camera}/${hourPath(Date.now() - SEGMENT_MS * 2)}/index.m3u8`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('cache-control'), /no-cache/);
    assert.equal(parsePlaylist(await response.text()).endList, false);
    const longGap = server.plan.gaps.find((g) => Math.floor(g.end / HOUR) * HOUR - Math.ceil(g.start / HOUR) * HOUR >= HOUR);
    assert.ok(longGap, 'the plan has a gap covering a whole hour');
    assert.equal((await get(`/hls/${server.camera}/${hourPath(Math.ceil(longGap.start / HOUR) * HOUR)}/index.m3u8`)).status, 404);
  });

  test('a range playlist runs across hours with a discontinuity at each gap; bad ranges are refused', async () => {
    const gap = server.plan.gaps[0];
    const q = (a, b) => `/hls/${server.camera}/range.m3u8?start=${new Date(a).toISOString()}&end=${new Date(b).toISOString()}`;
    const response = await get(q(gap.start - 90 * 60000, gap.end + 60000));
    assert.equal(response.status, 200);
    const range = parsePlaylist(await response.text());
    assert.ok(range.vod && range.endList);
    const hours = new Set(range.segments.map((s) => s.uri.slice(0, 13)));
    assert.ok(hours.size >= 2, `segments from ${[...hours]}`);
    for (let k = 1; k < range.segments.length; k++) {
      const [a, b] = [range.segments[k - 1], range.segments[k]];
      if (b.date - a.date > SEGMENT_MS) assert.ok(b.discontinuity, `discontinuity after the gap at ${new Date(a.date).toISOString()}`);
      else assert.equal(b.date - a.date, SEGMENT_MS);
    }
    assert.equal((await get(q(gap.start + 1000, gap.end - 1000))).status, 404, 'nothing recorded');
    assert.equal((await get(q(gap.end, gap.start))).status, 400, 'reversed');
    assert.equal((await get(`/hls/${server.camera}/range.m3u8?start=yesterday`)).status, 400, 'malformed');
  });

  test('the live playlist lists the window alone', async () => {
    const live = parsePlaylist(await (await get(`/hls/${server.camera}/live.m3u8`)).text());
    assert.equal(live.endList, false);
    assert.ok(live.segments.length <= ARCHIVE_WINDOW_S * 1000 / SEGMENT_MS, `${live.segments.length} segments`);
    assert.ok(live.segments.every((s) => Number.isFinite(s.date)));
  });
});
