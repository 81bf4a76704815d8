// The player's pure logic, run in node without a browser: typed clock times,
// the wall-clock <-> media mapping from PROGRAM-DATE-TIME, the timeline's
// layout of gaps and labels, and what the page says about a camera.
//
//   cd tests && node --test web/player-logic.test.mjs
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  formatBehind, formatClock, parseClockTime, resolveClockTime,
} from '../../web/clock.js';
import { mediaToWall, spansFromSegments, usableSegments, wallToMedia } from '../../web/program-date.js';
import { fractionAtTime, labelTimes, layoutSpans, timeAtFraction } from '../../web/timeline.js';
import {
  cameraCodec, codecProblemText, isTrouble, waitingText,
} from '../../web/camera-state.js';
import { badgeState } from '../../web/badge.js';
import { clipUrl, fetchCameras } from '../../web/api.js';
import { chooseClipRange, defaultClipFields } from '../../web/clip.js';
import {
  formatDateTime, formatDay, parseTypedTime, resolveTypedTime,
} from '../../web/clock.js';
import {
  combineSpans, labelText, layoutRecorded, mergeSpans, spansOfRange,
} from '../../web/timeline.js';
import {
  panEnd, spansResolution, viewEndAround, viewEndFor, zoomStep, zoomView, ZOOM_LEVELS,
} from '../../web/zoom.js';
import {
  ARCHIVE_CHUNK_MS, ARCHIVE_LEAD_MS, archiveChunk, chunkHolds, firstRecordedFrom, rangePlaylistUrl, sourceFor,
} from '../../web/archive.js';

// A local time on a given day, built the way the player reads typed times.
function local(y, mo, d, h, mi, s = 0) {
  return new Date(y, mo - 1, d, h, mi, s).getTime();
}

describe('typed clock times', () => {
  test('HH:MM and HH:MM:SS are read; anything else is refused', () => {
    assert.deepEqual(parseClockTime('14:32'), { hours: 14, minutes: 32, seconds: 0 });
    assert.deepEqual(parseClockTime(' 9:05:07 '), { hours: 9, minutes: 5, seconds: 7 });
    assert.deepEqual(parseClockTime('00:00:00'), { hours: 0, minutes: 0, seconds: 0 });
    for (const bad of ['', '14', '24:00', '12:60', '12:30:60', '12:3', 'noon', '12:30:00:00', '-1:00']) {
      assert.equal(parseClockTime(bad), null, `"${bad}" is not a time`);
    }
  });

  test('a time recorded today is today\'s', () => {
    const now = local(2024, 5, 1, 15, 0);
    const r = resolveClockTime(parseClockTime('14:32'), { start: local(2024, 5, 1, 13, 0), end: now, now });
    assert.deepEqual(r, { time: local(2024, 5, 1, 14, 32), inside: true });
  });

  test('a window across midnight makes a late time yesterday\'s', () => {
    const now = local(2024, 5, 2, 0, 10);
    const r = resolveClockTime(parseClockTime('23:50'), { start: local(2024, 5, 1, 23, 0), end: now, now });
    assert.deepEqual(r, { time: local(2024, 5, 1, 23, 50), inside: true });
  });

  test('of several days recorded, the most recent such time wins', () => {
    const now = local(2024, 5, 3, 8, 0);
    const r = resolveClockTime(parseClockTime('09:00'), { start: local(2024, 5, 1, 0, 0), end: now, now });
    assert.deepEqual(r, { time: local(2024, 5, 2, 9, 0), inside: true });
  });

  test('a time outside the window is reported as such', () => {
    const now = local(2024, 5, 1, 15, 0);
    const window = { start: local(2024, 5, 1, 14, 58), end: now, now };
    assert.deepEqual(resolveClockTime(parseClockTime('14:00'), window), { time: local(2024, 5, 1, 14, 0), inside: false });
    // Later today than now: not recorded yet, so yesterday's is what it would mean.
    assert.deepEqual(resolveClockTime(parseClockTime('16:00'), window), { time: local(2024, 4, 30, 16, 0), inside: false });
    assert.equal(resolveClockTime(parseClockTime('14:00'), { start: null, end: null, now }).inside, false);
  });

  test('clock and distance behind live read as a person expects', () => {
    assert.equal(formatClock(local(2024, 5, 1, 9, 5, 7)), '09:05:07');
    assert.equal(formatClock(null), '--:--:--');
    assert.equal(formatBehind(42.4), '-00:42');
    assert.equal(formatBehind(3723), '-1:02:03');
    assert.equal(formatBehind(-3), '-00:00');
  });
});

