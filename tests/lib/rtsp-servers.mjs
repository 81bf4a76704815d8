// RTSP servers nobody on this team wrote, started for the camera tests, each
// on a free port of 127.0.0.1 and stopped again by the test that started it.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { freePort, repoRoot, waitFor } from './launcher.mjs';

// gst-rtsp-server in its default configuration (tests/servers/gst_rtsp_test_server.cpp).
export const GST_RTSP_SERVER = join(repoRoot, 'build/tests/servers/dvr-gst-rtsp-server');

// Starts a server and waits for readyPattern in its output. env is added to
// this process's environment (e.g. a fake clock's). Returns { log(), stop() }.
export async function startServer(name, cmd, args, readyPattern, { env = {} } = {}) {
  const proc = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let output = '';
  proc.stdout.on('data', (d) => (output += d));
  proc.stderr.on('data', (d) => (output += d));
  const exited = new Promise((r) => proc.on('exit', r));
  const stop = async () => {
    if (proc.exitCode === null && proc.signalCode === null) {
      proc.kill('SIGTERM');
      const t = setTimeout(() => proc.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(t);
    }
  };
  try {
    await waitFor(`${name} to serve`, () => {
      if (proc.exitCode !== null) throw new Error(`${name} exited:\n${output}`);
      return readyPattern.test(output);
    }, 20000);
  } catch (e) {
    await stop();
    throw e;
  }
  return { log: () => output, stop };
}

// gst-rtsp-server serving H.264 + PCMA at /cam/realmonitor; extra: its
// options (--user, --password, --udp-only, --tls-cert, --tls-key).
// Returns { port, log(), stop() }.
export async function gstServer(extra = [], { env } = {}) {
  const port = await freePort();
  const server = await startServer('gst-rtsp-server', GST_RTSP_SERVER, ['--port', String(port), ...extra],
    /serving rtsps?:/, { env });
  return { ...server, port };
}
