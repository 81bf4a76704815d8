// Reading what a recorder left in a folder: its HLS playlist, when each segment
// was listed, and whether any stretch of the stream is missing.
import fs from 'node:fs';
import path from 'node:path';

// segments: [{ name, duration (s), pdt (ms since epoch or null), discontinuity }]
export function parsePlaylist(text) {
  const segments = [];
  let pending = { pdt: null, discontinuity: false, duration: null };
  let endlist = false;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line) continue;
    if (line.startsWith('#EXTINF:')) pending.duration = parseFloat(line.slice(8));
    else if (line.startsWith('#EXT-X-PROGRAM-DATE-TIME:')) pending.pdt = Date.parse(line.slice(25));
    else if (line === '#EXT-X-DISCONTINUITY') pending.discontinuity = true;
    else if (line === '#EXT-X-ENDLIST') endlist = true;
    else if (!line.startsWith('#')) {
      segments.push({ name: line, ...pending });
      pending = { pdt: null, discontinuity: false, duration: null };
    }
  }
  return { segments, endlist };
}

function statMs(file) {
  try {
    const s = fs.statSync(file, { bigint: true });
    return { mtime: Number(s.mtimeNs / 1000n) / 1000, ctime: Number(s.ctimeNs / 1000n) / 1000 };
  } catch {
    return null;
  }
}

// Watches one recording folder. Each time the playlist is replaced, the segments
// it lists for the first time are noted with the playlist's modification time
// (kernel time stamps, so a busy bench does not blur them) beside the segment
// file's own: mtime is its last write, ctime its rename into place.
export class FolderWatch {
  constructor(folder, playlist = 'live.m3u8') {
    this.folder = folder;
    this.playlist = playlist;
    this.listed = new Map(); // name -> { listedAt, writtenAt, renamedAt, endAt }
    this.firstListedAt = null;
    this.firstSegment = null;
    this.watcher = fs.watch(folder, (event, name) => {
      if (name === playlist) this.scan();
    });
    this.watcher.on('error', () => {});
  }

  scan() {
    let fd;
    try {
      fd = fs.openSync(path.join(this.folder, this.playlist), 'r');
    } catch {
      return;
    }
    try {
      const st = fs.fstatSync(fd, { bigint: true });
      const listedAt = Number(st.mtimeNs / 1000n) / 1000;
      const { segments } = parsePlaylist(fs.readFileSync(fd, 'utf8'));
      for (const s of segments) {
        if (this.listed.has(s.name)) continue;
        const file = statMs(path.join(this.folder, s.name));
        const endAt = s.pdt !== null && s.duration !== null ? s.pdt + s.duration * 1000 : null;
        this.listed.set(s.name, { listedAt, writtenAt: file?.mtime ?? null, renamedAt: file?.ctime ?? null, endAt, pdt: s.pdt });
        if (this.firstListedAt === null) {
          this.firstListedAt = listedAt;
          this.firstSegment = s;
        }
      }
    } finally {
      fs.closeSync(fd);
    }
  }

  close() {
    this.watcher.close();
  }

  // Delays of the segments first listed within [from, to) (ms since epoch).
  delays(from = -Infinity, to = Infinity) {
    const out = { renamed: [], written: [], ended: [] };
    for (const e of this.listed.values()) {
      if (e.listedAt < from || e.listedAt >= to) continue;
      if (e.renamedAt !== null) out.renamed.push(e.listedAt - e.renamedAt);
      if (e.writtenAt !== null) out.written.push(e.listedAt - e.writtenAt);
      if (e.endAt !== null) out.ended.push(e.listedAt - e.endAt);
    }
    return out;
  }
}

// What a stopped recording holds against the time it ran.
//   wallFrom: when the stream began for this recorder (ms since epoch); stoppedAt: when it was told to stop.
// Media shorter than the wall time by more than `slack` seconds counts as lost,
// in whole segments; so do gaps between consecutive PROGRAM-DATE-TIMEs.
export function accountRecording(folder, { wallFrom, stoppedAt, segmentDuration = 2, slack = 1.5, playlist = 'live.m3u8' }) {
  let text = '';
  try {
    text = fs.readFileSync(path.join(folder, playlist), 'utf8');
  } catch {
    // No playlist: nothing was recorded.
  }
  const { segments } = parsePlaylist(text);
  const recorded = segments.reduce((a, s) => a + (s.duration ?? 0), 0);
  const wall = (stoppedAt - wallFrom) / 1000;
  let gapSegments = 0;
  let gapSeconds = 0;
  for (let i = 1; i < segments.length; i++) {
    const a = segments[i - 1];
    const b = segments[i];
    if (a.pdt === null || b.pdt === null) continue;
    const gap = (b.pdt - (a.pdt + a.duration * 1000)) / 1000;
    if (gap > 0.5) {
      gapSeconds += gap;
      gapSegments += Math.max(1, Math.round(gap / segmentDuration));
    }
  }
  const discontinuities = segments.slice(1).filter((s) => s.discontinuity).length;
  const missing = wall - recorded;
  const shortfall = missing > slack ? Math.ceil((missing - slack) / segmentDuration) : 0;
  return {
    listed: segments.length,
    recorded,
    wall,
    missing,
    lost: Math.max(shortfall, gapSegments),
    gapSeconds,
    discontinuities,
  };
}
