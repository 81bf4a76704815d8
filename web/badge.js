// The LIVE / DVR badge and the wall-clock time of the picture shown.
import { formatBehind, formatDateTime } from './clock.js';

// What the badge says: at the live edge LIVE, otherwise DVR and how far
// behind live; nothing while there is nothing to play.
export function badgeState({ ready, atLive, behind }) {
  if (!ready) return { mode: 'none', text: '—' };
  return atLive ? { mode: 'live', text: 'LIVE' } : { mode: 'dvr', text: `DVR ${formatBehind(behind)}` };
}

export function renderBadge(el, state, behind) {
  if (el.textContent !== state.text) el.textContent = state.text;
  el.dataset.mode = state.mode;
  el.dataset.behind = behind === undefined || state.mode === 'none' ? '' : behind.toFixed(1);
}

export function renderClock(el, ms) {
  const text = formatDateTime(ms);
  if (el.textContent !== text) el.textContent = text;
  if (ms !== null && Number.isFinite(ms)) el.dateTime = new Date(ms).toISOString();
  else el.removeAttribute('datetime');
}
