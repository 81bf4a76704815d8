// The one place that says what serves the archive to the archive browser
// tests: the fixture (tests/lib/archive-fixture.mjs), which keeps to the
// archive contract over the history of tests/lib/archive-history.mjs. To run
// the same tests against the launcher, start it here over a folder made from
// the same plan and return the same shape:
//   { url, camera, plan: { start, windowS, gaps }, log(), stop() }
import { startArchiveFixture } from './archive-fixture.mjs';

export const ARCHIVE_WINDOW_S = 600;

export function startArchiveServer() {
  return startArchiveFixture({ windowS: ARCHIVE_WINDOW_S, days: 3 });
}
