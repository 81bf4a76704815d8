// docs/nginx.conf serves a live recording as plain files: right types and cache
// headers, nothing hidden, and a player (GStreamer's hlsdemux) plays through it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, mkdirSync, readFileSync, writeFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot, freePort, waitFor } from '../lib/launcher.mjs';

const nginx = ['/usr/sbin/nginx', '/usr/bin/nginx'].find((p) => existsSync(p));
let dir, storage, port, base, recorder, server;
let recorderLog = '';

function stop(proc, signal) {
  if (!proc || proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => proc.kill('SIGKILL'), 10000);
    proc.on('exit', () => { clearTimeout(timer); resolve(); });
    proc.kill(signal);
  });
}

before(async () => {
  assert.ok(nginx, 'nginx is not installed (Debian package nginx-light)');
  dir = mkdtempSync(join(tmpdir(), 'dvr-nginx-'));
  // nginx's workers run as www-data: the recordings must be readable by others.
  chmodSync(dir, 0o755);
  storage = join(dir, 'storage');
  mkdirSync(join(storage, 'cam1'), { recursive: true });
  writeFileSync(join(storage, 'cam1', '.secret'), 'hidden');
  recorder = spawn('gst-launch-1.0', ['-e', 'videotestsrc', 'is-live=true', '!',
    'video/x-raw,width=320,height=240,framerate=25/1', '!',
    'x264enc', 'tune=zerolatency', 'speed-preset=ultrafast', 'key-int-max=25', '!',
    'dvrsink', `location=${join(storage, 'cam1')}`, 'segment-duration=1', 'window=30', 'endlist=false'],
  { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, GST_PLUGIN_PATH: join(repoRoot, 'build/plugins') } });
  recorder.stderr.on('data', (d) => (recorderLog += d));

  port = await freePort();
  const conf = readFileSync(join(repoRoot, 'docs/nginx.conf'), 'utf8')
    .replace(/listen 127\.0\.0\.1:8080;/, `listen 127.0.0.1:${port};`)
    .replace(/alias \/var\/lib\/stream-dvr\/;/, `alias ${storage}/;`);
  assert.notEqual(conf, readFileSync(join(repoRoot, 'docs/nginx.conf'), 'utf8'));
  writeFileSync(join(dir, 'nginx.conf'), conf);
  server = spawn(nginx, ['-p', dir, '-c', join(dir, 'nginx.conf'), '-g', 'daemon off;'], { stdio: 'ignore' });
  base = `http://127.0.0.1:${port}/hls/cam1`;
  await waitFor('three segments listed through nginx', async () => {
    const r = await fetch(`${base}/live.m3u8`);
    if (recorder.exitCode !== null) throw new Error(`the recorder stopped: ${recorderLog}`);
    return r.ok && ((await r.text()).match(/#EXTINF/g) || []).length >= 3;
  }, 30000);
});

after(async () => {
  await stop(recorder, 'SIGINT');
  await stop(server, 'SIGQUIT');
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('nginx serves the playlist uncached and segments as immutable MPEG-TS', async () => {
  const pl = await fetch(`${base}/live.m3u8`);
  assert.equal(pl.status, 200);
  assert.equal(pl.headers.get('content-type'), 'application/vnd.apple.mpegurl');
  assert.equal(pl.headers.get('cache-control'), 'no-cache');
  const text = await pl.text();
  assert.match(text, /^#EXTM3U/);
  const first = text.split('\n').find((l) => l.endsWith('.ts'));
  const seg = await fetch(`${base}/${first}`);
  assert.equal(seg.status, 200);
  assert.equal(seg.headers.get('content-type'), 'video/mp2t');
  assert.match(seg.headers.get('cache-control'), /immutable/);
  const body = Buffer.from(await seg.arrayBuffer());
  assert.equal(body[0], 0x47, 'a TS packet starts with its sync byte');
  assert.equal(body.length % 188, 0);
});

test('nginx hides the journal, temporaries and anything else', async () => {
  for (const path of ['index.journal', '.secret', '.live.m3u8.tmp', '../cam1/.secret', 'nothing.ts']) {
    const r = await fetch(`${base}/${path}`);
    assert.equal(r.status, 404, path);
  }
});

test('GStreamer hlsdemux plays the live recording through nginx', async () => {
  // Live playback in real time until 100 frames (4 s at 25 fps) reached
  // fakesink; fakesink reports every frame. The bound is generous: start-up of
  // playbin on a busy machine takes seconds, and a stall shows as a time-out.
  const player = spawn('gst-launch-1.0', ['-v', 'playbin', `uri=${base}/live.m3u8`,
    'video-sink=fakesink silent=false sync=true'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let frames = 0;
  const enough = new Promise((resolve) => {
    const count = (chunk) => {
      out += chunk;
      frames = (out.match(/chain +\*+ \(fakesink/g) || []).length;
      if (frames >= 100) resolve();
    };
    player.stdout.on('data', count);
    player.stderr.on('data', (chunk) => { out += chunk; });
    player.on('exit', resolve);
  });
  const limit = new Promise((resolve) => setTimeout(resolve, 30000));
  await Promise.race([enough, limit]);
  await stop(player, 'SIGINT');
  assert.doesNotMatch(out, /ERROR/);
  assert.ok(frames >= 100, `only ${frames} frames decoded in 30 s at 25 fps`);
});
