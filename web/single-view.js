// One camera: the video, the LIVE/DVR badge and clock, the timeline of the
// recorded window, jumps, go to time, speed and the clip download.
import { playlistReady } from './api.js';
import { badgeState, renderBadge, renderClock } from './badge.js';
import { ClipForm } from './clip-form.js';
import { codecProblemText, isTrouble, waitingText } from './camera-state.js';
import { formatClock, parseClockTime, resolveClockTime } from './clock.js';
import { createLivePlayer, mediaPlaylist, placedSegments, startPlaying } from './live-video.js';
import { mediaToWall, spansFromSegments, wallToMedia } from './program-date.js';
import { TimelineView } from './timeline-view.js';
import { renderStorageBanner } from './storage-banner.js';

const TICK_MS = 250;            // badge, clock, timeline and stall watchdog refresh
const STALL_NOTICE_MS = 4000;   // no progress this long: explain it on screen
const STALL_RELOAD_MS = 15000;  // no progress this long: reload the playlist
const RETRY_AFTER_ERROR_MS = 3000;

export class SingleView {
  constructor(els) {
    this.els = els;
    this.camera = null;      // the /api/cameras entry of the camera shown
    this.name = null;
    this.loaded = null;      // camera whose playlist is in the player
    this.checking = false;
    this.retryAt = 0;
    this.lastTime = -1;      // stall watchdog: last currentTime seen ...
    this.lastProgressAt = 0; // ... and when it last moved
    this.autoplayBlocked = false;
    this.recorderDown = false;
    this.targetDuration = 2;

    this.player = createLivePlayer(els.video, { liveTolerance: this.liveTolerance() });
    // Our own timeline and Live button replace Video.js's seek bar and LIVE button.
    this.player.controlBar.getChild('ProgressControl')?.hide();
    this.player.controlBar.getChild('SeekToLive')?.hide();
    window.dvrPlayer = this.player; // for the browser console and the browser tests

    this.timeline = new TimelineView(els.timeline, {
      onSeek: (t) => this.seekToWall(t),
      onSelect: (range) => this.clip.select(range),
    });
    this.clip = new ClipForm(els, this);
    this.wire();
    setInterval(() => this.tick(), TICK_MS);
  }

  // How far behind the live point still counts as LIVE: two target durations
  // (playlist refreshes make the live point move in steps of one segment),
  // never less than 3 s.
  liveTolerance() {
    return Math.max(3, 2 * this.targetDuration);
  }

  wire() {
    const { els, player } = this;
    els.back10.addEventListener('click', () => this.jump(-10));
    els.back60.addEventListener('click', () => this.jump(-60));
    els.fwd10.addEventListener('click', () => this.jump(10));
    els.live.addEventListener('click', () => this.goLive());
    els.gotoForm.addEventListener('submit', (e) => {
      e.preventDefault();
      this.goToTyped(els.gotoInput.value);
    });
    els.speed.addEventListener('change', () => player.playbackRate(Number(els.speed.value)));
    player.on('ratechange', () => { els.speed.value = String(player.playbackRate()); });
    document.addEventListener('keydown', (e) => this.shortcut(e));

    player.on('error', () => {
      const camera = this.camera;
      if (camera && codecProblemText(camera)) return this.showCodecProblem(camera);
      const error = player.error();
      this.recover(`Playback of ${this.name} failed${error && error.message ? `: ${error.message}` : ''}.`);
    });
    player.on('loadedmetadata', () => {
      const media = mediaPlaylist(player);
      if (media && media.targetDuration) this.targetDuration = media.targetDuration;
      player.liveTracker.options_.liveTolerance = this.liveTolerance();
    });
    player.on('playing', () => {
      if (!this.autoplayBlocked) return;
      this.autoplayBlocked = false;
      this.showMessage(null);
    });
    player.on(['timeupdate', 'seeked', 'pause', 'play'], () => this.updatePosition());
    player.liveTracker.on('liveedgechange', () => this.updatePosition());
  }

  // ---- which camera, waiting, loading, recovering --------------------------

  show(name) {
    if (this.name === name) return;
    this.name = name;
    this.camera = null;
    this.retryAt = 0;
    this.clip.reset();
    this.setOutput('');
    this.unload();
    this.showMessage(`Waiting for camera ${name}…`);
  }

  hide() {
    this.name = null;
    this.camera = null;
    this.unload();
  }

  setRecorderDown(down, why) {
    this.recorderDown = down;
    if (down) {
      this.setStatus(`Cannot reach the recorder (${why}); retrying…`);
      if (!this.loaded) this.showMessage('Cannot reach the recorder. Retrying…');
    }
  }

