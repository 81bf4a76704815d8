// How much of the recording the timeline shows: the live window, a fixed
// length (10 min to 7 days) ending at the live edge or wherever a person
// moved it, or everything kept. Pure functions: tested with node in
// tests/web/player-logic.test.mjs; single-view.js keeps the state.

export const ZOOM_LEVELS = [
  { id: 'window', label: 'Live window', seconds: null },
  { id: '10m', label: '10 min', seconds: 600 },
  { id: '1h', label: '1 hour', seconds: 3600 },
  { id: '6h', label: '6 hours', seconds: 6 * 3600 },
  { id: '1d', label: '1 day', seconds: 86400 },
  { id: '7d', label: '7 days', seconds: 7 * 86400 },
  { id: 'all', label: 'All', seconds: null },
];

export function zoomLevel(id) {
  return ZOOM_LEVELS.find((z) => z.id === id) || ZOOM_LEVELS[0];
}

// The next level in (-1) or out (+1), staying at either end. Levels as long
// as everything kept (allSeconds) or longer are skipped: zooming in from All
// must show less, not more.
export function zoomStep(id, direction, allSeconds = Infinity) {
  const usable = ZOOM_LEVELS.filter((z) => z.seconds === null || z.seconds < allSeconds);
  let i = usable.findIndex((z) => z.id === id);
  if (i < 0) i = usable.length - 1; // longer than everything kept: as All
  return usable[Math.min(usable.length - 1, Math.max(0, i + direction))].id;
}

// The view { start, end } (ms) of a zoom level.
//   window: the live window { start, end }; archive: everything kept { start, end };
//   edge: the newest recorded time; end: where a person put the view's end
//   (null: it follows the live edge).
export function zoomView(id, { window, archive, edge, end = null }) {
  const level = zoomLevel(id);
  if (level.id === 'window') return window && window.end > window.start ? { ...window } : null;
  if (level.id === 'all') {
    const start = archive ? archive.start : window ? window.start : null;
    return start !== null && edge > start ? { start, end: edge } : null;
  }
  if (!Number.isFinite(edge)) return null;
  const viewEnd = end === null ? edge : Math.min(end, edge);
  return { start: viewEnd - level.seconds * 1000, end: viewEnd };
}

// Where a fixed-length view has to end so that time t is in it, or null to
// follow the live edge: unchanged while t is well inside, else t in the middle.
export function viewEndFor(id, t, { end, edge }) {
  const level = zoomLevel(id);
  if (level.seconds === null || !Number.isFinite(t)) return end;
  const length = level.seconds * 1000;
  const viewEnd = end === null ? edge : end;
  const margin = length * 0.02;
  if (t >= viewEnd - length + margin && t <= viewEnd - margin) return end;
  const centred = t + length / 2;
  return centred >= edge ? null : centred;
}

// The view's end after paning by half its length earlier (-1) or later (+1);
// null once it reaches the live edge again.
export function panEnd(id, direction, { end, edge, archiveStart }) {
  const level = zoomLevel(id);
  if (level.seconds === null) return end;
  const length = level.seconds * 1000;
  let viewEnd = (end === null ? edge : end) + direction * length / 2;
  // Not past the oldest footage: at least a quarter of the view stays recorded.
  if (Number.isFinite(archiveStart)) viewEnd = Math.max(viewEnd, archiveStart + length / 4);
  return viewEnd >= edge ? null : viewEnd;
}

// The resolution (s) to ask the ranges API for a view drawn on widthPx pixels:
// a hole narrower than a pixel could not be seen, so it is merged away.
export function spansResolution(view, widthPx) {
  const seconds = (view.end - view.start) / 1000;
  return Math.max(1, Math.floor(seconds / Math.max(100, widthPx)));
}

// Where a fixed-length view has to end so that time t sits at fraction x of
// it (zooming with the wheel keeps the time under the pointer in place), or
// null to follow the live edge.
export function viewEndAround(id, t, x, edge) {
  const level = zoomLevel(id);
  if (level.seconds === null) return null;
  const end = t + (1 - x) * level.seconds * 1000;
  return end >= edge ? null : end;
}
