// Browser tests of the player page (web/) against the real launcher and a
// test-source camera, in headless Chromium driven by playwright-core.
//
//   cd tests && npm install && node --test browser/
//
// Set PLAYER_SCREENSHOTS=/some/dir to keep screenshots of the page.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { CLOSED_PORT, startLauncher, waitFor } from '../lib/launcher.mjs';
import {
  launchBrowser, openPage, readView, waitForPlaying, waitForBadge, waitForSeekDone, screenshot, behindSeconds,
  withLauncherLog, fetchPlaylist,
} from '../lib/player-page.mjs';

function preset({ segmentDuration = 1 } = {}) {
  return `[server]
listen = 127.0.0.1:8080
[dvr]
segment-duration = ${segmentDuration}
window = 120
[camera cam1]
source = test
pattern = smpte
width = 640
height = 360
framerate = 25
`;
}

let browser;
before(async () => { browser = await launchBrowser(); });
after(async () => { if (browser) await browser.close(); });

describe('player on a recording camera', () => {
  let launcher;
  let page;
  let problems;

  before(async () => {
    launcher = await startLauncher(preset());
    await withLauncherLog(launcher, () => waitFor('about 25 s of video in the playlist', async () => {
      const playlist = await fetchPlaylist(launcher.url);
      return playlist && playlist.seconds >= 25;
    }, 90000, 1000));
    ({ page, problems } = await openPage(browser, launcher.url));
  });

  after(async () => {
    if (page) await page.close();
    if (launcher) await launcher.stop();
  });

  test('plays live by itself, muted, with the LIVE badge', { timeout: 60000 }, () => withLauncherLog(launcher, async () => {
    await waitForBadge(page, /^LIVE$/, 20000);
    await waitForPlaying(page, 'live playback');
    const view = await readView(page);
    assert.equal(view.badge, 'LIVE');
    assert.equal(view.message, '', 'no message covers the video while it plays');
    assert.ok(view.clock, 'the wall-clock time of the picture is shown');
    // The clock shows recent video: within the window, not in the future.
    const age = (Date.now() - view.clock) / 1000;
    assert.ok(age > -2 && age < 30, `wall clock ${new Date(view.clock).toISOString()} is ${age} s old`);
    assert.equal(await page.evaluate(() => document.querySelector('video').muted), true);

    // Every control has its label and an accessible name.
    for (const [name, text] of [['Back 10 seconds', '-10s'], ['Back 60 seconds', '-60s'], ['Go to live', 'Live']]) {
      const button = page.getByRole('button', { name, exact: true });
      assert.equal((await button.textContent()).trim(), text);
      assert.equal(await button.isEnabled(), true, `${text} is enabled while playing`);
    }
    assert.equal(await page.getByRole('combobox', { name: 'Camera' }).inputValue(), 'cam1');
    await screenshot(page, 'player-live.png');
  }));

  test('-10s goes about 10 s back and shows DVR, Live returns to LIVE', { timeout: 60000 }, () => withLauncherLog(launcher, async () => {
    await waitForBadge(page, /^LIVE$/);
    const before10 = await readView(page);
    const clickedAt = Date.now();
    await page.getByRole('button', { name: 'Back 10 seconds' }).click();
    await waitForBadge(page, /^DVR /);
    await waitForSeekDone(page);
    const after10 = await readView(page);
    const elapsed = (Date.now() - clickedAt) / 1000;

    // Playback goes on after the jump, so the new position lies between
    // "10 s back" and "10 s back plus the time since the click"; ±3 s.
    const moved = after10.currentTime - before10.currentTime;
    assert.ok(moved >= -13 && moved <= -10 + elapsed + 3,
      `currentTime moved ${moved.toFixed(2)} s (expected about -10 s, ${elapsed.toFixed(1)} s elapsed)`);
    const clockMoved = (after10.clock - before10.clock) / 1000;
    assert.ok(clockMoved >= -13 && clockMoved <= -10 + elapsed + 3,
      `wall clock shown moved ${clockMoved.toFixed(2)} s (expected about -10 s)`);
    const behind = behindSeconds(after10.badge);
    assert.ok(behind >= 7 && behind <= 13, `badge "${after10.badge}" should be about 10 s behind`);
    await waitForPlaying(page, 'playback after -10s');
    assert.match((await readView(page)).badge, /^DVR -00:\d\d$/, 'stays DVR while playing behind live');
    await screenshot(page, 'player-dvr.png');

    await page.getByRole('button', { name: 'Go to live' }).click();
    await waitForBadge(page, /^LIVE$/);
    await waitForPlaying(page, 'playback after Live');
    const live = await readView(page);
    assert.ok(live.currentTime > after10.currentTime + 7,
      `Live went forward from ${after10.currentTime.toFixed(1)} to ${live.currentTime.toFixed(1)}`);
    assert.equal(live.badge, 'LIVE');
  }));

  test('-60s with less than 60 s recorded lands at the oldest point', { timeout: 60000 }, () => withLauncherLog(launcher, async () => {
    await waitForBadge(page, /^LIVE$/);
    const playlist = await fetchPlaylist(launcher.url);
    const start = await readView(page);
    assert.ok(start.currentTime - start.seekableStart < 55,
      `precondition: less than 60 s behind the live point is recorded (${start.currentTime - start.seekableStart} s)`);

    await page.getByRole('button', { name: 'Back 60 seconds' }).click();
    await waitForBadge(page, /^DVR /);
    await waitForSeekDone(page);
    const view = await readView(page);
    assert.ok(Math.abs(view.currentTime - view.seekableStart) <= 2,
      `landed at ${view.currentTime.toFixed(2)}, seekable start is ${view.seekableStart.toFixed(2)}`);
    // And in wall-clock terms: near the oldest segment of the playlist.
    const oldest = playlist.dates[0];
    assert.ok(Number.isFinite(oldest), 'the playlist carries EXT-X-PROGRAM-DATE-TIME');
    const fromOldest = (view.clock - oldest) / 1000;
    assert.ok(fromOldest >= -2 && fromOldest <= 5,
      `wall clock shown is ${fromOldest.toFixed(1)} s from the oldest segment's date`);
    await waitForPlaying(page, 'playback from the oldest point');

    await page.getByRole('button', { name: 'Go to live' }).click();
    await waitForBadge(page, /^LIVE$/);
    await waitForPlaying(page, 'playback after Live');
  }));

  test('the page loads nothing from anywhere but the launcher and throws no errors', () => {
    assert.deepEqual(problems.foreignRequests, []);
    assert.deepEqual(problems.pageErrors, []);
  });
});

