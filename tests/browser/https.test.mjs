// The player over the launcher's own HTTPS, with HTTP Basic: Chromium,
// trusting exactly the self-signed certificate made here (by its public key,
// never "any certificate"), logs in, plays live and loads nothing from
// elsewhere.
//
//   cd tests && node --test browser/https.test.mjs
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { chromium } from 'playwright-core';
import { startLauncher } from '../lib/launcher.mjs';
import { openPage, waitForPlaying, withLauncherLog } from '../lib/player-page.mjs';

const run = promisify(execFile);
const sh = async (script) => (await run('sh', ['-c', script])).stdout.trim();
// The launcher's start-up probe trusts the certificate it is given here.
process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';

const USER = 'viewer';
const PASSWORD = 'tls-pw-7741';
let dir;
let browser;
let launcher;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'dvr-https-'));
  const cert = join(dir, 'dvr.crt');
  const key = join(dir, 'dvr.key');
  await run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=127.0.0.1',
    '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', key, '-out', cert]);
  const spki = await sh(`openssl x509 -in '${cert}' -pubkey -noout | openssl pkey -pubin -outform der | ` +
    'openssl dgst -sha256 -binary | base64');
  const hash = (await run('openssl', ['passwd', '-6', PASSWORD])).stdout.trim();
  [browser, launcher] = await Promise.all([
    chromium.launch({
      executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
        '--disable-component-update', '--disable-sync', '--autoplay-policy=no-user-gesture-required',
        `--ignore-certificate-errors-spki-list=${spki}`],
    }),
    startLauncher(`
[server]
auth-user = ${USER}
auth-password-hash = ${hash}
tls-certificate = ${cert}
tls-key = ${key}
[dvr]
segment-duration = 1
[camera cam1]
source = test
width = 320
height = 180
framerate = 25
bitrate = 300
`, { scheme: 'https' }),
  ]);
});

after(async () => {
  if (browser) await browser.close();
  if (launcher) await launcher.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('Chromium logs in over HTTPS and plays live from the launcher', async () => {
  await withLauncherLog(launcher, async () => {
    const { page, problems } = await openPage(browser, launcher.url, '#cam=cam1',
      { httpCredentials: { username: USER, password: PASSWORD } });
    try {
      assert.equal(await page.evaluate(() => window.isSecureContext && location.protocol), 'https:');
      await waitForPlaying(page, 'live over HTTPS', 30000);
      assert.deepEqual(problems.pageErrors, []);
      assert.deepEqual(problems.foreignRequests, []);
    } finally {
      await page.close();
    }
  });
});
