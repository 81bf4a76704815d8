// Which range the "download clip" action asks for. Pure functions: tested
// with node in tests/web/player-logic.test.mjs; clip-form.js is the form.
import { formatDateTime, parseTypedTime, resolveTypedTime } from './clock.js';

export const DEFAULT_CLIP_S = 60;
export const MAX_CLIP_S = 3600; // the launcher refuses longer clips

// The From and To a form shows before a person chooses: the last minute
// recorded (or all of it, if less). span: { start, end } in ms. A time not
// today carries its date.
export function defaultClipFields(span, now = span.now ?? Date.now()) {
  if (span.start === null || span.end === null) return null;
  return {
    from: formatDateTime(Math.max(span.start, span.end - DEFAULT_CLIP_S * 1000), now),
    to: formatDateTime(span.end, now),
  };
}

// { start, end } (ms) from a range selected on the timeline, or else from
// typed From and To (times, with or without a date, read as "go to time"
// reads them); { error } in words when the range cannot be a clip.
export function chooseClipRange({ selection, fromText, toText, span, now = span.now ?? Date.now() }) {
  let range = selection;
  if (!range) {
    const from = parseTypedTime(fromText);
    const to = parseTypedTime(toText);
    if (!from || !to) return { error: 'Type From and To as HH:MM or HH:MM:SS, with a date before it for another day (2024-05-01 14:32).' };
    const start = resolveTypedTime(from, { ...span, now });
    // A To without a date after a From with one is on From's day.
    const end = resolveTypedTime(to, { ...span, now });
    if (from.date && !to.date) {
      end.time = onDayOf(start.time, to);
      end.inside = Number.isFinite(span.start) && end.time >= span.start && end.time <= span.end;
    }
    if (!start.inside && !end.inside) return { error: 'Nothing is recorded between those times.' };
    range = { start: start.time, end: end.time };
  }
  if (range.end <= range.start) return { error: 'To must come after From.' };
  if (range.end - range.start > MAX_CLIP_S * 1000) return { error: 'A clip is at most one hour long: choose a shorter range.' };
  return { start: range.start, end: range.end };
}

function onDayOf(ms, clock) {
  const d = new Date(ms);
  d.setHours(clock.hours, clock.minutes, clock.seconds, 0);
  return d.getTime();
}
