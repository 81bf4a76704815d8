// The system clock of a launcher under libfaketime, set by the test as it
// runs: the launcher reads the timestamp file on every clock reading, and its
// monotonic clock runs on untouched, as it does when NTP or a person steps
// the clock of a real machine.
import { existsSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const LIBFAKETIME = '/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1';

// For node:test's skip option: false, or why the clock-step tests cannot run.
export const faketimeMissing = !existsSync(LIBFAKETIME) && 'libfaketime is not installed (Debian: faketime)';

// spec: libfaketime's, e.g. '+0', '-3600', '+0 x1.0005', '@1970-01-02 00:00:00'.
// Returns { env, set(spec), remove() }: env goes to startLauncher.
export function fakeClock(spec = '+0') {
  const dir = mkdtempSync(join(tmpdir(), 'dvr-clock-'));
  const file = join(dir, 'faketime');
  // Replaced whole, so that a reading never sees half a spec.
  const set = (next) => {
    writeFileSync(`${file}.tmp`, `${next}\n`);
    renameSync(`${file}.tmp`, file);
  };
  set(spec);
  return {
    env: {
      LD_PRELOAD: LIBFAKETIME, FAKETIME_TIMESTAMP_FILE: file, FAKETIME_NO_CACHE: '1',
      FAKETIME_DONT_FAKE_MONOTONIC: '1',
    },
    set,
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
