// A live or range playlist's segments, and how its PROGRAM-DATE-TIMEs move.
import assert from 'node:assert/strict';

// The playlist's segments: uri, duration (s), program date-time (ms), discontinuity.
export function parsePlaylist(text) {
  const out = [];
  let pending = { discontinuity: false };
  for (const line of text.split('\n')) {
    if (line === '#EXT-X-DISCONTINUITY') pending.discontinuity = true;
    else if (line.startsWith('#EXT-X-PROGRAM-DATE-TIME:')) pending.pdt = Date.parse(line.slice(25));
    else if (line.startsWith('#EXTINF:')) pending.duration = parseFloat(line.slice(8));
    else if (line && !line.startsWith('#')) {
      out.push({ uri: line, ...pending });
      pending = { discontinuity: false };
    }
  }
  return out;
}

// Where a segment's labels end (ms).
export const endOf = (segment) => segment.pdt + Math.round(segment.duration * 1000);

// PROGRAM-DATE-TIME follows EXTINF within a run; returns the jumps (ms) at discontinuities.
export function pdtJumps(segments) {
  const jumps = [];
  for (let i = 1; i < segments.length; i++) {
    const jump = segments[i].pdt - endOf(segments[i - 1]);
    if (segments[i].discontinuity) jumps.push(jump);
    else assert.ok(Math.abs(jump) <= 50, `${segments[i].uri} jumps by ${jump} ms without a discontinuity`);
  }
  return jumps;
}
