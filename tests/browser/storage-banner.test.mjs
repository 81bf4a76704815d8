// The storage banner's words, from /api/cameras entries (node only).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatSpan, storageBannerText } from '../../web/storage-banner.js';

const camera = (storage, extra = {}) => ({
  name: 'door', bitrate: 2000000,
  storage: {
    state: 'ok', free_bytes: 10e9, retention_held: 600, retention_configured: 600,
    dropped: { reclaimed: 0, 'no-space': 0, 'read-only': 0, 'folder-missing': 0, 'io-error': 0 }, ...storage,
  },
  ...extra,
});

test('no banner while the disk holds the window', () => {
  assert.equal(storageBannerText(camera({})), null);
  assert.equal(storageBannerText({ name: 'old launcher' }), null);
  // A camera that just started holds little, and that is no concern.
  assert.equal(storageBannerText(camera({ retention_held: 20 })), null);
});

test('a full disk says how much of the window is kept', () => {
  const text = storageBannerText(camera({ state: 'full', retention_held: 13, retention_configured: 600 }));
  assert.match(text, /^Disk full: door records on by overwriting its oldest footage; it keeps 13 s of the 10 min configured/);
});

test('an unwritable folder is not called full', () => {
  assert.match(storageBannerText(camera({ state: 'read-only' })), /Not recording door: its filesystem is read-only/);
  assert.match(storageBannerText(camera({ state: 'folder-missing' })), /recording folder is missing/);
  assert.match(storageBannerText(camera({ state: 'io-error' })), /I\/O errors/);
});

test('after a full disk, a window the free space cannot hold is said', () => {
  const small = camera({ retention_held: 100, free_bytes: 1e6, dropped: { reclaimed: 40 } });
  assert.match(storageBannerText(small), /disk is too small for door's window: it keeps 100 s of the 10 min configured/);
  // Room enough for the rest: the history grows back, nothing to say.
  assert.equal(storageBannerText(camera({ retention_held: 100, free_bytes: 1e12, dropped: { reclaimed: 40 } })), null);
});

test('spans read as a person says them', () => {
  assert.equal(formatSpan(13.4), '13 s');
  assert.equal(formatSpan(600), '10 min');
  assert.equal(formatSpan(3 * 3600), '3 h');
  assert.equal(formatSpan(7 * 86400), '7 days');
});
