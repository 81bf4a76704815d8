// The page after the recorder's clock stepped back an hour (libfaketime under
// the launcher; the browser keeps the real time): the timeline draws the
// footage of both runs with the hour between them as a gap, the page plays the
// later run live, and a time typed or clicked in either run plays that run.
//
//   cd tests && node --test browser/clock-step.test.mjs
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fakeClock, faketimeMissing } from '../lib/faketime.mjs';
import { startLauncher, testCameraSection, waitFor } from '../lib/launcher.mjs';
import {
  boxOf, fetchPlaylist, goTo, launchBrowser, openPage, readView, recorded, screenshot, typed, waitForBadge,
  waitForClockNear, waitForPlaying, waitForSeekDone, withLauncherLog,
} from '../lib/player-page.mjs';

const PRESET = '[dvr]\nsegment-duration = 1\nwindow = 600\n' + testCameraSection('cam1', 'ball');
// Each run this long, so that a moment well inside it is not at its edges.
const RUN_S = 8;

// The left edge and width of each drawn part of the timeline, in pixels.
function drawn(page, selector) {
  return page.locator(`#timeline ${selector}`).evaluateAll((els) => els.map((e) => {
    const box = e.getBoundingClientRect();
    return { x: box.x, width: box.width };
  }));
}

test('after a step back of the clock the page shows and plays the footage of both runs',
  { timeout: 120000, skip: faketimeMissing }, async () => {
    const clock = fakeClock();
    const launcher = await startLauncher(PRESET, { env: clock.env });
    let browser;
    try {
      await withLauncherLog(launcher, async () => {
        await waitFor(`${RUN_S} segments`, async () => {
          const pl = await fetchPlaylist(launcher.url);
          return pl && pl.segments >= RUN_S;
        }, 30000, 200);
        clock.set('-3600');
        // The API's one gap is the hour between the later run's labels and the earlier run's.
        const cam = await waitFor(`the step, and ${RUN_S} s recorded after it`, async () => {
          const c = await recorded(launcher);
          return c && c.clock_steps === 1 && c.gaps.length === 1
            && Date.parse(c.gaps[0].start) - c.start >= RUN_S * 1000 ? c : null;
        }, 40000, 250);
        const gap = { start: Date.parse(cam.gaps[0].start), end: Date.parse(cam.gaps[0].end) };
        const later = { start: cam.start, end: gap.start };
        const earlier = { start: gap.end, end: cam.end };
        assert.ok(gap.end - gap.start > 3500000, JSON.stringify(cam.gaps));

        browser = await launchBrowser();
        const { page, problems } = await openPage(browser, launcher.url, '#cam=cam1');
        // Live is the later run: the newest footage, with the earliest labels.
        await waitForBadge(page, /^LIVE$/, 30000);
        await waitForPlaying(page, 'live after the step');
        let view = await readView(page);
        assert.ok(view.clock >= later.start && view.clock <= later.end + 3000,
          `live shows ${new Date(view.clock).toISOString()}, the later run is ${JSON.stringify(cam.gaps)}`);

        // The timeline: both runs drawn, the later at the left end, the
        // earlier at the right, the hour between them a gap.
        const hole = page.locator('#timeline .tl-gap');
        await hole.first().waitFor({ timeout: 10000 });
        assert.equal(await hole.count(), 1);
        // It ends where the earlier run begins; it begins where the later run
        // has got to, later than when the API was asked.
        assert.equal(Date.parse(await hole.getAttribute('data-end')), gap.end);
        assert.ok(Date.parse(await hole.getAttribute('data-start')) >= gap.start);
        const gapBox = await boxOf(hole, 'the gap');
        const parts = await drawn(page, '.tl-recorded');
        assert.equal(parts.length, 2, JSON.stringify(parts));
        const [left, right] = [...parts].sort((a, b) => a.x - b.x);
        assert.ok(left.width > 0 && right.width > 0, JSON.stringify(parts));
        assert.ok(left.x + left.width <= gapBox.x + 1 && right.x >= gapBox.x + gapBox.width - 1,
          JSON.stringify({ parts, gap: gapBox }));
        await screenshot(page, 'player-clock-step.png');

        // A time in the earlier run plays the earlier run, behind live.
        const inEarlier = earlier.start + 3000;
        await goTo(page, typed(inEarlier));
        await waitForClockNear(page, inEarlier, 2500, 'a time typed in the earlier run', 6000);
        await waitForBadge(page, /^DVR /);
        await waitForPlaying(page, 'the earlier run');
        view = await readView(page);
        assert.ok(view.clock >= earlier.start && view.clock <= earlier.end, JSON.stringify(view));

        // A time in the later run plays the later run, though the earlier
        // run comes first in the live playlist.
        const inLater = later.start + 5000;
        await goTo(page, typed(inLater));
        // Soon: playing on from the earlier run would reach it too, later.
        await waitForClockNear(page, inLater, 2500, 'a time typed in the later run', 6000);
        await waitForPlaying(page, 'the later run');

        // A click in the hour between lands on the first picture after it: the earlier run's first.
        const track = await page.locator('#timeline .tl-track').boundingBox();
        await page.mouse.click(gapBox.x + gapBox.width / 2, track.y + track.height / 2);
        await waitForClockNear(page, earlier.start, 2500, 'a click in the hour between the runs');
        await waitForSeekDone(page);

        // Live goes back to the later run.
        await page.getByRole('button', { name: 'Go to live' }).click();
        await waitForBadge(page, /^LIVE$/);
        await waitForPlaying(page, 'live again');
        view = await readView(page);
        assert.ok(view.clock >= later.start && view.clock < gap.end, JSON.stringify(view));
        assert.deepEqual(problems.pageErrors, []);
      });
    } finally {
      if (browser) await browser.close();
      await launcher.stop();
      clock.remove();
    }
  });
