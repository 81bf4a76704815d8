// 7. Load: many viewers, each reloading a camera's live playlist every 2 s
// and fetching its new segments, against the launcher and against nginx
// (docs/nginx.conf) serving the same folder while the launcher records; then
// the faults each server survives. Loopback only, bounded in viewers and time.
import { Agent, request } from 'node:http';
import path from 'node:path';
import { LauncherRun } from './recorders.mjs';
import { startNginx } from './http.mjs';
import { stop, sleep, tail } from './proc.mjs';
import { percentile, f, table } from './report.mjs';
import { freshGet, halfSent } from '../../tests/lib/hostile-clients.mjs';

const RELOAD_MS = 2000;

function get(agent, port, urlPath, timeoutMs = 5000) {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const req = request({ host: '127.0.0.1', port, path: urlPath, agent, timeout: timeoutMs }, (res) => {
      const chunks = [];
      res.on('data', (d) => chunks.push(d));
      res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks), ms: performance.now() - t0 }));
      res.on('error', () => resolve({ status: 0, ms: performance.now() - t0 }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve({ status: 0, ms: performance.now() - t0 }));
    req.end();
  });
}

// One viewer: its own address (viewers are different hosts), one kept-alive
// connection, a playlist reload every 2 s and each segment it has not had.
async function viewer(port, camera, address, until, stats) {
  const agent = new Agent({ keepAlive: true, maxSockets: 1, localAddress: address });
  const had = new Set();
  await sleep(Math.random() * RELOAD_MS);
  while (Date.now() < until) {
    const began = Date.now();
    const pl = await get(agent, port, `/hls/${camera}/live.m3u8`);
    stats.record(pl);
    if (pl.status === 200) {
      const names = pl.body.toString().split('\n').filter((l) => l && !l.startsWith('#'));
      // A new viewer starts at the live edge, as a player does.
      const wanted = had.size ? names.filter((n) => !had.has(n)) : names.slice(-1);
      for (const n of wanted) {
        had.add(n);
        stats.record(await get(agent, port, `/hls/${camera}/${n}`));
      }
    }
    await sleep(Math.max(0, began + RELOAD_MS - Date.now()));
  }
  agent.destroy();
}

class Stats {
  constructor() { this.ms = []; this.errors = 0; this.from = Date.now(); }
  record(r) {
    this.ms.push(r.ms);
    if (r.status !== 200) this.errors++;
  }
  row(name, viewers, lost) {
    const seconds = (Date.now() - this.from) / 1000;
    return [name, viewers, f(this.ms.length / seconds, 0), f(percentile(this.ms, 50), 1), f(percentile(this.ms, 99), 1), this.errors, lost];
  }
}

// A fault against a server: is a fresh client (from 127.0.0.1) answered
// within 1 s during it and after it, and how long until the fault's
// connections were all closed.
async function fault(port, name, make) {
  const begin = Date.now();
  const load = await make(port);
  const during = await freshGet(port, '/hls/c01/live.m3u8', { timeoutMs: 1000 }).then((r) => `${r.status}, ${r.ms} ms`, () => 'no answer in 1 s');
  const closed = await Promise.race([load.closed().then(() => `${f((Date.now() - begin) / 1000, 1)} s`), sleep(30000).then(() => 'not within 30 s')]);
  load.destroy();
  await sleep(200);
  const after = await freshGet(port, '/hls/c01/live.m3u8', { timeoutMs: 1000 }).then((r) => `${r.status}, ${r.ms} ms`, () => 'no answer in 1 s');
  return [name, during, after, closed];
}

const FAULTS = [
  ['1,000 half-sent requests from one address', (port) => halfSent(port, 1000, { localAddress: '127.0.0.2' })],
  ['1,000 half-sent requests from 100 addresses', async (port) => {
    const parts = await Promise.all(Array.from({ length: 100 }, (_, i) => halfSent(port, 10, { localAddress: `127.0.1.${i + 1}` })));
    return { closed: () => Promise.all(parts.map((p) => p.closed())), destroy: () => parts.forEach((p) => p.destroy()) };
  }],
  ['20 requests with 70 KB of header', (port) => halfSent(port, 20, { localAddress: '127.0.0.3', text: `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'e'.repeat(70000)}\r\n\r\n` })],
];

export async function loadSection(ctx, mock) {
  const { cameras, viewers, seconds } = ctx.cfg.load;
  const rec = new LauncherRun(ctx, cameras, mock, path.join(ctx.work, 'load'));
  let nginx = null;
  const loadRows = [];
  const faultRows = [];
  try {
    await rec.start();
    const started = await rec.waitFirstSegments(20000 + 500 * cameras);
    if (started < cameras) throw new Error(`only ${started} of ${cameras} cameras started: ${tail(rec.log, 5)}`);
    await sleep(3000);
    nginx = await startNginx(ctx, rec.storage);
    const servers = [{ name: 'dvr-launcher', port: rec.port }, { name: 'nginx', port: nginx.port }];
    for (const s of servers) {
      ctx.say(`load: ${viewers} viewers on ${s.name}, ${seconds} s`);
      const stats = new Stats();
      const until = Date.now() + seconds * 1000;
      const before = rec.account().lost;
      await Promise.all(Array.from({ length: viewers }, (_, i) =>
        viewer(s.port, `c${String((i % cameras) + 1).padStart(2, '0')}`, `127.0.${2 + Math.floor(i / 250)}.${(i % 250) + 1}`, until, stats)));
      loadRows.push(stats.row(s.name, viewers, rec.account().lost - before));
    }
    for (const [name, make] of FAULTS) {
      for (const s of servers) {
        ctx.say(`load: ${name} on ${s.name}`);
        faultRows.push([s.name, ...(await fault(s.port, name, make))]);
      }
    }
  } finally {
    if (nginx) await stop(nginx.proc, 'SIGQUIT', 5000);
    if (rec.procs.length) await rec.stop();
  }
  const account = rec.account();
  rec.removeRecordings();
  ctx.emit({
    id: 'load',
    title: '7. Load held, faults survived',
    intro:
      `${viewers} viewers, each from its own loopback address with one kept-alive connection, reload a camera's live ` +
      `playlist every 2 s and fetch each new segment, for ${seconds} s against the launcher (default [server] limits) ` +
      `and then against nginx with \`docs/nginx.conf\` serving the same folder, while the launcher records ${cameras} ` +
      'mock cameras. Then each fault is made against each server while a fresh client asks for a playlist.',
    table: table(['server', 'viewers', 'requests/s', 'latency p50 ms', 'latency p99 ms', 'errors', 'segments lost'], loadRows),
    extra:
      `Faults survived (a fresh client from 127.0.0.1, status and time; "closed": until the server had closed every ` +
      `connection of the fault):\n\n${table(['server', 'fault', 'fresh client during', 'fresh client after', 'closed'], faultRows)}\n\n` +
      `Over the whole run ${account.listed} segments were listed and **${account.lost}** lost.`,
    meaning:
      'Both servers share two cores with the viewers (one Node process driving all of them), the cameras and the ' +
      'recorder, so the latencies are mostly the load generator waiting for a core: the comparison is the point. ' +
      'Both close half-sent requests at their 10 s header timeout. From one address the launcher holds its max-connections-per-client of them and ' +
      'answers the rest 503 at once; nginx\'s limit_conn counts only requests whose header has arrived, so it holds ' +
      'every one of them until its timeout.',
  });
  return { lost: account.lost };
}