describe('wall clock and media time from PROGRAM-DATE-TIME', () => {
  const t0 = Date.UTC(2024, 4, 1, 12, 0, 0);
  // Three 2 s segments laid end to end in media time; the third one was
  // recorded after a 30 s gap (a camera restart).
  const segments = usableSegments([
    { start: 10, end: 12, date: t0 },
    { start: 12, end: 14, date: t0 + 2000 },
    { start: 14, end: 16, date: t0 + 34000 },
    { start: NaN, end: 18, date: t0 + 36000 }, // not placed by the player yet: left out
  ]);

  test('media to wall clock inside each segment, across the gap', () => {
    assert.equal(segments.length, 3);
    assert.equal(mediaToWall(segments, 10), t0);
    assert.equal(mediaToWall(segments, 13.5), t0 + 3500);
    assert.equal(mediaToWall(segments, 14.25), t0 + 34250);
    assert.equal(mediaToWall(segments, 17), t0 + 37000, 'after the last segment: extrapolated');
    assert.equal(mediaToWall([], 1), null);
  });

  test('wall clock to media: exact inside, next picture in a gap, clamped outside', () => {
    assert.equal(wallToMedia(segments, t0 + 1500), 11.5);
    assert.equal(wallToMedia(segments, t0 + 35000), 15);
    assert.equal(wallToMedia(segments, t0 + 10000), 14, 'inside the gap: the first picture after it');
    assert.equal(wallToMedia(segments, t0 - 5000), 10, 'before the recording: its start');
    assert.equal(wallToMedia(segments, t0 + 99000), 16, 'after it: its end');
    for (const w of [t0 + 100, t0 + 3999, t0 + 34001]) {
      assert.equal(mediaToWall(segments, wallToMedia(segments, w)), w, 'the two mappings are inverse');
    }
  });

  test('after a step back of the recorder\'s clock, a wall time is found by date, not by media order', () => {
    // The earlier run (labels t0 .. t0+6 s), then the clock an hour back: the
    // later run (labels t0-3594 s .. t0-3588 s) follows it in the playlist.
    const hour = 3600000;
    const segments = [
      { start: 0, end: 2, date: t0 },
      { start: 2, end: 4, date: t0 + 2000 },
      { start: 4, end: 6, date: t0 + 4000 },
      { start: 6, end: 8, date: t0 - hour + 6000 },
      { start: 8, end: 10, date: t0 - hour + 8000 },
    ];
    assert.equal(wallToMedia(segments, t0 + 2500), 2.5, 'in the earlier run');
    assert.equal(wallToMedia(segments, t0 - hour + 8500), 8.5, 'in the later run');
    assert.equal(wallToMedia(segments, t0 - hour + 7000), 7);
    assert.equal(wallToMedia(segments, t0 - hour), 6, 'before every label: the first picture by date');
    assert.equal(wallToMedia(segments, t0 - 60000), 0, 'in the hour between: the first picture after it');
    assert.equal(wallToMedia(segments, t0 + 60000), 6, 'after every label: the end of the newest label');
    for (const w of [t0 + 100, t0 + 5999, t0 - hour + 6001, t0 - hour + 9999]) {
      assert.equal(mediaToWall(segments, wallToMedia(segments, w)), w, 'the two mappings are inverse');
    }
    // Labels recorded twice (a step back of less than what was recorded):
    // the later recording.
    const twice = [
      { start: 0, end: 2, date: t0 },
      { start: 2, end: 4, date: t0 + 2000 },
      { start: 4, end: 6, date: t0 + 1000 },
    ];
    assert.equal(wallToMedia(twice, t0 + 1500), 4.5);
  });

  test('the recorded span and its gaps from segment dates and durations', () => {
    const spans = spansFromSegments([
      { start: 0, end: 2, date: t0 },
      { start: 0, end: 2.04, date: t0 + 2000 },
      { start: 0, end: 2, date: t0 + 4200 }, // 160 ms late: clock wobble, not a gap
      { start: 0, end: 2, date: t0 + 40000 },
    ]);
    assert.deepEqual(spans, { start: t0, end: t0 + 42000, gaps: [{ start: t0 + 6200, end: t0 + 40000 }] });
    assert.deepEqual(spansFromSegments([]), { start: null, end: null, gaps: [] });
  });
});

