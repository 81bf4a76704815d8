// The player page in headless Chromium (playwright-core), as the browser
// tests look at it: what it shows, whether the video moves, and failures that
// carry the launcher's output.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { waitFor } from './launcher.mjs';

const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

export async function launchBrowser() {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--autoplay-policy=no-user-gesture-required'],
  });
}

// Opens the page and records everything a person (or a bug) would notice:
// page errors, and any request that does not go to the launcher.
// contextOptions go to browser.newContext (viewport, httpCredentials, acceptDownloads).
export async function openPage(browser, base, hash = '#cam=cam1', contextOptions = {}) {
  const context = await browser.newContext({ viewport: { width: 1000, height: 760 }, ...contextOptions });
  const page = await context.newPage();
  const problems = { pageErrors: [], foreignRequests: [] };
  page.on('pageerror', (e) => problems.pageErrors.push(e.message));
  page.on('request', (r) => {
    // data: and the blob: URLs of the page's own MediaSource never leave the browser.
    const local = r.url().startsWith('data:') || r.url().startsWith(`blob:${base}`);
    if (!r.url().startsWith(base) && !local) problems.foreignRequests.push(r.url());
  });
  page.on('close', () => context.close().catch(() => {}));
  await page.goto(`${base}/${hash}`);
  return { page, problems };
}

// What the single-camera view shows, plus the playhead of its <video>.
export function readView(page) {
  return page.evaluate(() => {
    const video = document.querySelector('#single-view video');
    const player = window.dvrPlayer;
    const seekable = player && player.seekable();
    const clock = document.getElementById('clock');
    const message = document.getElementById('message');
    return {
      badge: document.getElementById('badge').textContent.trim(),
      source: document.getElementById('badge').dataset.source || '',
      src: player ? player.currentSrc() : '',
      clock: clock.getAttribute('datetime') ? Date.parse(clock.getAttribute('datetime')) : null,
      message: message.hidden ? '' : message.textContent.trim(),
      currentTime: video.currentTime,
      paused: video.paused,
      seeking: video.seeking,
      seekableStart: seekable && seekable.length ? seekable.start(0) : null,
      seekableEnd: seekable && seekable.length ? seekable.end(0) : null,
    };
  });
}

// Playing means the playhead moves between two reads, not just "not paused".
export async function waitForPlaying(page, what, timeoutMs = 20000) {
  const first = await readView(page);
  await page.waitForFunction((t) => {
    const video = document.querySelector('#single-view video');
    return !video.paused && !video.seeking && video.currentTime > t + 0.5;
  }, first.currentTime, { timeout: timeoutMs, polling: 100 }).catch(async (e) => {
    throw new Error(`${what}: video not advancing (${JSON.stringify(await readView(page))}): ${e.message}`);
  });
}

export async function waitForBadge(page, pattern, timeoutMs = 15000) {
  await page.waitForFunction((source) => new RegExp(source).test(
    document.getElementById('badge').textContent.trim()), pattern.source, { timeout: timeoutMs, polling: 100 })
    .catch(async (e) => {
      throw new Error(`badge never matched ${pattern} (${JSON.stringify(await readView(page))}): ${e.message}`);
    });
}

export async function waitForSeekDone(page) {
  await page.waitForFunction(() => !document.querySelector('#single-view video').seeking, null,
    { timeout: 15000, polling: 100 });
}

// Waits until the picture shown is from around wall time `target` (ms).
export async function waitForClockNear(page, target, slackMs, what, timeoutMs = 20000) {
  await page.waitForFunction(([t, slack]) => {
    const c = document.getElementById('clock').getAttribute('datetime');
    return c && Math.abs(Date.parse(c) - t) <= slack;
  }, [target, slackMs], { timeout: timeoutMs, polling: 100 }).catch(async (e) => {
    throw new Error(`${what}: the clock never came near ${new Date(target).toISOString()} (${JSON.stringify(await readView(page))}): ${e.message}`);
  });
}

const pad2 = (n) => String(n).padStart(2, '0');

