// Stream DVR browser player.
//
// The launcher serves this file, the page, Video.js (from the pinned npm
// package, under /vendor/) and, per camera, a sliding-window live HLS playlist
// with EXT-X-PROGRAM-DATE-TIME on every segment. This script
//   - lists the cameras from /api/cameras and remembers the choice in #cam=NAME,
//   - waits (polling) until the chosen camera has a playlist, then plays it
//     muted so that no click is needed,
//   - shows LIVE at the live edge, otherwise "DVR -mm:ss" and the wall-clock
//     time of the picture, and offers -10s / -60s / Live,
//   - says in words what is going on whenever there is nothing to play.
(function () {
  'use strict';

  const POLL_MS = 2000;        // camera list and "is the playlist there yet" poll
  const TICK_MS = 250;         // badge, clock and stall watchdog refresh
  const STALL_NOTICE_MS = 4000;  // no progress this long: explain it on screen
  const STALL_RELOAD_MS = 15000; // no progress this long: reload the playlist
  const RETRY_AFTER_ERROR_MS = 3000;

  const els = {
    camera: document.getElementById('camera'),
    message: document.getElementById('message'),
    badge: document.getElementById('badge'),
    clock: document.getElementById('clock'),
    back10: document.getElementById('back10'),
    back60: document.getElementById('back60'),
    live: document.getElementById('live'),
    notice: document.getElementById('notice'),
    status: document.getElementById('status'),
  };

  const state = {
    cameras: [],
    camera: null,         // chosen camera name
    loaded: null,         // camera whose playlist is in the player
    retryAt: 0,           // after a playback error, do not reload before this
    lastTime: -1,         // stall watchdog: last currentTime seen ...
    lastProgressAt: 0,    // ... and when it last moved
    autoplayBlocked: false,
    recorderDown: false,  // the last /api/cameras request failed
  };

  // Segments of 2 s by default; refined from the playlist's TARGETDURATION.
  let targetDuration = 2;

  // Live DVR set-up: liveui for the seekable DVR bar, VHS everywhere (also
  // where the browser could play HLS natively) so that seekable, program
  // date-time and retries behave the same in every browser; tracking from the
  // first second (trackingThreshold 0) because a fresh camera has a short window.
  const player = videojs('video', {
    liveui: true,
    muted: true,
    autoplay: false, // play() is called once the playlist exists, see loadCamera()
    playsinline: true,
    preload: 'auto',
    fluid: true,
    aspectRatio: '16:9',
    liveTracker: { trackingThreshold: 0, liveTolerance: liveTolerance() },
    controlBar: { pictureInPictureToggle: false },
    html5: {
      vhs: { overrideNative: true },
      nativeAudioTracks: false,
      nativeVideoTracks: false,
    },
  });
  // Exposed for debugging from the browser console (and the browser tests).
  window.dvrPlayer = player;

  // How far behind the live point still counts as LIVE: two target durations
  // (playlist refreshes make the live point move in steps of one segment),
  // never less than 3 s.
  function liveTolerance() {
    return Math.max(3, 2 * targetDuration);
  }

  // ---- camera list ---------------------------------------------------------

  function cameraFromHash() {
    const params = new URLSearchParams(location.hash.replace(/^#/, ''));
    return params.get('cam');
  }

  async function pollCameras() {
    try {
      const response = await fetch('/api/cameras', { cache: 'no-store' });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      state.cameras = await response.json();
      state.recorderDown = false;
    } catch (e) {
      state.recorderDown = true;
      setStatus(`Cannot reach the recorder (${e.message}); retrying…`);
      if (!state.loaded) showMessage('Cannot reach the recorder. Retrying…');
      return;
    }
    renderChooser();
    const camera = state.cameras.find((c) => c.name === state.camera);
    if (!camera) {
      if (state.cameras.length === 0) showMessage('No cameras are configured.');
      return;
    }
    renderCameraState(camera);
    if (state.loaded !== camera.name && Date.now() >= state.retryAt) await loadWhenReady(camera);
  }

  // Fills the select once per change of the camera set and keeps the
  // state shown in each option up to date.
  function renderChooser() {
    const names = state.cameras.map((c) => c.name);
    const current = Array.from(els.camera.options).map((o) => o.value);
    if (names.join('\n') !== current.join('\n')) {
      els.camera.replaceChildren(...names.map((name) => new Option(name, name)));
    }
    state.cameras.forEach((c, i) => {
      els.camera.options[i].textContent = `${c.name} — ${c.state}`;
    });
    els.camera.disabled = names.length === 0;

    // An unknown or missing #cam= keeps the camera shown, or takes the first.
    let wanted = cameraFromHash();
    if (!names.includes(wanted)) wanted = names.includes(state.camera) ? state.camera : names[0];
    if (wanted) chooseCamera(wanted); // also puts the select and the URL right
  }

  function chooseCamera(name) {
    if (cameraFromHash() !== name) history.replaceState(null, '', `#cam=${encodeURIComponent(name)}`);
    els.camera.value = name;
    if (state.camera === name) return;
    state.camera = name;
    state.retryAt = 0;
    unloadPlayer();
    showMessage(`Waiting for camera ${name}…`);
    document.title = `${name} · Stream DVR`;
  }

  // ---- waiting, loading, recovering ------------------------------------------

  // A camera without a first segment has no playlist yet (404): keep polling
  // and start playing on our own as soon as the playlist is there.
  async function loadWhenReady(camera) {
    const hasVideo = camera.segments > 0 || camera.state === 'recording';
    if (hasVideo) {
      try {
        const response = await fetch(camera.playlist, { cache: 'no-store' });
        if (response.ok && /#EXTINF/.test(await response.text())) {
          if (state.camera === camera.name && state.loaded !== camera.name) loadCamera(camera);
          return;
        }
      } catch (e) {
        // Treated like "not there yet" below; the next poll tries again.
      }
    }
    showMessage(waitingText(camera), camera.state === 'error' || camera.state === 'reconnecting' ? 'trouble' : '');
  }

  function waitingText(camera) {
    switch (camera.state) {
      case 'error':
        return `Camera ${camera.name} has failed: ${camera.error || 'unknown error'}. ` +
          'Playback starts by itself once it records again.';
      case 'reconnecting':
        return `Camera ${camera.name} is reconnecting` +
          (camera.error ? `: ${camera.error}` : '') + '. Playback starts by itself once it records.';
      default:
        return `Waiting for camera ${camera.name}… Playback starts by itself as soon as the first video arrives.`;
    }
  }

  function loadCamera(camera) {
    state.loaded = camera.name;
    state.lastTime = -1;
    state.lastProgressAt = Date.now();
    state.autoplayBlocked = false;
    showMessage(null);
    player.src({ src: camera.playlist, type: 'application/x-mpegURL' });
    startPlaying();
  }

  // Muted so that browsers allow playback without a click; if one still
  // refuses, say so instead of leaving a black box.
  function startPlaying() {
    player.muted(true);
    const promise = player.play();
    if (promise && promise.catch) {
      promise.catch((e) => {
        if (e && e.name === 'NotAllowedError') {
          state.autoplayBlocked = true;
          showMessage('The browser did not allow playback to start by itself: press the play button.');
        }
      });
    }
  }

  function unloadPlayer() {
    state.loaded = null;
    player.pause();
    player.reset();
    updateBadge();
  }

  // A failed load or a stream that stopped moving gets reloaded from the
  // playlist after a short pause; the message says why the picture is gone.
  function recover(reason) {
    const name = state.camera;
    unloadPlayer();
    state.retryAt = Date.now() + RETRY_AFTER_ERROR_MS;
    showMessage(`${reason} Retrying…`);
    setStatus(`${name}: ${reason}`);
  }

  player.on('error', () => {
    const error = player.error();
    recover(`Playback of ${state.camera} failed${error && error.message ? `: ${error.message}` : ''}.`);
  });

  player.on('loadedmetadata', () => {
    // The live tolerance depends on the segment length of this camera.
    const media = currentMediaPlaylist();
    if (media && media.targetDuration) targetDuration = media.targetDuration;
    player.liveTracker.options_.liveTolerance = liveTolerance();
  });

  player.on('playing', () => {
    if (!state.autoplayBlocked) return;
    state.autoplayBlocked = false;
    showMessage(null);
  });

  // Runs every TICK_MS: notices a stream that stopped moving, and explains it
  // (after STALL_NOTICE_MS) before reloading it (after STALL_RELOAD_MS).
  function watchPlayback() {
    if (!state.loaded || player.paused() || state.autoplayBlocked) {
      state.lastProgressAt = Date.now();
      return;
    }
    const now = Date.now();
    const time = player.currentTime();
    if (time !== state.lastTime) {
      state.lastTime = time;
      state.lastProgressAt = now;
      if (els.message.dataset.kind === 'stall') showMessage(null);
      return;
    }
    const stalledFor = now - state.lastProgressAt;
    if (stalledFor >= STALL_RELOAD_MS) {
      recover(`No video from ${state.loaded} for ${Math.round(stalledFor / 1000)} s.`);
    } else if (stalledFor >= STALL_NOTICE_MS && (!els.message.textContent || els.message.dataset.kind === 'stall')) {
      const camera = state.cameras.find((c) => c.name === state.loaded);
      let why = `Loading video from ${state.loaded}…`;
      if (state.recorderDown) why = 'Cannot reach the recorder. Retrying…';
      else if (camera && camera.state !== 'recording') why = waitingText(camera);
      showMessage(why, 'stall');
    }
  }

  // ---- position: LIVE / DVR badge, wall clock, jumps -------------------------

  function currentMediaPlaylist() {
    const tech = player.tech({ IWillNotUseThisInPlugins: true });
    const vhs = tech && tech.vhs;
    return vhs && vhs.playlists && vhs.playlists.media ? vhs.playlists.media() : null;
  }

  // Wall-clock time of the picture at player time `time`, from the
  // EXT-X-PROGRAM-DATE-TIME of the segment that holds it (or the nearest one
  // whose position on the player's timeline VHS already knows).
  function programDateAt(time) {
    const media = currentMediaPlaylist();
    if (!media || !media.segments) return null;
    let best = null;
    let bestDistance = Infinity;
    for (const segment of media.segments) {
      if (!segment.dateTimeObject || typeof segment.start !== 'number') continue;
      const end = typeof segment.end === 'number' ? segment.end : segment.start + segment.duration;
      const distance = time < segment.start ? segment.start - time : time > end ? time - end : 0;
      if (distance < bestDistance) {
        best = segment;
        bestDistance = distance;
        if (distance === 0) break;
      }
    }
    if (!best) return null;
    return new Date(best.dateTimeObject.getTime() + (time - best.start) * 1000);
  }

  function formatBehind(seconds) {
    const total = Math.max(0, Math.round(seconds));
    const h = Math.floor(total / 3600);
    const m = Math.floor((total % 3600) / 60);
    const s = total % 60;
    const mmss = `${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}`;
    return h ? `-${h}:${mmss}` : `-${mmss}`;
  }

  const clockFormat = new Intl.DateTimeFormat(undefined, {
    hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false,
  });

  // LIVE or "DVR -mm:ss", from Video.js's live tracker: it compares the
  // playhead with the moving live point (seekable end plus the time since it
  // last moved) using the tolerance set above; pausing also leaves the edge.
  function updateBadge() {
    const tracker = player.liveTracker;
    const ready = state.loaded && tracker && tracker.isTracking() && player.seekable().length > 0;
    for (const button of [els.back10, els.back60, els.live]) button.disabled = !ready;
    if (!ready) {
      setBadge('none', '—');
      setClock(null);
      return;
    }
    const behind = Math.max(0, tracker.liveCurrentTime() - player.currentTime());
    const atLive = tracker.atLiveEdge();
    setBadge(atLive ? 'live' : 'dvr', atLive ? 'LIVE' : `DVR ${formatBehind(behind)}`, behind);
    setClock(programDateAt(player.currentTime()));
  }

  function setBadge(mode, text, behind) {
    if (els.badge.textContent !== text) els.badge.textContent = text;
    els.badge.dataset.mode = mode;
    els.badge.dataset.behind = behind === undefined ? '' : behind.toFixed(1);
    els.live.classList.toggle('at-live', mode === 'live');
  }

  function setClock(date) {
    const text = date ? clockFormat.format(date) : '--:--:--';
    if (els.clock.textContent !== text) els.clock.textContent = text;
    if (date) els.clock.dateTime = date.toISOString();
    else els.clock.removeAttribute('datetime');
  }

  // Jumps never go further back than the oldest recorded point: the start of
  // the seekable range (plus 0.1 s, as VHS itself does, so that rounding does
  // not put the playhead just outside the window).
  function jumpBack(seconds) {
    const tracker = player.liveTracker;
    const oldest = tracker.seekableStart() + 0.1;
    const target = Math.max(oldest, player.currentTime() - seconds);
    player.currentTime(Math.min(target, tracker.seekableEnd()));
    if (player.paused()) startPlaying();
    updateBadge();
  }

  function goLive() {
    player.liveTracker.seekToLiveEdge();
    if (player.paused()) startPlaying();
    updateBadge();
  }

  // ---- status line and messages ----------------------------------------------

  function renderCameraState(camera) {
    const parts = [camera.name, camera.state];
    if (camera.segments > 0) {
      const recorded = Math.round(camera.segments * camera.segment_duration);
      parts.push(`${Math.min(recorded, camera.window)} s of ${camera.window} s recorded`);
    }
    if (camera.last_segment_at) parts.push(`last segment ${clockFormat.format(new Date(camera.last_segment_at))}`);
    if (camera.reconnects > 0) parts.push(`${camera.reconnects} reconnect${camera.reconnects === 1 ? '' : 's'}`);
    setStatus(parts.join(' · '));

    // While a recorded camera is playing, a problem goes into the notice line
    // (the recorded part stays watchable); without video it is the message.
    const trouble = camera.state === 'error' || camera.state === 'reconnecting';
    const text = trouble && state.loaded === camera.name ? waitingText(camera).replace(
      /Playback starts by itself.*$/, 'What was recorded can still be watched.') : '';
    if (els.notice.textContent !== text) els.notice.textContent = text;
    els.notice.hidden = !text;
  }

  function setStatus(text) {
    if (els.status.textContent !== text) els.status.textContent = text;
  }

  // kind tags a message so that the stall watchdog only clears its own.
  function showMessage(text, kind = '') {
    els.message.hidden = !text;
    if (els.message.textContent !== (text || '')) els.message.textContent = text || '';
    els.message.dataset.kind = text ? kind : '';
  }

  // ---- wiring -------------------------------------------------------------------

  els.camera.addEventListener('change', () => {
    // Goes through the hash so that the URL always names the camera shown.
    location.hash = `cam=${encodeURIComponent(els.camera.value)}`;
  });
  window.addEventListener('hashchange', () => {
    if (state.cameras.length === 0) return; // the first poll applies the hash
    const name = cameraFromHash();
    const known = state.cameras.some((c) => c.name === name);
    // An unknown name keeps the camera shown (and puts its name back in the URL).
    chooseCamera(known ? name : state.camera || state.cameras[0].name);
    pollCameras();
  });
  els.back10.addEventListener('click', () => jumpBack(10));
  els.back60.addEventListener('click', () => jumpBack(60));
  els.live.addEventListener('click', goLive);
  player.on(['timeupdate', 'seeked', 'pause', 'play'], updateBadge);
  player.liveTracker.on('liveedgechange', updateBadge);

  setInterval(() => {
    updateBadge();
    watchPlayback();
  }, TICK_MS);

  // The poll is chained (not setInterval) so a slow answer never piles up.
  (async function poll() {
    await pollCameras();
    setTimeout(poll, POLL_MS);
  })();
})();