describe('timeline layout', () => {
  const span = { start: 1000000, end: 1100000 }; // 100 s

  test('recorded parts and gaps as fractions, gaps clipped and merged', () => {
    const layout = layoutSpans(span, [
      { start: 1050000, end: 1060000 },
      { start: 1055000, end: 1070000 }, // overlaps the first: merged
      { start: 990000, end: 1010000 },  // starts before the span: clipped
      { start: 1200000, end: 1300000 }, // outside: dropped
    ]);
    assert.deepEqual(layout.recorded, [{ from: 0.1, to: 0.5 }, { from: 0.7, to: 1 }]);
    assert.deepEqual(layout.gaps.map(({ from, to }) => ({ from, to })), [{ from: 0, to: 0.1 }, { from: 0.5, to: 0.7 }]);
    assert.deepEqual(layoutSpans(span, []).recorded, [{ from: 0, to: 1 }]);
    assert.deepEqual(layoutSpans({ start: 5, end: 5 }, []), { recorded: [], gaps: [] });
  });

  test('labels fall on round local times, no more than asked', () => {
    const start = local(2024, 5, 1, 14, 2, 13);
    const end = local(2024, 5, 1, 16, 2, 13);
    const { step, times } = labelTimes(start, end, 6);
    assert.equal(step, 1800);
    assert.deepEqual(times.map(formatClock), ['14:30:00', '15:00:00', '15:30:00', '16:00:00']);
    const short = labelTimes(local(2024, 5, 1, 9, 0, 1), local(2024, 5, 1, 9, 2, 0), 5);
    assert.equal(short.step, 30);
    assert.ok(short.times.length <= 5 && short.times.length >= 3);
  });

  test('a position on the track and a time are each other\'s inverse, clamped', () => {
    assert.equal(timeAtFraction(span, 0.25), 1025000);
    assert.equal(timeAtFraction(span, -1), span.start);
    assert.equal(timeAtFraction(span, 2), span.end);
    assert.equal(fractionAtTime(span, 1075000), 0.75);
    assert.equal(fractionAtTime(span, 0), 0);
  });
});

