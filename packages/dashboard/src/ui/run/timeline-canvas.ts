import { MARK_KIND, SPAN_STATUS, type TimelineData } from '../../shared/timeline-builder.js';
import { duration } from '../format.js';
import { probe } from '../instrument.js';

/** Span colours by status (index = SPAN_STATUS value). */
const COLORS = ['#3b82f6', '#16a34a', '#dc2626', '#f59e0b', '#9ca3af', '#6b7280', '#a855f7'];
const MARK_COLORS: Record<number, string> = {
  [MARK_KIND.retry]: '#f59e0b',
  [MARK_KIND.itemError]: '#dc2626',
  [MARK_KIND.workerLost]: '#111827',
};
const GUTTER = 150;
const AXIS = 22;
const ROW = 18;

/** Rows by node (one per node) or by lane (spans packed into as few rows as overlap allows). */
export type TimelineMode = 'node' | 'lane';

/**
 * A canvas Gantt of timeline spans: 10,000 spans drawn in a few batched paths per frame, only those in
 * view. Wheel zooms around the pointer, shift+wheel and drag pan, keys: ← → pan, + − zoom, ↑ ↓ rows,
 * 0 fits. Frames are coalesced (one draw per animation frame).
 */
export class TimelineCanvas {
  readonly canvas: HTMLCanvasElement;
  mode: TimelineMode = 'node';
  /** Draw times of the last frames (ms), for the probe. */
  readonly frames: number[] = [];
  #data: () => TimelineData;
  #now: () => number | null;
  #msPerPx = 1;
  #startMs = 0;
  #top = 0;
  /** Until the user zooms or pans, every draw fits the whole run (it grows while the run goes on). */
  #follow = true;
  #pending = false;
  #lanes: { count: number; spans: number; lane: Int32Array; rows: number } | null = null;
  #drag: { x: number; y: number; startMs: number; top: number } | null = null;
  onHover: ((text: string | null) => void) | null = null;

