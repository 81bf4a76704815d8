// A small tmpfs the test mounts itself, to fill up and free again. Mounting
// needs root (or CAP_SYS_ADMIN): without it, mountSmallDisk says why, and the
// test skips with that reason.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// Returns { path, fill(leaveBytes), free(), freeBytes(), unmount() } or { whyNot }.
// readOnly: mounted read-only (with a folder `storage` made before).
export function mountSmallDisk(size = '3m', { readOnly = false } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'dvr-disk-'));
  const path = join(dir, 'disk');
  mkdirSync(path);
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', path], { stdio: 'pipe' });
    if (readOnly) {
      mkdirSync(join(path, 'storage'));
      execFileSync('mount', ['-o', 'remount,ro', path], { stdio: 'pipe' });
    }
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    const said = String(e.stderr || e.message).trim();
    return { whyNot: `cannot mount a tmpfs (${said}): the full-disk tests need root, or CAP_SYS_ADMIN in a container` };
  }
  const filler = join(path, 'filler');
  const freeBytes = () => {
    const s = statfsSync(path);
    return s.bavail * s.bsize;
  };
  return {
    path,
    freeBytes,
    // Fills the disk with a file of another program's, but for about leaveBytes.
    fill(leaveBytes = 0) {
      const size = Math.max(0, freeBytes() - leaveBytes);
      try {
        writeFileSync(filler, Buffer.alloc(size));
      } catch (e) {
        if (e.code !== 'ENOSPC') throw e;  // as full as it gets
      }
    },
    // Space back: the other program's file goes.
    free() {
      rmSync(filler, { force: true });
    },
    unmount() {
      try {
        execFileSync('umount', ['-l', path], { stdio: 'pipe' });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
