import type { EventBody } from './types.js';

/** Latency summary of one step. */
export interface StepLatency {
  readonly count: number;
  readonly errors: number;
  readonly retries: number;
  readonly skips: number;
  readonly meanMs: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
}

/** Runtime metrics, carried by the finish event. */
export interface RunMetrics {
  readonly durationMs: number;
  readonly orchestrator: string;
  /** Invocations dispatched (map items counted one each). */
  readonly tasks: number;
  readonly queueDepthMax: number;
  readonly steps: Readonly<Record<string, StepLatency>>;
  readonly barrierWaits: Readonly<
    Record<string, { readonly count: number; readonly totalMs: number; readonly maxMs: number }>
  >;
  readonly mapFanout: Readonly<Record<string, { readonly items: number; readonly failed: number }>>;
  readonly tokens: number;
  readonly retries: number;
  readonly retryableErrors: number;
  readonly fatalErrors: number;
  readonly workerRestarts: number;
  readonly bytesMoved: number;
  readonly events: number;
  /** Free-form facts from the orchestrator (pool size, tuning profile used, …). */
  readonly extra: Readonly<Record<string, unknown>>;
}

const RESERVOIR = 512;

interface StepAcc {
  count: number;
  errors: number;
  retries: number;
  skips: number;
  sum: number;
  max: number;
  samples: number[];
}

/** Accumulates metrics from the event stream (an observer) plus counters the runtime feeds. */
export class MetricsCollector {
  readonly #steps = new Map<string, StepAcc>();
  readonly #barriers = new Map<string, { count: number; totalMs: number; maxMs: number }>();
  readonly #maps = new Map<string, { items: number; failed: number }>();
  tasks = 0;
  queueDepthMax = 0;
  #tokens = 0;
  #retries = 0;
  #retryable = 0;
  #fatal = 0;
  #events = 0;
  /** Facts the engine adds to the orchestrator's `extra` (the tuning profile in use). */
  readonly extra: Record<string, unknown> = {};

  /** One event of the run (its path and body: the collector needs no built event). */
  onEvent(path: readonly string[], e: EventBody): void {
    this.#events++;
    const key = path.length > 0 && 'step' in e ? `${path.join('/')}/${e.step}` : 'step' in e ? e.step : '';
    switch (e.type) {
      case 'step.end': {
        const s = this.#step(key);
        s.count++;
        s.sum += e.durationMs;
        if (e.durationMs > s.max) s.max = e.durationMs;
        if (s.samples.length < RESERVOIR) s.samples.push(e.durationMs);
        else s.samples[s.count % RESERVOIR] = e.durationMs;
        break;
      }
      case 'step.error':
        this.#step(key).errors++;
        if (e.willRetry) this.#retryable++;
        else this.#fatal++;
        break;
      case 'step.retry':
        this.#step(key).retries++;
        this.#retries++;
        break;
      case 'step.skip':
        this.#step(key).skips++;
        break;
      case 'token':
        this.#tokens += e.tokens.length;
        break;
      case 'barrier.release': {
        const b = this.#barriers.get(key) ?? { count: 0, totalMs: 0, maxMs: 0 };
        b.count++;
        b.totalMs += e.waitedMs;
        b.maxMs = Math.max(b.maxMs, e.waitedMs);
        this.#barriers.set(key, b);
        break;
      }
      case 'map.complete':
        this.#maps.set(key, { items: e.count, failed: e.failed });
        break;
      default:
        break;
    }
  }

  /** Builds the final metrics object. */
  snapshot(
    durationMs: number,
    orchestrator: string,
    stats: { workerRestarts: number; bytesMoved: number; extra?: Record<string, unknown> },
  ): RunMetrics {
    const steps: Record<string, StepLatency> = {};
    for (const [k, s] of this.#steps) {
      const sorted = [...s.samples].sort((a, b) => a - b);
      const q = (p: number): number =>
        sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
      steps[k] = {
        count: s.count,
        errors: s.errors,
        retries: s.retries,
        skips: s.skips,
        meanMs: s.count === 0 ? 0 : s.sum / s.count,
        p50Ms: q(0.5),
        p99Ms: q(0.99),
        maxMs: s.max,
      };
    }
    return {
      durationMs,
      orchestrator,
      tasks: this.tasks,
      queueDepthMax: this.queueDepthMax,
      steps,
      barrierWaits: Object.fromEntries(this.#barriers),
      mapFanout: Object.fromEntries(this.#maps),
      tokens: this.#tokens,
      retries: this.#retries,
      retryableErrors: this.#retryable,
      fatalErrors: this.#fatal,
      workerRestarts: stats.workerRestarts,
      bytesMoved: stats.bytesMoved,
      events: this.#events + 1,
      extra: { ...(stats.extra ?? {}), ...this.extra },
    };
  }

  #step(key: string): StepAcc {
    let s = this.#steps.get(key);
    if (!s) {
      s = { count: 0, errors: 0, retries: 0, skips: 0, sum: 0, max: 0, samples: [] };
      this.#steps.set(key, s);
    }
    return s;
  }
}
