// Wall-clock times as a person reads and types them: "14:32", "14:32:05".
// Pure functions, no DOM: tests/browser/player-logic.test.mjs runs them in node.

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

// Distance behind live as "-00:42" or "-1:02:03".
export function formatBehind(seconds) {
  const total = Math.max(0, Math.round(seconds));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const mmss = `${pad2(m)}:${pad2(s)}`;
  return h ? `-${h}:${mmss}` : `-${mmss}`;
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
