// Wall-clock times as a person reads and types them: "14:32", "14:32:05",
// "2026-12-06 14:32", "yesterday 14:32".
// Pure functions, no DOM: tests/web/player-logic.test.mjs runs them in node.

// "HH:MM" or "HH:MM:SS" (one-digit hours allowed, surrounding spaces ignored)
// into { hours, minutes, seconds }; null for anything else.
export function parseClockTime(text) {
  const m = /^\s*(\d{1,2}):(\d{2})(?::(\d{2}))?\s*$/.exec(String(text));
  if (!m) return null;
  const hours = Number(m[1]);
  const minutes = Number(m[2]);
  const seconds = m[3] === undefined ? 0 : Number(m[3]);
  if (hours > 23 || minutes > 59 || seconds > 59) return null;
  return { hours, minutes, seconds };
}

// The moment (ms since the epoch) a typed clock time means, in the browser's
// time zone: today's, unless that is not recorded, then the most recent day's
// such time inside the recorded window [start, end] (ms). A window reaching
// past midnight makes "23:50" yesterday's. Returns { time, inside }: when no
// day's such time is recorded, time is today's (or yesterday's, if today's is
// still to come) and inside is false, so the caller can say so.
export function resolveClockTime(parsed, { start, end, now = Date.now() }) {
  const onDay = (daysBack) => {
    const d = new Date(now);
    d.setDate(d.getDate() - daysBack);
    d.setHours(parsed.hours, parsed.minutes, parsed.seconds, 0);
    return d.getTime();
  };
  const today = onDay(0);
  const recorded = start !== null && end !== null && start !== undefined && end !== undefined;
  if (recorded) {
    // Walk back day by day from the newest candidate not after the window's end.
    for (let back = 0; back < 400; back++) {
      const t = onDay(back);
      if (t > end) continue;
      if (t >= start) return { time: t, inside: true };
      break;
    }
  }
  return { time: today > now ? onDay(1) : today, inside: false };
}

const pad2 = (n) => String(n).padStart(2, '0');

// "14:32:05" in the browser's time zone, 24-hour.
export function formatClock(ms) {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '--:--:--';
  const d = new Date(ms);
  return `${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}`;
}

// "14:32" when the seconds say nothing (timeline labels at whole minutes).
export function formatClockShort(ms) {
  const d = new Date(ms);
  return d.getSeconds() === 0 ? `${pad2(d.getHours())}:${pad2(d.getMinutes())}` : formatClock(ms);
}

// Distance behind live as "-00:42", "-1:02:03" or, a day or more back,
// "-2d 03:04:05".
export function formatBehind(seconds) {
  const total = Math.max(0, Math.round(seconds));
  const d = Math.floor(total / 86400);
  const h = Math.floor((total % 86400) / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const mmss = `${pad2(m)}:${pad2(s)}`;
  if (d) return `-${d}d ${pad2(h)}:${mmss}`;
  return h ? `-${h}:${mmss}` : `-${mmss}`;
}

// The date part of a typed time: "2026-12-06", "today" or "yesterday".
const DATE_PART = String.raw`(?:(\d{4})-(\d{1,2})-(\d{1,2})|(today|yesterday))`;
const TYPED_TIME = new RegExp(String.raw`^\s*(?:${DATE_PART}(?:\s+|T))?(\d{1,2}:\d{2}(?::\d{2})?)\s*$`, 'i');

// A typed moment, with or without a date: "14:32", "14:32:05",
// "2026-12-06 14:32" (also with a T), "yesterday 14:32", "today 9:05".
// Returns { hours, minutes, seconds, date } where date is null (no date
// typed), { year, month, day }, or { daysBack }; null for anything else.
export function parseTypedTime(text) {
  const m = TYPED_TIME.exec(String(text));
  if (!m) return null;
  const clock = parseClockTime(m[5]);
  if (!clock) return null;
  let date = null;
  if (m[1] !== undefined) {
    const year = Number(m[1]);
    const month = Number(m[2]);
    const day = Number(m[3]);
    // new Date rolls 2026-02-30 over into March: refuse what does not exist.
    const check = new Date(year, month - 1, day);
    if (check.getFullYear() !== year || check.getMonth() !== month - 1 || check.getDate() !== day) return null;
    date = { year, month, day };
  } else if (m[4] !== undefined) {
    date = { daysBack: m[4].toLowerCase() === 'yesterday' ? 1 : 0 };
  }
  return { ...clock, date };
}

// The moment a typed time (from parseTypedTime) means: with a date that day's,
// in the browser's time zone; without one as resolveClockTime reads it.
// Returns { time, inside } as resolveClockTime does: inside says whether it
// lies in the recorded [start, end].
export function resolveTypedTime(parsed, { start, end, now = Date.now() }) {
  if (!parsed.date) return resolveClockTime(parsed, { start, end, now });
  let d;
  if (parsed.date.daysBack !== undefined) {
    d = new Date(now);
    d.setDate(d.getDate() - parsed.date.daysBack);
  } else {
    d = new Date(parsed.date.year, parsed.date.month - 1, parsed.date.day);
  }
  d.setHours(parsed.hours, parsed.minutes, parsed.seconds, 0);
  const time = d.getTime();
  const recorded = Number.isFinite(start) && Number.isFinite(end);
  return { time, inside: recorded && time >= start && time <= end };
}

function sameLocalDay(a, b) {
  const x = new Date(a);
  const y = new Date(b);
  return x.getFullYear() === y.getFullYear() && x.getMonth() === y.getMonth() && x.getDate() === y.getDate();
}

// "2026-12-06", the local date.
export function formatDate(ms) {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())}`;
}

// The clock time, with the date in front once it is not today's:
// "14:32:05" or "2026-12-06 14:32:05" (which "go to time" reads back).
export function formatDateTime(ms, now = Date.now()) {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '--:--:--';
  return sameLocalDay(ms, now) ? formatClock(ms) : `${formatDate(ms)} ${formatClock(ms)}`;
}

const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

// "Sun 6 Dec": a day on the timeline.
export function formatDay(ms) {
  const d = new Date(ms);
  return `${WEEKDAYS[d.getDay()]} ${d.getDate()} ${MONTHS[d.getMonth()]}`;
}

// ISO 8601 UTC with milliseconds, as the API takes and gives it.
export function toIso(ms) {
  return new Date(ms).toISOString();
}

// An ISO time from the API into ms; null for null or garbage.
export function fromIso(text) {
  if (!text) return null;
  const ms = Date.parse(text);
  return Number.isFinite(ms) ? ms : null;
}
