// A banner on a camera whose recording is losing history to its disk: full,
// unwritable, or too small for the retention configured. Pure text from an
// /api/cameras entry (tested in node), and one function to show it.

// "13 s", "10 min", "2.5 h", "3 days".
export function formatSpan(seconds) {
  const s = Math.max(0, Math.round(seconds));
  if (s < 120) return `${s} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  if (s < 172800) return `${Math.round(s / 360) / 10} h`;
  return `${Math.round(s / 8640) / 10} days`;
}

function formatBytes(bytes) {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = bytes;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u += 1;
  }
  return u === 0 ? `${v} bytes` : `${v.toFixed(1)} ${units[u]}`;
}

const UNWRITABLE = {
  'read-only': 'its filesystem is read-only',
  'folder-missing': 'its recording folder is missing',
  'io-error': 'the disk reports I/O errors',
  error: 'its recording folder cannot be written',
};

// The banner's words, or null when the disk is no concern.
export function storageBannerText(camera) {
  const storage = camera && camera.storage;
  if (!storage) return null;
  const held = Number(storage.retention_held) || 0;
  const configured = Number(storage.retention_configured) || 0;
  const keeps = configured > 0
    ? `it keeps ${formatSpan(held)} of the ${formatSpan(configured)} configured`
    : `it keeps ${formatSpan(held)}`;
  if (storage.state === 'full') {
    return `Disk full: ${camera.name} records on by overwriting its oldest footage; ${keeps}. ` +
      'Free space on the disk or lower the window.';
  }
  if (UNWRITABLE[storage.state]) {
    return `Not recording ${camera.name}: ${UNWRITABLE[storage.state]}.`;
  }
  // Far below the configured retention, and the disk will not hold the rest.
  if (configured > 0 && held < configured / 2 && camera.bitrate > 0 && storage.free_bytes != null) {
    const needed = (camera.bitrate / 8) * (configured - held);
    const reclaimed = storage.dropped && storage.dropped.reclaimed > 0;
    if (reclaimed && storage.free_bytes < needed) {
      return `The disk is too small for ${camera.name}'s window: ${keeps}, ` +
        `${formatBytes(storage.free_bytes)} free, about ${formatBytes(needed)} more needed.`;
    }
  }
  return null;
}

// Shows or hides element with the banner for camera.
export function renderStorageBanner(element, camera) {
  if (!element) return;
  const text = storageBannerText(camera);
  element.hidden = !text;
  if (element.textContent !== (text || '')) element.textContent = text || '';
}
