import { useSignal } from '@preact/signals';
import { useEffect, useRef } from 'preact/hooks';
import { html } from '../html.js';
import { mark, probe } from '../instrument.js';
import { TimelineCanvas, type TimelineMode } from './timeline-canvas.js';
import type { RunState } from './run-state.js';

/** The timeline tab: the canvas Gantt with the by-node / by-lane toggle, and what the pointer is over. */
export function TimelineView({ state }: { state: RunState }) {
  const ref = useRef<HTMLCanvasElement>(null);
  const gantt = useRef<TimelineCanvas | null>(null);
  const mode = useSignal<TimelineMode>('node');
  const hover = useSignal<string | null>(null);
  const tick = state.timelineTick.value;
  useEffect(() => {
    const canvas = ref.current!;
    // Running spans end at the last event's time (the engine's clock, not the page's).
    const running = (): number | null => (state.status === 'running' ? state.snap.lastTime : null);
    const g = new TimelineCanvas(canvas, () => state.snap.timeline, running);
    g.onHover = (t) => (hover.value = t);
    gantt.current = g;
    probe.timeline.frames = g.frames;
    g.draw();
    mark('weft:timeline-ready');
    const resize = new ResizeObserver(() => g.invalidate());
    resize.observe(canvas);
    // Running spans grow with the run's clock: redraw a few times a second while it runs.
    const grow = setInterval(() => {
      if (state.status === 'running') g.invalidate();
    }, 250);
    return () => {
      resize.disconnect();
      clearInterval(grow);
    };
  }, []);
  useEffect(() => {
    probe.timeline.spanCount = state.snap.timeline.start.length;
    gantt.current?.invalidate();
  }, [tick]);
  const setMode = (m: TimelineMode): void => {
    mode.value = m;
    if (gantt.current) {
      gantt.current.mode = m;
      gantt.current.invalidate();
    }
  };
  const t = state.snap.timeline;
  return html`<section class="timeline" data-timeline data-spans=${t.start.length} data-mode=${mode.value}>
    <div class="toolbar" role="toolbar" aria-label="timeline">
      <span>Rows:</span>
      <button
        type="button"
        aria-pressed=${mode.value === 'node'}
        data-mode-button="node"
        onClick=${() => setMode('node')}
      >
        by node
      </button>
      <button
        type="button"
        aria-pressed=${mode.value === 'lane'}
        data-mode-button="lane"
        onClick=${() => setMode('lane')}
      >
        by lane
      </button>
      <button type="button" onClick=${() => gantt.current?.zoom(1.5)} aria-label="zoom in">+</button>
      <button type="button" onClick=${() => gantt.current?.zoom(1 / 1.5)} aria-label="zoom out">−</button>
      <button type="button" onClick=${() => gantt.current?.fit()}>fit</button>
      <span class="hint"
        >${t.start.length.toLocaleString('en-US')} spans · wheel zooms, drag or shift+wheel pans, keys ← → + −
        0</span
      >
    </div>
    <canvas
      ref=${ref}
      class="gantt"
      tabindex="0"
      role="img"
      aria-label=${`timeline of ${t.start.length} spans; arrow keys pan, plus and minus zoom`}
      data-gantt
    ></canvas>
    <p class="hover" aria-live="polite">${hover.value ?? '\u00a0'}</p>
    ${
      mode.value === 'lane'
        ? html`<p class="more">
            Lanes pack spans that overlap in time; the engine does not report worker threads yet.
          </p>`
        : null
    }
  </section>`;
}
