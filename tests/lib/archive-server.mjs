// The one place that says what serves the archive to the archive browser
// tests: the launcher itself (tests/lib/archive-launcher.mjs) over a folder
// written from the history of tests/lib/archive-history.mjs, or, with
// DVR_ARCHIVE_SERVER=fixture, the node stand-in of tests/lib/archive-fixture.mjs
// that keeps to the same contract (handy when working on the page alone).
// Both return { url, camera, plan: { start, windowS, gaps }, log(), stop() }.
import { startArchiveFixture } from './archive-fixture.mjs';
import { startArchiveLauncher } from './archive-launcher.mjs';

export const ARCHIVE_WINDOW_S = 600;

export function startArchiveServer() {
  if (process.env.DVR_ARCHIVE_SERVER === 'fixture') return startArchiveFixture({ windowS: ARCHIVE_WINDOW_S, days: 3 });
  return startArchiveLauncher({ windowS: ARCHIVE_WINDOW_S, days: 3 });
}
