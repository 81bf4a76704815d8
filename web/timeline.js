// Layout of the timeline under the video: where the recorded parts, the gaps
// and the wall-clock labels go, as fractions (0..1) of its width. Pure
// functions: tested with node in tests/browser/player-logic.test.mjs; timeline-view.js draws them.

// Label steps a person reads at a glance, in seconds.
const STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400];

// { start, end } (ms) and gaps [{ start, end }] into
// { recorded: [{ from, to }], gaps: [{ from, to, start, end }] }, fractions of
// the span. Gaps are clipped to the span, sorted and merged where they overlap.
export function layoutSpans(span, gaps = []) {
  const { start, end } = span;
  if (!(end > start)) return { recorded: [], gaps: [] };
  const length = end - start;
  const frac = (t) => Math.min(1, Math.max(0, (t - start) / length));
  const clipped = gaps
    .map((g) => ({ start: Math.max(start, g.start), end: Math.min(end, g.end) }))
    .filter((g) => g.end > g.start)
    .sort((a, b) => a.start - b.start);
  const merged = [];
  for (const g of clipped) {
    const last = merged[merged.length - 1];
    if (last && g.start <= last.end) last.end = Math.max(last.end, g.end);
    else merged.push({ ...g });
  }
  const recorded = [];
  let from = start;
  for (const g of merged) {
    if (g.start > from) recorded.push({ from: frac(from), to: frac(g.start) });
    from = g.end;
  }
  if (end > from) recorded.push({ from: frac(from), to: 1 });
  return { recorded, gaps: merged.map((g) => ({ from: frac(g.start), to: frac(g.end), start: g.start, end: g.end })) };
}

// Wall-clock label times (ms) at round steps in the browser's time zone, at
// most maxLabels of them inside [start, end]. Returns { step (s), times }.
export function labelTimes(start, end, maxLabels = 6) {
  if (!(end > start) || maxLabels < 1) return { step: 0, times: [] };
  const seconds = (end - start) / 1000;
  const step = STEPS.find((s) => seconds / s <= maxLabels) || STEPS[STEPS.length - 1];
  // Round steps are counted from local midnight so that labels read 14:30, 14:45...
  const midnight = new Date(start);
  midnight.setHours(0, 0, 0, 0);
  const stepMs = step * 1000;
  let t = midnight.getTime() + Math.ceil((start - midnight.getTime()) / stepMs) * stepMs;
  const times = [];
  for (; t <= end; t += stepMs) times.push(t);
  return { step, times };
}

// The wall-clock time (ms) at fraction x of the span, clamped to it.
export function timeAtFraction(span, x) {
  return span.start + Math.min(1, Math.max(0, x)) * (span.end - span.start);
}

// The fraction of the span at wall-clock time t, clamped to 0..1.
export function fractionAtTime(span, t) {
  if (!(span.end > span.start)) return 0;
  return Math.min(1, Math.max(0, (t - span.start) / (span.end - span.start)));
}
