// 8. Capacity: the largest number of 4 Mbit/s cameras (dvr-mock-camera's
// 1080p main stream at its default 4000 kbit/s) that one recorder takes on
// this machine with zero segments lost, found by raising the count until the
// first loss; the launcher with its own RTSP source, the launcher with
// rtspsrc, and one ffmpeg process per camera.
import path from 'node:path';
import { LauncherRun, FfmpegRun, measure } from './recorders.mjs';
import { f, table } from './report.mjs';

const startTimeout = (n) => 20000 + 500 * n;

export async function capacitySection(ctx, mock) {
  const { counts, seconds } = ctx.cfg.capacity;
  const recorders = [
    ['dvr-launcher (lean)', (n, dir) => new LauncherRun(ctx, n, mock, dir)],
    ['dvr-launcher ingest=rtspsrc', (n, dir) => new LauncherRun(ctx, n, mock, dir, { ingest: 'rtspsrc' })],
    ['ffmpeg ×N', (n, dir) => new FfmpegRun(ctx, n, mock, dir)],
  ];
  const rows = [];
  const held = {};
  for (const [name, make] of recorders) {
    let best = null;
    let failed = null;
    for (const n of counts) {
      const run = make(n, path.join(ctx.work, `capacity-${n}`));
      ctx.say(`capacity: ${n} camera(s), ${name}, ${seconds} s`);
      const r = await measure(run, { seconds, startTimeoutMs: startTimeout(n) });
      run.removeRecordings();
      const lost = r.account.lost;
      const why = [
        r.started < n ? `${n - r.started} camera(s) never listed a segment` : '',
        lost > 0 ? `${lost} segment(s) lost` : '',
        r.died ? 'a process died' : '',
      ].filter(Boolean).join(', ');
      if (why) {
        failed = { n, why };
        break;
      }
      best = { n, cpu: r.cpuCores, mock: r.mockCores };
    }
    held[name] = best ? best.n : 0;
    rows.push([
      name,
      best ? String(best.n) : `fewer than ${counts[0]}`,
      failed ? `${failed.n}: ${failed.why}` : `none up to ${counts.at(-1)} (the most tried)`,
      best ? f(best.cpu * 100, 0) : '',
      best ? f(best.mock * 100, 0) : '',
    ]);
  }
  ctx.emit({
    id: 'capacity',
    title: '8. Capacity: 4 Mbit/s cameras with zero segments lost',
    intro: `Counts tried: ${counts.join(', ')}, each recorded for ${seconds} s after every camera listed its first segment. ` +
      'The mock camera serving every stream runs on the same 2 cores, so its CPU (last column) is taken from what the ' +
      'recorders could use; the figures are a floor for a machine that only records.',
    table: table(['recorder', 'most cameras, 0 lost', 'first count with a loss', 'recorder CPU there, % of a core',
      'mock camera CPU there, %'], rows),
    meaning: `One dvr-launcher held ${held['dvr-launcher (lean)']} cameras, ${held['dvr-launcher ingest=rtspsrc']} with ` +
      `rtspsrc, and ffmpeg (one process a camera) ${held['ffmpeg ×N']}.`,
  });
  return held;
}