  async update(camera) {
    if (!camera || camera.name !== this.name) return;
    this.camera = camera;
    this.renderCameraState(camera);
    renderStorageBanner(this.els.storageBanner, camera);
    if (codecProblemText(camera)) return this.showCodecProblem(camera);
    if (this.loaded === camera.name || this.checking || Date.now() < this.retryAt) return;
    // A camera without a first segment has no playlist yet (404): keep
    // polling and start playing on our own as soon as the playlist is there.
    const hasVideo = camera.segments > 0 || camera.state === 'recording';
    this.checking = true;
    const ready = hasVideo && await playlistReady(camera);
    this.checking = false;
    if (this.name !== camera.name || this.loaded === camera.name) return;
    if (ready) this.load(camera);
    else this.showMessage(waitingText(camera), isTrouble(camera) ? 'trouble' : '');
  }

  showCodecProblem(camera) {
    if (this.loaded) this.unload();
    this.showMessage(codecProblemText(camera), 'trouble');
  }

  load(camera) {
    this.loaded = camera.name;
    this.lastTime = -1;
    this.lastProgressAt = Date.now();
    this.autoplayBlocked = false;
    this.showMessage(null);
    this.player.src({ src: camera.playlist, type: 'application/x-mpegURL' });
    this.play();
  }

  async play() {
    if (!(await startPlaying(this.player))) {
      this.autoplayBlocked = true;
      this.showMessage('The browser did not allow playback to start by itself: press the play button.');
    }
  }

  unload() {
    this.loaded = null;
    this.player.pause();
    this.player.reset();
    this.updatePosition();
  }

  // A failed load or a stream that stopped moving gets reloaded from the
  // playlist after a short pause; the message says why the picture is gone.
  recover(reason) {
    const name = this.name;
    this.unload();
    this.retryAt = Date.now() + RETRY_AFTER_ERROR_MS;
    this.showMessage(`${reason} Retrying…`);
    this.setStatus(`${name}: ${reason}`);
  }

  tick() {
    this.updatePosition();
    this.watchPlayback();
  }

  // Notices a stream that stopped moving, and explains it (after
  // STALL_NOTICE_MS) before reloading it (after STALL_RELOAD_MS).
  watchPlayback() {
    const { player, els } = this;
    if (!this.loaded || player.paused() || this.autoplayBlocked) {
      this.lastProgressAt = Date.now();
      return;
    }
    const now = Date.now();
    const time = player.currentTime();
    if (time !== this.lastTime) {
      this.lastTime = time;
      this.lastProgressAt = now;
      if (els.message.dataset.kind === 'stall') this.showMessage(null);
      return;
    }
    const stalledFor = now - this.lastProgressAt;
    if (stalledFor >= STALL_RELOAD_MS) {
      this.recover(`No video from ${this.loaded} for ${Math.round(stalledFor / 1000)} s.`);
    } else if (stalledFor >= STALL_NOTICE_MS && (!els.message.textContent || els.message.dataset.kind === 'stall')) {
      let why = `Loading video from ${this.loaded}…`;
      if (this.recorderDown) why = 'Cannot reach the recorder. Retrying…';
      else if (this.camera && this.camera.state !== 'recording') why = waitingText(this.camera);
      this.showMessage(why, 'stall');
    }
  }

  // ---- position: badge, clock, timeline ------------------------------------

  ready() {
    const tracker = this.player.liveTracker;
    return Boolean(this.loaded && tracker && tracker.isTracking() && this.player.seekable().length > 0);
  }

  // The recorded window: from the API when it gives it, else from the
  // playlist the player holds (its PROGRAM-DATE-TIMEs and durations).
  recordedSpan() {
    const c = this.camera;
    if (c && c.rangeStart !== null && c.rangeEnd !== null && c.gapList) {
      return { start: c.rangeStart, end: c.rangeEnd, gaps: c.gapList };
    }
    const media = this.loaded ? mediaPlaylist(this.player) : null;
    if (!media || !media.segments) return { start: null, end: null, gaps: [] };
    return spansFromSegments(media.segments.filter((s) => s.dateTimeObject).map((s) => ({
      start: 0, end: s.duration, date: s.dateTimeObject.getTime(),
    })));
  }

  shownWallClock() {
    return this.ready() ? mediaToWall(placedSegments(this.player), this.player.currentTime()) : null;
  }

  updatePosition() {
    const { els, player } = this;
    const ready = this.ready();
    for (const b of [els.back10, els.back60, els.fwd10, els.live, els.gotoButton]) b.disabled = !ready;
    const tracker = player.liveTracker;
    const behind = ready ? Math.max(0, tracker.liveCurrentTime() - player.currentTime()) : undefined;
    const state = badgeState({ ready, atLive: ready && tracker.atLiveEdge(), behind });
    renderBadge(els.badge, state, behind);
    els.live.classList.toggle('at-live', state.mode === 'live');
    const shown = this.shownWallClock();
    renderClock(els.clock, shown);
    const span = this.recordedSpan();
    this.timeline.render({
      span: span.start !== null ? { start: span.start, end: span.end } : null,
      gaps: span.gaps,
      position: shown,
      selection: this.clip.selection,
    });
    this.clip.update(span);
  }

