// Stream DVR browser player: the entry point. Polls /api/cameras and shows
// either the grid of all cameras (no #cam= in the URL) or one camera
// (#cam=NAME), so that a link or a reload keeps what is shown.
import { fetchCameras } from './api.js';
import { stateLabel } from './camera-state.js';
import { GridView } from './grid.js';
import { SingleView } from './single-view.js';

const POLL_MS = 2000;
const $ = (id) => document.getElementById(id);

const chooser = $('camera');
const allButton = $('all-cameras');
const gridSection = $('grid-view');
const singleSection = $('single-view');

const single = new SingleView({
  video: $('video'), message: $('message'), timeline: $('timeline'),
  badge: $('badge'), clock: $('clock'),
  back10: $('back10'), back60: $('back60'), fwd10: $('fwd10'), live: $('live'),
  gotoForm: $('goto-form'), gotoInput: $('goto'), gotoButton: $('goto-button'),
  speed: $('speed'), zoom: $('zoom'), earlier: $('tl-earlier'), later: $('tl-later'),
  clipDetails: $('clip'), clipForm: $('clip-form'), clipFrom: $('clip-from'), clipTo: $('clip-to'),
  clipFromHere: $('clip-from-here'), clipToHere: $('clip-to-here'),
  output: $('output'), notice: $('notice'), status: $('status'),
  storageBanner: $('storage-banner'),
});
const grid = new GridView($('grid'), { onOpen: (name) => { location.hash = `cam=${encodeURIComponent(name)}`; } });

let cameras = [];

function cameraFromHash() {
  return new URLSearchParams(location.hash.replace(/^#/, '')).get('cam');
}

// The URL decides the view. An unknown #cam= keeps the camera shown, or takes the first.
function route() {
  let name = cameraFromHash();
  const names = cameras.map((c) => c.name);
  if (name !== null && cameras.length && !names.includes(name)) {
    name = names.includes(single.name) ? single.name : names[0];
    history.replaceState(null, '', `#cam=${encodeURIComponent(name)}`);
  }
  const isSingle = name !== null;
  gridSection.hidden = isSingle;
  singleSection.hidden = !isSingle;
  allButton.hidden = !isSingle;
  grid.setActive(!isSingle);
  if (isSingle) {
    single.show(name);
    chooser.value = name;
    document.title = `${name} · Stream DVR`;
  } else {
    single.hide();
    chooser.value = '';
    document.title = 'All cameras · Stream DVR';
  }
}

// One option per camera, with its state; rebuilt only when the set changes.
function renderChooser() {
  const names = cameras.map((c) => c.name);
  const current = Array.from(chooser.options).map((o) => o.value).filter(Boolean);
  if (names.join('\n') !== current.join('\n')) {
    const placeholder = new Option('Choose a camera…', '');
    placeholder.disabled = true;
    placeholder.hidden = true;
    chooser.replaceChildren(placeholder, ...names.map((name) => new Option(name, name)));
  }
  for (const c of cameras) {
    const option = Array.from(chooser.options).find((o) => o.value === c.name);
    option.textContent = `${c.name} — ${stateLabel(c)}`;
  }
  chooser.disabled = names.length === 0;
  chooser.value = single.name && names.includes(single.name) ? single.name : '';
}

async function poll() {
  try {
    cameras = await fetchCameras();
    single.setRecorderDown(false);
    $('grid-message').hidden = true;
  } catch (e) {
    single.setRecorderDown(true, e.message);
    showGridMessage('Cannot reach the recorder. Retrying…');
    return;
  }
  renderChooser();
  if (cameraFromHash() !== null && !cameras.some((c) => c.name === cameraFromHash())) route();
  if (cameras.length === 0) showGridMessage('No cameras are configured.');
  grid.update(cameras);
  if (single.name) single.update(cameras.find((c) => c.name === single.name));
}

function showGridMessage(text) {
  const m = $('grid-message');
  m.textContent = text;
  m.hidden = false;
}

chooser.addEventListener('change', () => { location.hash = `cam=${encodeURIComponent(chooser.value)}`; });
allButton.addEventListener('click', () => {
  history.pushState(null, '', location.pathname + location.search);
  route();
  poll();
});
window.addEventListener('hashchange', () => {
  route();
  poll();
});
window.addEventListener('popstate', () => route());

route();
// Chained, not setInterval, so that a slow answer never piles up.
(async function loop() {
  await poll();
  setTimeout(loop, POLL_MS);
})();
