// A Video.js player set up for a sliding-window live HLS DVR, and what the
// rest of the page needs to know from it (segments with their wall-clock
// times, the live edge). Shared by the grid tiles and the single view.
import { usableSegments } from './program-date.js';

// liveui for the seekable DVR window; VHS everywhere (also where the browser
// plays HLS natively) so that seekable, program date-time and retries behave
// the same in every browser; tracking from the first second
// (trackingThreshold 0) because a fresh camera has a short window.
export function createLivePlayer(videoElement, { controls = true, liveTolerance = 4 } = {}) {
  return window.videojs(videoElement, {
    liveui: true,
    muted: true,
    autoplay: false, // play() is called once the playlist exists
    playsinline: true,
    preload: 'auto',
    controls,
    fluid: true,
    aspectRatio: '16:9',
    liveTracker: { trackingThreshold: 0, liveTolerance },
    controlBar: { pictureInPictureToggle: false },
    html5: {
      vhs: { overrideNative: true },
      nativeAudioTracks: false,
      nativeVideoTracks: false,
    },
  });
}

export function mediaPlaylist(player) {
  const tech = player.tech({ IWillNotUseThisInPlugins: true });
  const vhs = tech && tech.vhs;
  return vhs && vhs.playlists && vhs.playlists.media ? vhs.playlists.media() : null;
}

// The playlist's segments placed on the player's media timeline, each with
// the wall-clock time of its first frame (EXT-X-PROGRAM-DATE-TIME). VHS knows
// the media position only of segments near what it loaded; it lays segments
// end to end, so the others are placed from the nearest known one.
export function placedSegments(player) {
  const media = mediaPlaylist(player);
  if (!media || !media.segments || !media.segments.length) return [];
  const list = media.segments;
  let anchor = list.findIndex((s) => Number.isFinite(s.start));
  const starts = new Array(list.length);
  if (anchor >= 0) {
    starts[anchor] = list[anchor].start;
  } else if (media.endList) {
    // A VOD playlist (the archive) starts at media time 0 before anything of it is loaded.
    anchor = 0;
    starts[0] = 0;
  } else {
    return [];
  }
  for (let i = anchor + 1; i < list.length; i++) {
    starts[i] = Number.isFinite(list[i].start) ? list[i].start : starts[i - 1] + list[i - 1].duration;
  }
  for (let i = anchor - 1; i >= 0; i--) starts[i] = starts[i + 1] - list[i].duration;
  return usableSegments(list.map((s, i) => ({
    start: starts[i],
    end: starts[i] + s.duration,
    date: s.dateTimeObject ? s.dateTimeObject.getTime() : NaN,
  })));
}

// Muted so that browsers allow playback without a click. Resolves to false
// when the browser still refuses (then a person has to press play).
export async function startPlaying(player) {
  player.muted(true);
  try {
    await player.play();
    return true;
  } catch (e) {
    return !(e && e.name === 'NotAllowedError');
  }
}
