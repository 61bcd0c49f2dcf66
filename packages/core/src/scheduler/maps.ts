// Map nodes: items are taken in chunks up to the map's concurrency, each chunk a batch of ordinary
// invocations (one task); an item's outcome is settled like a step's (settle.ts), results gathered in
// input order, failed items retried one by one. Plain data, no actor per item.
import { WeftError, serializeError, type SerializedError } from '../errors/weft-error.js';
import type { ItemOutcome, TaskOutcome } from '../orchestrator/types.js';
import type { PlanNode } from '../plan/execution-plan.js';
import { memoCall } from './memo-keys.js';
import { openInv, overran, release, stepTimeout } from './invocations.js';
import { failed, settle, type ItemUnit, type StepUnit } from './settle.js';
import { guidedChunk } from './guided-chunk.js';
import type { Tx } from './tx.js';
import type { Activation, ExecState, Invocation, MapState } from './types.js';

/** What a map's input is: its items' count when known, or why it cannot be iterated. */
function inspect(input: unknown): { total: number | null; array: boolean } | { got: string } {
  if (Array.isArray(input)) return { total: input.length, array: true };
  if (typeof input === 'object' && input !== null) {
    if (typeof (input as Iterable<unknown>)[Symbol.iterator] === 'function')
      return { total: input instanceof Map || input instanceof Set ? input.size : null, array: false };
    if (typeof (input as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function')
      return { total: null, array: false };
  }
  return { got: input === null ? 'null' : typeof input === 'string' ? 'a string' : typeof input };
}

/**
 * Starts a map node: sizes its chunks and its concurrency and announces it (step.start, map.start).
 * An input that cannot be iterated fails the node with MAP_INPUT_INVALID.
 */
export function startMap(
  t: Tx,
  exec: ExecState,
  node: PlanNode,
  act: Activation,
  memoKey: string | null,
  itemMemo: boolean,
): void {
  const source = inspect(act.input);
  if ('got' in source) {
    const bad = t.nextId();
    t.emit(exec, { type: 'step.start', step: node.name, invocation: bad, attempt: act.attempt });
    const error = new WeftError(
      'MAP_INPUT_INVALID',
      `map "${node.name}" needs an array or (async) iterable input, got ${source.got}`,
    );
    return failed(t, stepUnit(t, exec, node, act, bad, null), serializeError(error), false);
  }
  const id = t.nextId();
  const env = t.env;
  const given = node.map?.chunkSize ?? env.chunkSize ?? null;
  const chunk = given ?? autoChunk(env, source.total);
  // Room for four chunks per thread: a short map (cut into parallelism × 2 chunks) is in flight at once.
  const concurrency = node.concurrency ?? Math.max(16, env.parallelism * chunk * 4);
  const m: MapState = {
    id,
    exec: exec.id,
    node: node.name,
    act,
    startedAt: t.now,
    total: source.total,
    chunkSize: Math.max(1, Math.min(chunk, concurrency)),
    // No chunk size given and a known size: guided chunks, as large as the even cut at first and
    // smaller as the map drains (on an orchestrator that chunks at all: defaultChunkSize > 1).
    guided:
      given === null && source.total !== null && env.defaultChunkSize > 1
        ? { total: source.total, parallelism: env.parallelism }
        : null,
    concurrency,
    array: source.array,
    next: 0,
    inflight: 0,
    chunks: 0,
    done: 0,
    failed: 0,
    // Sized up front when the input's length is known: items end out of order, and writing past
    // the end of a growing array costs a copy of it (a 1,000,000-item map: seconds, tens of MB).
    results: source.total === null ? [] : new Array<unknown>(source.total),
    retryQueue: [],
    retryTimers: 0,
    buffer: [],
    exhausted: source.array,
    pulling: false,
    sourceError: null,
    finished: false,
    patchedState: false,
    memoKey,
    itemMemo,
    // Items are keyed with the state as of the map's start: the patches items apply while the map
    // runs (in an order that timing decides) do not change the keys of the items after them.
    memoState: itemMemo ? exec.state : undefined,
    keys: {},
  };
  t.state.maps[id] = m;
  exec.maps.push(id);
  t.emit(exec, { type: 'step.start', step: node.name, invocation: id, attempt: act.attempt });
  t.emit(exec, { type: 'map.start', step: node.name, invocation: id, total: source.total });
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

/** Dispatches as many chunks as the map's concurrency and the run's quotas allow. */
export function fillMap(t: Tx, m: MapState): void {
  const exec = t.state.execs[m.exec]!;
  while (!m.finished && m.inflight < m.concurrency && t.canDispatch(exec)) {
    const retry = m.retryQueue.shift();
    if (retry) {
      send(t, exec, m, [retry.item], retry.index, [retry.attempt]);
      continue;
    }
    const size = m.guided ? guidedChunk(m.guided.total - m.next, m.chunkSize, m.guided) : m.chunkSize;
    const items = take(t, m, Math.min(size, m.concurrency - m.inflight));
    if (items.length === 0) break;
    const base = m.next;
    m.next += items.length;
    if (m.itemMemo) sendUncached(t, exec, m, items, base);
    else send(t, exec, m, items, base, ones(items.length));
  }
  checkDone(t, m);
}

/** Up to `n` items: sliced from an array input, or taken from what the runtime pulled (asking for more). */
function take(t: Tx, m: MapState, n: number): unknown[] {
  if (m.array) {
    const input = m.act.input as unknown[];
    const out = input.slice(m.next, m.next + n);
    return out;
  }
  if (m.buffer.length < n && !m.exhausted) {
    if (!m.pulling) {
      m.pulling = true;
      t.effect({ t: 'pull', map: m.id, n: Math.max(n, m.chunkSize) });
    }
    // A guided map (a Map or a Set) waits for its whole chunk: its sizes stay the guided ones.
    if (m.guided) return [];
  }
  return m.buffer.splice(0, n);
}

/** The runtime pulled items from an iterable input (or it ended, or threw). */
export function pulled(
  t: Tx,
  m: MapState,
  items: readonly unknown[],
  exhausted: boolean,
  error: { readonly message: string; readonly cause: unknown } | undefined,
): void {
  m.pulling = false;
  for (const x of items) m.buffer.push(x);
  if (exhausted) m.exhausted = true;
  if (error) {
    m.exhausted = true;
    m.sourceError = error;
  }
  t.touched.add(m.exec);
}

/** Items with a stored result complete at once (replayed like a fresh outcome); runs of the others are sent as chunks. */
function sendUncached(t: Tx, exec: ExecState, m: MapState, items: unknown[], base: number): void {
  const memo = t.env.memo!;
  const node = t.node(exec, m.node)!;
  let run: unknown[] = [];
  let runBase = base;
  const flush = (): void => {
    if (run.length > 0) send(t, exec, m, run, runBase, ones(run.length));
    run = [];
  };
  for (let k = 0; k < items.length; k++) {
    const index = base + k;
    const key = memo.key(memoCall(t, exec, node, 'item', items[k], m.memoState, index));
    const hit = key === undefined ? undefined : memo.get(key);
    if (hit !== undefined) {
      flush();
      runBase = index + 1;
      settle(
        t,
        { kind: 'item', exec, node, map: m, index, item: items[k], attempt: 1, cached: true, memoKey: null },
        { ok: true, value: hit.value },
      );
      continue;
    }
    if (key !== undefined) m.keys[index] = key;
    run.push(items[k]);
  }
  flush();
}

function send(t: Tx, exec: ExecState, m: MapState, items: unknown[], base: number, attempts: number[]): void {
  m.inflight += items.length;
  m.chunks++;
  const inv = openInv(t, exec, t.node(exec, m.node)!, m.act, 'items', { map: m.id, base, items, attempts });
  t.effect({ t: 'dispatch', inv: inv.id });
}

/** One item of a chunk reported its outcome (may come before its chunk's end). */
export function itemReported(t: Tx, inv: Invocation, index: number, outcome: ItemOutcome): void {
  const m = t.state.maps[inv.map!];
  const k = index - inv.base;
  if (!m || m.finished || !inv.pending || !inv.pending[k]) return;
  inv.pending[k] = false;
  m.inflight--;
  const exec = t.state.execs[m.exec]!;
  const node = t.node(exec, m.node)!;
  if (outcome.ok && overran(t, inv, node, ++inv.reported)) outcome = { ok: false, error: stepTimeout(node) };
  let memoKey: string | null = null;
  if (m.itemMemo) {
    memoKey = m.keys[index] ?? null;
    delete m.keys[index];
  }
  // One unit object per transition, refilled for each item (settle keeps nothing of it).
  const unit = t.itemUnit as { -readonly [K in keyof ItemUnit]: ItemUnit[K] };
  unit.exec = exec;
  unit.node = node;
  unit.map = m;
  unit.index = index;
  unit.item = inv.items![k];
  unit.attempt = inv.attempts![k] ?? 1;
  unit.cached = false;
  unit.memoKey = memoKey;
  settle(t, unit, outcome);
}

/** A chunk ended: the items not yet reported take their outcome from it. */
export function chunkDone(t: Tx, inv: Invocation, outcome: TaskOutcome): void {
  const exec = t.state.execs[inv.exec]!;
  if (exec.mode === 'done' || t.state.invs[inv.id] !== inv) return;
  const values = outcome.ok ? (outcome.value as readonly ItemOutcome[] | null) : undefined;
  const m = t.state.maps[inv.map!];
  for (let k = 0; k < inv.pending!.length; k++) {
    if (!inv.pending![k] || !m || m.finished) continue;
    const item: ItemOutcome | undefined = values
      ? values[k]
      : { ok: false, error: (outcome as { error: SerializedError }).error };
    itemReported(
      t,
      inv,
      inv.base + k,
      item ?? {
        ok: false,
        error: serializeError(new WeftError('PROTOCOL_ERROR', `no result for item ${inv.base + k}`)),
      },
    );
  }
  release(t, inv);
  if (m) checkDone(t, m);
}

/** An item succeeded: its result takes its place. */
export function itemSucceeded(t: Tx, m: MapState, index: number, value: unknown, cached: boolean): void {
  m.results[index] = value;
  m.done++;
  const exec = t.state.execs[m.exec]!;
  t.emit(
    exec,
    cached
      ? { type: 'map.item', step: m.node, invocation: m.id, index, ok: true, cached: true }
      : { type: 'map.item', step: m.node, invocation: m.id, index, ok: true },
  );
}

/** An item failed for good: the map fails with its error (`data.index` says which), its other chunks cancelled. */
export function itemFailed(t: Tx, m: MapState, index: number, error: SerializedError, attempt: number): void {
  const exec = t.state.execs[m.exec]!;
  m.failed++;
  t.emit(exec, { type: 'map.item', step: m.node, invocation: m.id, index, ok: false, error, attempt });
  endMap(t, m, () =>
    serializeError(new WeftError('STEP_CANCELLED', `map "${m.node}" failed at item ${index}`)),
  );
  mapFinished(t, m, { ok: false, error: { ...error, data: { ...error.data, index } } });
}

/** A failed item's retry is due: it waits for a slot with the others. */
export function itemRetryDue(t: Tx, m: MapState, index: number, item: unknown, attempt: number): void {
  m.retryTimers--;
  m.retryQueue.push({ index, item, attempt });
  t.touched.add(m.exec);
}

/** Ends a map that is done or failed: map.complete, no more items, its chunks in flight cancelled (with `why()`). */
function endMap(t: Tx, m: MapState, why: () => SerializedError): void {
  m.finished = true;
  t.emit(t.state.execs[m.exec]!, {
    type: 'map.complete',
    step: m.node,
    invocation: m.id,
    count: m.done + m.failed,
    failed: m.failed,
  });
  if (m.chunks === 0) return;
  let error: SerializedError | undefined;
  for (const inv of Object.values(t.state.invs)) {
    if (inv.map !== m.id) continue;
    t.cancel(inv, (error ??= why()));
    release(t, inv);
  }
}

/** Stops a map from outside (an ANY-join loser): the map is dropped. */
export function cancelMap(t: Tx, m: MapState, error: SerializedError): void {
  dropMap(t, m);
  if (!m.finished) endMap(t, m, () => error);
}

function dropMap(t: Tx, m: MapState): void {
  delete t.state.maps[m.id];
  const exec = t.state.execs[m.exec]!;
  const i = exec.maps.indexOf(m.id);
  if (i >= 0) exec.maps.splice(i, 1);
  for (const k of Object.keys(t.state.timers)) {
    const spec = t.state.timers[k]!;
    if (spec.kind === 'itemRetry' && spec.map === m.id) t.clearTimer(k);
  }
  if (!m.array) t.effect({ t: 'closeSource', map: m.id });
  t.touched.add(exec.id);
}

/** Ends the map when every item is in (or fails it when its input threw). */
function checkDone(t: Tx, m: MapState): void {
  if (m.finished) return;
  if (m.sourceError) {
    const cause = m.sourceError;
    const error = serializeError(
      new WeftError(
        'STEP_FAILED',
        `the input of map "${m.node}" failed after ${m.next} items: ${cause.message}`,
        { cause: cause.cause, data: { after: m.next } },
      ),
    );
    endMap(t, m, () => error);
    return mapFinished(t, m, { ok: false, error });
  }
  const exhausted = m.array
    ? m.next >= (m.act.input as unknown[]).length
    : m.exhausted && m.buffer.length === 0;
  if (m.inflight > 0 || m.retryQueue.length > 0 || m.retryTimers > 0 || !exhausted) return;
  endMap(t, m, () => serializeError(new WeftError('STEP_CANCELLED', 'the map ended')));
  mapFinished(t, m, { ok: true, value: m.results });
}

/** The map ended: its value (the items' outputs in input order) or its error goes on like a step's. */
function mapFinished(t: Tx, m: MapState, result: TaskOutcome): void {
  dropMap(t, m);
  const exec = t.state.execs[m.exec]!;
  if (exec.mode === 'done') return;
  const node = t.node(exec, m.node)!;
  // A map whose items changed the state is memoised item by item only (each hit replays its patch).
  const unit = stepUnit(t, exec, node, m.act, m.id, m.patchedState ? null : m.memoKey);
  if (result.ok) {
    settle(t, { ...unit, startedAt: m.startedAt }, result);
    return;
  }
  // A map is not retried as a whole: its items were.
  failed(
    t,
    { ...unit, act: { ...m.act, attempt: Math.max(m.act.attempt, node.retry.attempts) } },
    result.error,
    false,
  );
}

function stepUnit(
  _t: Tx,
  exec: ExecState,
  node: PlanNode,
  act: Activation,
  invocation: number,
  memoKey: string | null,
): StepUnit {
  return {
    kind: 'step' as const,
    exec,
    node,
    act,
    invocation,
    stateVersion: exec.stateVersion,
    lastCheckpoint: undefined,
    startedAt: null,
    cached: false,
    memoKey,
  };
}

function ones(n: number): number[] {
  return new Array<number>(n).fill(1);
}
