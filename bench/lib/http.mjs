// 4. HTTP: wrk against the launcher and against nginx serving the same storage
// folder, while the launcher records.
import fs from 'node:fs';
import path from 'node:path';
import { LauncherRun } from './recorders.mjs';
import { start, stop, run, sleep, freePort, httpGet, which, tail } from './proc.mjs';
import { percentile, max, f, ratio, table } from './report.mjs';

// nginx with the project's own docs/nginx.conf, pointed at this storage folder and port.
export async function startNginx(ctx, storage) {
  const prefix = path.join(ctx.work, 'nginx');
  fs.mkdirSync(prefix, { recursive: true });
  const port = await freePort();
  let conf = fs.readFileSync(path.join(ctx.root, 'docs/nginx.conf'), 'utf8');
  conf = conf.replace(/listen\s+127\.0\.0\.1:\d+;/, `listen 127.0.0.1:${port};`).replace(/alias\s+\S+;/, `alias ${storage}/;`);
  if (!conf.includes(`127.0.0.1:${port}`) || !conf.includes(`alias ${storage}/;`)) throw new Error('docs/nginx.conf: no listen or alias line to point at the bench');
  const file = path.join(prefix, 'nginx.conf');
  fs.writeFileSync(file, conf);
  const log = path.join(prefix, 'stderr.log');
  const proc = start('nginx', ['-p', prefix, '-c', file, '-g', 'daemon off;'], { stdout: log, stderr: log });
  for (let i = 0; i < 100; i++) {
    const r = await httpGet(port, '/hls/');
    if (r.status) return { proc, port, conf: file };
    if ((await Promise.race([proc.exited, sleep(50)])) !== undefined) break;
  }
  await stop(proc);
  throw new Error(`nginx did not start: ${tail(log, 5)}`);
}

function parseWrk(text) {
  const num = (re) => {
    const m = text.match(re);
    return m ? Number(m[1]) : NaN;
  };
  const latency = (re) => {
    const m = text.match(re);
    if (!m) return NaN;
    const scale = { us: 0.001, ms: 1, s: 1000, m: 60000 }[m[2]];
    return Number(m[1]) * scale;
  };
  const transfer = text.match(/Transfer\/sec:\s+([\d.]+)(\w+)/);
  const unit = transfer ? { B: 1 / 1048576, KB: 1 / 1024, MB: 1, GB: 1024 }[transfer[2]] : NaN;
  const errors = text.match(/Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/);
  return {
    rps: num(/Requests\/sec:\s+([\d.]+)/),
    mibps: transfer ? Number(transfer[1]) * unit : NaN,
    p50: latency(/\n\s+50%\s+([\d.]+)(us|ms|s|m)\b/),
    p99: latency(/\n\s+99%\s+([\d.]+)(us|ms|s|m)\b/),
    non2xx: num(/Non-2xx or 3xx responses:\s+(\d+)/) || 0,
    socketErrors: errors ? errors.slice(1).reduce((a, b) => a + Number(b), 0) : 0,
  };
}

