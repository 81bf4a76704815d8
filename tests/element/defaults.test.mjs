// README's property tables state what gst-inspect-1.0 says: every property of
// dvrsink and dvrindex is in its table, with the default the element has. The
// defaults themselves live in core/defaults.h; this catches a table that was
// not updated with them.
//
//   cd tests && node --test element/defaults.test.mjs     (after meson compile -C build)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');

// Properties every GstObject or GstBin has: GStreamer's, not ours to document.
const inherited = new Set(['name', 'parent', 'async-handling', 'message-forward']);

// The first property table after the heading that starts with `heading`:
// property name → default, as written (backticks removed).
function readmeTable(heading) {
  const lines = readme.split('\n');
  let i = lines.findIndex((l) => l.startsWith(heading));
  assert.ok(i >= 0, `README has no heading "${heading}"`);
  while (i < lines.length && !/^\| property \| default \|/.test(lines[i])) i++;
  assert.ok(i < lines.length, `no property table after "${heading}"`);
  const table = new Map();
  for (i += 2; i < lines.length && lines[i].startsWith('|'); i++) {
    const cells = lines[i].split('|').slice(1, -1).map((c) => c.trim().replace(/`/g, ''));
    table.set(cells[0], cells[1]);
  }
  return table;
}

// gst-inspect-1.0's properties of factory: name → default, in README's words
// (null strings as —, read-only properties as "(read-only)").
function inspect(factory) {
  const registry = mkdtempSync(join(tmpdir(), 'dvr-defaults-'));
  let text;
  try {
    text = execFileSync('gst-inspect-1.0', [factory], {
      encoding: 'utf8',
      env: {
        ...process.env,
        GST_PLUGIN_PATH: process.env.GST_PLUGIN_PATH || join(root, 'build', 'plugins'),
        GST_REGISTRY: join(registry, 'registry.bin'),
      },
    });
  } finally {
    rmSync(registry, { recursive: true, force: true });
  }
  const section = text.split('Element Properties:')[1]?.split(/\n\S/)[0];
  assert.ok(section, `gst-inspect-1.0 ${factory} shows no properties`);
  const props = new Map();
  let name = null;
  for (const line of section.split('\n')) {
    const start = /^ {2}([a-z][a-z0-9-]*)\s*:/.exec(line);
    if (start) {
      name = start[1];
      props.set(name, { flags: '', value: undefined });
      continue;
    }
    if (!name) continue;
    const flags = /^\s+flags: (.*)$/.exec(line);
    if (flags) props.get(name).flags = flags[1];
    const def = /Default: (.*?)\s*$/.exec(line);
    if (def && props.get(name).value === undefined) {
      let v = def[1];
      const choice = /^-?\d+, "(.*)"$/.exec(v);  // an enum: Default: 0, "lean"
      if (choice) v = choice[1];
      else if (v === 'null') v = '—';
      else v = v.replace(/^"(.*)"$/, '$1');
      props.get(name).value = v;
    }
  }
  const out = new Map();
  for (const [prop, { flags, value }] of props) {
    if (inherited.has(prop)) continue;
    out.set(prop, !flags.includes('writable') ? '(read-only)' : value);
  }
  return out;
}

for (const [factory, heading] of [['dvrsink', '### dvrsink'], ['dvrindex', '### dvrindex']]) {
  test(`README's ${factory} table lists every property with the default gst-inspect-1.0 shows`, () => {
    const table = readmeTable(heading);
    const props = inspect(factory);
    assert.deepEqual([...table.keys()].sort(), [...props.keys()].sort(), `${factory}: the table's properties`);
    for (const [prop, value] of props) {
      // A property that is required or has no default may say so in words.
      if (value === '—' || value === undefined) {
        assert.ok(/^(—|required)/.test(table.get(prop)), `${factory} ${prop}: README says ${table.get(prop)}, the element has none`);
        continue;
      }
      assert.equal(table.get(prop), value, `${factory} ${prop}`);
    }
  });
}
