// Starts build/tools/mock-camera/dvr-mock-camera on a free port of 127.0.0.1
// and drives its fault injection through standard input.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot, waitFor } from './launcher.mjs';

export async function startMockCamera(args = []) {
  const proc = spawn(join(repoRoot, 'build/tools/mock-camera/dvr-mock-camera'),
    ['--port', '0', '--width', '640', '--height', '360', '--bitrate', '800', ...args],
    { stdio: ['pipe', 'pipe', 'pipe'] });
  let output = '';
  proc.stdout.on('data', (d) => (output += d));
  proc.stderr.on('data', (d) => (output += d));
  const exited = new Promise((r) => proc.on('exit', r));
  const url = await waitFor('the mock camera to serve', () => {
    if (proc.exitCode !== null) throw new Error(`mock camera exited:\n${output}`);
    const m = output.match(/serving (rtsp:\/\/\S+)/);
    return m && m[1];
  }, 60000);
  return {
    url,
    log: () => output,
    // Sends a control command and waits for its acknowledgement.
    async command(line) {
      const before = output.length;
      proc.stdin.write(`${line}\n`);
      await waitFor(`the mock camera to acknowledge "${line}"`,
        () => output.slice(before).includes(`${line}: ok`), 10000, 50);
    },
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) {
        proc.kill('SIGTERM');
        const t = setTimeout(() => proc.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(t);
      }
    },
  };
}