// "2026-12-06 14:32:00" for a local time, as a person types it.
export function typed(ms) {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())} ${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}`;
}

// Types a time into "Go to time" and presses Go.
export async function goTo(page, text) {
  await page.getByLabel('Go to time').fill(text);
  await page.getByRole('button', { name: 'Go', exact: true }).click();
}

export async function screenshot(page, name) {
  if (process.env.PLAYER_SCREENSHOTS) await page.screenshot({ path: join(process.env.PLAYER_SCREENSHOTS, name) });
}

// Parses "DVR -01:05" (or "-1:02:03", or "-2d 03:04:05") into seconds behind live.
export function behindSeconds(badge) {
  const days = badge.match(/^DVR -(\d+)d (\d{2}):(\d{2}):(\d{2})$/);
  if (days) return ((Number(days[1]) * 24 + Number(days[2])) * 60 + Number(days[3])) * 60 + Number(days[4]);
  const m = badge.match(/^DVR -(?:(\d+):)?(\d{2}):(\d{2})/);
  assert.ok(m, `badge "${badge}" does not read DVR -mm:ss`);
  return Number(m[1] || 0) * 3600 + Number(m[2]) * 60 + Number(m[3]);
}

// Failures carry the launcher's (and other servers') output: most player
// failures start there.
export async function withLogs(servers, fn) {
  try {
    await fn();
  } catch (e) {
    for (const [name, server] of Object.entries(servers)) {
      e.message += `\n--- ${name} output (last 4000 chars) ---\n${server.log().slice(-4000)}`;
    }
    throw e;
  }
}

export const withLauncherLog = (launcher, fn) => withLogs({ launcher }, fn);

// The live playlist as the player gets it: null while it does not exist (404).
export async function fetchPlaylist(base, camera = 'cam1', init = {}) {
  const response = await fetch(`${base}/hls/${camera}/live.m3u8`, { cache: 'no-store', ...init });
  if (response.status === 404) return null;
  assert.equal(response.status, 200, `playlist answered HTTP ${response.status}`);
  const text = await response.text();
  const durations = [...text.matchAll(/^#EXTINF:([\d.]+)/gm)].map((m) => Number(m[1]));
  const dates = [...text.matchAll(/^#EXT-X-PROGRAM-DATE-TIME:(.+)$/gm)].map((m) => Date.parse(m[1].trim()));
  return { text, seconds: durations.reduce((a, b) => a + b, 0), segments: durations.length, dates, durations };
}

// The camera as /api/cameras gives it, with its recorded range in ms (start,
// end); null before anything is recorded. init: fetch options (credentials).
export async function recorded(server, name = 'cam1', init = {}) {
  const cameras = await (await fetch(`${server.url}/api/cameras`, init)).json();
  const c = cameras.find((x) => x.name === name);
  if (!c || !c.range) return null;
  return { ...c, start: Date.parse(c.range.start), end: Date.parse(c.range.end) };
}

// Waits until the camera has this much recorded, so that a position in the
// window can be well behind live.
export function recordedFor(server, ms, { name = 'cam1', init = {} } = {}) {
  return waitFor(`${ms / 1000} s recorded`, async () => {
    const c = await recorded(server, name, init);
    return c && c.end - c.start >= ms ? c : null;
  }, 90000, 1000);
}

// "14:32:05" (or "14:32") into seconds since midnight.
export function clockSeconds(text) {
  const [h, m, s = 0] = text.split(':').map(Number);
  return (h * 60 + m) * 60 + s;
}

// A clock time as the page reads it, in the browser's time zone.
export function clockText(page, ms) {
  return page.evaluate((t) => {
    const d = new Date(t);
    return [d.getHours(), d.getMinutes(), d.getSeconds()].map((n) => String(n).padStart(2, '0')).join(':');
  }, ms);
}

// The box of an element the page redraws now and then (the timeline's gaps):
// between finding it and measuring it, the element may have been replaced, and
// a replaced one has no box. Waits for one that has.
export async function boxOf(locator, what, timeoutMs = 5000) {
  return waitFor(`${what} to be on screen`, () => locator.boundingBox(), timeoutMs, 50);
}
