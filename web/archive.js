// Which playlist plays a moment: the live playlist while the moment is in
// the live window, else an archive range playlist of a couple of hours around
// it. One range playlist spans hour boundaries, so playing on across an hour
// never changes the source; only its end (every ARCHIVE_CHUNK_MS) or the live
// window does. Pure functions: tested with node in tests/web/player-logic.test.mjs.
import { toIso } from './clock.js';

// How much archive playlist one load asks for: about what the default 2 h
// live window lists, which every player handles without strain.
export const ARCHIVE_CHUNK_MS = 2 * 3600 * 1000;
// How far before the moment asked for the chunk starts, so that going back
// a minute or ten does not load another one.
export const ARCHIVE_LEAD_MS = 10 * 60 * 1000;

// 'live' when time t (ms) is safely inside the live window { start, end }
// (the live playlist's oldest segments may leave it while it is loading:
// margin ms), else 'archive'.
export function sourceFor(t, window, margin) {
  if (!window) return 'live';
  return t >= window.start + margin ? 'live' : 'archive';
}

// The range { start, end } (ms) of the archive playlist to load for time t,
// inside the recorded archive { start, end } when it is known.
export function archiveChunk(t, archive = null) {
  let start = t - ARCHIVE_LEAD_MS;
  if (archive && Number.isFinite(archive.start)) start = Math.max(start, Math.min(t, archive.start));
  start = Math.floor(start / 1000) * 1000;
  return { start, end: start + ARCHIVE_CHUNK_MS };
}

// True while time t can be shown from the chunk loaded: inside it, and not so
// close to its end that playback would run out at once.
export function chunkHolds(chunk, t, tailMs = 10000) {
  return Boolean(chunk) && t >= chunk.start && t < chunk.end - tailMs;
}

export function rangePlaylistUrl(camera, chunk) {
  const q = new URLSearchParams({ start: toIso(chunk.start), end: toIso(chunk.end) });
  return `/hls/${encodeURIComponent(camera)}/range.m3u8?${q}`;
}

// The first recorded moment at or after t, from spans [{ start, end }]
// (oldest first); null when nothing is recorded after t.
export function firstRecordedFrom(spans, t) {
  for (const s of spans) {
    if (s.end > t) return Math.max(s.start, t);
  }
  return null;
}
