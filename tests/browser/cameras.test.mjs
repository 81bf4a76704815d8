// The player with real (mock) RTSP cameras through the launcher: an H.264
// camera plays live; a camera that refuses the password and an H.265 camera
// (which no browser can play from MPEG-TS through the player) are explained in
// plain words instead of a spinner or a Video.js error; a camera that drops
// and comes back leaves a gap on its own timeline while the launcher runs on.
//
//   cd tests && node --test browser/cameras.test.mjs
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startLauncher, waitFor } from '../lib/launcher.mjs';
import { startMockCamera } from '../lib/mock-camera.mjs';
import {
  launchBrowser, openPage, readView, waitForPlaying, waitForBadge, screenshot, withLogs, recorded,
  boxOf,
} from '../lib/player-page.mjs';

const PASSWORD = 'porch-pw-5519';

describe('player with RTSP cameras', () => {
  let browser;
  let h264;
  let h265;
  let launcher;
  const logs = {};

  before(async () => {
    const common = ['--user', 'admin', '--password', PASSWORD, '--gop', '25', '--duration', '4',
      '--speed-preset', 'ultrafast'];
    [h264, h265, browser] = await Promise.all([
      startMockCamera(common),
      startMockCamera([...common, '--codec', 'h265']),
      launchBrowser(),
    ]);
    launcher = await startLauncher(`
[dvr]
segment-duration = 1
window = 120
[camera door]
source = rtsp
url = ${h264.url}
user = admin
password-env = CAM_PW
[camera porch]
source = rtsp
url = ${h265.url}
user = admin
password-env = CAM_PW
[camera gate]
source = rtsp
url = ${h264.url}
user = admin
password = not-the-password
`, { env: { CAM_PW: PASSWORD } });
    Object.assign(logs, { launcher, 'H.264 camera': h264, 'H.265 camera': h265 });
  });

  after(async () => {
    if (browser) await browser.close();
    for (const server of [launcher, h264, h265]) if (server) await server.stop();
  });

  async function camera(name) {
    return (await (await fetch(`${launcher.url}/api/cameras`)).json()).find((c) => c.name === name);
  }

  test('a recording from the mock camera plays live in the browser', { timeout: 90000 }, () => withLogs(logs, async () => {
    await waitFor('the camera to record', async () => (await camera('door')).state === 'recording', 40000, 250);
    const { page, problems } = await openPage(browser, launcher.url, '#cam=door');
    try {
      await waitForBadge(page, /^LIVE$/, 40000);
      await waitForPlaying(page, 'the mock camera live');
      await waitForPlaying(page, 'the mock camera, a little later');
      const view = await readView(page);
      assert.equal(view.message, '');
      assert.equal(view.badge, 'LIVE');
      assert.ok(Math.abs(Date.now() - view.clock) < 30000, 'the clock shows recent video');
      await screenshot(page, 'player-rtsp.png');
      assert.deepEqual(problems, { pageErrors: [], foreignRequests: [] });
    } finally {
      await page.close();
    }
  }));

  test('a camera that refuses the password says so and what to do', { timeout: 90000 }, () => withLogs(logs, async () => {
    await waitFor('the API to report the camera unauthorized',
      async () => (await camera('gate')).state === 'unauthorized', 40000, 250);
    const { page } = await openPage(browser, launcher.url, '#cam=gate');
    try {
      const message = page.locator('#message');
      await message.getByText(/^Camera gate refused the user name or password/).waitFor({ timeout: 10000 });
      const text = await message.textContent();
      assert.match(text, /Check user and password/);
      assert.ok(!text.includes('not-the-password'), 'the password is not shown');
      assert.equal(await page.locator('.vjs-loading-spinner:visible').count(), 0, 'no spinner');
      await screenshot(page, 'player-unauthorized.png');

      // The grid says it too, on the camera's tile.
      await page.getByRole('button', { name: 'All cameras' }).click();
      await page.locator('.tile[data-camera="gate"] .tile-message')
        .getByText(/refused the user name or password/).waitFor({ timeout: 10000 });
      assert.equal(await page.locator('.tile[data-camera="gate"] .tile-state').textContent(), 'wrong password');
    } finally {
      await page.close();
    }
  }));

  test('an H.265 camera is explained in plain words, not a spinner or a player error', { timeout: 90000 },
    () => withLogs(logs, async () => {
      const porch = await waitFor('the H.265 camera to record', async () => {
        const c = await camera('porch');
        return c.state === 'recording' && c.segments > 0 ? c : null;
      }, 40000, 250);
      assert.equal(porch.codec, 'h265', 'precondition: the camera records H.265');
      const { page, problems } = await openPage(browser, launcher.url, '#cam=porch');
      try {
        const message = page.locator('#message');
        await message.getByText(/^Camera porch sends H\.265/).waitFor({ timeout: 15000 });
        const text = await message.textContent();
        assert.match(text, /set the camera's video encoding to H\.264/);
        assert.match(text, /VLC/);
        assert.equal(await message.getAttribute('data-kind'), 'trouble');
        // Nothing was handed to the player, so no Video.js error or spinner shows up later.
        await page.waitForTimeout(3000);
        assert.equal(await page.locator('.vjs-error-display:visible').count(), 0, 'no Video.js error');
        assert.equal(await page.locator('.vjs-loading-spinner:visible').count(), 0, 'no spinner');
        assert.match(await message.textContent(), /^Camera porch sends H\.265/, 'the message stays');
        await screenshot(page, 'player-h265.png');

        await page.getByRole('button', { name: 'All cameras' }).click();
        await page.locator('.tile[data-camera="porch"] .tile-message').getByText(/sends H\.265/).waitFor({ timeout: 10000 });
        assert.deepEqual(problems.pageErrors, []);
      } finally {
        await page.close();
      }
    }));

  test('a camera that drops and reconnects shows the gap on its timeline; the others have none', { timeout: 90000 },
    () => withLogs(logs, async () => {
      await waitFor('door to have recorded a few seconds', async () => {
        const c = await recorded(launcher, 'door');
        return c && c.state === 'recording' && c.end - c.start >= 3000;
      }, 40000, 250);
      const before = await recorded(launcher, 'door');
      assert.deepEqual(before.gaps, [], 'precondition: no gap yet');
      const porchBefore = await recorded(launcher, 'porch');
      // The camera drops its clients and turns new ones away for 2 s: the
      // launcher's second attempt (back-off 1 s, then 2 s) gets through.
      await h264.command('refuse 2');
      await h264.command('drop');
      const droppedAt = Date.now();
      const gap = await waitFor('the API to list the gap, and 3 s recorded after it', async () => {
        const c = await recorded(launcher, 'door');
        const last = c && c.gaps.length ? c.gaps[c.gaps.length - 1] : null;
        return last && c.state === 'recording' && c.end - Date.parse(last.end) >= 3000 ? last : null;
      }, 60000, 250);
      const door = await recorded(launcher, 'door');
      assert.ok(door.reconnects >= 1, `reconnects: ${door.reconnects}`);
      assert.equal(door.gaps.length, 1, JSON.stringify(door.gaps));
      const porch = await recorded(launcher, 'porch');
      assert.equal(porch.reconnects, porchBefore.reconnects, 'the other camera did not reconnect');
      assert.deepEqual(porch.gaps, [], 'and has no gap');

      const { page, problems } = await openPage(browser, launcher.url, '#cam=door');
      try {
        await waitForBadge(page, /^LIVE$/, 40000);
        const hole = page.locator('#timeline .tl-gap');
        await hole.first().waitFor({ timeout: 10000 });
        assert.equal(await hole.count(), 1);
        const shown = { start: Date.parse(await hole.getAttribute('data-start')), end: Date.parse(await hole.getAttribute('data-end')) };
        assert.deepEqual(shown, { start: Date.parse(gap.start), end: Date.parse(gap.end) });
        assert.ok(Math.abs(shown.start - droppedAt) < 3000, `the gap starts ${shown.start - droppedAt} ms from the drop`);
        assert.ok(shown.end - shown.start >= 1500, `and lasts while the camera was away (${shown.end - shown.start} ms)`);
        const box = await boxOf(hole, 'the gap');
        assert.ok(box && box.width >= 1, 'the gap is visible');
        assert.match(await hole.getAttribute('title'), /^Nothing recorded from \d\d:\d\d:\d\d to \d\d:\d\d:\d\d$/);
        await screenshot(page, 'player-reconnect-gap.png');
        assert.deepEqual(problems.pageErrors, []);
      } finally {
        await page.close();
      }
    }));
});
