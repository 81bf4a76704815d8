// Instruction counts from valgrind's callgrind: the total, and the instructions
// executed in each shared object (self cost), read from callgrind's output format.
import fs from 'node:fs';
import path from 'node:path';

export function readCallgrind(file) {
  const text = fs.readFileSync(file, 'utf8');
  const objects = new Map(); // name -> instructions
  const functions = new Map(); // "function [object]" -> instructions
  const names = new Map(); // compressed "ob" id -> name
  const fnNames = new Map(); // compressed "fn" id -> name
  let positions = 1;
  let irColumn = 1;
  let total = 0;
  let current = '???';
  let currentFn = '???';
  let skipNext = false;
  const compressed = (table, spec) => {
    const m = spec.match(/^\((\d+)\)(?:\s+(.*))?$/);
    if (!m) return spec;
    if (m[2] !== undefined) table.set(m[1], m[2]);
    return table.get(m[1]) ?? '???';
  };
  const objectName = (spec) => compressed(names, spec);
  for (const line of text.split('\n')) {
    if (!line) continue;
    const c = line.charCodeAt(0);
    if ((c >= 48 && c <= 57) || line[0] === '+' || line[0] === '-' || line[0] === '*') {
      if (skipNext) {
        skipNext = false; // a call's inclusive cost, not this function's own
        continue;
      }
      const ir = Number(line.split(' ')[irColumn]);
      if (Number.isFinite(ir)) {
        objects.set(current, (objects.get(current) ?? 0) + ir);
        const key = `${currentFn} [${current}]`;
        functions.set(key, (functions.get(key) ?? 0) + ir);
      }
      continue;
    }
    if (line.startsWith('ob=')) current = path.basename(objectName(line.slice(3)));
    else if (line.startsWith('cob=')) objectName(line.slice(4)); // registers the name only
    else if (line.startsWith('fn=')) currentFn = compressed(fnNames, line.slice(3));
    else if (line.startsWith('cfn=')) compressed(fnNames, line.slice(4));
    else if (line.startsWith('calls=')) skipNext = true;
    else if (line.startsWith('positions:')) positions = line.slice(10).trim().split(/\s+/).length;
    else if (line.startsWith('events:')) irColumn = positions + line.slice(7).trim().split(/\s+/).indexOf('Ir');
    else if (line.startsWith('summary:') || line.startsWith('totals:')) total = Math.max(total, Number(line.split(/\s+/)[1]));
  }
  return { total, objects, functions };
}

// Sums the files of one run (one per process with --trace-children).
export function readCallgrindRun(files) {
  const objects = new Map();
  const functions = new Map();
  let total = 0;
  for (const file of files) {
    const r = readCallgrind(file);
    total += r.total;
    for (const [k, v] of r.objects) objects.set(k, (objects.get(k) ?? 0) + v);
    for (const [k, v] of r.functions) functions.set(k, (functions.get(k) ?? 0) + v);
  }
  return { total, objects, functions };
}