  // ---- moving around ---------------------------------------------------------

  // Media times a jump may land on: from just after the oldest point (plus
  // 0.1 s, as VHS itself does, so rounding does not put the playhead outside
  // the window) to the live point.
  clampToWindow(t) {
    const tracker = this.player.liveTracker;
    return Math.min(Math.max(t, tracker.seekableStart() + 0.1), tracker.seekableEnd());
  }

  jump(seconds) {
    if (!this.ready()) return;
    const tracker = this.player.liveTracker;
    const target = this.player.currentTime() + seconds;
    // Forward past the live point is the live point, and LIVE again.
    if (seconds > 0 && target >= tracker.liveCurrentTime() - this.liveTolerance() / 2) return this.goLive();
    this.player.currentTime(this.clampToWindow(target));
    this.resume();
  }

  goLive() {
    if (!this.ready()) return;
    this.player.liveTracker.seekToLiveEdge();
    this.resume();
  }

  resume() {
    if (this.player.paused()) this.play();
    this.updatePosition();
  }

  seekToWall(wallMs) {
    if (!this.ready()) return;
    const t = wallToMedia(placedSegments(this.player), wallMs);
    if (t === null) return;
    if (t >= this.player.liveTracker.seekableEnd()) return this.goLive();
    this.player.currentTime(this.clampToWindow(t));
    this.resume();
  }

  goToTyped(text) {
    const parsed = parseClockTime(text);
    if (!parsed) return this.setOutput(`"${text}" is not a time: type it as HH:MM or HH:MM:SS, e.g. 14:32.`, true);
    const span = this.recordedSpan();
    const { time, inside } = resolveClockTime(parsed, { start: span.start, end: span.end });
    if (!inside) {
      const recorded = span.start !== null ? ` Recorded: ${formatClock(span.start)} to ${formatClock(span.end)}.` : '';
      return this.setOutput(`Nothing recorded at ${formatClock(time)}.${recorded}`, true);
    }
    this.setOutput('');
    this.seekToWall(time);
  }

  shortcut(e) {
    if (!this.name || e.ctrlKey || e.metaKey || e.altKey) return;
    if (e.target.closest && e.target.closest('input, select, textarea')) return;
    if (e.key === 'ArrowLeft') this.jump(-10);
    else if (e.key === 'ArrowRight') this.jump(10);
    else if (e.key === 'l' || e.key === 'L' || e.key === 'End') this.goLive();
    // Home is the oldest recorded point, as on any slider.
    else if (e.key === 'Home') this.jump(-Infinity);
    else return;
    e.preventDefault();
  }

  // ---- words on the page ---------------------------------------------------

  renderCameraState(camera) {
    const parts = [camera.name, camera.state];
    if (camera.rangeStart !== null && camera.rangeEnd !== null) {
      parts.push(`recorded ${formatClock(camera.rangeStart)} to ${formatClock(camera.rangeEnd)}`);
    } else if (camera.segments > 0) {
      const recorded = Math.round(camera.segments * camera.segment_duration);
      parts.push(`${Math.min(recorded, camera.window)} s of ${camera.window} s recorded`);
    }
    if (camera.last_segment_at) parts.push(`last segment ${formatClock(Date.parse(camera.last_segment_at))}`);
    if (camera.reconnects > 0) parts.push(`${camera.reconnects} reconnect${camera.reconnects === 1 ? '' : 's'}`);
    this.setStatus(parts.join(' · '));

    // While a recorded camera is playing, a problem goes into the notice line
    // (the recorded part stays watchable); without video it is the message.
    const text = isTrouble(camera) && this.loaded === camera.name
      ? waitingText(camera).replace(/(Playback starts by itself|Check user).*$/, 'What was recorded can still be watched.')
      : '';
    if (this.els.notice.textContent !== text) this.els.notice.textContent = text;
    this.els.notice.hidden = !text;
  }

  setStatus(text) {
    if (this.els.status.textContent !== text) this.els.status.textContent = text;
  }

  setOutput(text, problem = false) {
    this.els.output.textContent = text;
    this.els.output.dataset.kind = problem ? 'trouble' : '';
  }

  // kind tags a message so that the stall watchdog only clears its own.
  showMessage(text, kind = '') {
    const m = this.els.message;
    m.hidden = !text;
    if (m.textContent !== (text || '')) m.textContent = text || '';
    m.dataset.kind = text ? kind : '';
  }
}
