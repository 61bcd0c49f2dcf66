/**
 * What the page tells about itself, for the browser suite and for people measuring it:
 * `window.__weft` holds the event seqs the page applied, live-update latencies, the timeline's span
 * count and frame times, and long tasks (> 50 ms) seen by a PerformanceObserver. Marks:
 * `weft:boot`, `weft:first-paint`, `weft:graph-ready`, `weft:timeline-ready`, `weft:ready`.
 */
export interface WeftProbe {
  /** Seqs of the events applied after the snapshot, in order. */
  readonly seen: number[];
  /** The snapshot's last seq. */
  snapshotSeq: number;
  /** ms from an event's `time` to the frame that showed it (live events only). */
  readonly latencies: number[];
  readonly longTasks: { start: number; duration: number }[];
  /** The timeline's spans, those its last draw had in view, and its draw times. */
  readonly timeline: { spanCount: number; inView: number; frames: number[] };
  /** Frames that carried several token events (the service merges consecutive ones). */
  merged: number;
  /** EventSource (re)connections. */
  connections: number;
  ready: boolean;
}

declare global {
  interface Window {
    __weft: WeftProbe;
  }
}

/** The page's probe, created once. */
export const probe: WeftProbe = (window.__weft = {
  seen: [],
  snapshotSeq: 0,
  latencies: [],
  longTasks: [],
  timeline: { spanCount: 0, inView: 0, frames: [] },
  merged: 0,
  connections: 0,
  ready: false,
});

try {
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) probe.longTasks.push({ start: e.startTime, duration: e.duration });
  }).observe({ type: 'longtask', buffered: true });
} catch {
  // No longtask entries in this browser: the probe stays empty.
}

/** `performance.mark` once per name. */
export function mark(name: string): void {
  if (performance.getEntriesByName(name, 'mark').length === 0) performance.mark(name);
}

/** Epoch ms now, sub-millisecond (comparable with events' `time` on the same machine). */
export const epochNow = (): number => performance.timeOrigin + performance.now();
