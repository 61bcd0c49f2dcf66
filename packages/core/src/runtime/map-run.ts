import { WeftError, serializeError, type SerializedError } from '../errors/weft-error.js';
import type { EventBody } from '../events/types.js';
import type { TimerHandle } from '../clock/clock.js';
import { isControl, type Control } from '../definition/control.js';
import type { ItemOutcome, TaskOutcome } from '../orchestrator/types.js';
import type { PlanNode } from '../plan/execution-plan.js';
import { backoffDelay, isRetryable } from '../scheduler/backoff.js';
import type { ActivationData } from './snapshot.js';
import type { ExecutionDeps } from './execution-deps.js';
import type { StateBox } from './state-box.js';
import { guidedChunk, type GuidedChunking } from './guided-chunk.js';

/** Pulls map items from an array, an iterable or an async iterable. */
export interface ItemSource {
  /** Up to `n` items available now ([] when an async pull is under way). */
  take(n: number): unknown[];
  readonly exhausted: boolean;
  /** Set when the iterator threw: the map fails with that error. */
  readonly failed: { readonly error: unknown } | undefined;
  /** Called when an async pull delivered items. */
  onReady: (() => void) | undefined;
}

/** Wraps a map node's input; strings and non-iterables are refused. */
export function toItemSource(
  input: unknown,
): { ok: true; source: ItemSource; total: number | null } | { ok: false; got: string } {
  if (Array.isArray(input)) {
    let i = 0;
    return {
      ok: true,
      total: input.length,
      source: {
        take(n) {
          const out = input.slice(i, i + n);
          i += out.length;
          return out;
        },
        get exhausted() {
          return i >= input.length;
        },
        failed: undefined,
        onReady: undefined,
      },
    };
  }
  if (typeof input === 'object' && input !== null) {
    const sync = (input as Iterable<unknown>)[Symbol.iterator];
    if (typeof sync === 'function') {
      const it: Iterator<unknown> = sync.call(input);
      let done = false;
      let failed: { error: unknown } | undefined;
      return {
        ok: true,
        total: input instanceof Map || input instanceof Set ? input.size : null,
        source: {
          take(n) {
            const out: unknown[] = [];
            try {
              while (!done && out.length < n) {
                const r = it.next();
                if (r.done) done = true;
                else out.push(r.value);
              }
            } catch (error) {
              done = true;
              failed = { error };
            }
            return out;
          },
          get exhausted() {
            return done;
          },
          get failed() {
            return failed;
          },
          onReady: undefined,
        },
      };
    }
    const asyncIt = (input as AsyncIterable<unknown>)[Symbol.asyncIterator];
    if (typeof asyncIt === 'function')
      return { ok: true, total: null, source: asyncSource(asyncIt.call(input)) };
  }
  return { ok: false, got: input === null ? 'null' : typeof input === 'string' ? 'a string' : typeof input };
}

function asyncSource(it: AsyncIterator<unknown>): ItemSource {
  const buffer: unknown[] = [];
  let done = false;
  let pulling = false;
  const src: ItemSource & { failed: { error: unknown } | undefined } = {
    failed: undefined,
    take(n) {
      if (buffer.length < n && !done && !pulling) {
        pulling = true;
        void (async () => {
          try {
            while (!done && buffer.length < n) {
              const r = await it.next();
              if (r.done) done = true;
              else buffer.push(r.value);
            }
          } catch (error) {
            done = true;
            src.failed = { error };
          } finally {
            pulling = false;
            src.onReady?.();
          }
        })();
      }
      return buffer.splice(0, n);
    },
    get exhausted() {
      return done && buffer.length === 0;
    },
    onReady: undefined,
  };
  return src;
}

