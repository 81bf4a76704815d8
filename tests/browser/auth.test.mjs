// The player behind authentication set in the preset: a browser with the
// HTTP Basic credentials plays live, goes to a typed clock time and downloads
// a clip, and loads nothing from elsewhere; an API client with the bearer
// token gets the API, playlists, segments and clips; every path without
// credentials answers 401.
//
//   cd tests && node --test browser/auth.test.mjs
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startLauncher } from '../lib/launcher.mjs';
import {
  launchBrowser, openPage, readView, waitForPlaying, waitForBadge, waitForSeekDone, withLauncherLog, recordedFor,
  clockText,
} from '../lib/player-page.mjs';

const USER = 'viewer';
const PASSWORD = 'gate-pw-3390';
const TOKEN = 'api-token-5d2c8e41a9f0';
const basic = (user, password) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
const withBasic = { headers: { Authorization: basic(USER, PASSWORD) } };
const withToken = { headers: { Authorization: `Bearer ${TOKEN}` } };

describe('player behind authentication', () => {
  let browser;
  let launcher;

  before(async () => {
    const { stdout } = await promisify(execFile)('openssl', ['passwd', '-6', PASSWORD]);
    [browser, launcher] = await Promise.all([launchBrowser(), startLauncher(`
[server]
auth-user = ${USER}
auth-password-hash = ${stdout.trim()}
auth-token-env = DVR_TEST_TOKEN
[dvr]
segment-duration = 1
window = 120
[camera cam1]
source = test
width = 320
height = 180
framerate = 25
bitrate = 300
`, { env: { DVR_TEST_TOKEN: TOKEN } })]);
  });
  after(async () => {
    if (browser) await browser.close();
    if (launcher) await launcher.stop();
  });

  const credentials = { httpCredentials: { username: USER, password: PASSWORD } };

  test('with the credentials the browser plays live', { timeout: 90000 }, () => withLauncherLog(launcher, async () => {
    const { page, problems } = await openPage(browser, launcher.url, '#cam=cam1', credentials);
    try {
      await waitForBadge(page, /^LIVE$/, 60000);
      await waitForPlaying(page, 'live playback with credentials');
      assert.equal((await readView(page)).message, '');
      assert.deepEqual(problems, { pageErrors: [], foreignRequests: [] });
    } finally {
      await page.close();
    }
  }));

  test('with the credentials the browser goes to a typed clock time and downloads a clip', { timeout: 120000 },
    () => withLauncherLog(launcher, async () => {
      const cam = await recordedFor(launcher, 25000, { init: withBasic });
      const { page, problems } = await openPage(browser, launcher.url, '#cam=cam1', { ...credentials, acceptDownloads: true });
      try {
        await waitForBadge(page, /^LIVE$/, 60000);
        const target = Math.floor((cam.end - 12000) / 1000) * 1000;
        await page.getByLabel('Go to time').fill(await clockText(page, target));
        await page.getByLabel('Go to time').press('Enter');
        await waitForBadge(page, /^DVR /);
        await waitForSeekDone(page);
        const view = await readView(page);
        assert.ok(Math.abs(view.clock - target) <= 2000,
          `asked for ${new Date(target).toISOString()}, shown ${new Date(view.clock).toISOString()}`);
        await waitForPlaying(page, 'playback after go to time, with credentials');

        await page.getByText('Download clip').click();
        await page.getByLabel('From', { exact: true }).fill(await clockText(page, target));
        await page.getByLabel('To', { exact: true }).fill(await clockText(page, target + 5000));
        const [saved] = await Promise.all([
          page.waitForEvent('download', { timeout: 60000 }),
          page.getByRole('button', { name: 'Download MP4' }).click(),
        ]);
        assert.equal(await saved.failure(), null, 'the download went through');
        assert.match(saved.suggestedFilename(), /^cam1-\d{8}-\d{6}Z\.mp4$/);
        const file = join(launcher.dir, 'clip.mp4');
        await saved.saveAs(file);
        const { stdout } = await promisify(execFile)('ffprobe',
          ['-v', 'error', '-show_entries', 'format=format_name,duration', '-of', 'json', file]);
        const probe = JSON.parse(stdout);
        assert.match(probe.format.format_name, /mp4/);
        // From the keyframe at or before From: up to one GOP (1 s) longer.
        const duration = Number(probe.format.duration);
        assert.ok(duration >= 5 - 0.2 && duration <= 5 + 1 + 0.2, `clip is ${duration} s long`);
        assert.deepEqual(problems, { pageErrors: [], foreignRequests: [] });
      } finally {
        await page.close();
      }
    }));

  // A browser sends Basic credentials by itself; it has no way to put a
  // bearer token on the page's own requests. The token is for API clients.
  test('an API client with the bearer token gets the API, playlists, segments and clips', { timeout: 60000 },
    () => withLauncherLog(launcher, async () => {
      const cam = await recordedFor(launcher, 5000, { init: withToken });
      const live = await fetch(`${launcher.url}/hls/cam1/live.m3u8`, withToken);
      assert.equal(live.status, 200);
      const segment = (await live.text()).split('\n').find((l) => /^(\d{4}-\d\d-\d\d\/\d\d\/)?seg-\d+\.ts$/.test(l));
      const seg = await fetch(`${launcher.url}/hls/cam1/${segment}`, withToken);
      assert.equal(seg.status, 200, segment);
      assert.equal(seg.headers.get('content-type'), 'video/mp2t');
      assert.ok((await seg.arrayBuffer()).byteLength > 1000);
      const range = `start=${encodeURIComponent(cam.range.start)}&end=${encodeURIComponent(cam.range.end)}`;
      const vod = await fetch(`${launcher.url}/hls/cam1/range.m3u8?${range}`, withToken);
      assert.equal(vod.status, 200);
      assert.match(await vod.text(), /#EXT-X-ENDLIST/);
      const clip = await fetch(`${launcher.url}/api/cameras/cam1/clip.mp4?${range}`, withToken);
      assert.equal(clip.status, 200);
      assert.equal(Buffer.from(await clip.arrayBuffer()).subarray(4, 8).toString('latin1'), 'ftyp');
      const metrics = await fetch(`${launcher.url}/metrics`, withToken);
      assert.equal(metrics.status, 200);
      await metrics.arrayBuffer();

      for (const authorization of [`Bearer ${TOKEN}x`, `Bearer ${TOKEN.slice(0, -1)}`, `Basic ${TOKEN}`, TOKEN]) {
        const r = await fetch(`${launcher.url}/api/cameras`, { headers: { Authorization: authorization } });
        assert.equal(r.status, 401, `${authorization} is refused`);
        await r.arrayBuffer();
      }
    }));

  test('without them the page and every other path answer 401', { timeout: 30000 }, () => withLauncherLog(launcher, async () => {
    const paths = ['/', '/index.html', '/player.js', '/timeline.js', '/player.css', '/vendor/video.min.js',
      '/api/cameras', '/hls/cam1/live.m3u8', '/hls/cam1/range.m3u8?start=0&end=9999999999',
      '/api/cameras/cam1/clip.mp4?start=0&end=10'];
    for (const path of paths) {
      const r = await fetch(launcher.url + path);
      assert.equal(r.status, 401, `${path} answered ${r.status}`);
      const challenges = r.headers.get('www-authenticate') || '';
      assert.match(challenges, /^Basic /, `${path} asks for Basic`);
      assert.match(challenges, /Bearer realm=/, `${path} also takes a bearer token`);
      await r.arrayBuffer();
    }
    const wrong = await fetch(`${launcher.url}/api/cameras`, { headers: { Authorization: basic(USER, 'not-it') } });
    assert.equal(wrong.status, 401, 'a wrong password is refused');
  }));
});
