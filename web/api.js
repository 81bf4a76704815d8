// The launcher's HTTP API as the player uses it.
import { cameraCodec } from './camera-state.js';
import { fromIso, toIso } from './clock.js';

// The codec each camera last recorded in: video_path names it only while the
// camera records, and a reconnecting H.265 camera must not be handed to the
// player in the meantime.
const lastCodec = new Map();

// GET /api/cameras, with the recorded range and gaps turned into ms (null
// where the launcher does not give them).
export async function fetchCameras() {
  // The page's first answer was asked for before the modules loaded.
  const early = globalThis.dvrFirstCameras;
  globalThis.dvrFirstCameras = null;
  const response = (early && await early) || await fetch('/api/cameras', { cache: 'no-store' });
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  const cameras = await response.json();
  return cameras.map((c) => ({
    ...c,
    codec: rememberCodec(c),
    rangeStart: c.range ? fromIso(c.range.start) : null,
    rangeEnd: c.range ? fromIso(c.range.end) : null,
    gapList: Array.isArray(c.gaps)
      ? c.gaps.map((g) => ({ start: fromIso(g.start), end: fromIso(g.end) })).filter((g) => g.start !== null && g.end !== null)
      : null,
    // Everything kept on disk, window included (null where the launcher does
    // not say: then the live window is all there is).
    archiveStart: c.archive ? fromIso(c.archive.start) : null,
    archiveEnd: c.archive ? fromIso(c.archive.end) : null,
  }));
}

// The recorded spans of a camera in [startMs, endMs), holes shorter than
// resolution seconds merged away: [{ start, end }] in ms, oldest first.
// null when the launcher has no ranges API (or it failed): the caller then
// knows only the live window.
export async function fetchSpans(name, startMs, endMs, resolution) {
  const q = new URLSearchParams({ start: toIso(startMs), end: toIso(endMs), resolution: String(resolution) });
  try {
    const response = await fetch(`/api/cameras/${encodeURIComponent(name)}/ranges?${q}`, { cache: 'no-store' });
    if (!response.ok) return null;
    const body = await response.json();
    if (!body || !Array.isArray(body.spans)) return null;
    return body.spans.map((s) => ({ start: fromIso(s.start), end: fromIso(s.end) }))
      .filter((s) => s.start !== null && s.end !== null && s.end > s.start);
  } catch (e) {
    return null;
  }
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

function rememberCodec(camera) {
  const codec = cameraCodec(camera);
  if (codec) lastCodec.set(camera.name, codec);
  return codec || lastCodec.get(camera.name) || null;
}