/** What a map needs from its execution. */
export interface MapDeps {
  readonly id: number;
  readonly node: PlanNode;
  readonly act: ActivationData;
  readonly source: ItemSource;
  readonly total: number | null;
  readonly chunkSize: number;
  /** Set when no chunk size was given and the map's size is known: chunks shrink as it drains (chunkSize is then the largest). */
  readonly guided?: GuidedChunking;
  readonly concurrency: number;
  readonly random: () => number;
  emit(body: EventBody): void;
  canDispatch(): boolean;
  dispatch(items: unknown[], baseIndex: number, attempts: number[]): { readonly id: number };
  timer(ms: number, fn: () => void): TimerHandle;
  wake(): void;
  finish(result: TaskOutcome): void;
  cancelChunks(error: WeftError): void;
  now(): number;
  /** Settles a control result returned by an item: its output, or an error (`requested` for retry()). */
  itemControl(
    index: number,
    control: Control,
  ): ItemOutcome | { readonly ok: false; readonly error: SerializedError; readonly requested: true };
  /** Idempotency ports: completed items are not dispatched again. */
  readonly memo?: {
    key(index: number, item: unknown): string | undefined;
    get(key: string): { readonly value: unknown } | undefined;
    /** Stores an item's value; returns the outcome to use (an error when the value cannot be stored). */
    put(key: string, value: unknown): TaskOutcome;
  };
}

interface Chunk {
  readonly base: number;
  readonly items: unknown[];
  readonly attempts: number[];
  readonly pending: Set<number>;
}

/**
 * One running map: pulls items in chunks up to its concurrency, gathers results in input order,
 * retries failed items one by one under the node's retry policy. Plain data, no actor per item.
 */
export class MapRun {
  readonly node: PlanNode;
  readonly act: ActivationData;
  readonly startedAt: number;
  /** The map's invocation id (its step.start); chunks have ids of their own. */
  readonly id: number;
  readonly #d: MapDeps;
  readonly #results: unknown[] = [];
  readonly #chunks = new Map<number, Chunk>();
  readonly #retryQueue: { index: number; item: unknown; attempt: number }[] = [];
  readonly #keys = new Map<number, string>();
  #retryTimers = 0;
  #next = 0;
  #inflightItems = 0;
  #done = 0;
  #failed = 0;
  #finished = false;
  /** Some item changed the run state (update()): the whole map's value alone cannot replay it. */
  patchedState = false;

  constructor(d: MapDeps) {
    this.#d = d;
    this.node = d.node;
    this.act = d.act;
    this.id = d.id;
    this.startedAt = d.now();
    d.source.onReady = () => d.wake();
  }

