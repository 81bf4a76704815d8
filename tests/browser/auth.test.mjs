// The player behind HTTP Basic authentication set in the preset: a browser
// with the credentials plays live and loads nothing from elsewhere; every
// path without them answers 401.
//
//   cd tests && node --test browser/auth.test.mjs
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { startLauncher } from '../lib/launcher.mjs';
import {
  launchBrowser, openPage, readView, waitForPlaying, waitForBadge, withLauncherLog,
} from '../lib/player-page.mjs';

const USER = 'viewer';
const PASSWORD = 'gate-pw-3390';

describe('player behind HTTP Basic authentication', () => {
  let browser;
  let launcher;

  before(async () => {
    const { stdout } = await promisify(execFile)('openssl', ['passwd', '-6', PASSWORD]);
    [browser, launcher] = await Promise.all([launchBrowser(), startLauncher(`
[server]
auth-user = ${USER}
auth-password-hash = ${stdout.trim()}
[dvr]
segment-duration = 1
window = 120
[camera cam1]
source = test
width = 320
height = 180
framerate = 25
bitrate = 300
`)]);
  });
  after(async () => {
    if (browser) await browser.close();
    if (launcher) await launcher.stop();
  });

  test('with the credentials the browser plays live', { timeout: 90000 }, () => withLauncherLog(launcher, async () => {
    const { page, problems } = await openPage(browser, launcher.url, '#cam=cam1',
      { httpCredentials: { username: USER, password: PASSWORD } });
    try {
      await waitForBadge(page, /^LIVE$/, 60000);
      await waitForPlaying(page, 'live playback with credentials');
      assert.equal((await readView(page)).message, '');
      assert.deepEqual(problems, { pageErrors: [], foreignRequests: [] });
    } finally {
      await page.close();
    }
  }));

  test('without them the page and every other path answer 401', { timeout: 30000 }, () => withLauncherLog(launcher, async () => {
    const paths = ['/', '/index.html', '/player.js', '/timeline.js', '/player.css', '/vendor/video.min.js',
      '/api/cameras', '/hls/cam1/live.m3u8', '/hls/cam1/range.m3u8?start=0&end=9999999999',
      '/api/cameras/cam1/clip.mp4?start=0&end=10'];
    for (const path of paths) {
      const r = await fetch(launcher.url + path);
      assert.equal(r.status, 401, `${path} answered ${r.status}`);
      assert.match(r.headers.get('www-authenticate') || '', /^Basic /, `${path} asks for Basic`);
    }
    const wrong = await fetch(`${launcher.url}/api/cameras`,
      { headers: { Authorization: `Basic ${Buffer.from(`${USER}:not-it`).toString('base64')}` } });
    assert.equal(wrong.status, 401, 'a wrong password is refused');
  }));
});
