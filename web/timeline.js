// Layout of the timeline under the video: where the recorded parts, the gaps
// and the wall-clock labels go, as fractions (0..1) of its width. Pure
// functions: tested with node in tests/web/player-logic.test.mjs; timeline-view.js draws them.
import { formatClockShort, formatDay } from './clock.js';

// Label steps a person reads at a glance, in seconds.
const STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200,
  86400, 2 * 86400, 7 * 86400];
const DAY_S = 86400;

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
  if (step >= DAY_S) {
    // Whole days go by the calendar: a day with a clock change is not 24 h long.
    const days = step / DAY_S;
    const times = [];
    const d = midnight;
    if (d.getTime() < start) d.setDate(d.getDate() + 1);
    // Steps of several days start on a day number that is a multiple of
    // them, so that panning does not make the labels jump about.
    while (Math.floor(d.getTime() / 86400000) % days) d.setDate(d.getDate() + 1);
    for (; d.getTime() <= end; d.setDate(d.getDate() + days)) times.push(d.getTime());
    return { step, times };
  }
  const stepMs = step * 1000;
  let t = midnight.getTime() + Math.ceil((start - midnight.getTime()) / stepMs) * stepMs;
  const times = [];
  for (; t <= end; t += stepMs) times.push(t);
  return { step, times };
}

// What a label at time t reads, for labels step seconds apart: the day at
// midnight once labels are hours apart or more ("Sun 6 Dec"), else the clock.
export function labelText(t, step) {
  const d = new Date(t);
  const midnight = d.getHours() === 0 && d.getMinutes() === 0 && d.getSeconds() === 0;
  return step >= DAY_S || (step >= 3600 && midnight) ? formatDay(t) : formatClockShort(t);
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

// Recorded spans [{ start, end }] (ms) sorted, with overlapping or touching
// ones, and those apart by less than minGap ms, merged into one.
export function mergeSpans(spans, minGap = 0) {
  const sorted = spans.filter((s) => s.end > s.start).map((s) => ({ start: s.start, end: s.end }))
    .sort((a, b) => a.start - b.start);
  const merged = [];
  for (const s of sorted) {
    const last = merged[merged.length - 1];
    if (last && s.start - last.end <= minGap) last.end = Math.max(last.end, s.end);
    else merged.push(s);
  }
  return merged;
}

// A recorded range { start, end } minus its gaps, as spans.
export function spansOfRange(range, gaps = []) {
  if (!range || !(range.end > range.start)) return [];
  const holes = mergeSpans(gaps.map((g) => ({ start: Math.max(range.start, g.start), end: Math.min(range.end, g.end) })));
  const spans = [];
  let from = range.start;
  for (const h of holes) {
    if (h.start > from) spans.push({ start: from, end: h.start });
    from = Math.max(from, h.end);
  }
  if (range.end > from) spans.push({ start: from, end: range.end });
  return spans;
}

// The archive's spans (from the ranges API, maybe a while old) up to where
// the live window starts, then the live window's own (fresh with every poll
// of the camera list): one list of spans.
export function combineSpans(archiveSpans, windowRange, windowGaps = []) {
  if (!windowRange) return mergeSpans(archiveSpans);
  const older = archiveSpans
    .map((s) => ({ start: s.start, end: Math.min(s.end, windowRange.start) }))
    .filter((s) => s.end > s.start);
  return mergeSpans([...older, ...spansOfRange(windowRange, windowGaps)]);
}

// What the timeline draws for a view { start, end } (ms) of the recorded
// spans: the recorded parts, and the gaps between two of them, as fractions
// of the view (plus each gap's own times). Before the oldest and after the
// newest span nothing was recorded either, but that is not a gap: it is
// drawn as empty track. Holes shorter than minGap ms are merged away.
export function layoutRecorded(view, spans, minGap = 0) {
  if (!(view.end > view.start)) return { recorded: [], gaps: [] };
  const frac = (t) => fractionAtTime(view, t);
  const merged = mergeSpans(spans, minGap);
  const recorded = [];
  const gaps = [];
  for (let i = 0; i < merged.length; i++) {
    const s = merged[i];
    if (s.end > view.start && s.start < view.end) recorded.push({ from: frac(s.start), to: frac(s.end) });
    const next = merged[i + 1];
    if (next && next.start > view.start && s.end < view.end) {
      gaps.push({ from: frac(s.end), to: frac(next.start), start: s.end, end: next.start });
    }
  }
  return { recorded, gaps };
}
