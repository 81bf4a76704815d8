// The player's pure logic, run in node without a browser: typed clock times,
// the wall-clock <-> media mapping from PROGRAM-DATE-TIME, the timeline's
// layout of gaps and labels, and what the page says about a camera.
//
//   cd tests && node --test browser/player-logic.test.mjs
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
    assert.deepEqual(defaultClipFields({ start: local(2024, 5, 1, 14, 59, 40), end: now }), { from: '14:59:40', to: '15:00:00' });
    assert.equal(defaultClipFields({ start: null, end: null }), null);
  });

  test('typed times become a range; a selection on the timeline wins over them', () => {
    assert.deepEqual(chooseClipRange({ fromText: '14:30', toText: '14:31:30', span }),
      { start: local(2024, 5, 1, 14, 30), end: local(2024, 5, 1, 14, 31, 30) });
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
