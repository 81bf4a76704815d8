// Conformance: cameras served by RTSP servers nobody on this team wrote,
// started here, recorded through dvr-launcher with the default ingest (lean).
//
//   gst-rtsp-server (tests/servers/dvr-gst-rtsp-server, its default
//   configuration): H.264 + PCMA at /cam/realmonitor, asked for with Dahua's
//   ?channel=1&subtype=0; without a login, with Digest (the credentials in
//   the URL, percent-encoded), and over TLS with a self-signed certificate
//   pinned by its fingerprint (and once not pinned, which must not record).
//   gst-rtsp-server offering UDP only: recorded by the rtspsrc fallback.
//   VLC's RTSP server (Debian's vlc-bin): H.264 + AAC, and only RTP over UDP,
//   which the lean source does not speak: the launcher falls back to rtspsrc
//   for it and says so.
//
// All servers run at once and one launcher records them side by side for
// RECORD_MS (12 s, not the issue's 30 s, to keep the suite short; no loss
// means every segment of that span is there, numbered without a gap and
// without a discontinuity). Stopping the launcher must reach each
// gst-rtsp-server as a TEARDOWN.
//
//   cd tests && node --test integration/conformance.test.mjs    (about 40 s)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, sleep, startLauncher, waitFor } from '../lib/launcher.mjs';
import { gstServer, startServer } from '../lib/rtsp-servers.mjs';

const RECORD_MS = 12000;
const PASSWORD = 'p@ss:w%rd 42';

function which(cmd) {
  try {
    return execFileSync('sh', ['-c', `command -v ${cmd}`]).toString().trim();
  } catch {
    return null;
  }
}

// VLC refuses to run as root; the tests may run as root in a container.
async function vlcServer(dir) {
  const cvlc = which('cvlc');
  if (!cvlc) return null;
  const media = join(dir, 'av.mp4');
  execFileSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=25', '-f', 'lavfi',
    '-i', 'sine=frequency=440:sample_rate=16000', '-t', '60', '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '25',
    '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-b:a', '32k', media]);
  chmodSync(dir, 0o755);
  chmodSync(media, 0o644);
  const port = await freePort();
  const args = ['-I', 'dummy', media, '--sout', `#rtp{sdp=rtsp://127.0.0.1:${port}/cam}`, '--sout-keep'];
  const asUser = process.getuid() === 0
    ? ['setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', 'env', `HOME=${dir}`, cvlc, ...args]]
    : [cvlc, args];
  const server = await startServer('VLC', asUser[0], asUser[1], /dummy interface/);
  await sleep(500);
  return { ...server, port };
}

async function playlist(launcher, name) {
  const r = await fetch(`${launcher.url}/hls/${name}/live.m3u8`);
  if (!r.ok) return null;
  const text = await r.text();
  const segments = [];
  let disc = false;
  for (const line of text.split('\n')) {
    if (line === '#EXT-X-DISCONTINUITY') disc = true;
    else if (line.startsWith('#EXTINF:')) segments.push({ duration: parseFloat(line.slice(8)), disc });
    else if (line && !line.startsWith('#')) {
      const s = segments[segments.length - 1];
      s.number = Number(/(\d+)\.ts$/.exec(line)[1]);
      disc = false;
    }
  }
  return segments;
}

async function cameras(launcher) {
  return (await fetch(`${launcher.url}/api/cameras`)).json();
}

// Every segment from the first one recorded on: numbered one after another,
// no discontinuity, and together as long as the time that passed. Over UDP
// (the rtspsrc fallback) a busy machine's loopback may drop a packet, which
// rtspsrc marks as a discontinuity; no segment may be missing even then.
function assertNoLoss(name, segments, spanMs, { udp = false } = {}) {
  assert.ok(segments.length >= 5, `${name}: only ${segments.length} segments`);
  for (let i = 1; i < segments.length; i++) {
    assert.equal(segments[i].number, segments[i - 1].number + 1, `${name}: segment numbers jump`);
    if (!udp) assert.ok(!segments[i].disc, `${name}: a discontinuity at segment ${segments[i].number}`);
  }
  const recorded = segments.reduce((sum, s) => sum + s.duration, 0);
  // The newest segment is still being written: up to two segments short.
  assert.ok(recorded >= spanMs / 1000 - 2.5, `${name}: ${recorded.toFixed(1)} s recorded in ${spanMs / 1000} s`);
}

