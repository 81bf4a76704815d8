// Who may use the server: HTTP Basic against a password hash and a bearer
// token from the environment guard every path; cross-origin access only for
// the origins the preset lists; no secret ever shown; a warning when the
// server listens beyond this machine without authentication.
//
//   node --test tests/http/access.test.mjs     (after meson compile -C build)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLauncher, waitFor, launcherPath } from '../lib/launcher.mjs';

const password = 'correct horse';
// openssl passwd -6 -salt abcdefgh 'correct horse'
const hash = '$6$abcdefgh$yIZAF3gQPvtKZO/9qOJKffAKKbtS3ef3qmwyugk4uWVjX8YZf/GV3A8SkFxEPY0T56CcilGrHKLffBsp6dLMG.';
const token = 'tok-3f9a1c77e2b54d0c9a8e';
const allowed = 'https://viewer.example';

const preset = `
[server]
auth-user = viewer
auth-password-hash = ${hash}
auth-token-env = DVR_TEST_TOKEN
cors-origins = ${allowed}, http://127.0.0.1:9999
# these tests try many wrong credentials on purpose (login.test.mjs covers the lockout)
login-attempts = 100

[camera cam1]
source = test
segment-duration = 1
width = 320
height = 180
framerate = 10
bitrate = 300
`;

let launcher;
let segment;
const basic = (user, pw) => 'Basic ' + Buffer.from(`${user}:${pw}`).toString('base64');
const good = { Authorization: basic('viewer', password) };

before(async () => {
  launcher = await startLauncher(preset, { env: { DVR_TEST_TOKEN: token } });
  const text = await waitFor('cam1 to list a segment', async () => {
    const r = await fetch(`${launcher.url}/hls/cam1/live.m3u8`, { headers: good });
    const t = r.ok ? await r.text() : '';
    return /seg-\d+\.ts/.test(t) && t;
  }, 45000);
  segment = /^\S*seg-\d+\.ts$/m.exec(text)[0];
});

after(async () => {
  if (launcher) await launcher.stop();
});

function paths() {
  const now = Date.now();
  const q = `start=${new Date(now - 30000).toISOString()}&end=${new Date(now).toISOString()}`;
  return ['/', '/player.js', '/vendor/video.min.js', '/api/cameras', '/hls/cam1/live.m3u8', `/hls/cam1/${segment}`,
    `/hls/cam1/range.m3u8?${q}`, `/api/cameras/cam1/clip.mp4?${q}`, '/metrics'];
}

