// The "download clip" form: From and To, filled with the last minute until a
// person types, takes the time shown, or selects a range on the timeline.
import { clipUrl } from './api.js';
import { chooseClipRange, defaultClipFields } from './clip.js';
import { formatDateTime } from './clock.js';

export class ClipForm {
  // view: { name, shownWallClock(), recordedSpan(), setOutput(text, problem) }
  constructor(els, view) {
    this.els = els;
    this.view = view;
    this.selection = null; // range selected on the timeline { start, end } (ms)
    this.edited = false;   // the person chose a range: stop following the live end
    for (const input of [els.clipFrom, els.clipTo]) {
      input.addEventListener('input', () => {
        this.edited = true;
        this.selection = null;
      });
    }
    els.clipFromHere.addEventListener('click', () => this.takeShown(els.clipFrom));
    els.clipToHere.addEventListener('click', () => this.takeShown(els.clipTo));
    els.clipForm.addEventListener('submit', (e) => {
      e.preventDefault();
      this.download();
    });
  }

  reset() {
    this.selection = null;
    this.edited = false;
    this.els.clipFrom.value = '';
    this.els.clipTo.value = '';
  }

  select(range) {
    this.selection = range;
    this.edited = false;
    this.els.clipFrom.value = formatDateTime(range.start);
    this.els.clipTo.value = formatDateTime(range.end);
    this.els.clipDetails.open = true;
  }

  takeShown(input) {
    const shown = this.view.shownWallClock();
    if (shown === null) return;
    this.edited = true;
    this.selection = null;
    input.value = formatDateTime(shown);
  }

  // Called as the recording grows: keeps the default range on the last minute.
  update(span) {
    if (this.edited || this.selection) return;
    const fields = defaultClipFields(span);
    if (!fields) return;
    if (this.els.clipFrom.value !== fields.from) this.els.clipFrom.value = fields.from;
    if (this.els.clipTo.value !== fields.to) this.els.clipTo.value = fields.to;
  }

  download() {
    const range = chooseClipRange({
      selection: this.selection, fromText: this.els.clipFrom.value, toText: this.els.clipTo.value,
      span: this.view.recordedSpan(),
    });
    if (range.error) return this.view.setOutput(range.error, true);
    const name = this.view.name;
    const link = document.createElement('a');
    link.href = clipUrl(name, range.start, range.end);
    link.download = '';
    document.body.append(link);
    link.click();
    link.remove();
    this.view.setOutput(`Downloading ${name} from ${formatDateTime(range.start)} to ${formatDateTime(range.end)}…`);
  }
}
