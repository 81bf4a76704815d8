// The archive browser tests' history, served by the real launcher: a camera
// folder written as the recorder writes it (day/hour folders, hour journals,
// the live journal listing the window), from the plan of archive-history.mjs,
// then a launcher that goes on recording a test camera into it. The segments
// the tests play are the fixture's real H.264 (each shows its second); the
// others, which the tests only see on the timeline, are empty files, so that
// three days cost a few MiB.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { historyPlan, SEGMENT_MS } from './archive-history.mjs';
import { Recording, retimed, slotFiles, SLOTS, FIXTURE_CAMERA } from './archive-fixture.mjs';
import { startLauncher, waitFor } from './launcher.mjs';
import { crc32, hourFolder } from './synth-archive.mjs';

const MINUTE = 60000;
const record = (payload) => `${payload} *${crc32(payload).toString(16).padStart(8, '0')}\n`;

// Where the tests look at the picture: the oldest footage (Home), yesterday
// afternoon (go to, hour boundary, timeline click, clip) and the last
// three quarters of an hour (the live window and just before it).
function played(plan, now) {
  const yesterday = new Date(now);
  yesterday.setDate(yesterday.getDate() - 1);
  const at = (h) => { const d = new Date(yesterday); d.setHours(h, 0, 0, 0); return d.getTime(); };
  return [
    { start: plan.start, end: plan.start + 20 * MINUTE },
    { start: at(12) + 30 * MINUTE, end: at(16) + 30 * MINUTE },
    { start: now - 45 * MINUTE, end: now + MINUTE },
  ];
}

export async function startArchiveLauncher({ windowS = 600, days = 3 } = {}) {
  const files = await slotFiles();
  const now = Date.now();
  const plan = historyPlan(now, { windowS, days });
  const rec = new Recording(plan);
  const zones = played(plan, now);
  const launcherDir = mkdtempSync(join(tmpdir(), 'dvr-archive-launcher-'));
  const folder = join(launcherDir, 'storage', FIXTURE_CAMERA);
  const journals = new Map();
  const windowFrom = rec.last(now) - Math.round(windowS * 1000 / SEGMENT_MS) + 1;
  const oldestHour = hourFolder(rec.first * SEGMENT_MS);
  let live = '';
  let sequence = 0;
  let discontinuities = 0;
  for (let i = rec.first; i <= rec.last(now); i++) {
    if (rec.inGap(i)) continue;
    const t = i * SEGMENT_MS;
    const hour = hourFolder(t);
    const name = `seg-${String(sequence).padStart(10, '0')}.ts`;
    if (!journals.has(hour)) {
      mkdirSync(join(folder, hour), { recursive: true });
      journals.set(hour, 'dvr-journal 1\n');
    }
    const path = join(folder, hour, name);
    let bytes = 0;
    if (zones.some((z) => t >= z.start && t < z.end)) {
      const data = retimed(files[i % SLOTS], rec.pts(i));
      writeFileSync(path, data);
      bytes = data.length;
    } else if (hour === oldestHour) {
      // The recorder and the server find the oldest footage still on disk
      // in the oldest hour, as retention leaves it: every file of it is there.
      writeFileSync(path, '');
    }
    const marked = rec.marked(i);
    const line = record(`S ${sequence} ${t * 1000} ${SEGMENT_MS * 1000} ${bytes} ${marked ? 1 : 0} ${hour}/${name}`);
    journals.set(hour, journals.get(hour) + line);
    if (i >= windowFrom) live += line;
    else if (marked) discontinuities++;
    sequence++;
  }
  for (const [hour, text] of journals) writeFileSync(join(folder, hour, 'index.journal'), text);
  writeFileSync(join(folder, 'index.journal'),
    'dvr-journal 1\n' + record(`H ${sequence - (live.match(/\n/g) || []).length} ${discontinuities}`) + live);
  const preset = `
[dvr]
segment-duration = 2
window = ${windowS}
retention = 0

[camera ${FIXTURE_CAMERA}]
source = test
pattern = ball
width = 320
height = 180
framerate = 10
bitrate = 200
`;
  const launcher = await startLauncher(preset, { storage: join(launcherDir, 'storage') });
  // The window then runs up to now: the camera goes on where the history ends.
  const synthesisedEnd = (rec.last(now) + 1) * SEGMENT_MS;
  await waitFor('the camera to record after the history', async () => {
    const [cam] = await (await fetch(`${launcher.url}/api/cameras`)).json();
    return cam.last_segment_at && Date.parse(cam.last_segment_at) > synthesisedEnd;
  }, 30000);
  return {
    url: launcher.url, camera: FIXTURE_CAMERA, plan: { ...plan, historyEnd: synthesisedEnd },
    log: () => launcher.log(),
    stop: async () => {
      await launcher.stop();
      rmSync(launcherDir, { recursive: true, force: true });
    },
  };
}