describe('what the page says about a camera', () => {
  test('the codec comes from the codec field or the recorded path', () => {
    assert.equal(cameraCodec({ video_path: 'rtspsrc ! rtph265depay ! dvrsink' }), 'h265');
    assert.equal(cameraCodec({ video_path: 'rtspsrc ! rtph264depay ! dvrsink' }), 'h264');
    assert.equal(cameraCodec({ codec: 'H.265' }), 'h265');
    assert.equal(cameraCodec({ codec: 'hevc', video_path: 'x' }), 'h265');
    assert.equal(cameraCodec({ video_path: null }), null);
  });

  test('an H.265 camera gets plain words and what to do; H.264 none', () => {
    const text = codecProblemText({ name: 'door', playlist: '/hls/door/live.m3u8', video_path: 'rtspsrc ! rtph265depay ! dvrsink' });
    assert.match(text, /door sends H\.265/);
    assert.match(text, /set the camera's video encoding to H\.264/);
    assert.match(text, /\/hls\/door\/live\.m3u8/);
    assert.equal(codecProblemText({ name: 'yard', video_path: 'rtspsrc ! rtph264depay ! dvrsink' }), null);
    assert.equal(codecProblemText({ name: 'new', video_path: null }), null, 'unknown yet: try to play');
  });

  test('every state has its own words; unauthorized says to check the password', () => {
    const texts = new Set();
    for (const state of ['starting', 'recording', 'reconnecting', 'unauthorized', 'error', 'stopped']) {
      texts.add(waitingText({ name: 'door', state, error: 'boom' }));
    }
    assert.equal(texts.size, 5, 'starting and recording share the waiting words, the others differ');
    const unauthorized = waitingText({ name: 'door', state: 'unauthorized', error: 'the camera refused the login' });
    assert.match(unauthorized, /^Camera door refused the user name or password: the camera refused the login\./);
    assert.match(unauthorized, /Check user and password/);
    assert.ok(isTrouble({ state: 'unauthorized' }) && !isTrouble({ state: 'starting' }));
  });

  test('the badge reads LIVE, DVR with the distance, or nothing', () => {
    assert.deepEqual(badgeState({ ready: false }), { mode: 'none', text: '—' });
    assert.deepEqual(badgeState({ ready: true, atLive: true, behind: 1 }), { mode: 'live', text: 'LIVE' });
    assert.deepEqual(badgeState({ ready: true, atLive: false, behind: 65 }), { mode: 'dvr', text: 'DVR -01:05' });
  });

  test('a camera that recorded H.265 is still known as H.265 while it reconnects', async () => {
    const answers = [
      [{ name: 'porch', state: 'recording', video_path: 'rtspsrc ! rtph265depay ! dvrsink', range: null, gaps: [] }],
      [{ name: 'porch', state: 'reconnecting', video_path: null, range: { start: '2024-05-01T12:00:00.000Z', end: '2024-05-01T12:01:00.500Z' }, gaps: [] }],
    ];
    const saved = globalThis.fetch;
    globalThis.fetch = async () => ({ ok: true, json: async () => answers.shift() });
    try {
      assert.equal((await fetchCameras())[0].codec, 'h265');
      const [later] = await fetchCameras();
      assert.equal(later.codec, 'h265');
      assert.match(codecProblemText(later), /porch sends H\.265/);
      assert.equal(later.rangeEnd - later.rangeStart, 60500);
    } finally {
      globalThis.fetch = saved;
    }
  });

  test('a clip URL names the camera and the range in UTC', () => {
    assert.equal(clipUrl('door', Date.UTC(2024, 4, 1, 12, 0, 0), Date.UTC(2024, 4, 1, 12, 0, 30)),
      '/api/cameras/door/clip.mp4?start=2024-05-01T12%3A00%3A00.000Z&end=2024-05-01T12%3A00%3A30.000Z');
  });
});

describe('the clip range', () => {
  const now = local(2024, 5, 1, 15, 0);
  const span = { start: local(2024, 5, 1, 14, 0), end: now, now };

  test('by default the last minute recorded, or all of it when less', () => {
    assert.deepEqual(defaultClipFields(span), { from: '14:59:00', to: '15:00:00' });
    assert.deepEqual(defaultClipFields({ start: local(2024, 5, 1, 14, 59, 40), end: now, now }), { from: '14:59:40', to: '15:00:00' });
    // Days back, the fields carry the date, which they read back.
    const later = local(2024, 5, 3, 9, 0);
    assert.deepEqual(defaultClipFields(span, later), { from: '2024-05-01 14:59:00', to: '2024-05-01 15:00:00' });
    assert.equal(defaultClipFields({ start: null, end: null }), null);
  });

  test('typed times become a range; a selection on the timeline wins over them', () => {
    assert.deepEqual(chooseClipRange({ fromText: '14:30', toText: '14:31:30', span }),
      { start: local(2024, 5, 1, 14, 30), end: local(2024, 5, 1, 14, 31, 30) });
    // Anywhere in the retention: a date on From (and To on its day unless it has its own).
    const days = { start: local(2024, 4, 20, 0, 0), end: now, now };
    assert.deepEqual(chooseClipRange({ fromText: '2024-04-28 23:59:30', toText: '2024-04-29 00:00:30', span: days }),
      { start: local(2024, 4, 28, 23, 59, 30), end: local(2024, 4, 29, 0, 0, 30) });
    assert.deepEqual(chooseClipRange({ fromText: 'yesterday 10:00', toText: '10:01', span: days }),
      { start: local(2024, 4, 30, 10, 0), end: local(2024, 4, 30, 10, 1) });
    const selection = { start: local(2024, 5, 1, 14, 10), end: local(2024, 5, 1, 14, 12) };
    assert.deepEqual(chooseClipRange({ selection, fromText: 'garbage', toText: '', span }), selection);
  });

  test('a range that cannot be a clip is refused with the reason', () => {
    const reason = (fromText, toText) => chooseClipRange({ fromText, toText, span }).error;
    assert.match(reason('14:30', 'later'), /Type From and To/);
    assert.match(reason('14:31', '14:30'), /To must come after From/);
    assert.match(reason('10:00', '11:00'), /Nothing is recorded/);
    assert.match(reason('13:00', '14:30'), /at most one hour/);
    assert.match(chooseClipRange({ selection: { start: 0, end: 3600001 }, span }).error, /at most one hour/);
  });
});

describe('typed times with a date', () => {
  const now = local(2024, 5, 3, 9, 0);
  const kept = { start: local(2024, 4, 20, 0, 0), end: now, now };

  test('a date, "today" or "yesterday" may come before the time', () => {
    assert.deepEqual(parseTypedTime('2024-05-01 14:32'), { hours: 14, minutes: 32, seconds: 0, date: { year: 2024, month: 5, day: 1 } });
    assert.deepEqual(parseTypedTime('2024-05-01T14:32:05'), { hours: 14, minutes: 32, seconds: 5, date: { year: 2024, month: 5, day: 1 } });
    assert.deepEqual(parseTypedTime(' Yesterday  9:05 '), { hours: 9, minutes: 5, seconds: 0, date: { daysBack: 1 } });
    assert.deepEqual(parseTypedTime('today 23:59:59').date, { daysBack: 0 });
    assert.deepEqual(parseTypedTime('14:32'), { hours: 14, minutes: 32, seconds: 0, date: null });
    for (const bad of ['2024-02-30 10:00', '2024-13-01 10:00', '2024-05-01', 'tomorrow 10:00', '2024-05-01 25:00', '01.05.2024 10:00']) {
      assert.equal(parseTypedTime(bad), null, `"${bad}" is not a moment`);
    }
  });

  test('a dated time is that day\'s, recorded or not', () => {
    assert.deepEqual(resolveTypedTime(parseTypedTime('2024-05-01 14:32'), kept), { time: local(2024, 5, 1, 14, 32), inside: true });
    assert.deepEqual(resolveTypedTime(parseTypedTime('yesterday 14:32'), kept), { time: local(2024, 5, 2, 14, 32), inside: true });
    assert.deepEqual(resolveTypedTime(parseTypedTime('2024-04-01 14:32'), kept), { time: local(2024, 4, 1, 14, 32), inside: false });
    // Without a date: as before, the most recent such time recorded.
    assert.deepEqual(resolveTypedTime(parseTypedTime('14:32'), kept), { time: local(2024, 5, 2, 14, 32), inside: true });
  });

  test('the clock carries the date once it is not today; days show on the timeline', () => {
    assert.equal(formatDateTime(local(2024, 5, 3, 8, 59, 59), now), '08:59:59');
    assert.equal(formatDateTime(local(2024, 5, 2, 14, 32, 5), now), '2024-05-02 14:32:05');
    assert.equal(formatDateTime(null, now), '--:--:--');
    assert.equal(formatDay(local(2024, 5, 5, 0, 0)), 'Sun 5 May');
    assert.equal(labelText(local(2024, 5, 5, 0, 0), 6 * 3600), 'Sun 5 May');
    assert.equal(labelText(local(2024, 5, 5, 6, 0), 6 * 3600), '06:00');
    assert.equal(labelText(local(2024, 5, 5, 0, 0), 60), '00:00', 'minutes apart: the clock, midnight too');
  });

  test('how far behind live reads in days once it is a day or more', () => {
    assert.equal(formatBehind(86400 + 2 * 3600 + 3 * 60 + 4), '-1d 02:03:04');
    assert.equal(formatBehind(3 * 86400), '-3d 00:00:00');
    assert.equal(formatBehind(86399), '-23:59:59');
  });
});

describe('the timeline over days', () => {
  const day = 86400000;
  const t0 = local(2024, 5, 1, 0, 0);

  test('spans merge across holes shorter than the resolution; a range minus its gaps is spans', () => {
    assert.deepEqual(mergeSpans([{ start: 50, end: 60 }, { start: 0, end: 10 }, { start: 10, end: 20 }, { start: 23, end: 30 }], 2),
      [{ start: 0, end: 20 }, { start: 23, end: 30 }, { start: 50, end: 60 }]);
    assert.deepEqual(mergeSpans([{ start: 0, end: 10 }, { start: 12, end: 20 }], 2), [{ start: 0, end: 20 }]);
    assert.deepEqual(spansOfRange({ start: 0, end: 100 }, [{ start: 20, end: 30 }, { start: 25, end: 40 }, { start: 90, end: 120 }]),
      [{ start: 0, end: 20 }, { start: 40, end: 90 }]);
    assert.deepEqual(spansOfRange(null), []);
  });

  test('the archive\'s spans end where the live window starts, which has its own', () => {
    const archive = [{ start: 0, end: 500 }, { start: 600, end: 1000 }];
    assert.deepEqual(combineSpans(archive, { start: 900, end: 1100 }, [{ start: 950, end: 960 }]),
      [{ start: 0, end: 500 }, { start: 600, end: 950 }, { start: 960, end: 1100 }]);
    assert.deepEqual(combineSpans(archive, null), archive);
  });

  test('gaps are the holes between spans, in view; before the oldest is not a gap', () => {
    const spans = [{ start: t0, end: t0 + day / 2 }, { start: t0 + day / 2 + 3600000, end: t0 + 2 * day }];
    const view = { start: t0 - day, end: t0 + 2 * day };
    const layout = layoutRecorded(view, spans);
    assert.deepEqual(layout.gaps, [{ from: 0.5, to: 0.5 + 1 / 72, start: t0 + day / 2, end: t0 + day / 2 + 3600000 }]);
    assert.deepEqual(layout.recorded.map((r) => r.from), [1 / 3, 0.5 + 1 / 72]);
    assert.equal(layoutRecorded(view, spans, 3600000).gaps.length, 0, 'an hour is below a coarser resolution');
    assert.deepEqual(layoutRecorded({ start: t0 + day, end: t0 + 2 * day }, spans).gaps, [], 'a gap out of view is not drawn');
  });

  test('labels a few days apart fall on local midnights', () => {
    const { step, times } = labelTimes(t0 + 3600000, t0 + 30 * day, 10);
    assert.equal(step, 7 * 86400);
    for (const t of times) assert.equal(new Date(t).getHours(), 0);
    assert.ok(times.length >= 4 && times.length <= 5);
    const days = labelTimes(t0 - 3600000, t0 + 3 * day, 12);
    assert.equal(days.step, 43200);
    assert.equal(labelText(days.times[0], days.step), 'Wed 1 May');
  });
});

describe('timeline zoom', () => {
  const edge = 1_000_000_000_000;
  const window = { start: edge - 7200000, end: edge };
  const archive = { start: edge - 3 * 86400000, end: edge };

  test('levels from the live window through minutes to all that is kept', () => {
    assert.deepEqual(ZOOM_LEVELS.map((z) => z.id), ['window', '10m', '1h', '6h', '1d', '7d', 'all']);
    assert.deepEqual(zoomView('window', { window, archive, edge }), window);
    assert.deepEqual(zoomView('10m', { window, archive, edge }), { start: edge - 600000, end: edge });
    assert.deepEqual(zoomView('7d', { window, archive, edge }), { start: edge - 7 * 86400000, end: edge });
    assert.deepEqual(zoomView('all', { window, archive, edge }), archive);
    assert.deepEqual(zoomView('1h', { window, archive, edge, end: edge - 86400000 }), { start: edge - 90000000, end: edge - 86400000 });
    assert.deepEqual(zoomView('1h', { window, archive, edge, end: edge + 5 }), { start: edge - 3600000, end: edge }, 'never past the live edge');
    assert.equal(zoomStep('window', -1), 'window');
    assert.equal(zoomStep('1h', 1), '6h');
    assert.equal(zoomStep('all', 1), 'all');
    // Three days kept: in from All is 1 day; 7 days is as All.
    assert.equal(zoomStep('all', -1, 3 * 86400), '1d');
    assert.equal(zoomStep('7d', -1, 3 * 86400), '1d');
    assert.equal(zoomStep('1d', 1, 3 * 86400), 'all');
  });

  test('the view moves to keep the picture in it, and pans by half', () => {
    assert.equal(viewEndFor('1h', edge - 600000, { end: null, edge }), null, 'in view: it still follows live');
    assert.equal(viewEndFor('1h', edge - 86400000, { end: null, edge }), edge - 86400000 + 1800000, 'out of view: centred');
    assert.equal(viewEndFor('1h', edge - 1000000, { end: edge - 1500000, edge }), null, 'centred at the live edge: follows it');
    assert.equal(viewEndFor('all', 5, { end: null, edge }), null);
    assert.equal(panEnd('1h', -1, { end: null, edge, archiveStart: archive.start }), edge - 1800000);
    assert.equal(panEnd('1h', 1, { end: edge - 1800000, edge, archiveStart: archive.start }), null);
    assert.equal(panEnd('1d', -1, { end: archive.start + 3600000, edge, archiveStart: archive.start }), archive.start + 86400000 / 4);
  });

  test('zooming with the wheel keeps the time under the pointer in place', () => {
    const t = edge - 86400000;
    const end = viewEndAround('1h', t, 0.25, edge);
    const view = zoomView('1h', { window, archive, edge, end });
    assert.equal((t - view.start) / (view.end - view.start), 0.25);
    assert.equal(viewEndAround('1h', edge - 60000, 0.5, edge), null, 'past the live edge: it follows live');
    assert.equal(viewEndAround('all', t, 0.5, edge), null);
  });

  test('spans are asked at about a pixel\'s resolution', () => {
    assert.equal(spansResolution({ start: 0, end: 600000 }, 1000), 1);
    assert.equal(spansResolution({ start: 0, end: 7 * 86400000 }, 1000), 604);
    assert.equal(spansResolution({ start: 0, end: 86400000 }, 0), 864, 'an unmeasured track counts as 100 px');
  });
});

describe('which playlist plays a moment', () => {
  const edge = 1_000_000_000_000;
  const window = { start: edge - 600000, end: edge };

  test('the live playlist inside the live window, past a margin; the archive before it', () => {
    assert.equal(sourceFor(edge - 60000, window, 30000), 'live');
    assert.equal(sourceFor(window.start + 10000, window, 30000), 'archive');
    assert.equal(sourceFor(edge - 86400000, window, 30000), 'archive');
    assert.equal(sourceFor(edge - 86400000, null, 30000), 'live', 'nothing known of the window: the live playlist');
  });

  test('an archive chunk starts a little before the moment and spans hours', () => {
    const t = Date.UTC(2024, 4, 1, 14, 32, 10, 500);
    const chunk = archiveChunk(t);
    assert.equal(chunk.start, Date.UTC(2024, 4, 1, 14, 22, 10));
    assert.equal(chunk.end - chunk.start, ARCHIVE_CHUNK_MS);
    assert.ok(ARCHIVE_CHUNK_MS > 3600000, 'it always runs on across an hour boundary');
    assert.equal(archiveChunk(t, { start: t - 60000, end: edge }).start, Math.floor((t - 60000) / 1000) * 1000, 'not before the oldest footage');
    assert.ok(chunkHolds(chunk, t));
    assert.ok(chunkHolds(chunk, t - ARCHIVE_LEAD_MS + 1000));
    assert.ok(!chunkHolds(chunk, chunk.end - 5000), 'too close to its end');
    assert.ok(!chunkHolds(chunk, chunk.start - 1));
    assert.ok(!chunkHolds(null, t));
    assert.equal(rangePlaylistUrl('door', chunk),
      '/hls/door/range.m3u8?start=2024-05-01T14%3A22%3A10.000Z&end=2024-05-01T16%3A22%3A10.000Z');
  });

  test('a moment in a gap plays the first picture after it', () => {
    const spans = [{ start: 0, end: 100 }, { start: 200, end: 300 }];
    assert.equal(firstRecordedFrom(spans, 50), 50);
    assert.equal(firstRecordedFrom(spans, 150), 200);
    assert.equal(firstRecordedFrom(spans, 300), null);
  });
});
