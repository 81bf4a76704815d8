// The launcher's HTTP API as the player uses it.
import { fromIso, toIso } from './clock.js';

// GET /api/cameras, with the recorded range and gaps turned into ms (null
// where the launcher does not give them).
export async function fetchCameras() {
  const response = await fetch('/api/cameras', { cache: 'no-store' });
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  const cameras = await response.json();
  return cameras.map((c) => ({
    ...c,
    rangeStart: c.range ? fromIso(c.range.start) : null,
    rangeEnd: c.range ? fromIso(c.range.end) : null,
    gapList: Array.isArray(c.gaps)
      ? c.gaps.map((g) => ({ start: fromIso(g.start), end: fromIso(g.end) })).filter((g) => g.start !== null && g.end !== null)
      : null,
  }));
}

// True once the camera's live playlist lists a segment (404 before that).
export async function playlistReady(camera) {
  try {
    const response = await fetch(camera.playlist, { cache: 'no-store' });
    return response.ok && /#EXTINF/.test(await response.text());
  } catch (e) {
    return false;
  }
}

// The MP4 download of [startMs, endMs] of a camera.
export function clipUrl(name, startMs, endMs) {
  const q = new URLSearchParams({ start: toIso(startMs), end: toIso(endMs) });
  return `/api/cameras/${encodeURIComponent(name)}/clip.mp4?${q}`;
}
