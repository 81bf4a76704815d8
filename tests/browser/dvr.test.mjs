// The player as a DVR, against one launcher recording two test cameras: the
// grid plays both; in one camera's view, go to a typed clock time, the
// timeline (clock-time labels, click, drag, Shift-drag), keyboard, +10s and speed, a clip
// downloaded through the page, a phone-sized screen, and the gap a restart of
// the launcher leaves.
//
//   cd tests && node --test browser/dvr.test.mjs
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { sleep, startLauncher, waitFor } from '../lib/launcher.mjs';
import {
  launchBrowser, openPage, readView, waitForPlaying, waitForBadge, waitForSeekDone, screenshot, behindSeconds,
  withLauncherLog, recorded, recordedFor, clockSeconds, clockText,
  boxOf,
} from '../lib/player-page.mjs';

const SEGMENT_S = 1;
const PRESET = `
[dvr]
segment-duration = ${SEGMENT_S}
window = 300
[camera cam1]
source = test
pattern = smpte
width = 320
height = 180
framerate = 25
bitrate = 300
[camera cam2]
source = test
pattern = ball
width = 320
height = 180
framerate = 25
bitrate = 300
`;

describe('the player as a DVR', () => {
  let browser;
  let launcher;
  let restarted;
  let page;
  let problems;

  before(async () => {
    [browser, launcher] = await Promise.all([launchBrowser(), startLauncher(PRESET)]);
  });
  after(async () => {
    if (browser) await browser.close();
    if (restarted) await restarted.stop();
    if (launcher) {
      await launcher.stop({ keepFiles: true });
      rmSync(launcher.dir, { recursive: true, force: true });
    }
  });

  test('the grid plays both cameras', { timeout: 90000 }, () => withLauncherLog(launcher, async () => {
    ({ page, problems } = await openPage(browser, launcher.url, ''));
    const tiles = page.locator('.tile');
    await waitFor('two tiles', async () => (await tiles.count()) === 2, 20000, 200);
    assert.deepEqual(await tiles.evaluateAll((t) => t.map((e) => e.dataset.camera)), ['cam1', 'cam2']);
    const times = () => page.evaluate(() => [...document.querySelectorAll('.tile video')].map((v) => v.currentTime));
    await page.waitForFunction(() => [...document.querySelectorAll('.tile video')].every((v) => v.currentTime > 1),
      null, { timeout: 60000, polling: 200 });
    const first = await times();
    await page.waitForFunction((t0) => [...document.querySelectorAll('.tile video')].every((v, i) => v.currentTime > t0[i] + 1),
      first, { timeout: 20000, polling: 200 });
    await screenshot(page, 'player-grid.png');

    // A tile opens its camera.
    await page.getByRole('button', { name: 'Open camera cam1' }).click();
    assert.equal(new URL(page.url()).hash, '#cam=cam1');
    await waitForBadge(page, /^LIVE$/, 30000);
    await waitForPlaying(page, 'cam1 opened from the grid');
    assert.equal(await page.locator('.tile').count(), 0, 'the grid lets its players go');
  }));

  test('go to a typed clock time: the time shown matches within one segment', { timeout: 120000 },
    () => withLauncherLog(launcher, async () => {
      const cam = await recordedFor(launcher, 40000);
      await waitForBadge(page, /^LIVE$/, 30000);
      // Whole seconds, as typed; 20 s back from the newest recorded point.
      const target = Math.floor((cam.end - 20000) / 1000) * 1000;
      await page.getByLabel('Go to time').fill(await clockText(page, target));
      await page.getByLabel('Go to time').press('Enter');
      await waitForBadge(page, /^DVR /);
      await waitForSeekDone(page);
      const seekedAt = Date.now();
      const view = await readView(page);
      const slack = SEGMENT_S * 1000 + (Date.now() - seekedAt) + 500;
      assert.ok(Math.abs(view.clock - target) <= slack,
        `asked for ${new Date(target).toISOString()}, shown ${new Date(view.clock).toISOString()}`);
      // The badge agrees: about 20 s (plus how far the live point is behind real time) behind live.
      const behind = behindSeconds(view.badge);
      assert.ok(behind >= 14 && behind <= 30, `badge ${view.badge}`);
      await waitForPlaying(page, 'playback after go to time');
      // The timeline's marker is where the picture is.
      const valuetext = await page.getByRole('slider', { name: /Recorded timeline/ }).getAttribute('aria-valuetext');
      assert.match(valuetext, /^\d\d:\d\d:\d\d$/);

      // A time that is not recorded is said so, and nothing moves.
      await page.getByLabel('Go to time').fill(await clockText(page, cam.start - 3600000));
      await page.getByLabel('Go to time').press('Enter');
      await page.locator('#output').getByText(/^Nothing recorded at/).waitFor({ timeout: 5000 });
      await page.getByLabel('Go to time').fill('25:99');
      await page.getByRole('button', { name: 'Go', exact: true }).click();
      await page.locator('#output').getByText(/is not a time/).waitFor({ timeout: 5000 });
    }));

  test('hovering the timeline tells the time; clicking seeks to the wall-clock time under the pointer', { timeout: 60000 },
    () => withLauncherLog(launcher, async () => {
      const track = page.locator('#timeline .tl-track');
      const box = await track.boundingBox();
      const cam = await recordedFor(launcher, 40000);
      // Hovering tells the time under the pointer.
      await track.hover({ position: { x: box.width * 0.4, y: box.height / 2 } });
      const hover = page.locator('#timeline .tl-hover');
      await hover.waitFor({ timeout: 5000 });
      const hovered = await hover.textContent();
      const want = await clockText(page, cam.start + 0.4 * (cam.end - cam.start));
      assert.ok(Math.abs(clockSeconds(hovered) - clockSeconds(want)) <= 4, `hover says ${hovered}, about ${want} expected`);
      await track.click({ position: { x: box.width * 0.4, y: box.height / 2 } });
      const expected = cam.start + 0.4 * (cam.end - cam.start);
      await waitForBadge(page, /^DVR /);
      await waitForSeekDone(page);
      const view = await readView(page);
      // The range may have grown by a poll's worth since it was read.
      const slack = SEGMENT_S * 1000 + 0.4 * 3000 + 1500;
      assert.ok(Math.abs(view.clock - expected) <= slack,
        `clicked at ${new Date(expected).toISOString()}, shown ${new Date(view.clock).toISOString()}`);
    }));

  test('the timeline is labelled with clock times of the recorded window, each where its time is', { timeout: 30000 },
    () => withLauncherLog(launcher, async () => {
      const cam = await recordedFor(launcher, 40000);
      const labels = page.locator('#timeline .tl-label');
      await labels.first().waitFor({ timeout: 10000 });
      const track = await page.locator('#timeline .tl-track').boundingBox();
      const shown = await labels.evaluateAll((all) => all.map((l) => {
        const r = l.getBoundingClientRect();
        return { text: l.textContent, centre: r.left + r.width / 2, width: r.width };
      }));
      assert.ok(shown.length >= 2, `labels: ${JSON.stringify(shown)}`);
      let previous = -Infinity;
      for (const { text, centre, width } of shown) {
        assert.match(text, /^\d\d:\d\d(:\d\d)?$/, 'a label reads as a clock time');
        assert.ok(width > 0, `${text} is visible`);
        const fraction = (centre - track.x) / track.width;
        assert.ok(fraction > 0 && fraction < 1, `${text} is over the track`);
        assert.ok(centre > previous, 'labels run left to right');
        previous = centre;
        // The time under the label is the time it reads (the page's range may be a poll older).
        const under = clockSeconds(await clockText(page, cam.start + fraction * (cam.end - cam.start)));
        const off = ((clockSeconds(text) - under + 86400 + 43200) % 86400) - 43200;
        assert.ok(Math.abs(off) <= 4, `label ${text} sits where the time is ${off} s off`);
      }
    }));

  test('keyboard, +10s and speed', { timeout: 60000 }, () => withLauncherLog(launcher, async () => {
    await recordedFor(launcher, 40000);
    await page.locator('body').click({ position: { x: 5, y: 5 } }); // focus the page, not a field
    await page.keyboard.press('l');
    await waitForBadge(page, /^LIVE$/);
    await page.keyboard.press('ArrowLeft');
    await waitForBadge(page, /^DVR /);
    await waitForSeekDone(page);
    const back = behindSeconds((await readView(page)).badge);
    assert.ok(back >= 7 && back <= 14, `ArrowLeft went ${back} s back`);
    await page.keyboard.press('ArrowLeft');
    await waitForBadge(page, /^DVR -00:(1[7-9]|2\d)$/);
    await page.keyboard.press('ArrowRight');
    await waitForSeekDone(page);
    await waitForBadge(page, /^DVR -00:(0[7-9]|1[0-4])$/);
    await page.getByRole('button', { name: 'Forward 10 seconds' }).click();
    await waitForBadge(page, /^LIVE$/);
    await page.keyboard.press('Home');
    await waitForBadge(page, /^DVR /);
    await waitForSeekDone(page);
    const oldest = await readView(page);
    assert.ok(Math.abs(oldest.currentTime - oldest.seekableStart) <= 2, 'Home goes to the oldest point');
    await page.keyboard.press('End');
    await waitForBadge(page, /^LIVE$/);

    await page.getByRole('button', { name: 'Back 60 seconds' }).click();
    await waitForBadge(page, /^DVR /);
    await page.getByLabel('Speed').selectOption('2');
    assert.equal(await page.evaluate(() => document.querySelector('#single-view video').playbackRate), 2);
    const before2x = await readView(page);
    await page.waitForTimeout(2000);
    const after2x = await readView(page);
    assert.ok(after2x.currentTime - before2x.currentTime > 2.5, 'plays faster than real time at 2×');
    await page.getByLabel('Speed').selectOption('1');
    await page.keyboard.press('L');
    await waitForBadge(page, /^LIVE$/);
  }));

  test('a clip downloaded through the page is an MP4 of the asked length', { timeout: 90000 },
    () => withLauncherLog(launcher, async () => {
      await page.getByText('Download clip').click();
      // By default: the last minute.
      const from = page.getByLabel('From', { exact: true });
      const to = page.getByLabel('To', { exact: true });
      const defaults = await page.evaluate(() => [document.getElementById('clip-from').value, document.getElementById('clip-to').value]);
      const cam = await recorded(launcher);
      const expected = Math.min(60, (cam.end - cam.start) / 1000);
      const length = (clockSeconds(defaults[1]) - clockSeconds(defaults[0]) + 86400) % 86400;
      assert.ok(Math.abs(length - expected) <= 3, `defaults ${defaults}, ${expected} s expected`);

      const start = Math.floor((cam.end - 25000) / 1000) * 1000;
      // A reversed or too long range is refused on the page, with the reason.
      const download = page.getByRole('button', { name: 'Download MP4' });
      await from.fill(await clockText(page, start + 5000));
      await to.fill(await clockText(page, start));
      await download.click();
      await page.locator('#output').getByText('To must come after From.').waitFor({ timeout: 5000 });
      // (To a little before the newest point: the page's copy of the range may be a poll older.)
      await from.fill(await clockText(page, cam.start - 2 * 3600000));
      await to.fill(await clockText(page, cam.end - 5000));
      await download.click();
      await page.locator('#output').getByText(/^A clip is at most one hour long/).waitFor({ timeout: 5000 });

      await from.fill(await clockText(page, start));
      await to.fill(await clockText(page, start + 12000));
      const [saved] = await Promise.all([
        page.waitForEvent('download', { timeout: 60000 }),
        download.click(),
      ]);
      assert.match(saved.suggestedFilename(), /^cam1-\d{8}-\d{6}Z\.mp4$/);
      const file = join(launcher.dir, 'clip.mp4');
      await saved.saveAs(file);
      const { stdout } = await promisify(execFile)('ffprobe',
        ['-v', 'error', '-show_entries', 'format=format_name,duration:stream=codec_name', '-of', 'json', file]);
      const probe = JSON.parse(stdout);
      assert.match(probe.format.format_name, /mp4/);
      assert.deepEqual(probe.streams.map((s) => s.codec_name), ['h264']);
      // It starts at the keyframe at or before From: up to one GOP (1 s) longer.
      const duration = Number(probe.format.duration);
      assert.ok(duration >= 12 - 0.2 && duration <= 12 + 1 + 0.2, `clip is ${duration} s long`);
    }));

  test('dragging on the timeline seeks where it is let go; Shift-drag picks the clip range', { timeout: 60000 },
    () => withLauncherLog(launcher, async () => {
      await recordedFor(launcher, 40000);
      await page.keyboard.press('l');
      await waitForBadge(page, /^LIVE$/);
      const box = await page.locator('#timeline .tl-track').boundingBox();
      const y = box.y + box.height / 2;
      const at = (f) => box.x + f * box.width;

      let cam = await recorded(launcher);
      await page.mouse.move(at(0.2), y);
      await page.mouse.down();
      await page.mouse.move(at(0.45), y, { steps: 5 });
      await page.mouse.move(at(0.6), y, { steps: 5 });
      await page.mouse.up();
      const expected = cam.start + 0.6 * (cam.end - cam.start);
      await waitForBadge(page, /^DVR /);
      await waitForSeekDone(page);
      const view = await readView(page);
      const slack = SEGMENT_S * 1000 + 0.6 * 3000 + 1500;
      assert.ok(Math.abs(view.clock - expected) <= slack,
        `let go at ${new Date(expected).toISOString()}, shown ${new Date(view.clock).toISOString()}`);

      cam = await recorded(launcher);
      await page.keyboard.down('Shift');
      await page.mouse.move(at(0.3), y);
      await page.mouse.down();
      await page.mouse.move(at(0.5), y, { steps: 5 });
      await page.mouse.up();
      await page.keyboard.up('Shift');
      const fields = await page.evaluate(() => [document.getElementById('clip-from').value, document.getElementById('clip-to').value]);
      const want = [cam.start + 0.3 * (cam.end - cam.start), cam.start + 0.5 * (cam.end - cam.start)];
      const wantText = await Promise.all(want.map((t) => clockText(page, t)));
      for (let i = 0; i < 2; i++) {
        assert.ok(Math.abs(clockSeconds(fields[i]) - clockSeconds(wantText[i])) <= 3, `clip fields ${fields}, expected about ${wantText}`);
      }
      assert.equal(await page.locator('#timeline .tl-selection').isVisible(), true, 'the selection shows on the timeline');
      assert.equal(await page.locator('#clip').evaluate((d) => d.open), true, 'the clip form opens');
      // Selecting does not move the picture.
      const after = await readView(page);
      assert.ok(Math.abs(after.clock - view.clock) < 15000, 'Shift-drag did not seek');
    }));

  test('on a phone-sized screen nothing overflows and every control is reachable and named', { timeout: 60000 },
    () => withLauncherLog(launcher, async () => {
      const phone = await openPage(browser, launcher.url, '#cam=cam2', { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
      try {
        await waitForBadge(phone.page, /^LIVE$/, 30000);
        await phone.page.getByText('Download clip').click();
        const report = await phone.page.evaluate(() => {
          const width = document.documentElement.clientWidth;
          const controls = [...document.querySelectorAll('#single-view button, #single-view input, #single-view select, #single-view summary, #timeline, header button:not([hidden]), header select')];
          const name = (e) => e.getAttribute('aria-label') || (e.labels && e.labels[0] && e.labels[0].textContent.trim()) || e.textContent.trim();
          return {
            width,
            scrollWidth: document.documentElement.scrollWidth,
            problems: controls.filter((e) => e.offsetParent !== null).flatMap((e) => {
              const r = e.getBoundingClientRect();
              const out = [];
              if (!name(e)) out.push(`${e.id || e.tagName} has no accessible name`);
              if (r.left < 0 || r.right > width + 0.5) out.push(`${e.id || e.tagName} sticks out: ${r.left}..${r.right}`);
              if (r.width < 24 || r.height < 24) out.push(`${e.id || e.tagName} is too small to touch: ${r.width}×${r.height}`);
              return out;
            }),
          };
        });
        assert.ok(report.scrollWidth <= report.width, `page is ${report.scrollWidth} px wide on a ${report.width} px screen`);
        assert.deepEqual(report.problems, []);
        await screenshot(phone.page, 'player-phone.png');
        // Reachable: the controls below the fold work after scrolling.
        await phone.page.getByRole('button', { name: 'Back 10 seconds' }).tap();
        await waitForBadge(phone.page, /^DVR /);
        await phone.page.getByRole('button', { name: 'Go to live' }).tap();
        await waitForBadge(phone.page, /^LIVE$/);
        await phone.page.getByRole('button', { name: 'Download MP4' }).scrollIntoViewIfNeeded();
        assert.ok(await phone.page.getByRole('button', { name: 'Download MP4' }).isVisible());
        // The grid at phone size: one column, no overflow.
        await phone.page.getByRole('button', { name: 'All cameras' }).tap();
        await phone.page.locator('.tile').nth(1).waitFor({ timeout: 10000 });
        assert.ok(await phone.page.evaluate(() => document.documentElement.scrollWidth <= document.documentElement.clientWidth));
      } finally {
        await phone.page.close();
      }
      assert.deepEqual(problems.pageErrors, []);
      assert.deepEqual(problems.foreignRequests, []);
    }));

  test('in the grid only the tiles on screen play', { timeout: 60000 }, () => withLauncherLog(launcher, async () => {
    // So short that the two tiles, one above the other, are never on screen together.
    const small = await openPage(browser, launcher.url, '', { viewport: { width: 390, height: 150 } });
    try {
      const playing = (name) => small.page.evaluate((n) => {
        const v = document.querySelector(`.tile[data-camera="${n}"] video`);
        return Boolean(v && v.currentSrc && !v.paused && v.currentTime > 0.5);
      }, name);
      await waitFor('cam1, on screen, to play', () => playing('cam1'), 30000, 200);
      assert.equal(await playing('cam2'), false, 'cam2, below the screen, does not play');
      await small.page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
      await waitFor('cam2, scrolled into view, to play', () => playing('cam2'), 30000, 200);
      await waitFor('cam1, scrolled away, to stop', async () => !(await playing('cam1')), 10000, 200);
    } finally {
      await small.page.close();
    }
  }));

  test('after a restart of the launcher the timeline shows the gap', { timeout: 120000 }, () => withLauncherLog(launcher, async () => {
    await page.close();
    const stoppedAt = Date.now();
    await launcher.stop({ keepFiles: true });
    // Down for a few seconds, so that the gap is plainly longer than the
    // clock's wobble between segments.
    await sleep(4000);
    restarted = await startLauncher(PRESET, { storage: launcher.storage });
    // And recording long enough again that the picture after the gap is well behind live.
    const gap = await waitFor('the API to list the gap, and 15 s recorded after it', async () => {
      const c = await recorded(restarted);
      const last = c && c.gaps.length ? c.gaps[c.gaps.length - 1] : null;
      return last && c.end - Date.parse(last.end) >= 15000 ? last : null;
    }, 60000, 500);
    ({ page } = await openPage(browser, restarted.url, '#cam=cam1'));
    await withLauncherLog(restarted, async () => {
      await waitForBadge(page, /^LIVE$/, 30000);
      const hole = page.locator('#timeline .tl-gap');
      await hole.first().waitFor({ timeout: 10000 });
      const shown = { start: Date.parse(await hole.last().getAttribute('data-start')), end: Date.parse(await hole.last().getAttribute('data-end')) };
      assert.deepEqual(shown, { start: Date.parse(gap.start), end: Date.parse(gap.end) });
      assert.ok(Math.abs(shown.start - stoppedAt) < 5000, 'the gap starts when the launcher stopped');
      assert.ok(shown.end - shown.start >= 3000, 'and lasts as long as it was down');
      const box = await boxOf(hole.last(), 'the gap');
      assert.ok(box.width >= 1, 'the gap is visible');
      assert.match(await hole.last().getAttribute('title'), /^Nothing recorded from \d\d:\d\d:\d\d to \d\d:\d\d:\d\d$/);
      await screenshot(page, 'player-gap.png');

      // Clicking inside the gap lands on the first picture after it.
      const track = await page.locator('#timeline .tl-track').boundingBox();
      await page.mouse.click(box.x + box.width / 2, track.y + track.height / 2);
      await waitForBadge(page, /^DVR /);
      await waitForSeekDone(page);
      const view = await readView(page);
      assert.ok(view.clock >= shown.end - 500 && view.clock <= shown.end + SEGMENT_S * 1000 + 2000,
        `shown ${new Date(view.clock).toISOString()}, the gap ends ${new Date(shown.end).toISOString()}`);
    });
  }));
});