test('cameras on gst-rtsp-server (plain, Digest, TLS) and VLC record with no loss through the default ingest, '
  + 'VLC by the rtspsrc fallback, and stop with a TEARDOWN the server sees', { timeout: 150000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dvr-conformance-'));
  const servers = [];
  let launcher;
  try {
    const cert = join(dir, 'cert.pem'), key = join(dir, 'key.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '2',
      '-subj', '/CN=dvr-test-camera'], { stdio: 'ignore' });
    const fingerprint = execFileSync('openssl', ['x509', '-in', cert, '-noout', '-fingerprint', '-sha256'])
      .toString().trim().split('=')[1];

    const [plain, digest, tls, udp, vlc] = await Promise.all([
      gstServer(),
      gstServer(['--user', 'admin', '--password', PASSWORD]),
      gstServer(['--tls-cert', cert, '--tls-key', key]),
      gstServer(['--udp-only']),
      vlcServer(dir),
    ]);
    servers.push(plain, digest, tls, udp, ...(vlc ? [vlc] : []));
    const path = '/cam/realmonitor?channel=1&subtype=0';
    const userinfo = `admin:${encodeURIComponent(PASSWORD)}`;
    const recordedNames = ['plain', 'digest', 'tls', 'udponly', ...(vlc ? ['vlc'] : [])];
    launcher = await startLauncher(`
[dvr]
segment-duration = 1
window = 300
audio = aac
stall-timeout = 10

[camera plain]
source = rtsp
url = rtsp://127.0.0.1:${plain.port}${path}

[camera digest]
source = rtsp
url = rtsp://${userinfo}@127.0.0.1:${digest.port}${path}

[camera tls]
source = rtsp
url = rtsps://127.0.0.1:${tls.port}${path}
tls-fingerprint = ${fingerprint}

[camera udponly]
source = rtsp
url = rtsp://127.0.0.1:${udp.port}${path}

[camera tlsunpinned]
source = rtsp
url = rtsps://127.0.0.1:${tls.port}${path}
${vlc ? `
[camera vlc]
source = rtsp
url = rtsp://127.0.0.1:${vlc.port}/cam
` : ''}`);

    const started = await waitFor('every camera recording', async () => {
      const list = await cameras(launcher);
      return recordedNames.every((n) => list.find((c) => c.name === n)?.state === 'recording') && Date.now();
    }, 60000);
    await sleep(RECORD_MS);
    const list = await cameras(launcher);
    const byName = Object.fromEntries(list.map((c) => [c.name, c]));

    for (const name of ['plain', 'digest', 'tls']) {
      const c = byName[name];
      assert.equal(c.state, 'recording', `${name}: ${JSON.stringify(c)}`);
      assert.equal(c.ingest, 'lean', name);
      assert.equal(c.reconnects, 0, `${name} reconnected: ${c.error}`);
      assert.equal(c.video_path, 'dvrrtspsrc ! dvrsink', name);
      assertNoLoss(name, await playlist(launcher, name), RECORD_MS);
    }
    // A self-signed certificate nobody pinned is refused, and that is no
    // reason to try rtspsrc.
    const unpinned = byName.tlsunpinned;
    assert.notEqual(unpinned.state, 'recording');
    assert.equal(unpinned.ingest, 'lean');
    assert.match(unpinned.error, /presented a TLS certificate that failed its checks; pin it with tls-fingerprint/);

    // gst-rtsp-server offering RTP over UDP only: the lean source asks for
    // TCP, is refused, and rtspsrc records the camera from the next attempt.
    const udpCam = byName.udponly;
    assert.equal(udpCam.state, 'recording', JSON.stringify(udpCam));
    assert.match(udpCam.ingest, /^rtspsrc \(lean failed: SETUP of rtsp:\/\/127\.0\.0\.1:\d+\/cam\/realmonitor\/stream=0: 461 /);
    assert.match(launcher.log(), /camera udponly: ingest: rtspsrc \(lean failed: SETUP of .*461/);
    assert.match(udpCam.video_path, /^rtspsrc ! rtph264depay ! dvrsink/);
    assertNoLoss('udponly', await playlist(launcher, 'udponly'), RECORD_MS, { udp: true });

    if (vlc) {
      const c = byName.vlc;
      assert.equal(c.state, 'recording', JSON.stringify(c));
      assert.match(c.ingest, /^rtspsrc \(lean failed: SETUP of rtsp:\/\/127\.0\.0\.1:\d+\/cam\/trackID=0: 461 /);
      assert.match(launcher.log(), /camera vlc: ingest: rtspsrc \(lean failed: SETUP of .*461/);
      assert.match(c.video_path, /^rtspsrc ! rtph264depay ! dvrsink/);
      assert.match(c.audio_path, /^rtspsrc ! /);
      // Lost nothing from when rtspsrc took over: the lean attempt recorded nothing.
      const segments = await playlist(launcher, 'vlc');
      assertNoLoss('vlc', segments, RECORD_MS, { udp: true });
    } else {
      console.log('# VLC (cvlc) is not installed: its camera was not tested');
    }

    const text = JSON.stringify(list) + launcher.log();
    assert.ok(!text.includes(PASSWORD) && !text.includes(encodeURIComponent(PASSWORD)), 'the password shows');
    assert.ok(Date.now() - started >= RECORD_MS);

    await launcher.stop();
    launcher = null;
    for (const [name, s] of [['plain', plain], ['digest', digest], ['tls', tls]]) {
      await waitFor(`${name}'s server to see a TEARDOWN`, () => /TEARDOWN rtsp:\/\/127\.0\.0\.1:\d+\/cam\/realmonitor/.test(s.log()),
        5000, 100);
    }
  } finally {
    if (launcher) await launcher.stop();
    for (const s of servers) await s.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