  /** Dispatches as many chunks as concurrency and the run's quotas allow. */
  fill(): void {
    const d = this.#d;
    while (!this.#finished && this.#inflightItems < d.concurrency && d.canDispatch()) {
      const retry = this.#retryQueue.shift();
      if (retry) {
        this.#send([retry.item], retry.index, [retry.attempt]);
        continue;
      }
      const size = d.guided ? guidedChunk(d.guided.total - this.#next, d.chunkSize, d.guided) : d.chunkSize;
      const items = d.source.take(Math.min(size, d.concurrency - this.#inflightItems));
      if (items.length === 0) break;
      const base = this.#next;
      this.#next += items.length;
      if (d.memo) this.#sendUncached(items, base, d.memo);
      else
        this.#send(
          items,
          base,
          items.map(() => 1),
        );
    }
    this.#checkDone();
  }

  /** Items with a stored result complete at once; contiguous runs of the others are sent as chunks. */
  #sendUncached(items: unknown[], base: number, memo: NonNullable<MapDeps['memo']>): void {
    let run: unknown[] = [];
    let runBase = base;
    const flush = (): void => {
      if (run.length > 0)
        this.#send(
          run,
          runBase,
          run.map(() => 1),
        );
      run = [];
    };
    for (let k = 0; k < items.length; k++) {
      const index = base + k;
      const key = memo.key(index, items[k]);
      const hit = key === undefined ? undefined : memo.get(key);
      // A stored update() applies its state patch again, as the item did when it ran.
      const control = hit !== undefined && isControl(hit.value);
      const replayed =
        hit === undefined
          ? undefined
          : control
            ? this.#d.itemControl(index, hit.value)
            : { ok: true as const, value: hit.value };
      if (replayed?.ok) {
        if (control) this.patchedState = true;
        flush();
        runBase = index + 1;
        this.#results[index] = replayed.value;
        this.#done++;
        this.#d.emit({
          type: 'map.item',
          step: this.node.name,
          invocation: this.#d.id,
          index,
          ok: true,
          cached: true,
        });
        continue;
      }
      if (key !== undefined) this.#keys.set(index, key);
      run.push(items[k]);
    }
    flush();
  }

  #send(items: unknown[], base: number, attempts: number[]): void {
    this.#inflightItems += items.length;
    const pending = new Set<number>();
    for (let k = 0; k < items.length; k++) pending.add(base + k);
    const chunk: Chunk = { base, items, attempts, pending };
    const inv = this.#d.dispatch(items, base, attempts);
    this.#chunks.set(inv.id, chunk);
  }

  /** One item finished (may come before its chunk does). */
  onItem(inv: { readonly id: number }, index: number, outcome: ItemOutcome): void {
    const chunk = this.#chunks.get(inv.id);
    if (!chunk || this.#finished || !chunk.pending.delete(index)) return;
    this.#inflightItems--;
    this.#handle(
      index,
      outcome,
      chunk.items[index - chunk.base],
      chunk.attempts[index - chunk.base] ?? 1,
      inv.id,
    );
  }

  /** A chunk finished: items not yet reported take their outcome from it. */
  onChunk(inv: { readonly id: number }, outcome: TaskOutcome): void {
    const chunk = this.#chunks.get(inv.id);
    if (!chunk) return;
    const values = outcome.ok ? (outcome.value as ItemOutcome[]) : undefined;
    // onItem looks the chunk up: remove it only after its pending items took their outcome (a failed
    // chunk, e.g. a step module that cannot be loaded, used to leave the map waiting forever).
    for (const index of [...chunk.pending]) {
      if (this.#finished) break;
      const k = index - chunk.base;
      const item: ItemOutcome | undefined = values
        ? values[k]
        : { ok: false, error: (outcome as { error: SerializedError }).error };
      this.onItem(
        inv,
        index,
        item ?? {
          ok: false,
          error: serializeError(new WeftError('PROTOCOL_ERROR', `no result for item ${index}`)),
        },
      );
    }
    this.#chunks.delete(inv.id);
    this.#checkDone();
  }

  #handle(index: number, raw: ItemOutcome, item: unknown, attempt: number, _chunk: number): void {
    const d = this.#d;
    // A control result (update(), retry()) is settled by the execution: state patches apply at once.
    const control = raw.ok && isControl(raw.value);
    const result = control ? d.itemControl(index, raw.value) : raw;
    if (control && result.ok) this.patchedState = true;
    const requested = !result.ok && 'requested' in result && result.requested === true;
    const key = this.#keys.get(index);
    // The raw value is stored (an update() with its patch), so that a hit can apply the patch again.
    const stored =
      result.ok && key !== undefined && d.memo ? d.memo.put(key, (raw as { value: unknown }).value) : result;
    const outcome = stored.ok ? result : stored;
    if (outcome.ok) {
      this.#keys.delete(index);
      this.#results[index] = outcome.value;
      this.#done++;
      d.emit({ type: 'map.item', step: this.node.name, invocation: this.#d.id, index, ok: true });
      return;
    }
    const policy = this.node.retry;
    const willRetry = attempt < policy.attempts && (requested || isRetryable(policy, outcome.error));
    if (willRetry) {
      // An attempt that will be retried is a step.error of its own; a final failure is told once, by
      // the item's map.item (ok: false) and then the map's step.error.
      d.emit({
        type: 'step.error',
        step: this.node.name,
        invocation: d.id,
        attempt,
        error: outcome.error,
        willRetry,
        index,
      });
      const delayMs = backoffDelay(policy, attempt, d.random);
      d.emit({
        type: 'step.retry',
        step: this.node.name,
        invocation: d.id,
        attempt: attempt + 1,
        delayMs,
        reason: `item ${index}: ${outcome.error.message}`,
        index,
      });
      this.#retryTimers++;
      d.timer(delayMs, () => {
        this.#retryTimers--;
        this.#retryQueue.push({ index, item, attempt: attempt + 1 });
        d.wake();
      });
      return;
    }
    this.#failed++;
    d.emit({
      type: 'map.item',
      step: this.node.name,
      invocation: this.#d.id,
      index,
      ok: false,
      error: outcome.error,
      attempt,
    });
    this.#finished = true;
    const error = { ...outcome.error, data: { ...outcome.error.data, index } };
    d.emit({
      type: 'map.complete',
      step: this.node.name,
      invocation: this.#d.id,
      count: this.#done + this.#failed,
      failed: this.#failed,
    });
    d.cancelChunks(new WeftError('STEP_CANCELLED', `map "${this.node.name}" failed at item ${index}`));
    d.finish({ ok: false, error });
  }

  /** Stops the map from outside (an ANY-join loser): no more items, chunks in flight cancelled. */
  cancel(error: WeftError): void {
    if (this.#finished) return;
    this.#finished = true;
    this.#d.emit({
      type: 'map.complete',
      step: this.node.name,
      invocation: this.id,
      count: this.#done + this.#failed,
      failed: this.#failed,
    });
    this.#d.cancelChunks(error);
  }

  #checkDone(): void {
    if (!this.#finished && this.#d.source.failed) {
      const cause = this.#d.source.failed.error;
      const error = new WeftError(
        'STEP_FAILED',
        `the input of map "${this.node.name}" failed after ${this.#next} items: ${cause instanceof Error ? cause.message : String(cause)}`,
        { cause, data: { after: this.#next } },
      );
      this.#finished = true;
      this.#d.emit({
        type: 'map.complete',
        step: this.node.name,
        invocation: this.id,
        count: this.#done + this.#failed,
        failed: this.#failed,
      });
      this.#d.cancelChunks(error);
      this.#d.finish({ ok: false, error: serializeError(error) });
      return;
    }
    if (
      this.#finished ||
      this.#inflightItems > 0 ||
      this.#retryQueue.length > 0 ||
      this.#retryTimers > 0 ||
      !this.#d.source.exhausted
    )
      return;
    this.#finished = true;
    this.#d.emit({
      type: 'map.complete',
      step: this.node.name,
      invocation: this.#d.id,
      count: this.#done,
      failed: 0,
    });
    this.#d.finish({ ok: true, value: this.#results });
  }
}

