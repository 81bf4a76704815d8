// Instruction counts from valgrind's callgrind: the total, and the instructions
// executed in each shared object (self cost), read from callgrind's output format.
import fs from 'node:fs';
import path from 'node:path';

export function readCallgrind(file) {
  const text = fs.readFileSync(file, 'utf8');
  const objects = new Map(); // name -> instructions
  const names = new Map(); // compressed id -> name
  let positions = 1;
  let irColumn = 1;
  let total = 0;
  let current = '???';
  let skipNext = false;
  const objectName = (spec) => {
    const m = spec.match(/^\((\d+)\)(?:\s+(.*))?$/);
    if (!m) return spec;
    if (m[2] !== undefined) names.set(m[1], m[2]);
    return names.get(m[1]) ?? '???';
  };
  for (const line of text.split('\n')) {
    if (!line) continue;
    const c = line.charCodeAt(0);
    if ((c >= 48 && c <= 57) || line[0] === '+' || line[0] === '-' || line[0] === '*') {
      if (skipNext) {
        skipNext = false; // a call's inclusive cost, not this function's own
        continue;
      }
      const ir = Number(line.split(' ')[irColumn]);
      if (Number.isFinite(ir)) objects.set(current, (objects.get(current) ?? 0) + ir);
      continue;
    }
    if (line.startsWith('ob=')) current = path.basename(objectName(line.slice(3)));
    else if (line.startsWith('cob=')) objectName(line.slice(4)); // registers the name only
    else if (line.startsWith('calls=')) skipNext = true;
    else if (line.startsWith('positions:')) positions = line.slice(10).trim().split(/\s+/).length;
    else if (line.startsWith('events:')) irColumn = positions + line.slice(7).trim().split(/\s+/).indexOf('Ir');
    else if (line.startsWith('summary:') || line.startsWith('totals:')) total = Math.max(total, Number(line.split(/\s+/)[1]));
  }
  return { total, objects };
}

// Sums the files of one run (one per process with --trace-children).
export function readCallgrindRun(files) {
  const objects = new Map();
  let total = 0;
  for (const file of files) {
    const r = readCallgrind(file);
    total += r.total;
    for (const [k, v] of r.objects) objects.set(k, (objects.get(k) ?? 0) + v);
  }
  return { total, objects };
}
