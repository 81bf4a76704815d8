// Which range the "download clip" action asks for. Pure functions: tested
// with node in tests/browser/player-logic.test.mjs; clip-form.js is the form.
import { formatClock, parseClockTime, resolveClockTime } from './clock.js';

export const DEFAULT_CLIP_S = 60;
export const MAX_CLIP_S = 3600; // the launcher refuses longer clips

// The From and To a form shows before a person chooses: the last minute
// recorded (or all of it, if less). span: { start, end } in ms.
export function defaultClipFields(span) {
  if (span.start === null || span.end === null) return null;
  return { from: formatClock(Math.max(span.start, span.end - DEFAULT_CLIP_S * 1000)), to: formatClock(span.end) };
}

// { start, end } (ms) from a range selected on the timeline, or else from
// typed From and To (clock times read as "go to time" reads them); { error }
// in words when the range cannot be a clip.
export function chooseClipRange({ selection, fromText, toText, span }) {
  let range = selection;
  if (!range) {
    const from = parseClockTime(fromText);
    const to = parseClockTime(toText);
    if (!from || !to) return { error: 'Type From and To as HH:MM or HH:MM:SS.' };
    const start = resolveClockTime(from, span);
    const end = resolveClockTime(to, span);
    if (!start.inside && !end.inside) return { error: 'Nothing is recorded between those times.' };
    range = { start: start.time, end: end.time };
  }
  if (range.end <= range.start) return { error: 'To must come after From.' };
  if (range.end - range.start > MAX_CLIP_S * 1000) return { error: 'A clip is at most one hour long: choose a shorter range.' };
  return { start: range.start, end: range.end };
}