/** What an execution lends every map it starts (one object per execution, see run-execution.ts). */
export interface MapHost {
  readonly deps: ExecutionDeps;
  readonly state: StateBox;
  emit(body: EventBody): void;
  canDispatch(): boolean;
  dispatchChunk(m: MapRun, items: unknown[], baseIndex: number, attempts: number[]): { readonly id: number };
  timer(ms: number, fn: () => void): TimerHandle;
  pump(): void;
  /** The map ended: `result` is its value (the items' outputs in input order) or its error. */
  finished(m: MapRun, memoKey: string | undefined, result: TaskOutcome): void;
  /** Aborts the chunks of `m` still in flight. */
  cancelChunks(m: MapRun, error: WeftError): void;
  /** A map that could not start fails like a step, under the invocation id of its step.start. */
  failed(node: PlanNode, act: ActivationData, error: WeftError, invocation: number): void;
  itemPorts(node: PlanNode, act: ActivationData): { memo: NonNullable<MapDeps['memo']> } | undefined;
}

/**
 * Starts a map node: sizes its chunks and its concurrency, wires it to its execution and announces
 * it (step.start, map.start). Returns undefined when its input cannot be iterated: the map has then
 * failed with MAP_INPUT_INVALID.
 */
export function startMap(
  host: MapHost,
  node: PlanNode,
  act: ActivationData,
  memoKey: string | undefined,
): MapRun | undefined {
  const d = host.deps;
  const source = toItemSource(act.input);
  if (!source.ok) {
    const bad = d.ids.next++;
    host.emit({ type: 'step.start', step: node.name, invocation: bad, attempt: act.attempt });
    host.failed(
      node,
      act,
      new WeftError(
        'MAP_INPUT_INVALID',
        `map "${node.name}" needs an array or (async) iterable input, got ${source.got}`,
      ),
      bad,
    );
    return undefined;
  }
  const id = d.ids.next++;
  const given = node.map?.chunkSize ?? d.options.chunkSize ?? undefined;
  const chunk = given ?? autoChunk(d.orchestrator, source.total);
  // Room for four chunks per thread: a short map (cut into parallelism × 2 chunks) is in flight at once.
  const concurrency = node.concurrency ?? Math.max(16, d.orchestrator.parallelism * chunk * 4);
  const m: MapRun = new MapRun({
    id,
    node,
    act,
    source: source.source,
    total: source.total,
    chunkSize: Math.max(1, Math.min(chunk, concurrency)),
    ...(given === undefined && source.total !== null && d.orchestrator.defaultChunkSize > 1
      ? { guided: { total: source.total, parallelism: d.orchestrator.parallelism } }
      : {}),
    concurrency,
    random: d.random,
    emit: (b) => host.emit(b),
    canDispatch: () => host.canDispatch(),
    dispatch: (items, baseIndex, attempts) => host.dispatchChunk(m, items, baseIndex, attempts),
    timer: (ms, fn) => host.timer(ms, fn),
    wake: () => host.pump(),
    finish: (result) => host.finished(m, memoKey, result),
    cancelChunks: (error) => host.cancelChunks(m, error),
    now: () => d.clock.now(),
    itemControl: (index, control) => settleItemControl(host.state, node, index, control, (b) => host.emit(b)),
    ...(host.itemPorts(node, act) ?? {}),
  });
  host.emit({ type: 'step.start', step: node.name, invocation: id, attempt: act.attempt });
  host.emit({ type: 'map.start', step: node.name, invocation: id, total: source.total });
  return m;
}

