// The synthesised history the archive browser tests play: three days of 2 s
// segments up to now, with gaps, as a plan in wall-clock times. Whatever
// serves it (tests/lib/archive-fixture.mjs, or the launcher over a folder made
// from the same plan) serves these segments and no others, so the tests can
// check what the page shows against it.

export const SEGMENT_MS = 2000;
const HOUR = 3600000;
const DAY = 24 * HOUR;

// A local time of day on the day `daysBack` days before `now`.
function localAt(now, daysBack, hours, minutes = 0) {
  const d = new Date(now);
  d.setDate(d.getDate() - daysBack);
  d.setHours(hours, minutes, 0, 0);
  return d.getTime();
}

const align = (ms) => Math.floor(ms / SEGMENT_MS) * SEGMENT_MS;

// now: ms; windowS: the live window, seconds. Returns
// { start, windowS, gaps: [{ start, end }] } (ms, aligned to segments,
// oldest first): recorded is every 2 s segment from start to now that does not
// start inside a gap. Gaps are kept clear of yesterday 13:00 to 16:00, where
// the tests go, and of the live window.
export function historyPlan(now = Date.now(), { windowS = 600, days = 3 } = {}) {
  const start = align(now - days * DAY);
  const candidates = [
    // Long holes, easy to see at every zoom (a camera off for a while).
    { start: localAt(now, 2, 6, 0), end: localAt(now, 2, 7, 30) },
    { start: localAt(now, 1, 3, 0), end: localAt(now, 1, 3, 40) },
    { start: localAt(now, 1, 20, 0), end: localAt(now, 1, 22, 0) },
    // Short ones: seen once zoomed in.
    { start: localAt(now, 1, 9, 15), end: localAt(now, 1, 9, 17) },
    { start: now - 3 * HOUR, end: now - 3 * HOUR + 5 * 60000 },
  ];
  const keepClear = [
    { start: localAt(now, 1, 13, 0), end: localAt(now, 1, 16, 0) },
    { start: now - windowS * 1000 - 30 * 60000, end: now + DAY },
  ];
  const gaps = candidates
    .map((g) => ({ start: align(g.start), end: align(g.end) }))
    .filter((g) => g.start > start + HOUR && g.end < now)
    .filter((g) => keepClear.every((k) => g.end <= k.start || g.start >= k.end))
    .sort((a, b) => a.start - b.start);
  return { start, windowS, gaps };
}
