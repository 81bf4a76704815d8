// The timeline under the video: the part of the recording in view (the live
// window, a zoomed length, or everything kept), gaps drawn as holes,
// wall-clock labels, the position shown and the clip selection.
// Clicking or dragging seeks (on release, the marker follows the drag);
// dragging with Shift held selects a range for the clip download.
import { formatDateTime } from './clock.js';
import { fractionAtTime, labelText, labelTimes, layoutRecorded, timeAtFraction } from './timeline.js';

const LABEL_SPACING_PX = 80;

export class TimelineView {
  constructor(root, { onSeek, onSelect, onZoom }) {
    this.root = root;
    this.onSeek = onSeek;
    this.onSelect = onSelect;
    this.onZoom = onZoom;
    this.span = null;
    this.drag = null;
    this.key = '';
    root.innerHTML = '';
    this.track = el('div', 'tl-track');
    this.spansLayer = el('div', 'tl-spans');
    this.selection = el('div', 'tl-selection');
    this.selection.hidden = true;
    this.marker = el('div', 'tl-marker');
    this.marker.hidden = true;
    // The time under the pointer, so that a click lands where a person means.
    this.hover = el('div', 'tl-hover');
    this.hover.hidden = true;
    this.track.append(this.spansLayer, this.selection, this.marker, this.hover);
    this.labels = el('div', 'tl-labels');
    this.labels.setAttribute('aria-hidden', 'true');
    root.append(this.track, this.labels);

    this.track.addEventListener('pointerdown', (e) => this.pointerDown(e));
    this.track.addEventListener('pointermove', (e) => this.pointerMove(e));
    this.track.addEventListener('pointerup', (e) => this.pointerUp(e));
    this.track.addEventListener('pointercancel', () => { this.drag = null; });
    this.track.addEventListener('pointerleave', () => { if (!this.drag) this.hover.hidden = true; });
    // The wheel zooms around the time under the pointer.
    this.track.addEventListener('wheel', (e) => {
      if (!this.span || !this.onZoom || e.deltaY === 0) return;
      e.preventDefault();
      const box = this.track.getBoundingClientRect();
      const x = Math.min(1, Math.max(0, (e.clientX - box.left) / box.width));
      this.onZoom(e.deltaY < 0 ? -1 : 1, timeAtFraction(this.span, x), x);
    }, { passive: false });
  }

  // span: the view { start, end } (ms) or null; spans: recorded [{ start, end }];
  // minGap: holes shorter than this (ms) are not drawn; position: ms shown
  // now (or null); selection: { start, end } or null.
  render(args) {
    this.last = args;
    const { span, spans, minGap = 0, position, selection } = args;
    this.span = span && span.end > span.start ? span : null;
    this.root.dataset.empty = this.span ? 'false' : 'true';
    const key = this.span ? `${this.span.start}|${this.span.end}|${JSON.stringify(spans)}|${minGap}|${this.track.clientWidth}` : '';
    if (key !== this.key) {
      this.key = key;
      this.drawSpans(spans || [], minGap);
    }
    const shown = this.drag && !this.drag.select ? this.drag.time : position;
    if (this.span && shown !== null && shown !== undefined && shown >= this.span.start && shown <= this.span.end) {
      this.marker.hidden = false;
      this.marker.style.left = `${fractionAtTime(this.span, shown) * 100}%`;
      this.root.setAttribute('aria-valuenow', String(Math.round(shown / 1000)));
      this.root.setAttribute('aria-valuetext', formatDateTime(shown));
    } else {
      this.marker.hidden = true;
      this.root.removeAttribute('aria-valuenow');
      this.root.setAttribute('aria-valuetext', this.span ? 'the picture shown is outside the part in view' : 'nothing recorded yet');
    }
    const sel = this.drag && this.drag.select ? orderedRange(this.drag.anchor, this.drag.time) : selection;
    if (this.span && sel) {
      const from = fractionAtTime(this.span, sel.start);
      const to = fractionAtTime(this.span, sel.end);
      this.selection.hidden = false;
      this.selection.style.left = `${from * 100}%`;
      this.selection.style.width = `${(to - from) * 100}%`;
    } else {
      this.selection.hidden = true;
    }
  }

  drawSpans(spans, minGap) {
    this.spansLayer.replaceChildren();
    this.labels.replaceChildren();
    if (!this.span) return;
    this.root.setAttribute('aria-valuemin', String(Math.round(this.span.start / 1000)));
    this.root.setAttribute('aria-valuemax', String(Math.round(this.span.end / 1000)));
    const layout = layoutRecorded(this.span, spans, minGap);
    for (const r of layout.recorded) {
      const part = el('div', 'tl-recorded');
      place(part, r.from, r.to);
      this.spansLayer.append(part);
    }
    for (const g of layout.gaps) {
      const hole = el('div', 'tl-gap');
      place(hole, g.from, g.to);
      hole.dataset.start = new Date(g.start).toISOString();
      hole.dataset.end = new Date(g.end).toISOString();
      hole.title = `Nothing recorded from ${formatDateTime(g.start)} to ${formatDateTime(g.end)}`;
      this.spansLayer.append(hole);
    }
    const width = this.track.clientWidth || 300;
    const { step, times } = labelTimes(this.span.start, this.span.end, Math.max(2, Math.floor(width / LABEL_SPACING_PX)));
    for (const t of times) {
      // A label centred on either end would be cut in half.
      const at = fractionAtTime(this.span, t);
      if (at < 0.04 || at > 0.96) continue;
      const label = el('span', 'tl-label');
      label.textContent = labelText(t, step);
      label.dataset.time = new Date(t).toISOString();
      label.style.left = `${at * 100}%`;
      this.labels.append(label);
    }
  }

  timeAt(event) {
    const box = this.track.getBoundingClientRect();
    return timeAtFraction(this.span, (event.clientX - box.left) / box.width);
  }

  pointerDown(event) {
    if (!this.span || event.button > 0) return;
    event.preventDefault();
    this.track.setPointerCapture(event.pointerId);
    const time = this.timeAt(event);
    this.drag = { select: event.shiftKey, anchor: time, time };
    this.root.dataset.dragging = 'true';
  }

  pointerMove(event) {
    if (!this.span) return;
    const time = this.timeAt(event);
    this.hover.hidden = false;
    this.hover.textContent = formatDateTime(time);
    this.hover.style.left = `${fractionAtTime(this.span, time) * 100}%`;
    if (!this.drag) return;
    this.drag.time = time;
    if (this.last) this.render(this.last);
  }

  pointerUp(event) {
    const drag = this.drag;
    this.drag = null;
    delete this.root.dataset.dragging;
    if (!drag || !this.span) return;
    const time = this.timeAt(event);
    if (drag.select && Math.abs(time - drag.anchor) >= 1000) this.onSelect(orderedRange(drag.anchor, time));
    else this.onSeek(time);
  }
}

function orderedRange(a, b) {
  return { start: Math.min(a, b), end: Math.max(a, b) };
}

function el(tag, className) {
  const e = document.createElement(tag);
  e.className = className;
  return e;
}

function place(e, from, to) {
  e.style.left = `${from * 100}%`;
  e.style.width = `${Math.max(0, to - from) * 100}%`;
}
