import type { RunEvent } from '@weft/core';
import { checkBatch, tailLog, type EventLog } from '@weft/core/store';
import type { EventEncoder } from '../shared/event-codec.js';
import { Subscribers } from '../shared/subscribers.js';

interface RunLog {
  /** Stored JSON of the kept events, oldest first. */
  json: string[];
  /** Index in `json` of the first kept event (older ones are dropped lazily). */
  start: number;
  /** seq of json[start]. */
  first: number;
  last: number;
  /** Refs (value hashes) the run's events hold, for value collection. */
  refs: Set<string>;
  bytes: number;
}

/**
 * The event log in memory: each run's stored events as JSON strings, at most `maxEventsPerRun` of
 * them (older ones are trimmed, as `trim` would), so memory stays bounded for long runs.
 */
export class MemoryEvents implements EventLog {
  readonly #logs = new Map<string, RunLog>();
  readonly #subs = new Subscribers();
  readonly #encoder: EventEncoder;
  readonly #max: number;

  constructor(encoder: EventEncoder, maxEventsPerRun: number) {
    this.#encoder = encoder;
    this.#max = maxEventsPerRun;
  }

  async append(runId: string, events: readonly RunEvent[]): Promise<void> {
    if (events.length === 0) return;
    let log = this.#logs.get(runId);
    checkBatch(runId, log?.last ?? 0, events);
    const json = events.map((e) => this.#encoder.json(e));
    if (!log) {
      log = { json: [], start: 0, first: events[0]!.seq, last: 0, refs: new Set(), bytes: 0 };
      this.#logs.set(runId, log);
    }
    for (const s of json) {
      log.json.push(s);
      log.bytes += s.length;
      if (s.includes('"$weftValue"'))
        for (const m of s.matchAll(/"\$weftValue":"(sha256:[0-9a-f]{64})"/g)) log.refs.add(m[1]!);
    }
    log.last = events[events.length - 1]!.seq;
    const kept = log.json.length - log.start;
    if (kept > this.#max) this.#drop(log, kept - this.#max);
    if (this.#subs.has(runId))
      this.#subs.publish(
        runId,
        json.map((s) => JSON.parse(s) as RunEvent),
      );
  }

  async read(runId: string, after: number, limit = Infinity): Promise<readonly RunEvent[]> {
    const log = this.#logs.get(runId);
    if (!log) return [];
    const from = log.start + Math.max(0, after + 1 - log.first);
    const to = Math.min(log.json.length, from + limit);
    const out: RunEvent[] = [];
    for (let i = from; i < to; i++) out.push(JSON.parse(log.json[i]!) as RunEvent);
    return out;
  }

  tail(runId: string, after: number, signal?: AbortSignal): AsyncIterable<RunEvent> {
    return tailLog(
      { read: (id, a, l) => this.read(id, a, l), subscribe: (id, fn) => this.#subs.subscribe(id, fn) },
      runId,
      after,
      signal ? { signal } : {},
    );
  }

  async lastId(runId: string): Promise<number> {
    return this.#logs.get(runId)?.last ?? 0;
  }

  async trim(runId: string, upTo = Infinity): Promise<void> {
    const log = this.#logs.get(runId);
    if (!log) return;
    const n = Math.min(log.json.length - log.start, Math.max(0, Math.min(upTo, log.last) - log.first + 1));
    this.#drop(log, n);
  }

  /** Forgets a run's events (its number too). */
  forget(runId: string): void {
    this.#logs.delete(runId);
  }

  /** Value hashes the kept events refer to. */
  refs(): Set<string> {
    const all = new Set<string>();
    for (const log of this.#logs.values()) for (const r of log.refs) all.add(r);
    return all;
  }

  /** Characters held. */
  bytes(): number {
    let n = 0;
    for (const log of this.#logs.values()) n += log.bytes;
    return n;
  }

  #drop(log: RunLog, n: number): void {
    for (let i = log.start; i < log.start + n; i++) log.bytes -= log.json[i]!.length;
    log.start += n;
    log.first += n;
    if (log.start > 4096 && log.start > log.json.length / 2) {
      log.json = log.json.slice(log.start);
      log.start = 0;
    }
  }
}