test('without credentials every path answers 401 with a Basic challenge', async () => {
  for (const path of [...paths(), '/nothing-here', '/hls/nope/live.m3u8']) {
    for (const method of ['GET', 'HEAD', 'POST']) {
      const r = await fetch(`${launcher.url}${path}`, { method });
      assert.equal(r.status, 401, `${method} ${path}`);
      assert.match(r.headers.get('www-authenticate'), /^Basic realm="Stream DVR"/);
      const body = await r.text();
      assert.doesNotMatch(body, /cam1|#EXTM3U|<html/i, path);
    }
  }
});

test('with HTTP Basic or the bearer token every path works', async () => {
  for (const headers of [good, { Authorization: `Bearer ${token}` }, { Authorization: basic('viewer', password) }]) {
    for (const path of paths()) {
      const r = await fetch(`${launcher.url}${path}`, { headers });
      assert.equal(r.status, 200, `${path} with ${headers.Authorization.split(' ')[0]}`);
      await r.arrayBuffer();
    }
  }
});

test('a wrong password, user, token or scheme is 401', async () => {
  const wrong = [basic('viewer', 'correct horsE'), basic('viewer', ''), basic('Viewer', password), basic('', password),
    `Bearer ${token}x`, `Bearer ${token.slice(0, -1)}`, 'Bearer ', `Token ${token}`, 'Basic !!!!', 'Basic',
    `Basic ${Buffer.from('viewer').toString('base64')}`, hash];
  for (const authorization of wrong) {
    const r = await fetch(`${launcher.url}/api/cameras`, { headers: { Authorization: authorization } });
    assert.equal(r.status, 401, authorization);
    await r.arrayBuffer();
  }
});

test('no secret appears in the log, the API or the page', async () => {
  const api = await (await fetch(`${launcher.url}/api/cameras`, { headers: good })).text();
  const page = await (await fetch(`${launcher.url}/`, { headers: good })).text();
  for (const secret of [password, token, hash, hash.slice(12, 40)]) {
    for (const [where, text] of [['log', launcher.log()], ['API', api], ['page', page]])
      assert.ok(!text.includes(secret), `the ${where} shows a secret`);
  }
  assert.match(launcher.log(), /authentication: HTTP Basic \(user viewer\) or bearer token from \$DVR_TEST_TOKEN/);
});

test('a listed origin gets CORS headers and a preflight answer; another origin gets none', async () => {
  const r = await fetch(`${launcher.url}/api/cameras`, { headers: { ...good, Origin: allowed } });
  assert.equal(r.status, 200);
  assert.equal(r.headers.get('access-control-allow-origin'), allowed);
  assert.match(r.headers.get('vary'), /Origin/);
  await r.arrayBuffer();

  // A browser sends a preflight without credentials.
  const pre = await fetch(`${launcher.url}/hls/cam1/live.m3u8`, {
    method: 'OPTIONS',
    headers: { Origin: allowed, 'Access-Control-Request-Method': 'GET', 'Access-Control-Request-Headers': 'authorization' },
  });
  assert.equal(pre.status, 204);
  assert.equal(pre.headers.get('access-control-allow-origin'), allowed);
  assert.match(pre.headers.get('access-control-allow-methods'), /GET/);
  assert.match(pre.headers.get('access-control-allow-headers'), /Authorization/i);

  for (const origin of ['https://evil.example', 'https://viewer.example.evil', 'null', 'https://viewer.example:8443']) {
    const other = await fetch(`${launcher.url}/api/cameras`, { headers: { ...good, Origin: origin } });
    assert.equal(other.headers.get('access-control-allow-origin'), null, origin);
    assert.match(other.headers.get('vary'), /Origin/);
    await other.arrayBuffer();
    const refused = await fetch(`${launcher.url}/api/cameras`, {
      method: 'OPTIONS', headers: { Origin: origin, 'Access-Control-Request-Method': 'GET' },
    });
    assert.notEqual(refused.status, 204, origin);
    assert.equal(refused.headers.get('access-control-allow-origin'), null, origin);
    await refused.arrayBuffer();
  }
});

test('without cors-origins there are no CORS headers and OPTIONS is 405', async () => {
  const plain = await startLauncher(`
[camera cam1]
source = rtsp
url = rtsp://127.0.0.1:9/nothing
`);
  try {
    const r = await fetch(`${plain.url}/api/cameras`, { headers: { Origin: allowed } });
    assert.equal(r.headers.get('access-control-allow-origin'), null);
    await r.arrayBuffer();
    const pre = await fetch(`${plain.url}/api/cameras`, {
      method: 'OPTIONS', headers: { Origin: allowed, 'Access-Control-Request-Method': 'GET' },
    });
    assert.equal(pre.status, 405);
    assert.equal(pre.headers.get('access-control-allow-origin'), null);
    await pre.arrayBuffer();
  } finally {
    await plain.stop();
  }
});

test('listening beyond this machine without authentication warns; with it, it does not', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dvr-check-'));
  try {
    const file = join(dir, 'open.ini');
    const camera = '[camera cam1]\nsource = test\n';
    for (const [server, warns] of [['', true], ['[server]\nauth-token-env = DVR_TEST_TOKEN\n', false]]) {
      writeFileSync(file, server + camera);
      // --check says what a start would say, without opening a port beyond this machine.
      const { stdout } = await promisify(execFile)(launcherPath, ['--preset', file, '--listen', '0.0.0.0:8080', '--check'],
        { env: { ...process.env, DVR_TEST_TOKEN: token } });
      if (warns) assert.match(stdout, /warning: listening on 0\.0\.0\.0:8080 without authentication/);
      else assert.doesNotMatch(stdout, /without authentication/);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('--check names each wrong [server] key without showing its value', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dvr-check-'));
  try {
    const file = join(dir, 'bad.ini');
    writeFileSync(file, `
[server]
auth-user = viewer
auth-password = ${password}
auth-password-hash = plain-${password}
auth-token-env = DVR_TEST_UNSET_VARIABLE
cors-origins = https://ok.example, https://bad.example/path, *

[camera cam1]
source = test
`);
    const run = await promisify(execFile)(launcherPath, ['--preset', file, '--check'], { env: { ...process.env, DVR_TEST_UNSET_VARIABLE: '' } })
      .then(() => ({ code: 0, out: '' }), (e) => ({ code: e.code, out: e.stdout + e.stderr }));
    assert.equal(run.code, 1);
    for (const key of ['auth-password', 'auth-password-hash', 'auth-token-env', 'cors-origins'])
      assert.match(run.out, new RegExp(`bad\\.ini:server:${key}: `), key);
    assert.match(run.out, /auth-password: a plain password is not accepted/);
    assert.ok(!run.out.includes(password), run.out);

    writeFileSync(file, `[server]\nauth-token-env = DVR_TEST_SHORT\n[camera cam1]\nsource = test\n`);
    const short = await promisify(execFile)(launcherPath, ['--preset', file, '--check'], { env: { ...process.env, DVR_TEST_SHORT: 'abc123' } })
      .then(() => ({ code: 0, out: '' }), (e) => ({ code: e.code, out: e.stdout + e.stderr }));
    assert.equal(short.code, 1);
    assert.match(short.out, /server:auth-token-env: the token in DVR_TEST_SHORT is too short/);
    assert.ok(!short.out.includes('abc123'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
