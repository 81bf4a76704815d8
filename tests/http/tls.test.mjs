// HTTPS on the launcher itself: a self-signed certificate made here with
// openssl serves the page and the API to curl (which checks it against that
// certificate) with keep-alive; plain HTTP on that port gets nowhere; and
// --check names the file at fault for a key of another certificate, an
// expired certificate and a missing file.
//
//   node --test tests/http/tls.test.mjs     (after meson compile -C build)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLauncher, testCameraSection, launcherPath, waitFor } from '../lib/launcher.mjs';

const run = promisify(execFile);
// The launcher's own start-up probe: the test trusts the certificate it made.
process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';

let dir;
const file = (name) => join(dir, name);
const presetWith = (cert, key, extra = '') => `
[server]
tls-certificate = ${cert}
tls-key = ${key}
${extra}
[dvr]
segment-duration = 1
${testCameraSection('cam1', 'ball')}`;

async function selfSigned(name, days = 30) {
  await run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', String(days), '-subj', '/CN=localhost',
    '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1', '-keyout', file(`${name}.key`), '-out', file(`${name}.crt`)]);
}

// openssl req cannot date a certificate in the past; openssl ca can.
async function expired(name) {
  writeFileSync(file('ca.cnf'), '[ca]\ndefault_ca = dvr\n[dvr]\ndatabase = index.txt\nnew_certs_dir = .\nserial = serial\n' +
    'default_md = sha256\npolicy = any\n[any]\ncommonName = supplied\n');
  writeFileSync(file('index.txt'), '');
  writeFileSync(file('serial'), '01\n');
  await run('openssl', ['req', '-new', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost', '-keyout', file(`${name}.key`),
    '-out', file(`${name}.csr`)]);
  await run('openssl', ['ca', '-batch', '-config', 'ca.cnf', '-selfsign', '-keyfile', file(`${name}.key`), '-in', file(`${name}.csr`),
    '-out', file(`${name}.crt`), '-startdate', '20200101000000Z', '-enddate', '20200102000000Z'], { cwd: dir });
}

async function check(presetText) {
  writeFileSync(file('check.ini'), presetText);
  try {
    const { stdout } = await run(launcherPath, ['--preset', file('check.ini'), '--check']);
    return { code: 0, out: stdout };
  } catch (e) {
    return { code: e.code, out: e.stdout + e.stderr };
  }
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'dvr-tls-'));
  await Promise.all([selfSigned('good'), selfSigned('other'), expired('old')]);
});

after(() => {
  rmSync(dir, { recursive: true, force: true });
});

test('--check accepts a good certificate and names the file at fault for a wrong key, an expired certificate, a missing file', async () => {
  const ok = await check(presetWith(file('good.crt'), file('good.key')));
  assert.equal(ok.code, 0, ok.out);
  assert.match(ok.out, /https: certificate .*good\.crt, key .*good\.key, valid until \d{4}-/);
  assert.match(ok.out, /serving https:\/\//);

  const wrongKey = await check(presetWith(file('good.crt'), file('other.key')));
  assert.equal(wrongKey.code, 1);
  assert.match(wrongKey.out, /server: .*other\.key: the private key does not belong to the certificate .*good\.crt/);

  const old = await check(presetWith(file('old.crt'), file('old.key')));
  assert.equal(old.code, 1);
  assert.match(old.out, /server: .*old\.crt: the certificate expired on 2020-01-02/);

  const missing = await check(presetWith(file('none.crt'), file('good.key')));
  assert.equal(missing.code, 1);
  assert.match(missing.out, /server: .*none\.crt: cannot read it/);

  const half = await check(presetWith(file('good.crt'), file('good.key')).replace(/^tls-key.*$/m, ''));
  assert.equal(half.code, 1);
  assert.match(half.out, /:server:tls-key: missing/);
});

test('the launcher serves HTTPS with its certificate, keeps connections alive, and records on', async () => {
  const launcher = await startLauncher(presetWith(file('good.crt'), file('good.key')), { scheme: 'https' });
  try {
    assert.match(launcher.log(), /serving https:\/\/127\.0\.0\.1:/);
    const base = `https://localhost:${launcher.port}`;
    // curl checks the certificate against the one made above: no -k.
    const { stdout } = await run('curl', ['-sS', '--cacert', file('good.crt'), '--resolve', `localhost:${launcher.port}:127.0.0.1`,
      '-w', '%{http_code} %{num_connects} %{scheme}\\n', ...['/api/cameras', '/', '/api/cameras'].flatMap((p) => ['-o', '/dev/null', base + p])]);
    assert.deepEqual(stdout.trim().split('\n'), ['200 1 HTTPS', '200 0 HTTPS', '200 0 HTTPS']);
    // Plain HTTP on the HTTPS port is no way in.
    const plain = await run('curl', ['-s', '-o', '/dev/null', '-w', '%{http_code}', '--max-time', '3',
      `http://127.0.0.1:${launcher.port}/api/cameras`]).catch((e) => e);
    assert.equal(String(plain.stdout).trim(), '000');
    await waitFor('cam1 to record', async () => {
      const r = await fetch(`${launcher.url}/api/cameras`);
      const [cam] = await r.json();
      return cam.state === 'recording' && cam.range;
    }, 30000);
  } finally {
    await launcher.stop();
  }
});
