import type { RunEvent } from '@weft/core';

interface StepLine {
  status: 'running' | 'done' | 'cached' | 'skipped' | 'failed' | 'retrying';
  startedAt: number;
  endedAt: number | null;
  items: number;
  cachedItems: number;
  total: number | null;
  retries: number;
}

/**
 * Progress of one run, fed by its events: per step, map items done/total, rate and ETA. `render`
 * is pure (it takes the time), so it is tested without a terminal or a clock.
 */
export class Progress {
  readonly #steps = new Map<string, StepLine>();
  #finished: { status: string; durationMs: number } | null = null;

  onEvent(e: RunEvent, now: number): void {
    const key = 'step' in e ? [...e.path, e.step].join('/') : '';
    switch (e.type) {
      case 'step.start':
        this.#line(key, now).status = 'running';
        break;
      case 'step.end': {
        const s = this.#line(key, now);
        s.status = 'done';
        s.endedAt = now;
        break;
      }
      case 'step.skip': {
        const s = this.#line(key, now);
        s.status = e.cached ? 'cached' : 'skipped';
        s.endedAt = now;
        break;
      }
      case 'step.error':
        this.#line(key, now).status = e.willRetry ? 'retrying' : 'failed';
        break;
      case 'step.retry':
        this.#line(key, now).retries++;
        break;
      case 'map.start':
        this.#line(key, now).total = e.total;
        break;
      case 'map.item': {
        const s = this.#line(key, now);
        s.items++;
        if (e.cached) s.cachedItems++;
        break;
      }
      case 'run.finish':
        this.#finished = { status: e.status, durationMs: e.durationMs };
        break;
      default:
        break;
    }
  }

  #line(key: string, now: number): StepLine {
    let s = this.#steps.get(key);
    if (!s) {
      s = {
        status: 'running',
        startedAt: now,
        endedAt: null,
        items: 0,
        cachedItems: 0,
        total: null,
        retries: 0,
      };
      this.#steps.set(key, s);
    }
    return s;
  }

  /** The progress block: one line per step. */
  render(now: number): string[] {
    const lines: string[] = [];
    const width = Math.max(4, ...[...this.#steps.keys()].map((k) => k.length));
    for (const [name, s] of this.#steps) {
      const elapsed = ((s.endedAt ?? now) - s.startedAt) / 1000;
      let detail = '';
      if (s.total !== null || s.items > 0) {
        const fresh = s.items - s.cachedItems;
        const rate = elapsed > 0 ? fresh / elapsed : 0;
        detail = `${s.items}${s.total !== null ? `/${s.total}` : ''} items`;
        if (s.total !== null && s.total > 0)
          detail += ` ${bar(s.items / s.total)} ${Math.floor((100 * s.items) / s.total)}%`;
        if (rate > 0) detail += ` ${formatRate(rate)}/s`;
        if (s.status === 'running' && s.total !== null && rate > 0)
          detail += ` ETA ${formatSeconds((s.total - s.items) / rate)}`;
        if (s.cachedItems > 0) detail += ` (${s.cachedItems} cached)`;
      }
      const retry = s.retries > 0 ? ` ${s.retries} retr${s.retries === 1 ? 'y' : 'ies'}` : '';
      lines.push(
        `${icon(s.status)} ${name.padEnd(width)} ${s.status.padEnd(8)} ${formatSeconds(elapsed).padStart(6)} ${detail}${retry}`.trimEnd(),
      );
    }
    return lines;
  }

  /** The closing summary line. */
  summary(): string {
    const counts = { done: 0, cached: 0, skipped: 0, failed: 0 };
    let items = 0;
    let cachedItems = 0;
    for (const s of this.#steps.values()) {
      if (s.status === 'done') counts.done++;
      else if (s.status === 'cached') counts.cached++;
      else if (s.status === 'skipped') counts.skipped++;
      else if (s.status === 'failed') counts.failed++;
      items += s.items;
      cachedItems += s.cachedItems;
    }
    const f = this.#finished;
    const head = f ? `run ${f.status} in ${formatSeconds(f.durationMs / 1000)}` : 'run interrupted';
    const parts = [`${counts.done} steps ran`, `${counts.cached} cached`];
    if (counts.skipped) parts.push(`${counts.skipped} skipped`);
    if (counts.failed) parts.push(`${counts.failed} failed`);
    if (items) parts.push(`${items} map items${cachedItems ? ` (${cachedItems} cached)` : ''}`);
    return `${head}: ${parts.join(', ')}`;
  }
}

function icon(status: StepLine['status']): string {
  switch (status) {
    case 'running':
      return '…';
    case 'retrying':
      return '↻';
    case 'done':
      return '✓';
    case 'cached':
      return '≡';
    case 'skipped':
      return '-';
    case 'failed':
      return '✗';
  }
}

function bar(fraction: number): string {
  const n = Math.max(0, Math.min(20, Math.round(fraction * 20)));
  return `[${'#'.repeat(n)}${'.'.repeat(20 - n)}]`;
}

/** 0.4s, 12s, 3m05s, 1h02m. */
export function formatSeconds(s: number): string {
  if (!Number.isFinite(s) || s < 0) return '?';
  if (s < 10) return `${s.toFixed(1)}s`;
  if (s < 60) return `${Math.round(s)}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

function formatRate(r: number): string {
  return r >= 1000 ? `${(r / 1000).toFixed(1)}k` : r >= 10 ? r.toFixed(0) : r.toFixed(1);
}

/** Redraws a progress block in place on a terminal (stderr), at most every `intervalMs`. */
export class TtyProgress {
  readonly #p = new Progress();
  readonly #write: (s: string) => void;
  #drawn = 0;
  #timer: NodeJS.Timeout | null = null;

  constructor(write: (s: string) => void, intervalMs = 100) {
    this.#write = write;
    this.#timer = setInterval(() => this.draw(), intervalMs);
    this.#timer.unref();
  }

  onEvent(e: RunEvent): void {
    this.#p.onEvent(e, Date.now());
  }

  draw(): void {
    const lines = this.#p.render(Date.now());
    const up = this.#drawn > 0 ? `\x1b[${this.#drawn}F` : '';
    this.#write(up + lines.map((l) => `\x1b[2K${l}\n`).join(''));
    this.#drawn = lines.length;
  }

  stop(): string {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    this.draw();
    return this.#p.summary();
  }
}
