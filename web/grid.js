// The grid: every camera live in a small muted tile; a tile opens the single
// view. A camera that is not recording shows its state in words instead of a
// black box. Only tiles on screen play: with many cameras, the ones scrolled
// away cost neither bandwidth nor decoding.
import { playlistReady } from './api.js';
import { codecProblemText, isTrouble, stateLabel, waitingText } from './camera-state.js';
import { createLivePlayer, startPlaying } from './live-video.js';
import { renderStorageBanner } from './storage-banner.js';

const RETRY_AFTER_ERROR_MS = 3000;

export class GridView {
  constructor(root, { onOpen }) {
    this.root = root;
    this.onOpen = onOpen;
    this.tiles = new Map(); // camera name -> tile
    this.active = false;
    this.cameras = [];
    this.observer = new IntersectionObserver((entries) => {
      for (const entry of entries) {
        const tile = this.tiles.get(entry.target.dataset.camera);
        if (!tile) continue;
        tile.visible = entry.isIntersecting;
        if (!tile.visible) unloadTile(tile);
      }
      this.update(this.cameras);
    });
  }

  // Shown: tiles play. Hidden: their players are let go, so that the grid
  // costs nothing while one camera is watched.
  setActive(active) {
    this.active = active;
    if (!active) {
      this.observer.disconnect();
      for (const tile of this.tiles.values()) disposeTile(tile);
      this.tiles.clear();
      this.root.replaceChildren();
    }
  }

  update(cameras) {
    this.cameras = cameras;
    if (!this.active) return;
    const names = cameras.map((c) => c.name);
    for (const [name, tile] of this.tiles) {
      if (!names.includes(name)) {
        this.observer.unobserve(tile.element);
        disposeTile(tile);
        tile.element.remove();
        this.tiles.delete(name);
      }
    }
    cameras.forEach((camera, i) => {
      let tile = this.tiles.get(camera.name);
      if (!tile) {
        tile = this.createTile(camera.name);
        this.tiles.set(camera.name, tile);
      }
      // The API's order; a tile already in place is not moved.
      if (this.root.children[i] !== tile.element) this.root.insertBefore(tile.element, this.root.children[i] || null);
      this.updateTile(tile, camera);
    });
  }

  createTile(name) {
    const element = document.createElement('article');
    element.className = 'tile';
    element.dataset.camera = name;
    const video = document.createElement('video');
    video.className = 'video-js';
    video.muted = true;
    video.setAttribute('playsinline', '');
    video.setAttribute('aria-label', `Camera ${name} live`);
    const message = document.createElement('p');
    message.className = 'tile-message';
    message.hidden = true;
    const open = document.createElement('button');
    open.type = 'button';
    open.className = 'tile-open';
    open.setAttribute('aria-label', `Open camera ${name}`);
    const title = document.createElement('span');
    title.className = 'tile-name';
    title.textContent = name;
    const state = document.createElement('span');
    state.className = 'tile-state';
    open.append(title, state);
    open.addEventListener('click', () => this.onOpen(name));
    const banner = document.createElement('p');
    banner.className = 'storage-banner tile-banner';
    banner.setAttribute('role', 'alert');
    banner.hidden = true;
    element.append(video, message, banner, open);
    this.root.append(element);
    const player = createLivePlayer(video, { controls: false });
    const tile = { name, element, player, message, banner, state, loaded: false, checking: false, retryAt: 0, visible: false };
    this.observer.observe(element);
    player.on('error', () => {
      player.reset();
      tile.loaded = false;
      tile.retryAt = Date.now() + RETRY_AFTER_ERROR_MS;
      showTileMessage(tile, `Playback of ${name} failed. Retrying…`, true);
    });
    return tile;
  }

  async updateTile(tile, camera) {
    tile.state.textContent = stateLabel(camera);
    tile.element.dataset.state = camera.state;
    renderStorageBanner(tile.banner, camera);
    const problem = codecProblemText(camera);
    if (problem) {
      unloadTile(tile);
      showTileMessage(tile, `${camera.name} sends H.265, which this player cannot show. Open it for details.`, true);
      return;
    }
    if (tile.loaded) {
      showTileMessage(tile, camera.state === 'recording' ? '' : waitingText(camera), isTrouble(camera));
      return;
    }
    if (!tile.visible || tile.checking || Date.now() < tile.retryAt) return;
    const hasVideo = camera.segments > 0 || camera.state === 'recording';
    tile.checking = true;
    const ready = hasVideo && await playlistReady(camera);
    tile.checking = false;
    if (this.tiles.get(camera.name) !== tile || !tile.visible || tile.loaded) return; // changed meanwhile
    if (!ready) {
      showTileMessage(tile, waitingText(camera), isTrouble(camera));
      return;
    }
    tile.loaded = true;
    showTileMessage(tile, '');
    tile.player.src({ src: camera.playlist, type: 'application/x-mpegURL' });
    startPlaying(tile.player);
  }
}

function showTileMessage(tile, text, trouble = false) {
  tile.message.hidden = !text;
  if (tile.message.textContent !== text) tile.message.textContent = text;
  tile.message.dataset.kind = trouble ? 'trouble' : '';
}

function unloadTile(tile) {
  if (!tile.loaded) return;
  tile.loaded = false;
  tile.player.reset();
}

function disposeTile(tile) {
  try {
    tile.player.dispose();
  } catch (e) {
    // Disposing a player whose element already left the page throws; nothing is lost.
  }
}