describe('camera chooser and a camera that cannot be reached', () => {
  let launcher;
  let page;

  before(async () => {
    // Nothing listens on this port: the RTSP camera fails and is retried.
    launcher = await startLauncher(`${preset()}[camera gone]
source = rtsp
url = rtsp://127.0.0.1:${CLOSED_PORT}/cam/realmonitor?channel=1&subtype=0
`);
  });
  after(async () => {
    if (page) await page.close();
    if (launcher) await launcher.stop();
  });

  test('shows the camera state and its error in words, then switches camera through the URL hash', { timeout: 90000 }, () => withLauncherLog(launcher, async () => {
    const gone = await waitFor('the API to report the failing camera with its error', async () => {
      const cameras = await (await fetch(`${launcher.url}/api/cameras`)).json();
      const camera = cameras.find((c) => c.name === 'gone');
      return camera && ['error', 'reconnecting'].includes(camera.state) && camera.error ? camera : null;
    }, 30000, 250);

    ({ page } = await openPage(browser, launcher.url, '#cam=gone'));
    const shown = await waitFor('the message to name the state and the error', async () => {
      const { message } = await readView(page);
      return /^Camera gone (is reconnecting|has failed)/.test(message) && message.includes(gone.error) ? message : null;
    }, 10000, 200);
    assert.ok(shown);
    await screenshot(page, 'player-error.png');

    const chooser = page.getByRole('combobox', { name: 'Camera' });
    assert.deepEqual(await chooser.locator('option').evaluateAll(
      (options) => options.map((o) => o.value).filter(Boolean)), ['cam1', 'gone']);
    await chooser.selectOption('cam1');
    assert.equal(new URL(page.url()).hash, '#cam=cam1');
    await waitForBadge(page, /^LIVE$/, 60000);
    await waitForPlaying(page, 'cam1 after choosing it');

    // The hash alone picks the camera too, and a reload keeps the choice.
    await page.evaluate(() => { location.hash = 'cam=gone'; });
    await page.getByText(/^Camera gone (is reconnecting|has failed)/).waitFor({ timeout: 10000 });
    await page.reload();
    await waitFor('the chooser to show the camera from the URL after a reload',
      async () => (await chooser.inputValue()) === 'gone', 10000, 200);
  }));
});

describe('player opened before the camera has recorded anything', () => {
  let launcher;
  let page;

  // Longer segments keep the camera without a playlist for a few seconds, so
  // the page is certainly open before the first segment exists.
  before(async () => { launcher = await startLauncher(preset({ segmentDuration: 4 })); });
  after(async () => {
    if (page) await page.close();
    if (launcher) await launcher.stop();
  });

  test('says it is waiting, then plays without a click', { timeout: 90000 }, () => withLauncherLog(launcher, async () => {
    assert.equal(await fetchPlaylist(launcher.url), null, 'precondition: no playlist yet (404)');
    ({ page } = await openPage(browser, launcher.url));
    await page.getByText('Waiting for camera cam1…').waitFor({ timeout: 5000 });
    await screenshot(page, 'player-waiting.png');

    await waitForBadge(page, /^LIVE$/, 60000);
    await waitForPlaying(page, 'playback once the first segment exists');
    const view = await readView(page);
    assert.equal(view.message, '', 'the waiting message is gone once it plays');
  }));
});
