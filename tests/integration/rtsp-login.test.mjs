// Logins and redirects as cameras do them, through dvr-launcher's default
// ingest: a front door (a few lines below, speaking RTSP by hand) offers
// Digest SHA-256 and MD5 with qop=auth, declares the first good answer's
// nonce stale, checks every answer by RFC 7616, then redirects to the camera
// itself (gst-rtsp-server). A stale nonce is not a refused login; a wrong
// password is, after one answer, without hammering the camera.
//
//   cd tests && node --test integration/rtsp-login.test.mjs    (about 15 s)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer } from 'node:net';
import { freePort, startLauncher, waitFor } from '../lib/launcher.mjs';
import { gstServer } from '../lib/rtsp-servers.mjs';

const USER = 'admin';
const PASSWORD = 'Front-d00r:pw@1';
const REALM = 'front door';

const sha256 = (s) => createHash('sha256').update(s).digest('hex');

function parseDigest(header) {
  if (!header.startsWith('Digest ')) return null;
  const out = {};
  for (const m of header.slice(7).matchAll(/(\w+)=("([^"]*)"|[^,\s]+)/g)) out[m[1]] = m[3] ?? m[2];
  return out;
}

// RFC 7616 3.4.1 with qop=auth.
function validAnswer(a, method) {
  if (!a || a.algorithm !== 'SHA-256' || a.qop !== 'auth' || a.realm !== REALM || a.username !== USER) return false;
  const ha1 = sha256(`${USER}:${REALM}:${PASSWORD}`);
  const ha2 = sha256(`${method}:${a.uri}`);
  return a.response === sha256(`${ha1}:${a.nonce}:${a.nc}:${a.cnonce}:auth:${ha2}`);
}

async function startFrontDoor(target) {
  const seen = [];
  const challenge = (cseq, nonce, stale = false) => `RTSP/1.0 401 Unauthorized\r\nCSeq: ${cseq}\r\n`
    + `WWW-Authenticate: Digest realm="${REALM}", nonce="${nonce}", qop="auth", algorithm=MD5${stale ? ', stale=true' : ''}\r\n`
    + `WWW-Authenticate: Digest realm="${REALM}", nonce="${nonce}", qop="auth", algorithm=SHA-256${stale ? ', stale=true' : ''}\r\n\r\n`;
  const server = createServer((sock) => {
    let buf = '';
    sock.on('error', () => {});
    sock.on('data', (d) => {
      buf += d.toString('latin1');
      let end;
      while ((end = buf.indexOf('\r\n\r\n')) >= 0) {
        const lines = buf.slice(0, end).split('\r\n');
        buf = buf.slice(end + 4);
        const [method] = lines[0].split(' ');
        const headers = {};
        for (const l of lines.slice(1)) headers[l.slice(0, l.indexOf(':')).toLowerCase()] = l.slice(l.indexOf(':') + 1).trim();
        const cseq = headers.cseq;
        const auth = headers.authorization ? parseDigest(headers.authorization) : null;
        const valid = validAnswer(auth, method);
        seen.push({ method, auth, valid });
        if (method !== 'DESCRIBE') {
          sock.write(`RTSP/1.0 200 OK\r\nCSeq: ${cseq}\r\nPublic: OPTIONS, DESCRIBE\r\n\r\n`);
        } else if (!auth || !valid) {
          sock.write(challenge(cseq, 'n1'));
        } else if (auth.nonce === 'n1') {
          sock.write(challenge(cseq, 'n2', true));
        } else {
          sock.write(`RTSP/1.0 302 Found\r\nCSeq: ${cseq}\r\nLocation: ${target}\r\n\r\n`);
        }
      }
    });
  });
  const port = await freePort();
  await new Promise((r) => server.listen(port, '127.0.0.1', r));
  return { port, seen, close: () => new Promise((r) => server.close(r)) };
}

const preset = (door, password) => `
[dvr]
segment-duration = 1
auth-retry = 300

[camera cam]
source = rtsp
url = rtsp://127.0.0.1:${door.port}/cam/realmonitor?channel=1&subtype=0
user = ${USER}
password-env = CAM_PW
`;

test('Digest SHA-256 with qop=auth, a stale nonce answered again, then a redirect to the camera: it records',
  { timeout: 60000 }, async () => {
    const camera = await gstServer();
    const door = await startFrontDoor(`rtsp://127.0.0.1:${camera.port}/cam/realmonitor`);
    const launcher = await startLauncher(preset(door), { env: { CAM_PW: PASSWORD } });
    try {
      const cam = await waitFor('the camera recording', async () => {
        const c = (await (await fetch(`${launcher.url}/api/cameras`)).json())[0];
        return c.state === 'recording' && c;
      }, 30000);
      assert.equal(cam.ingest, 'lean');
      assert.equal(cam.reconnects, 0);
      const answers = door.seen.filter((s) => s.method === 'DESCRIBE' && s.auth);
      assert.equal(answers.length, 2, JSON.stringify(door.seen));
      assert.ok(answers.every((a) => a.valid), 'every answer checks out by RFC 7616');
      assert.deepEqual(answers.map((a) => [a.auth.nonce, a.auth.nc]), [['n1', '00000001'], ['n2', '00000001']]);
      assert.notEqual(answers[0].auth.cnonce, answers[1].auth.cnonce);
      assert.ok(!launcher.log().includes(PASSWORD));
    } finally {
      await launcher.stop();
      await door.close();
      await camera.stop();
    }
  });

test('a wrong password is refused after one answer: unauthorized, no second try', { timeout: 60000 }, async () => {
  const door = await startFrontDoor('rtsp://127.0.0.1:1/never');
  const launcher = await startLauncher(preset(door), { env: { CAM_PW: 'wrong-pw' } });
  try {
    const cam = await waitFor('the camera unauthorized', async () => {
      const c = (await (await fetch(`${launcher.url}/api/cameras`)).json())[0];
      return c.state === 'unauthorized' && c;
    }, 30000);
    assert.equal(cam.ingest, 'lean', 'a refused login is no reason to try rtspsrc');
    const answers = door.seen.filter((s) => s.method === 'DESCRIBE' && s.auth);
    assert.equal(answers.length, 1, JSON.stringify(door.seen));
    assert.equal(answers[0].valid, false);
  } finally {
    await launcher.stop();
    await door.close();
  }
});