/**
 * The orchestrator's default chunk size, lowered for a short map of known size so that every thread
 * gets two chunks (64 items on 2 threads: chunks of 16, not one chunk of 64 on one thread). Two, not
 * more: each chunk costs the main thread a dispatch and a result (~20 µs each), and measured side by
 * side on a 64-item map of 64 µs items, four chunks per thread were 4% slower than two; one per
 * thread was 4% faster again, but leaves an idle thread nothing to take from a slow one.
 */
export function autoChunk(
  o: { readonly defaultChunkSize: number; readonly parallelism: number },
  total: number | null,
): number {
  if (total === null || o.defaultChunkSize <= 1) return o.defaultChunkSize;
  return Math.max(1, Math.min(o.defaultChunkSize, Math.ceil(total / (o.parallelism * 2))));
}

/** Settles a control result a map item returned: update() applies its state patch now, retry() asks for another attempt; nothing else is allowed. */
export function settleItemControl(
  state: StateBox,
  node: PlanNode,
  index: number,
  c: Control,
  emit: (body: EventBody) => void,
): ItemOutcome | { ok: false; error: SerializedError; requested: true } {
  switch (c.$weft) {
    case 'update': {
      const result = state.apply(c.state, state.version, node.name);
      if (!result.ok) return { ok: false, error: serializeError(result.error) };
      for (const w of result.races)
        emit({ type: 'warning', code: 'STATE_RACE', step: node.name, message: w });
      emit({ type: 'state.update', step: node.name, keys: Object.keys(c.state) });
      return { ok: true, value: c.output };
    }
    case 'retry':
      return {
        ok: false,
        requested: true,
        error: serializeError(
          new WeftError(
            'STEP_FAILED',
            `item ${index} of map "${node.name}" asked to be retried${c.reason ? `: ${c.reason}` : ''}`,
            { retryable: true },
          ),
        ),
      };
    case 'next':
    case 'stop':
    case 'skip':
    case 'suspend':
      return {
        ok: false,
        error: serializeError(
          new WeftError(
            'STEP_FAILED',
            `item ${index} of map "${node.name}" returned ${c.$weft}(), which only a step can return (a map item may return update() or retry())`,
          ),
        ),
      };
  }
}
