// One camera: the video, the LIVE/DVR badge and clock, the timeline (the
// live window, or zoomed out over everything kept), jumps, go to time, speed
// and the clip download. A moment in the live window plays from the live
// playlist; an older one from an archive range playlist (archive.js), and
// back to the live playlist once playback reaches the live window.
import { fetchSpans, playlistReady } from './api.js';
import {
  archiveChunk, chunkHolds, firstRecordedFrom, rangePlaylistUrl, sourceFor,
} from './archive.js';
import { badgeState, renderBadge, renderClock } from './badge.js';
import { ClipForm } from './clip-form.js';
import { codecProblemText, isTrouble, waitingText } from './camera-state.js';
import { formatClock, formatDateTime, parseTypedTime, resolveTypedTime } from './clock.js';
import { createLivePlayer, mediaPlaylist, placedSegments, startPlaying } from './live-video.js';
import { mediaToWall, spansFromSegments, wallToMedia } from './program-date.js';
import { combineSpans, spansOfRange } from './timeline.js';
import { TimelineView } from './timeline-view.js';
import {
  panEnd, spansResolution, viewEndAround, viewEndFor, zoomStep, zoomView, ZOOM_LEVELS,
} from './zoom.js';
import { renderStorageBanner } from './storage-banner.js';

const TICK_MS = 250;            // badge, clock, timeline and stall watchdog refresh
const STALL_NOTICE_MS = 4000;   // no progress this long: explain it on screen
const STALL_RELOAD_MS = 15000;  // no progress this long: reload the playlist
const RETRY_AFTER_ERROR_MS = 3000;
const SPANS_REFRESH_MS = 60000; // the archive's spans change only as retention removes footage
const DAY_MS = 86400000;

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
    this.speed = 1;
    this.mode = 'live';      // which playlist is in the player: 'live' or 'archive'
    this.chunk = null;       // the archive playlist's { start, end } (ms)
    this.pendingWall = null; // wall-clock time (ms; Infinity: the live edge) to go to once the source is ready
    this.loadToken = 0;      // the newest source asked for: older answers are dropped
    this.zoom = 'window';
    this.viewEnd = null;     // where a person moved the timeline's view to end (null: the live edge)
    this.followPosition = true; // keep the picture's time in view, until a person pans away
    this.archiveSpans = null;   // { start, end, resolution, spans, at }: from the ranges API
    this.spansLoading = false;

    this.player = createLivePlayer(els.video, { liveTolerance: this.liveTolerance() });
    // Our own timeline and Live button replace Video.js's seek bar and LIVE button.
    this.player.controlBar.getChild('ProgressControl')?.hide();
    this.player.controlBar.getChild('SeekToLive')?.hide();
    // What remains of an archive playlist says nothing a person needs.
    this.player.controlBar.getChild('RemainingTimeDisplay')?.hide();
    window.dvrPlayer = this.player; // for the browser console and the browser tests

    this.timeline = new TimelineView(els.timeline, {
      onSeek: (t) => this.seekToWall(t),
      onSelect: (range) => this.clip.select(range),
      onZoom: (direction, t, x) => this.zoomAround(direction, t, x),
    });
    this.clip = new ClipForm(els, this);
    for (const z of ZOOM_LEVELS) els.zoom.append(new Option(z.label, z.id));
    els.zoom.value = this.zoom;
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
    // The speed chosen stays across sources: a new source's load resets the
    // element's rate to its default rate, so that is set too.
    els.speed.addEventListener('change', () => {
      this.speed = Number(els.speed.value);
      player.defaultPlaybackRate(this.speed);
      player.playbackRate(this.speed);
    });
    els.zoom.addEventListener('change', () => this.setZoom(els.zoom.value));
    els.earlier.addEventListener('click', () => this.pan(-1));
    els.later.addEventListener('click', () => this.pan(1));
    player.on('ratechange', () => { els.speed.value = String(player.playbackRate()); });
    document.addEventListener('keydown', (e) => this.shortcut(e));

    player.on('error', () => {
      const camera = this.camera;
      if (camera && codecProblemText(camera)) return this.showCodecProblem(camera);
      const error = player.error();
      this.recover(`Playback of ${this.name} failed${error && error.message ? `: ${error.message}` : ''}.`);
    });
    player.on('loadedmetadata', () => {
      this.sourceLoaded = true;
      if (player.playbackRate() !== this.speed) player.playbackRate(this.speed);
      const media = mediaPlaylist(player);
      if (media && media.targetDuration) this.targetDuration = media.targetDuration;
      player.liveTracker.options_.liveTolerance = this.liveTolerance();
      this.applyPendingSeek();
    });
    player.on(['loadeddata', 'canplay', 'progress'], () => this.applyPendingSeek());
    // The end of an archive playlist: on with what follows it.
    player.on('ended', () => this.carryOn());
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
    this.archiveSpans = null;
    this.viewEnd = null;
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
    // A recorded range means a playlist with segments: no need to ask.
    const ready = hasVideo && (camera.rangeStart !== null || await playlistReady(camera));
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
    this.autoplayBlocked = false;
    this.showMessage(null);
    this.setSource('live', null, null);
  }

  // Puts a playlist in the player: the live one (chunk null) or an archive
  // range; wall is where to go once it is ready (null: where the player
  // starts, the live edge or the range's start).
  setSource(mode, chunk, wall) {
    this.loadToken++;
    this.mode = mode;
    this.chunk = chunk;
    this.pendingWall = wall;
    this.lastTime = -1;
    this.lastProgressAt = Date.now();
    this.sourceLoaded = false;
    const src = mode === 'live' ? this.camera.playlist : rangePlaylistUrl(this.loaded, chunk);
    this.player.src({ src, type: 'application/x-mpegURL' });
    this.play();
    this.updatePosition();
  }

  async play() {
    if (!(await startPlaying(this.player))) {
      this.autoplayBlocked = true;
      this.showMessage('The browser did not allow playback to start by itself: press the play button.');
    }
  }

  unload() {
    this.loaded = null;
    this.loadToken++;
    this.mode = 'live';
    this.chunk = null;
    this.pendingWall = null;
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
    this.applyPendingSeek();
    this.returnToLiveWindow();
    this.updatePosition();
    this.watchPlayback();
    this.refreshSpans();
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
    if (!this.loaded || !this.sourceLoaded || this.player.seekable().length === 0) return false;
    // Until the new source's playlist replaced the old one, the player's
    // segments are the other playlist's.
    const media = mediaPlaylist(this.player);
    if (!media || Boolean(media.endList) !== (this.mode === 'archive')) return false;
    if (this.mode === 'archive') return placedSegments(this.player).length > 0;
    const tracker = this.player.liveTracker;
    return Boolean(tracker && tracker.isTracking());
  }

  // The live window: from the API when it gives it, else from the live
  // playlist the player holds (its PROGRAM-DATE-TIMEs and durations).
  // Returns { start, end, gaps } (ms) or null.
  liveWindow() {
    const c = this.camera;
    if (c && c.rangeStart !== null && c.rangeEnd !== null && c.gapList) {
      return { start: c.rangeStart, end: c.rangeEnd, gaps: c.gapList };
    }
    const media = this.loaded && this.mode === 'live' ? mediaPlaylist(this.player) : null;
    if (!media || !media.segments) return null;
    const span = spansFromSegments(media.segments.filter((s) => s.dateTimeObject).map((s) => ({
      start: 0, end: s.duration, date: s.dateTimeObject.getTime(),
    })));
    return span.start === null ? null : span;
  }

  // Everything kept, the live window included: { start, end } (ms) or null.
  archiveRange() {
    const c = this.camera;
    const window = this.liveWindow();
    if (c && c.archiveStart !== null && c.archiveEnd !== null) {
      return { start: c.archiveStart, end: Math.max(c.archiveEnd, window ? window.end : -Infinity) };
    }
    return window ? { start: window.start, end: window.end } : null;
  }

  // The newest recorded moment.
  edge() {
    const archive = this.archiveRange();
    return archive ? archive.end : null;
  }

  // True when footage older than the live window is kept: a retention longer
  // than the window, and more of it on disk than the segments that stay a
  // while after leaving the live playlist.
  hasOlder() {
    const c = this.camera;
    if (c && Number.isFinite(c.retention) && c.retention > 0 && c.retention <= c.window) return false;
    const window = this.liveWindow();
    const archive = this.archiveRange();
    return Boolean(window && archive && archive.start < window.start - this.liveMargin());
  }

  // How far inside the live window a moment must be to be played from the
  // live playlist: its oldest segments leave it while it loads.
  liveMargin() {
    return Math.max(30, 6 * this.targetDuration) * 1000;
  }

  // What the clip form and typed times count as recorded: everything kept.
  recordedSpan() {
    const window = this.liveWindow();
    const archive = this.archiveRange();
    if (!archive) return { start: null, end: null, gaps: [] };
    return { start: archive.start, end: archive.end, gaps: window ? window.gaps : [] };
  }

  shownWallClock() {
    return this.ready() ? mediaToWall(placedSegments(this.player), this.player.currentTime()) : null;
  }

  updatePosition() {
    const { els, player } = this;
    const ready = this.ready();
    for (const b of [els.back10, els.back60, els.fwd10, els.gotoButton]) b.disabled = !ready;
    els.live.disabled = !ready && !(this.loaded && this.mode === 'archive');
    const shown = this.shownWallClock();
    let behind;
    let atLive = false;
    if (ready && this.mode === 'live') {
      const tracker = player.liveTracker;
      behind = Math.max(0, tracker.liveCurrentTime() - player.currentTime());
      atLive = tracker.atLiveEdge();
    } else if (ready && shown !== null && this.edge() !== null) {
      behind = Math.max(0, (this.edge() - shown) / 1000);
    }
    const state = badgeState({ ready: ready && behind !== undefined, atLive, behind });
    renderBadge(els.badge, state, behind);
    els.badge.dataset.source = this.loaded ? this.mode : '';
    els.live.classList.toggle('at-live', state.mode === 'live');
    renderClock(els.clock, shown);
    this.renderTimeline(shown);
    this.clip.update(this.recordedSpan());
  }

  // ---- the timeline: zoom, pan, spans ------------------------------------------

  view() {
    const window = this.liveWindow();
    return zoomView(this.zoom, { window, archive: this.archiveRange(), edge: this.edge(), end: this.viewEnd });
  }

  renderTimeline(shown) {
    const window = this.liveWindow();
    const edge = this.edge();
    if (this.followPosition && shown !== null && edge !== null && !this.timeline.drag) {
      this.viewEnd = viewEndFor(this.zoom, shown, { end: this.viewEnd, edge });
    }
    const view = this.view();
    let spans;
    let minGap = 0;
    if (this.zoom === 'window') {
      spans = window ? spansOfRange(window, window.gaps) : [];
    } else {
      const older = this.archiveSpans ? this.archiveSpans.spans : [];
      spans = combineSpans(older, window, window ? window.gaps : []);
      if (view) minGap = spansResolution(view, this.els.timeline.clientWidth) * 1000;
    }
    this.timeline.render({ span: view, spans, minGap, position: shown, selection: this.clip.selection });
    this.els.timeline.dataset.zoom = this.zoom;
  }

  setZoom(id) {
    this.zoom = id;
    this.els.zoom.value = id;
    this.followPosition = true;
    this.viewEnd = null;
    this.updatePosition();
    this.refreshSpans();
  }

  // How long everything kept spans, in seconds.
  keptSeconds() {
    const archive = this.archiveRange();
    return archive ? (archive.end - archive.start) / 1000 : Infinity;
  }

  // The wheel on the timeline: one level in or out, the time under the
  // pointer staying where it is.
  zoomAround(direction, t, x) {
    const id = zoomStep(this.zoom, direction, this.keptSeconds());
    if (id === this.zoom) return;
    this.setZoom(id);
    const edge = this.edge();
    if (edge === null) return;
    this.viewEnd = viewEndAround(id, t, x, edge);
    this.followPosition = this.viewEnd === null;
    this.updatePosition();
  }

  pan(direction) {
    const archive = this.archiveRange();
    if (this.zoom === 'window' || this.zoom === 'all' || !archive) return;
    this.followPosition = false;
    this.viewEnd = panEnd(this.zoom, direction, { end: this.viewEnd, edge: this.edge(), archiveStart: archive.start });
    this.updatePosition();
  }

  // The archive's spans for the view (and half a view either side, so that
  // panning finds them there), asked again when the view leaves what was
  // asked for, the resolution changes, or after SPANS_REFRESH_MS.
  async refreshSpans() {
    if (this.zoom === 'window' || this.spansLoading || !this.name || !this.hasOlder()) return;
    const view = this.view();
    if (!view) return;
    const resolution = spansResolution(view, this.els.timeline.clientWidth);
    const window = this.liveWindow();
    const have = this.archiveSpans;
    const needEnd = Math.min(view.end, window ? window.start : view.end);
    if (have && have.name === this.name && have.resolution === resolution && have.start <= view.start
        && have.end >= needEnd && Date.now() - have.at < SPANS_REFRESH_MS) return;
    const length = view.end - view.start;
    const start = view.start - length / 2;
    const end = Math.min(view.end + length / 2, this.edge());
    const name = this.name;
    this.spansLoading = true;
    try {
      const spans = await fetchSpans(name, start, end, resolution);
      if (name !== this.name) return;
      // Without the ranges API the live window is all the timeline knows;
      // asked again after a while all the same.
      this.archiveSpans = { name, start, end, resolution, spans: spans || [], at: Date.now() };
      this.updatePosition();
    } finally {
      this.spansLoading = false;
    }
  }

  // ---- moving around ---------------------------------------------------------

  // Media times a jump may land on in the live playlist: from just after the
  // oldest point (plus 0.1 s, as VHS itself does, so rounding does not put the
  // playhead outside the window) to the live point.
  clampToWindow(t) {
    const tracker = this.player.liveTracker;
    return Math.min(Math.max(t, tracker.seekableStart() + 0.1), tracker.seekableEnd());
  }

  jump(seconds) {
    if (!this.ready()) return;
    const shown = this.shownWallClock();
    if (this.mode === 'archive') {
      const archive = this.archiveRange();
      return this.goToWall(seconds === -Infinity && archive ? archive.start : shown + seconds * 1000);
    }
    const tracker = this.player.liveTracker;
    const target = this.player.currentTime() + seconds;
    // Forward past the live point is the live point, and LIVE again.
    if (seconds > 0 && target >= tracker.liveCurrentTime() - this.liveTolerance() / 2) return this.goLive();
    // Back past the live window's oldest point: into the archive, when there is one.
    if (target < tracker.seekableStart() + 0.1 && this.hasOlder() && shown !== null) {
      const archive = this.archiveRange();
      return this.goToWall(seconds === -Infinity ? archive.start : shown + seconds * 1000);
    }
    this.followPosition = true;
    this.player.currentTime(this.clampToWindow(target));
    this.resume();
  }

  goLive() {
    if (!this.loaded) return;
    this.followPosition = true;
    if (this.mode !== 'live') {
      this.setSource('live', null, Infinity);
      return;
    }
    if (!this.ready()) return;
    this.player.liveTracker.seekToLiveEdge();
    this.resume();
  }

  resume() {
    if (this.player.paused()) this.play();
    this.updatePosition();
  }

  // The timeline's click and drag.
  seekToWall(wallMs) {
    this.goToWall(wallMs);
  }

  // Goes to wall-clock time w (ms): in the live playlist when it is in the
  // live window, else in the archive playlist (loading the one that holds it).
  goToWall(w) {
    if (!this.loaded || !Number.isFinite(w)) return;
    this.followPosition = true;
    const window = this.liveWindow();
    if (!this.hasOlder() || sourceFor(w, window, this.liveMargin()) === 'live') {
      if (this.mode === 'live') return this.seekInLive(w);
      return this.setSource('live', null, w);
    }
    // The picture will be older than the live window: zoom the timeline
    // out of it, so that the marker stays in sight.
    if (this.zoom === 'window') this.setZoom('1h');
    if (this.mode === 'archive' && this.ready() && chunkHolds(this.chunk, w)) {
      this.player.currentTime(wallToMedia(placedSegments(this.player), w));
      return this.resume();
    }
    this.loadArchiveAt(w);
  }

  // Seeks the live playlist to wall-clock time w (Infinity: the live edge);
  // until the player can place its segments, w waits in pendingWall.
  seekInLive(w) {
    const t = this.ready() ? wallToMedia(placedSegments(this.player), w) : null;
    if (t === null) {
      this.pendingWall = w;
      return;
    }
    this.pendingWall = null;
    if (w === Infinity || t >= this.player.liveTracker.seekableEnd()) {
      this.player.liveTracker.seekToLiveEdge();
      return this.resume();
    }
    this.player.currentTime(this.clampToWindow(t));
    this.resume();
  }

  // An archive playlist around w, starting at the first picture at or after
  // it (a moment in a gap shows what follows the gap).
  async loadArchiveAt(w) {
    const token = ++this.loadToken;
    const name = this.loaded;
    const spans = await fetchSpans(name, w, w + DAY_MS, 1);
    if (token !== this.loadToken || name !== this.loaded) return;
    let target = w;
    if (spans) {
      const first = firstRecordedFrom(spans, w);
      if (first === null) {
        if (w >= this.edge()) return this.goLive();
        return this.setOutput(`Nothing recorded from ${formatDateTime(w)} for a day.`, true);
      }
      target = first;
      const window = this.liveWindow();
      if (sourceFor(target, window, this.liveMargin()) === 'live') return this.goToWall(Math.max(target, window.start + this.liveMargin()));
    }
    this.setSource('archive', archiveChunk(target, this.archiveRange()), target);
  }

  // Once the player holds the source asked for, goes where it was asked to.
  applyPendingSeek() {
    if (this.pendingWall === null || !this.ready()) return;
    const w = this.pendingWall;
    if (this.mode === 'live') return this.seekInLive(w);
    this.pendingWall = null;
    this.player.currentTime(wallToMedia(placedSegments(this.player), w));
    this.resume();
  }

  // The archive playlist ran out: on with what follows it.
  carryOn() {
    if (this.mode !== 'archive' || !this.loaded) return;
    const shown = this.shownWallClock();
    const next = Math.max(shown === null ? this.chunk.end : shown, this.chunk.end - 1000);
    if (next >= this.edge()) return this.goLive();
    this.goToWall(next);
  }

  // Playback in the archive that reached the live window (faster than real
  // time, or by a jump) goes on from the live playlist.
  returnToLiveWindow() {
    if (this.mode !== 'archive' || this.pendingWall !== null || !this.ready() || this.player.seeking()) return;
    const window = this.liveWindow();
    const shown = this.shownWallClock();
    if (window && shown !== null && sourceFor(shown, window, this.liveMargin()) === 'live') {
      this.setSource('live', null, shown);
    }
  }

  goToTyped(text) {
    const parsed = parseTypedTime(text);
    if (!parsed) {
      return this.setOutput(`"${text}" is not a time: type it as HH:MM or HH:MM:SS, with a date before it for another day, e.g. 14:32 or 2024-05-01 14:32.`, true);
    }
    const span = this.recordedSpan();
    const { time, inside } = resolveTypedTime(parsed, { start: span.start, end: span.end });
    if (!inside) {
      const recorded = span.start !== null ? ` Recorded: ${formatDateTime(span.start)} to ${formatDateTime(span.end)}.` : '';
      return this.setOutput(`Nothing recorded at ${formatDateTime(time)}.${recorded}`, true);
    }
    this.setOutput('');
    this.goToWall(time);
  }

  shortcut(e) {
    if (!this.name || e.ctrlKey || e.metaKey || e.altKey) return;
    if (e.target.closest && e.target.closest('input, select, textarea')) return;
    if (e.key === 'ArrowLeft') this.jump(-10);
    else if (e.key === 'ArrowRight') this.jump(10);
    else if (e.key === 'l' || e.key === 'L' || e.key === 'End') this.goLive();
    // Home is the oldest recorded point, as on any slider.
    else if (e.key === 'Home') this.jump(-Infinity);
    else if (e.key === '+' || e.key === '=') this.setZoom(zoomStep(this.zoom, -1, this.keptSeconds()));
    else if (e.key === '-') this.setZoom(zoomStep(this.zoom, 1, this.keptSeconds()));
    else return;
    e.preventDefault();
  }

  // ---- words on the page ---------------------------------------------------

  renderCameraState(camera) {
    const parts = [camera.name, camera.state];
    if (camera.rangeStart !== null && camera.rangeEnd !== null) {
      const from = camera.archiveStart !== null && camera.archiveStart < camera.rangeStart ? camera.archiveStart : camera.rangeStart;
      parts.push(`recorded ${formatDateTime(from)} to ${formatDateTime(camera.rangeEnd)}`);
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