export async function httpSection(ctx, mock) {
  const missing = ['wrk', 'nginx'].filter((c) => !which(c));
  if (missing.length) {
    ctx.emit({ id: 'http', title: '4. HTTP', intro: `Not measured: ${missing.join(' and ')} not installed (Debian packages wrk, nginx-light).` });
    return null;
  }
  const { cameras, seconds, connections } = ctx.cfg.http;
  const rec = new LauncherRun(ctx, cameras, mock, path.join(ctx.work, 'http'));
  let nginx = null;
  const phases = [];
  const results = [];
  try {
    await rec.start();
    const started = await rec.waitFirstSegments(20000 + 500 * cameras);
    if (started < cameras) throw new Error(`only ${started} of ${cameras} cameras started: ${tail(rec.log, 5)}`);
    await sleep(3000);
    phases.push({ name: 'recording only', from: rec.watches[0].firstListedAt, to: Date.now() });
    nginx = await startNginx(ctx, rec.storage);
    const segment = rec.watches[0].firstSegment.name;
    const segmentBytes = fs.statSync(path.join(rec.folders[0], segment)).size;
    const targets = [
      { what: 'segment', url: `/hls/c01/${segment}` },
      { what: 'playlist', url: '/hls/c01/live.m3u8' },
    ];
    const servers = [
      { name: 'dvr-launcher', port: rec.port },
      { name: 'nginx', port: nginx.port },
    ];
    for (const t of targets) {
      for (const s of servers) {
        const check = await httpGet(s.port, t.url);
        if (check.status !== 200) throw new Error(`${s.name} answered ${check.status || check.error} for ${t.url}`);
      }
    }
    // A B A B: each server in turn on the same file.
    for (const t of targets) {
      for (const s of servers) {
        ctx.say(`http: wrk on ${s.name}, ${t.what}, ${seconds} s`);
        const from = Date.now();
        const r = await run('wrk', ['-t1', `-c${connections}`, `-d${seconds}s`, '--latency', '--timeout', '5s', `http://127.0.0.1:${s.port}${t.url}`]);
        const to = Date.now();
        phases.push({ name: `wrk on ${s.name}, ${t.what}`, from, to });
        if (r.code !== 0) throw new Error(`wrk failed: ${r.stderr.trim()}`);
        results.push({ server: s.name, what: t.what, ...parseWrk(r.stdout) });
      }
    }
    await sleep(1000);
    results.segmentBytes = segmentBytes;
  } finally {
    if (nginx) await stop(nginx.proc, 'SIGQUIT', 5000);
    if (rec.procs.length) await rec.stop();
  }
  const account = rec.account();
  rec.removeRecordings();

  const find = (server, what) => results.find((r) => r.server === server && r.what === what);
  const rows = results.map((r) => {
    const other = find(r.server === 'nginx' ? 'dvr-launcher' : 'nginx', r.what);
    return [
      r.what,
      r.server,
      f(r.rps, 0),
      r.server === 'dvr-launcher' ? ratio(r.rps, other?.rps) : '',
      f(r.mibps, 0),
      f(r.p50, 2),
      f(r.p99, 2),
      r.non2xx + r.socketErrors,
    ];
  });
  const wrkTable = table(['file', 'server', 'requests/s', 'vs nginx', 'MiB/s', 'latency p50 ms', 'latency p99 ms', 'errors'], rows);
  const p = (v) => (v.length ? `${f(percentile(v, 50), 0)} / ${f(percentile(v, 99), 0)} / ${f(max(v), 0)}` : '–');
  const phaseRows = phases.map((ph) => {
    const d = rec.delays(ph.from, ph.to);
    return [ph.name, d.renamed.length, p(d.renamed), p(d.ended)];
  });
  const phaseTable = table(['while', 'segments listed', 'rename → listed, ms p50 / p99 / max', 'last frame → listed, ms p50 / p99 / max'], phaseRows);
  const ls = find('dvr-launcher', 'segment');
  const ns = find('nginx', 'segment');
  ctx.emit({
    id: 'http',
    title: '4. HTTP',
    intro:
      `\`wrk -t1 -c${connections} -d${seconds}s --latency\` fetching one ${f(results.segmentBytes / 1048576, 2)} MiB segment, then the live ` +
      `playlist, from the launcher and from nginx (Debian's nginx-light with the project's \`docs/nginx.conf\`: one worker, ` +
      `sendfile) serving the same storage folder on another port, in turn, while the launcher records ${cameras} mock cameras. ` +
      'wrk, the server, the recorder and the camera server share the two cores.',
    table: wrkTable,
    extra:
      `Recording while wrk ran: segment listing delays of all ${cameras} cameras by phase; over the whole run ${account.listed} ` +
      `segments were listed and **${account.lost}** lost (media ${f((100 * account.recorded) / account.wall, 1)} % of wall time).\n\n${phaseTable}`,
    meaning:
      `On segments the launcher served ${ratio(ls?.rps, ns?.rps)} of nginx's requests per second (target: at least 0.50×). ` +
      'Both are bounded here by two cores shared with wrk itself, so these are lower bounds for either server; ' +
      'the comparison between them is the point. The second table shows whether serving slowed recording down: ' +
      'compare the listing delays under wrk with those while only recording.',
  });
  return { launcherSegmentRps: ls?.rps, nginxSegmentRps: ns?.rps, lost: account.lost };
}