  constructor(canvas: HTMLCanvasElement, data: () => TimelineData, now: () => number | null) {
    this.canvas = canvas;
    this.#data = data;
    this.#now = now;
    canvas.addEventListener('wheel', (e) => this.#wheel(e), { passive: false });
    canvas.addEventListener('pointerdown', (e) => {
      canvas.setPointerCapture(e.pointerId);
      this.#drag = { x: e.clientX, y: e.clientY, startMs: this.#startMs, top: this.#top };
    });
    canvas.addEventListener('pointermove', (e) => {
      if (this.#drag) {
        this.#follow = false;
        this.#startMs = this.#drag.startMs - (e.clientX - this.#drag.x) * this.#msPerPx;
        this.#top = Math.max(0, this.#drag.top - (e.clientY - this.#drag.y));
        this.invalidate();
      } else this.#hover(e);
    });
    canvas.addEventListener('pointerup', () => (this.#drag = null));
    canvas.addEventListener('keydown', (e) => this.#key(e));
  }

  /** Redraws at the next animation frame. */
  invalidate(): void {
    if (this.#pending) return;
    this.#pending = true;
    requestAnimationFrame(() => {
      this.#pending = false;
      this.draw();
    });
  }

  /** Shows the whole run, and keeps showing it as it grows (until the next zoom or pan). */
  fit(): void {
    this.#top = 0;
    this.#follow = true;
    this.invalidate();
  }

  /** Zooms by `factor` (> 1 zooms in) around the x offset `atPx` from the canvas's left edge. */
  zoom(factor: number, atPx = GUTTER + (this.#width() - GUTTER) / 2): void {
    this.#follow = false;
    const at = this.#startMs + (atPx - GUTTER) * this.#msPerPx;
    this.#msPerPx = Math.min(1e7, Math.max(1e-4, this.#msPerPx / factor));
    this.#startMs = at - (atPx - GUTTER) * this.#msPerPx;
    this.invalidate();
  }

  /** Pans by `px` pixels (positive: later in time). */
  pan(px: number): void {
    this.#follow = false;
    this.#startMs += px * this.#msPerPx;
    this.invalidate();
  }

  #width(): number {
    return this.canvas.clientWidth || 800;
  }

  #extent(d: TimelineData): number {
    let max = 1;
    for (let i = 0; i < d.end.length; i++) max = Math.max(max, d.end[i]! < 0 ? d.start[i]! : d.end[i]!);
    const now = this.#now();
    if (now !== null && d.t0 !== null) max = Math.max(max, now - d.t0);
    return max * 1.02;
  }

  #laneOf(d: TimelineData): { lane: Int32Array; rows: number } {
    const n = d.start.length;
    if (this.#lanes && this.#lanes.spans === n) return this.#lanes;
    const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => d.start[a]! - d.start[b]!);
    const ends: number[] = [];
    const lane = new Int32Array(n);
    for (const i of order) {
      const s = d.start[i]!;
      const e = d.end[i]! < 0 ? Infinity : d.end[i]!;
      let l = ends.findIndex((x) => x <= s);
      if (l < 0) l = ends.push(e) - 1;
      else ends[l] = e;
      lane[i] = l;
    }
    this.#lanes = { count: n, spans: n, lane, rows: ends.length };
    return this.#lanes;
  }

  /** Draws one frame. */
  draw(): void {
    const t0 = performance.now();
    const d = this.#data();
    if (this.#follow && d.start.length > 0) {
      const w = Math.max(1, this.#width() - GUTTER);
      this.#msPerPx = Math.max(1e-3, this.#extent(d) / w);
      this.#startMs = 0;
    }
    const byLane = this.mode === 'lane' ? this.#laneOf(d) : null;
    const rows = byLane ? byLane.rows : d.rows.length;
    const dpr = window.devicePixelRatio || 1;
    const cw = this.#width();
    const ch = this.canvas.clientHeight || 300;
    if (this.canvas.width !== Math.round(cw * dpr) || this.canvas.height !== Math.round(ch * dpr)) {
      this.canvas.width = Math.round(cw * dpr);
      this.canvas.height = Math.round(ch * dpr);
    }
    const ctx = this.canvas.getContext('2d');
    if (!ctx) return;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, cw, ch);
    this.#top = Math.min(this.#top, Math.max(0, rows * ROW - (ch - AXIS)));
    const firstRow = Math.floor(this.#top / ROW);
    const lastRow = Math.ceil((this.#top + ch - AXIS) / ROW);
    const nowMs = (() => {
      const now = this.#now();
      return now !== null && d.t0 !== null ? now - d.t0 : this.#extent(d);
    })();
    const x = (ms: number): number => GUTTER + (ms - this.#startMs) / this.#msPerPx;
    const paths = COLORS.map(() => new Path2D());
    const viewStart = this.#startMs;
    const viewEnd = this.#startMs + (cw - GUTTER) * this.#msPerPx;
    let inView = 0;
    for (let i = 0; i < d.start.length; i++) {
      const r = byLane ? byLane.lane[i]! : d.row[i]!;
      if (r < firstRow || r > lastRow) continue;
      const s = d.start[i]!;
      const e = d.end[i]! < 0 ? nowMs : d.end[i]!;
      if (e < viewStart || s > viewEnd) continue;
      const x0 = Math.max(GUTTER, x(s));
      const x1 = Math.min(cw, x(e));
      paths[d.status[i]!]!.rect(x0, AXIS + r * ROW - this.#top + 3, Math.max(1, x1 - x0), ROW - 6);
      inView++;
    }
    probe.timeline.inView = inView;
    paths.forEach((p, i) => {
      ctx.fillStyle = COLORS[i]!;
      ctx.fill(p);
    });
    if (!byLane)
      for (let i = 0; i < d.markRow.length; i++) {
        const r = d.markRow[i]!;
        if (r < firstRow || r > lastRow) continue;
        const mx = x(d.markTime[i]!);
        if (mx < GUTTER || mx > cw) continue;
        ctx.fillStyle = MARK_COLORS[d.markKind[i]!] ?? '#000';
        const y = AXIS + r * ROW - this.#top;
        ctx.beginPath();
        ctx.moveTo(mx - 4, y);
        ctx.lineTo(mx + 4, y);
        ctx.lineTo(mx, y + 6);
        ctx.fill();
      }
    // Gutter with row names, then the axis.
    ctx.fillStyle = '#f8fafc';
    ctx.fillRect(0, AXIS, GUTTER, ch - AXIS);
    ctx.fillStyle = '#1f2937';
    ctx.font = '12px system-ui, sans-serif';
    ctx.textBaseline = 'middle';
    for (let r = firstRow; r <= Math.min(lastRow, rows - 1); r++) {
      const name = byLane ? `lane ${r + 1}` : d.rows[r]!;
      ctx.fillText(
        name.length > 22 ? `${name.slice(0, 21)}…` : name,
        6,
        AXIS + r * ROW - this.#top + ROW / 2,
      );
    }
    ctx.fillStyle = '#fff';
    ctx.fillRect(0, 0, cw, AXIS);
    ctx.strokeStyle = '#cbd5e1';
    ctx.beginPath();
    ctx.moveTo(0, AXIS - 0.5);
    ctx.lineTo(cw, AXIS - 0.5);
    ctx.stroke();
    const step = niceStep(this.#msPerPx * 100);
    ctx.fillStyle = '#475569';
    for (let t = Math.ceil(viewStart / step) * step; t <= viewEnd; t += step) {
      const tx = x(t);
      ctx.fillRect(tx, AXIS - 5, 1, 5);
      ctx.fillText(duration(t), tx + 3, AXIS / 2);
    }
    const took = performance.now() - t0;
    this.frames.push(took);
    if (this.frames.length > 600) this.frames.splice(0, this.frames.length - 600);
  }

  #wheel(e: WheelEvent): void {
    e.preventDefault();
    const rect = this.canvas.getBoundingClientRect();
    if (e.shiftKey || Math.abs(e.deltaX) > Math.abs(e.deltaY)) this.pan(e.shiftKey ? e.deltaY : e.deltaX);
    else this.zoom(Math.exp(-e.deltaY / 300), e.clientX - rect.left);
  }

  #key(e: KeyboardEvent): void {
    const w = this.#width() - GUTTER;
    const keys: Record<string, () => void> = {
      ArrowLeft: () => this.pan(-w / 10),
      ArrowRight: () => this.pan(w / 10),
      ArrowUp: () => ((this.#top = Math.max(0, this.#top - ROW * 3)), this.invalidate()),
      ArrowDown: () => ((this.#top += ROW * 3), this.invalidate()),
      '+': () => this.zoom(1.5),
      '=': () => this.zoom(1.5),
      '-': () => this.zoom(1 / 1.5),
      '0': () => this.fit(),
      Home: () => this.fit(),
    };
    const act = keys[e.key];
    if (act) {
      e.preventDefault();
      act();
    }
  }

  #hover(e: PointerEvent): void {
    if (!this.onHover) return;
    const rect = this.canvas.getBoundingClientRect();
    const px = e.clientX - rect.left;
    const py = e.clientY - rect.top;
    const d = this.#data();
    if (px < GUTTER || py < AXIS) return this.onHover(null);
    const r = Math.floor((py - AXIS + this.#top) / ROW);
    const ms = this.#startMs + (px - GUTTER) * this.#msPerPx;
    const byLane = this.mode === 'lane' ? this.#laneOf(d) : null;
    for (let i = d.start.length - 1; i >= 0; i--) {
      if ((byLane ? byLane.lane[i] : d.row[i]) !== r) continue;
      const end = d.end[i]! < 0 ? Infinity : d.end[i]!;
      if (d.start[i]! <= ms && ms <= end) {
        const status = Object.keys(SPAN_STATUS)[d.status[i]!] ?? '?';
        const items = d.items[i] ? ` · ${d.items[i]} items` : '';
        return this.onHover(
          `${d.rows[d.row[i]!]} #${d.invocation[i]} attempt ${d.attempt[i]} · ${status} · ${duration(end === Infinity ? null : end - d.start[i]!)}${items}`,
        );
      }
    }
    this.onHover(null);
  }
}

/** 1, 2 or 5 × 10^k ms, at least `ms`. */
function niceStep(ms: number): number {
  const p = 10 ** Math.floor(Math.log10(Math.max(ms, 1e-3)));
  for (const m of [1, 2, 5, 10]) if (m * p >= ms) return m * p;
  return 10 * p;
}
