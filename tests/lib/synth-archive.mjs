// Writes a camera folder with hours of history the way the recorder leaves it
// (day/hour folders, hour journals), fast: for tests of the archive that
// cannot wait out days. Segments are copies of one real MPEG-TS file.
import { mkdirSync, writeFileSync, copyFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

const table = new Uint32Array(256).map((_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
export function crc32(text) {
  let crc = 0xffffffff;
  for (const byte of Buffer.from(text)) crc = table[(crc ^ byte) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}
const record = (payload) => `${payload} *${crc32(payload).toString(16).padStart(8, '0')}\n`;

const pad = (n, w = 2) => String(n).padStart(w, '0');
export const hourFolder = (ms) => {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}/${pad(d.getUTCHours())}`;
};

// folder: the camera's folder. runs: [{ startMs, endMs }] of recorded time,
// oldest first; each run after the first starts with a discontinuity.
// segmentMs: segment length. Returns the sequence number after the last one.
export function synthesizeArchive(folder, runs, { segmentMs = 2000, tsFile, firstSequence = 0 } = {}) {
  const bytes = statSync(tsFile).size;
  let seq = firstSequence;
  const journals = new Map();
  runs.forEach((run, r) => {
    for (let t = run.startMs; t + segmentMs <= run.endMs; t += segmentMs) {
      const hour = hourFolder(t);
      const name = `seg-${pad(seq, 10)}.ts`;
      mkdirSync(join(folder, hour), { recursive: true });
      copyFileSync(tsFile, join(folder, hour, name));
      const disc = r > 0 && t === run.startMs ? 1 : 0;
      const line = record(`S ${seq} ${t * 1000} ${segmentMs * 1000} ${bytes} ${disc} ${hour}/${name}`);
      journals.set(hour, (journals.get(hour) || 'dvr-journal 1\n') + line);
      seq++;
    }
  });
  for (const [hour, text] of journals) writeFileSync(join(folder, hour, 'index.journal'), text);
  // The live journal: nothing listed, numbering goes on after the archive.
  writeFileSync(join(folder, 'index.journal'), 'dvr-journal 1\n' + record(`H ${seq} 0`));
  return seq;
}
