// A full disk under the launcher: both cameras keep recording over the oldest
// footage, the log says it once and says when space is back, and the API and
// /metrics show it meanwhile. On a small tmpfs the test mounts itself.
//
//   node --test tests/http/full-disk.test.mjs   (as root, after meson compile -C build)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startLauncher, waitFor, sleep, testCameraSection } from '../lib/launcher.mjs';
import { mountSmallDisk } from '../lib/small-disk.mjs';

const preset = '[dvr]\nsegment-duration = 1\nwindow = 600\n' +
  testCameraSection('cam1', 'ball') + testCameraSection('cam2', 'ball');

async function cameras(launcher) {
  const list = await (await fetch(`${launcher.url}/api/cameras`)).json();
  return Object.fromEntries(list.map((c) => [c.name, c]));
}

function metric(text, name, labels) {
  for (const line of text.split('\n')) {
    if (line.startsWith(`${name}{${labels}}`)) return Number(line.split(' ').pop());
  }
  return undefined;
}

test('a full disk: recording goes on over the oldest footage, and the log, API and metrics say so', async (t) => {
  const disk = mountSmallDisk('3m');
  if (disk.whyNot) return t.skip(disk.whyNot);
  const storage = join(disk.path, 'storage');
  let launcher;
  try {
    launcher = await startLauncher(preset, { storage });
    await waitFor('both cameras to record', async () => {
      const c = await cameras(launcher);
      return c.cam1.segments >= 2 && c.cam2.segments >= 2;
    });
    // Before: nothing to say.
    const calm = await cameras(launcher);
    assert.equal(calm.cam1.storage.state, 'ok');
    assert.equal(calm.cam1.storage.retention_configured, 600);
    assert.equal(calm.cam1.storage.dropped.reclaimed, 0);
    assert.equal(typeof calm.cam1.storage.free_bytes, 'number');

    disk.fill(60 * 1000);
    const fullLine = await waitFor('the full-disk line in the log', () =>
      launcher.log().match(/camera (cam[12]): warning: the disk holding (\S+) is full \([^)]*\): freed the oldest (\d+) segments \([^)]*\), footage now from (\S+); recording goes on/));
    assert.equal(fullLine[2], join(storage, fullLine[1]));

    // At a full disk for a while: both cameras record on, without a hole.
    const atFull = await cameras(launcher);
    await sleep(8000);
    const later = await cameras(launcher);
    for (const name of ['cam1', 'cam2']) {
      assert.ok(later[name].segments >= atFull[name].segments + 5, `${name} records on at a full disk`);
      assert.ok(later[name].gaps.length <= 1, `${name}: at most one hole, when the disk filled`);
      assert.equal(later[name].state, 'recording');
    }
    // Said once per camera and full disk, however long it stays full.
    for (const name of ['cam1', 'cam2']) {
      const lines = launcher.log().split('\n').filter((l) => l.includes(`camera ${name}: warning: the disk holding`));
      assert.ok(lines.length <= 1, `one line for ${name}: ${lines.join('\n')}`);
    }
    const full = Object.values(later).filter((c) => c.storage.state === 'full');
    assert.ok(full.length >= 1, 'a camera whose footage went shows the full disk');
    const reclaimed = later.cam1.storage.dropped.reclaimed + later.cam2.storage.dropped.reclaimed;
    assert.ok(reclaimed > 0, 'the freed segments are counted');
    for (const c of full) {
      assert.ok(c.storage.retention_held < 600);
      assert.ok(c.storage.free_bytes < 1024 * 1024);
      assert.ok(c.storage.full_since);
    }

    const metrics = await (await fetch(`${launcher.url}/metrics`)).text();
    assert.ok(metric(metrics, 'dvr_storage_free_bytes', `filesystem="${disk.path}"`) >= 0, metrics);
    assert.ok(metric(metrics, 'dvr_camera_retained_seconds', 'camera="cam1"') > 0);
    const droppedMetric = metric(metrics, 'dvr_camera_segments_dropped_total', 'camera="cam1",reason="reclaimed"') +
      metric(metrics, 'dvr_camera_segments_dropped_total', 'camera="cam2",reason="reclaimed"');
    assert.ok(droppedMetric > 0, metrics);
    assert.equal(metric(metrics, 'dvr_camera_segments_dropped_total', 'camera="cam1",reason="read-only"'), 0);

    // Space back: said, and recording goes on.
    disk.free();
    await waitFor('the space-back line in the log', () => /camera cam[12]: space is back in /.test(launcher.log()));
    const back = await waitFor('every camera ok again', async () => {
      const c = await cameras(launcher);
      return c.cam1.storage.state === 'ok' && c.cam2.storage.state === 'ok' ? c : null;
    });
    await sleep(3000);
    const after = await cameras(launcher);
    for (const name of ['cam1', 'cam2']) assert.ok(after[name].segments >= back[name].segments + 2);
    assert.equal(after.cam1.storage.full_since, null);
  } finally {
    if (launcher) await launcher.stop();
    disk.unmount();
  }
});

test('a read-only disk is said as such, not as a full one', async (t) => {
  const disk = mountSmallDisk('1m', { readOnly: true });
  if (disk.whyNot) return t.skip(disk.whyNot);
  let launcher;
  try {
    launcher = await startLauncher('[dvr]\nsegment-duration = 1\n' + testCameraSection('cam1', 'ball'),
      { storage: join(disk.path, 'storage') });
    const cam = await waitFor('the camera to fail', async () => {
      const c = (await cameras(launcher)).cam1;
      return c.state === 'error' ? c : null;
    });
    assert.equal(cam.storage.state, 'read-only');
    assert.match(cam.error, /[Rr]ead-only/);
    assert.match(launcher.log(), /camera cam1: warning: cannot write to \S+cam1: the filesystem is read-only/);
    assert.doesNotMatch(launcher.log(), /is full/);
    const metrics = await (await fetch(`${launcher.url}/metrics`)).text();
    assert.equal(metric(metrics, 'dvr_camera_storage_state', 'camera="cam1",state="read-only"'), 1);
    assert.equal(metric(metrics, 'dvr_camera_storage_state', 'camera="cam1",state="full"'), 0);
  } finally {
    if (launcher) await launcher.stop();
    disk.unmount();
  }
});
