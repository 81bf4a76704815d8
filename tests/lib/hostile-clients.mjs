// Clients that misbehave on purpose, and the well-behaved one that must still
// be answered: shared by the tests of the server under hostile load.
import { connect } from 'node:net';
import { request } from 'node:http';

// One new connection (never a kept-alive one), one GET; resolves with
// { status, headers, body, ms } or rejects after timeoutMs.
export function freshGet(port, path, { localAddress = '127.0.0.1', headers = {}, timeoutMs = 1000 } = {}) {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const req = request({ host: '127.0.0.1', port, path, localAddress, headers, agent: false, timeout: timeoutMs },
      (res) => {
        const chunks = [];
        res.on('data', (d) => chunks.push(d));
        res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks),
          ms: Date.now() - started }));
        res.on('error', reject);
      });
    req.on('timeout', () => req.destroy(new Error(`no answer to ${path} within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}

// n connections from localAddress that each send text and then nothing.
// Resolves once all are connected with { sockets, closed() }: closed()
// resolves when every one has been closed by the server, with each one's
// time from connecting to its close (ms) and what the server wrote to it.
export async function halfSent(port, n, { localAddress = '127.0.0.2', text = 'GET /api/cameras HTTP/1.1\r\nHost: x\r\n' } = {}) {
  const entries = await Promise.all(Array.from({ length: n }, () => new Promise((resolve, reject) => {
    const sock = connect({ port, host: '127.0.0.1', localAddress });
    const entry = { sock, data: '', connectedAt: 0, closedAt: 0 };
    entry.done = new Promise((r) => sock.on('close', () => { entry.closedAt = Date.now(); r(); }));
    sock.on('data', (d) => { entry.data += d.toString('latin1'); });
    sock.on('error', () => {});
    sock.once('connect', () => { entry.connectedAt = Date.now(); sock.write(text); resolve(entry); });
    sock.once('error', reject);
  })));
  return {
    sockets: entries.map((e) => e.sock),
    async closed() {
      await Promise.all(entries.map((e) => e.done));
      return entries.map((e) => ({ heldMs: e.closedAt - e.connectedAt, data: e.data }));
    },
    destroy() { for (const e of entries) e.sock.destroy(); },
  };
}

// Every camera still records, with no gap in its recording and its newest
// segment no older than maxAgeMs: nothing was lost to the load.
export async function assertRecordingWhole(assert, port, { headers = {}, maxAgeMs = 4000 } = {}) {
  const r = await freshGet(port, '/api/cameras', { headers, timeoutMs: 2000 });
  assert.equal(r.status, 200);
  for (const cam of JSON.parse(r.body.toString())) {
    assert.equal(cam.state, 'recording', `${cam.name} is ${cam.state}`);
    assert.equal(cam.reconnects, 0, `${cam.name} was restarted`);
    assert.deepEqual(cam.gaps, [], `${cam.name} has a gap in its recording`);
    assert.ok(cam.range, `${cam.name} has recorded nothing`);
    const age = Date.now() - Date.parse(cam.range.end);
    assert.ok(age < maxAgeMs, `${cam.name}'s newest footage is ${age} ms old`);
  }
}
