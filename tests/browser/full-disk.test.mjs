// The page on a full disk: a banner on the camera and on its grid tile says
// the disk is full while it is, and goes when space is back. On a small tmpfs
// the test mounts itself (root, or CAP_SYS_ADMIN; skipped without).
//
//   cd tests && node --test browser/full-disk.test.mjs
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startLauncher, testCameraSection } from '../lib/launcher.mjs';
import { mountSmallDisk } from '../lib/small-disk.mjs';
import { launchBrowser, openPage } from '../lib/player-page.mjs';

// A window this disk holds once space is back (200 kbit/s for 60 s is 1.5 MB).
const preset = '[dvr]\nsegment-duration = 1\nwindow = 60\n' + testCameraSection('cam1', 'ball');

function bannerState(page, selector) {
  return page.evaluate((sel) => {
    const el = document.querySelector(sel);
    return el && !el.hidden ? el.textContent.trim() : '';
  }, selector);
}

async function waitForBanner(page, selector, shown, what) {
  await page.waitForFunction(([sel, want]) => {
    const el = document.querySelector(sel);
    return Boolean(el && !el.hidden && el.textContent.trim()) === want;
  }, [selector, shown], { timeout: 30000, polling: 250 }).catch(async (e) => {
    throw new Error(`${what} (banner: "${await bannerState(page, selector)}"): ${e.message}`);
  });
}

test('a banner on the camera and its tile while the disk is full, gone when space is back', async (t) => {
  const disk = mountSmallDisk('3m');
  if (disk.whyNot) return t.skip(disk.whyNot);
  let launcher;
  let browser;
  try {
    launcher = await startLauncher(preset, { storage: join(disk.path, 'storage') });
    browser = await launchBrowser();
    const single = await openPage(browser, launcher.url, '#cam=cam1');
    const grid = await openPage(browser, launcher.url, '');
    const singleBanner = '#storage-banner';
    const tileBanner = '.tile[data-camera="cam1"] .tile-banner';
    await grid.page.waitForSelector('.tile[data-camera="cam1"]', { timeout: 15000 });
    // Recording with room to spare: no banner.
    await single.page.waitForTimeout(3000);
    assert.equal(await bannerState(single.page, singleBanner), '');
    assert.equal(await bannerState(grid.page, tileBanner), '');

    disk.fill(40 * 1000);
    await waitForBanner(single.page, singleBanner, true, 'the camera view shows the full disk');
    await waitForBanner(grid.page, tileBanner, true, 'the grid tile shows the full disk');
    const text = await bannerState(single.page, singleBanner);
    assert.match(text, /Disk full/);
    assert.match(text, /of the 60 s configured/);

    disk.free();
    await waitForBanner(single.page, singleBanner, false, 'the banner goes when space is back');
    await waitForBanner(grid.page, tileBanner, false, 'the tile banner goes when space is back');
    assert.deepEqual(single.problems.pageErrors, []);
    assert.deepEqual(grid.problems.pageErrors, []);
  } finally {
    if (browser) await browser.close();
    if (launcher) await launcher.stop();
    disk.unmount();
  }
});
