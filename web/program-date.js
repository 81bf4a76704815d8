// Mapping between the player's media time and wall-clock time through the
// playlist's EXT-X-PROGRAM-DATE-TIME. The player lays the segments end to end
// on its media timeline even where the recording has a gap, so the mapping is
// piecewise: each segment carries its own wall-clock start.
//
// A segment here is { start, end } in media seconds and date, the wall-clock
// time of its first frame in ms. Pure functions: tested with node in tests/web/player-logic.test.mjs.

// Segments ordered by media time, without those the player cannot place yet.
export function usableSegments(segments) {
  return segments
    .filter((s) => Number.isFinite(s.start) && Number.isFinite(s.end) && Number.isFinite(s.date) && s.end > s.start)
    .sort((a, b) => a.start - b.start);
}

// Wall-clock time (ms) of the picture at media time t, from the segment that
// holds it; before the first or after the last, extrapolated from the nearest.
export function mediaToWall(segments, t) {
  if (!segments.length) return null;
  let nearest = segments[0];
  for (const s of segments) {
    if (t >= s.start && t < s.end) return s.date + (t - s.start) * 1000;
    if (t >= s.start) nearest = s;
  }
  return nearest.date + (t - nearest.start) * 1000;
}

// Media time showing wall-clock time w (ms). A time inside a gap of the
// recording maps to the first picture after the gap; before the recording to
// its start, after it to its end. After a step back of the recorder's clock
// the dates go back in media order: a time is looked for by date, and a time
// recorded twice shows the later recording (as a clip of it would).
export function wallToMedia(segments, w) {
  if (!segments.length) return null;
  let holding = null;
  let after = null;
  let last = segments[0];
  for (const s of segments) {
    const end = s.date + (s.end - s.start) * 1000;
    if (w >= s.date && w < end) holding = s;
    else if (s.date > w && (!after || s.date < after.date)) after = s;
    if (end >= last.date + (last.end - last.start) * 1000) last = s;
  }
  if (holding) return holding.start + (w - holding.date) / 1000;
  return after ? after.start : last.end;
}

// The recorded span and its gaps from the segments themselves, for when the
// API does not give them: a gap is where a segment starts later than the
// previous one ended, by more than `tolerance` ms (clocks wobble a little
// between segments). Returns { start, end, gaps: [{ start, end }] } in ms.
export function spansFromSegments(segments, tolerance = 500) {
  const ordered = [...segments].filter((s) => Number.isFinite(s.date)).sort((a, b) => a.date - b.date);
  if (!ordered.length) return { start: null, end: null, gaps: [] };
  const gaps = [];
  let end = ordered[0].date;
  for (const s of ordered) {
    if (s.date - end > tolerance) gaps.push({ start: end, end: s.date });
    end = Math.max(end, s.date + (s.end - s.start) * 1000);
  }
  return { start: ordered[0].date, end, gaps };
}
