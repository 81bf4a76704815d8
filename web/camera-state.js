// What to tell a person about a camera that is not (or cannot be) playing.
// Pure functions over an /api/cameras entry: tested with node in tests/web/player-logic.test.mjs.

// "h264", "h265" or null (unknown yet). The launcher names the depayloader
// (or encoder) in video_path while a camera records: "rtspsrc ! rtph265depay
// ! dvrsink"; a `codec` field, where given, wins.
export function cameraCodec(camera) {
  const named = String(camera.codec || '').toLowerCase().replace(/[^a-z0-9]/g, '');
  if (named === 'h265' || named === 'hevc') return 'h265';
  if (named === 'h264' || named === 'avc') return 'h264';
  const path = String(camera.video_path || '').toLowerCase();
  if (/265|hevc/.test(path)) return 'h265';
  if (/264|x264enc/.test(path)) return 'h264';
  return null;
}

// The player turns MPEG-TS into fragmented MP4 for the browser with Video.js's
// transmuxer, which only knows H.264: H.265 in TS cannot be played by this
// page in any browser, whatever the browser itself decodes.
export function playableCodec(codec) {
  return codec !== 'h265';
}

// Plain words for a camera whose video this page cannot play; null if it can.
export function codecProblemText(camera) {
  if (playableCodec(cameraCodec(camera))) return null;
  return `Camera ${camera.name} sends H.265 (HEVC) video. It is recorded, but this player can only show ` +
    'H.264 in a browser. To watch it here, set the camera\'s video encoding to H.264 ' +
    '(in the camera\'s own video settings; on a Dahua camera also turn Smart Codec off). ' +
    `To watch the H.265 recording, open ${camera.playlist} in a player that plays H.265, such as VLC.`;
}

// Why a camera shows no video, and that it comes back by itself.
export function waitingText(camera) {
  const error = camera.error ? `: ${camera.error}` : '';
  switch (camera.state) {
    case 'error':
      return `Camera ${camera.name} has failed: ${camera.error || 'unknown error'}. ` +
        'Playback starts by itself once it records again.';
    case 'reconnecting':
      return `Camera ${camera.name} is reconnecting${error}. Playback starts by itself once it records.`;
    case 'unauthorized':
      return `Camera ${camera.name} refused the user name or password${error}. ` +
        'Check user and password (or password-env) in its preset section, then reload the preset. ' +
        'The recorder retries only every few minutes, because cameras lock out an address after repeated failed logins.';
    case 'stopping':
    case 'stopped':
      return `Camera ${camera.name} is stopped. Playback starts by itself once it records again.`;
    default:
      return `Waiting for camera ${camera.name}… Playback starts by itself as soon as the first video arrives.`;
  }
}

// States in which a camera is in trouble (shown in red), not merely starting.
export function isTrouble(camera) {
  return ['error', 'reconnecting', 'unauthorized'].includes(camera.state);
}

// A short word for a tile or the chooser.
export function stateLabel(camera) {
  return {
    recording: 'recording', starting: 'starting', reconnecting: 'reconnecting', unauthorized: 'wrong password',
    error: 'failed', stopping: 'stopping', stopped: 'stopped',
  }[camera.state] || camera.state;
}
