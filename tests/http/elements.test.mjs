// The launcher asks for the GStreamer elements its cameras use, and only those:
// a camera received by dvrrtspsrc needs neither rtspsrc nor the depayloaders,
// so a machine without gstreamer1.0-plugins-good's RTP plugins still records it.
//
//   node --test tests/http/elements.test.mjs     (after meson compile -C build)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync, mkdtempSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launcherPath } from '../lib/launcher.mjs';

const systemPlugins = execFileSync('pkg-config', ['--variable=pluginsdir', 'gstreamer-1.0'], { encoding: 'utf8' }).trim();
let dir;
let env;

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'dvr-elements-'));
  // A machine with this project's plugin and only two of GStreamer's: no
  // rtspsrc (libgstrtsp) and no depayloaders (libgstrtp).
  const plugins = join(dir, 'plugins');
  mkdirSync(plugins);
  for (const name of ['libgstcoreelements.so', 'libgstvideoparsersbad.so']) {
    assert.ok(existsSync(join(systemPlugins, name)), `${name} is not in ${systemPlugins}`);
    symlinkSync(join(systemPlugins, name), join(plugins, name));
  }
  env = { ...process.env, GST_PLUGIN_SYSTEM_PATH_1_0: plugins, GST_REGISTRY_1_0: join(dir, 'registry.bin') };
});

after(() => rmSync(dir, { recursive: true, force: true }));

async function check(ingest) {
  const file = join(dir, `${ingest}.ini`);
  writeFileSync(file, `[camera gate]\nsource = rtsp\nurl = rtsp://127.0.0.1:8554/gate\ningest = ${ingest}\n`);
  const r = await promisify(execFile)(launcherPath, ['--preset', file, '--storage', join(dir, 'storage'), '--check'], { env });
  return r.stderr;
}

test('a camera received by dvrrtspsrc needs neither rtspsrc nor a depayloader', async () => {
  const warnings = await check('lean');
  assert.doesNotMatch(warnings, /GStreamer element/, warnings);
});

test('a camera received by rtspsrc names rtspsrc and its depayloaders as missing', async () => {
  const warnings = await check('rtspsrc');
  for (const element of ['rtspsrc', 'rtph264depay', 'rtph265depay'])
    assert.match(warnings, new RegExp(`warning: GStreamer element ${element} is not available: install gstreamer1.0-plugins-good`), element);
  assert.doesNotMatch(warnings, /element (dvrsink|dvrrtspsrc|h264parse|h265parse|fakesink) /, warnings);
});
