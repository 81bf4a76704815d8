// Password guessing is slowed: with authentication on, an address that
// fails to log in login-attempts times in a row is answered 429 with
// Retry-After for login-lockout seconds, said once in the log (never the
// password), while the right password from another address is served at
// once and the camera records on.
//
//   node --test tests/http/login.test.mjs     (after meson compile -C build)
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startLauncher, testCameraSection, waitFor, sleep } from '../lib/launcher.mjs';
import { freshGet, assertRecordingWhole } from '../lib/hostile-clients.mjs';

const password = 'correct horse';
// openssl passwd -6 -salt abcdefgh 'correct horse'
const hash = '$6$abcdefgh$yIZAF3gQPvtKZO/9qOJKffAKKbtS3ef3qmwyugk4uWVjX8YZf/GV3A8SkFxEPY0T56CcilGrHKLffBsp6dLMG.';
const basic = (pw) => 'Basic ' + Buffer.from(`viewer:${pw}`).toString('base64');
const good = { Authorization: basic(password) };

const preset = `
[server]
auth-user = viewer
auth-password-hash = ${hash}
login-attempts = 5
login-lockout = 2

[dvr]
segment-duration = 1
${testCameraSection('cam1', 'ball')}`;

let launcher;
after(async () => {
  await launcher?.stop();
});

test('a brute force from one address is answered 429 for a while; the right password elsewhere is unaffected', async () => {
  launcher = await startLauncher(preset);
  await waitFor('cam1 to record', async () => {
    const r = await freshGet(launcher.port, '/api/cameras', { headers: good });
    const [cam] = JSON.parse(r.body.toString());
    return cam.state === 'recording' && cam.range;
  }, 30000);

  const guesses = [];
  for (let i = 0; i < 40; ++i) {
    const r = await freshGet(launcher.port, '/api/cameras', { localAddress: '127.0.0.2', headers: { Authorization: basic(`guess-${i}`) } });
    guesses.push(r);
    if (i === 20) {
      const other = await freshGet(launcher.port, '/api/cameras', { headers: good });
      assert.equal(other.status, 200, 'the right password from another address, during the guessing');
    }
  }
  assert.deepEqual(guesses.slice(0, 5).map((r) => r.status), [401, 401, 401, 401, 401]);
  assert.ok(guesses.slice(5).every((r) => r.status === 429), 'every guess after the fifth is 429');
  assert.ok(guesses.slice(5).every((r) => Number(r.headers['retry-after']) >= 1));
  // Locked out is locked out, whatever the credentials.
  assert.equal((await freshGet(launcher.port, '/api/cameras', { localAddress: '127.0.0.2', headers: good })).status, 429);
  // A browser's first request, without credentials, still learns how to log in elsewhere.
  assert.equal((await freshGet(launcher.port, '/api/cameras', { localAddress: '127.0.0.3' })).status, 401);

  const lines = launcher.log().split('\n').filter((l) => l.includes('127.0.0.2'));
  assert.equal(lines.length, 1, `one line for the episode:\n${lines.join('\n')}`);
  assert.match(lines[0], /5 failed logins in a row from 127\.0\.0\.2: answering it 429 for 2 s/);
  assert.doesNotMatch(launcher.log(), /guess-|correct horse/);

  // After the lockout the address may try again, and the right password works.
  await sleep(2100);
  assert.equal((await freshGet(launcher.port, '/api/cameras', { localAddress: '127.0.0.2', headers: good })).status, 200);
  await assertRecordingWhole(assert, launcher.port, { headers: good, maxAgeMs: 5000 });
});
