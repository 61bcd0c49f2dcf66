import type { RunEvent } from '@weft/core';
import type { ValueRef } from '@weft/core/store';
import { isPlainJson } from './value-codec.js';

/** Values inside a stored event above this many bytes (or that JSON cannot hold) are stored by hash. */
export const INLINE_LIMIT = 64 * 1024;

/** Stores a value and returns its reference (the store's ValueStore.put). */
export type PutValue = (value: unknown) => ValueRef;

/**
 * Turns events into their stored JSON form: every value a step produced (an output, a checkpoint,
 * tokens, suspend data, an error's data) is kept inline when JSON holds it exactly and it is small,
 * and replaced by a {@link ValueRef} otherwise. The JSON of an event is computed once per turn of
 * the event loop (and for at most {@link CACHED} events: a loop of appends that never yields keeps
 * no more), so the event log and the audit of one batch share it.
 */
/** Events whose JSON is kept at most (the engine's batches hold up to 1024). */
const CACHED = 4096;

export class EventEncoder {
  readonly #put: PutValue;
  readonly #limit: number;
  #cache = new Map<object, string>();
  #clearing = false;

  constructor(put: PutValue, limit = INLINE_LIMIT) {
    this.#put = put;
    this.#limit = limit;
  }

  /** The stored JSON of an event. */
  json(e: RunEvent): string {
    let s = this.#cache.get(e);
    if (s === undefined) {
      s = JSON.stringify(this.stored(e));
      if (this.#cache.size >= CACHED) this.#cache = new Map();
      this.#cache.set(e, s);
      if (!this.#clearing) {
        this.#clearing = true;
        setImmediate(() => {
          this.#clearing = false;
          this.#cache = new Map();
        }).unref();
      }
    }
    return s;
  }

  /** The JSON of an audit body: a stored event for an event, plain JSON (values by ref) for an action. */
  body(body: unknown): string {
    if (isEvent(body)) return this.json(body);
    return JSON.stringify(this.#value(body));
  }

  /** The stored form of an event (an object JSON holds exactly). */
  stored(e: RunEvent): RunEvent {
    switch (e.type) {
      case 'step.end':
        return { ...e, output: this.#value(e.output) };
      case 'checkpoint':
        return { ...e, value: this.#value(e.value) };
      case 'token':
        return { ...e, tokens: this.#value(e.tokens) as readonly unknown[] };
      case 'run.suspend':
        return {
          ...e,
          reasons: e.reasons.map((r) => (r.data === undefined ? r : { ...r, data: this.#value(r.data) })),
        };
      case 'step.error':
      case 'map.item':
        return e.error === undefined ? e : { ...e, error: this.#plain(e.error) };
      case 'run.finish':
        return {
          ...e,
          metrics: this.#plain(e.metrics),
          ...(e.error === undefined ? {} : { error: this.#plain(e.error) }),
        };
      default:
        return e;
    }
  }

  #value(v: unknown): unknown {
    if (v === undefined) return v;
    return isPlainJson(v, this.#limit) ? v : this.#put(v);
  }

  /** Engine data (errors, metrics) that should be JSON; kept whole, by ref when it is not. */
  #plain<T>(v: T): T {
    return (isPlainJson(v, 1 << 22) ? v : this.#put(v)) as T;
  }
}

function isEvent(v: unknown): v is RunEvent {
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof (v as RunEvent).type === 'string' &&
    typeof (v as RunEvent).seq === 'number' &&
    typeof (v as RunEvent).runId === 'string'
  );
}
