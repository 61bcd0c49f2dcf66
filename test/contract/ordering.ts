// The ordering invariants of a run's event stream, as one reusable checker. Every contract suite may
// call `checkOrdering(events)` (or `expectOrdered(events)`) on a complete stream; the canonical suite
// (events-ordering.test.ts) exercises each rule. The rules:
//
//  1. The stream starts with `run.start` (seq 1) and ends with exactly one `run.finish`; nothing follows it.
//  2. `seq` increases by one from event to event (strictly increasing, nothing lost); `time` never goes
//     back; every event carries the run's id.
//  3. An invocation (path, step, invocation) starts once; its `step.end` or final `step.error` comes after
//     its `step.start`, once. A `step.error` with `willRetry` is followed, before anything else of that
//     invocation, by one `step.retry`; the retried attempt's `step.start` comes after that retry.
//  4. `token` and `checkpoint` events of an invocation come between its start and its end.
//  5. A map invocation: `map.start` after its `step.start`; its `map.item` events (each index once) and
//     item-level `step.error`/`step.retry` (those carrying `index`) between `map.start` and
//     `map.complete`; `map.complete` counts them and comes before the map's `step.end`/`step.error`.
//     An item-level `step.error` always has `willRetry`: an item's final failure is its `map.item` with
//     `ok: false` and its `error`, and the map's own `step.error` reports it once more to the run.
//  6. A join: `barrier.wait` events before the `barrier.release` (or `barrier.timeout`) that closes
//     them; the release names exactly the parents that arrived.
//  7. Events of a sub-pipeline carry its path and come while the sub step that runs it is open.
//  8. `run.cancel` / `run.timeout` / `run.suspend` at most once, and only with the matching final status.
//  9. The finish event carries status, durationMs, error (exactly when the run failed, was cancelled or
//     timed out) and metrics consistent with the stream (events, tokens, retries, barrier waits, map
//     fan-out, per-step latency counts, queue depth, tasks, worker restarts, bytes moved).
// With `{ complete: true }` (a run that ran to its natural end): every invocation, map and barrier opened
// is also closed.
import type { RunEvent, RunHandle, RunResult, RunStatus } from '@weft/core';

/** Options of the checker. */
export interface OrderingOptions {
  /** Also require every started invocation, map and barrier to be closed (runs without stop/cancel). */
  readonly complete?: boolean;
}

const STATUSES: readonly RunStatus[] = ['succeeded', 'failed', 'cancelled', 'timedOut', 'suspended'];
const METRIC_NUMBERS = [
  'durationMs',
  'tasks',
  'queueDepthMax',
  'tokens',
  'retries',
  'retryableErrors',
  'fatalErrors',
  'workerRestarts',
  'bytesMoved',
  'events',
] as const;

interface Invocation {
  readonly key: string;
  readonly step: string;
  readonly path: string;
  closed: boolean;
  /** Ended by a final step.error: an error handler may still recover it (one step.end or step.skip). */
  failed: boolean;
  awaitingRetry: boolean;
  map: {
    started: boolean;
    completed: boolean;
    total: number | null;
    items: Set<number>;
    failedItems: number;
    retryPending: Map<number, number>;
  } | null;
}

const pathKey = (path: readonly string[]): string => path.join('/');
const stepKey = (path: readonly string[], step: string): string =>
  path.length > 0 ? `${pathKey(path)}/${step}` : step;
const invKey = (path: readonly string[], step: string, invocation: number): string =>
  `${stepKey(path, step)}#${invocation}`;

/**
 * Checks every ordering invariant on a complete event stream and returns the violations found
 * (empty when the stream is well ordered). Each violation names the rule and the event's seq.
 */
export function checkOrdering(events: readonly RunEvent[], options: OrderingOptions = {}): string[] {
  const out: string[] = [];
  const bad = (e: RunEvent | undefined, rule: string): void =>
    void out.push(
      `${e ? `#${e.seq} ${e.type}${'step' in e ? ` ${stepKey(e.path, e.step)}` : ''}` : '(stream)'}: ${rule}`,
    );
  if (events.length === 0) {
    bad(undefined, 'the stream is empty');
    return out;
  }
  const first = events[0]!;
  if (first.type !== 'run.start') bad(first, 'the first event must be run.start');
  if (first.seq !== 1) bad(first, `the first seq must be 1, got ${first.seq}`);

  const invocations = new Map<string, Invocation>();
  const retriesDue = new Map<string, number>(); // stepKey#attempt -> retries announced, not yet started
  const barriers = new Map<string, Set<string>>(); // stepKey -> parents arrived in the open episode
  let finish: Extract<RunEvent, { type: 'run.finish' }> | undefined;
  let cancels = 0;
  let timeouts = 0;
  let suspends = 0;
  let prev: RunEvent | undefined;

  /**
   * When a sub step's invocation ends, what ran inside it ends too: a failed or cancelled sub-pipeline
   * stops its steps without events, and a retried one starts afresh (new barriers, new invocations).
   */
  const subPaths = new Set<string>();
  const endInside = (inv: Invocation): void => {
    const prefix = inv.path ? `${inv.path}/${inv.step}` : inv.step;
    if (!subPaths.has(prefix)) return;
    const inside = (k: string): boolean => k === prefix || k.startsWith(`${prefix}/`);
    for (const other of invocations.values()) {
      if (!inside(other.path)) continue;
      other.closed = true;
      other.awaitingRetry = false;
    }
    for (const k of [...barriers.keys()]) if (k.startsWith(`${prefix}/`)) barriers.delete(k);
    for (const k of [...retriesDue.keys()]) if (k.startsWith(`${prefix}/`)) retriesDue.delete(k);
  };
  /** Open sub steps by path: an event at path P needs the sub step P open in its parent. */
  const subOpen = (path: readonly string[]): boolean => {
    if (path.length === 0) return true;
    const parent = path.slice(0, -1);
    const name = path[path.length - 1]!;
    for (const inv of invocations.values())
      if (inv.path === pathKey(parent) && inv.step === name && !inv.closed) return true;
    return false;
  };
  const open = (e: RunEvent & { step: string; invocation: number }, what: string): Invocation | undefined => {
    const inv = invocations.get(invKey(e.path, e.step, e.invocation));
    if (!inv) bad(e, `${what} of an invocation that never started`);
    else if (inv.closed) bad(e, `${what} after the invocation ended`);
    return inv;
  };
  /** An open invocation, or one whose final error a handler recovers (once). */
  const recoverable = (
    e: RunEvent & { step: string; invocation: number },
    what: string,
  ): Invocation | undefined => {
    const inv = invocations.get(invKey(e.path, e.step, e.invocation));
    if (inv?.failed) {
      inv.failed = false;
      return inv;
    }
    return open(e, what);
  };

  const resumed = first.type === 'run.start' && first.resumed;
  /** Joins of a resumed run: arrivals they held from before the suspension. */
  const carried = new Map<string, number>();
  for (const e of events) {
    if (finish) bad(e, 'event after run.finish');
    if (e.runId !== first.runId) bad(e, `runId ${e.runId} differs from ${first.runId}`);
    if (prev) {
      if (e.seq !== prev.seq + 1) bad(e, `seq must follow ${prev.seq} by one, got ${e.seq}`);
      if (e.time < prev.time) bad(e, `time went back from ${prev.time} to ${e.time}`);
    }
    prev = e;
    if (e.type !== 'run.start' && e === first) continue;
    if (e !== first && e.type === 'run.start') bad(e, 'a second run.start');
    if (e.path.length > 0 && !subOpen(e.path))
      bad(e, `path ${pathKey(e.path)} while its sub step is not running`);
    for (let k = 1; k <= e.path.length; k++) subPaths.add(pathKey(e.path.slice(0, k)));
    if (e.path.length > 0 && e.type.startsWith('run.'))
      bad(e, 'run events belong to the top level (empty path)');

    switch (e.type) {
      case 'run.start':
        break;
      case 'run.finish':
        finish = e;
        break;
      case 'run.cancel':
        cancels++;
        break;
      case 'run.timeout':
        timeouts++;
        break;
      case 'run.suspend':
        suspends++;
        break;
      case 'step.start': {
        const key = invKey(e.path, e.step, e.invocation);
        if (invocations.has(key)) bad(e, `invocation ${e.invocation} started twice`);
        if (e.attempt > 1) {
          const due = `${stepKey(e.path, e.step)}#${e.attempt}`;
          const n = retriesDue.get(due) ?? 0;
          // A resumed run goes on with what its snapshot held: a retry announced before the suspension,
          // or a step that suspended on a later attempt, starts without an announcement in this stream.
          if (n === 0 && !resumed) bad(e, `attempt ${e.attempt} starts without a step.retry announcing it`);
          else retriesDue.set(due, n - 1);
        }
        invocations.set(key, {
          key,
          step: e.step,
          path: pathKey(e.path),
          closed: false,
          failed: false,
          awaitingRetry: false,
          map: null,
        });
        break;
      }
      case 'step.end': {
        // A map that failed (an item failed for good) and that an error handler recovered ends with
        // the handler's output, not with its items.
        const recovered = invocations.get(invKey(e.path, e.step, e.invocation))?.failed === true;
        const inv = recoverable(e, 'step.end');
        if (!inv) break;
        if (inv.awaitingRetry) bad(e, 'step.end while a step.retry is due');
        if (inv.map && !inv.map.completed) bad(e, 'a map ended before its map.complete');
        if (
          !recovered &&
          inv.map &&
          inv.map.total !== null &&
          (inv.map.items.size !== inv.map.total || inv.map.failedItems > 0)
        ) {
          bad(
            e,
            `a map of ${inv.map.total} items succeeded with ${inv.map.items.size} items reported, ${inv.map.failedItems} failed`,
          );
        }
        inv.closed = true;
        endInside(inv);
        break;
      }
      case 'step.error': {
        if (e.index !== undefined) {
          const inv = open(e, 'item step.error');
          if (!inv) break;
          if (!inv.map?.started || inv.map.completed)
            bad(e, 'an item error outside map.start … map.complete');
          // An item's final failure is its map.item (ok: false), not a step.error: each failure is told once.
          if (!e.willRetry)
            bad(
              e,
              'an item step.error that will not retry (a final item failure is its map.item with ok: false)',
            );
          if (e.willRetry && inv.map)
            inv.map.retryPending.set(e.index, (inv.map.retryPending.get(e.index) ?? 0) + 1);
          break;
        }
        if (e.invocation === 0) {
          // A join that timed out fails without having started: its barrier.timeout comes first.
          const before = events[events.indexOf(e) - 1];
          if (!(
            before?.type === 'barrier.timeout' &&
            before.step === e.step &&
            pathKey(before.path) === pathKey(e.path)
          )) {
            bad(e, 'a step.error without an invocation must directly follow the barrier.timeout of its join');
          }
          if (e.willRetry) bad(e, 'a barrier timeout is not retried');
          // An error handler of the join may still recover it: one step.end (or step.skip) with invocation 0.
          const key = invKey(e.path, e.step, 0);
          invocations.set(key, {
            key,
            step: e.step,
            path: pathKey(e.path),
            closed: true,
            failed: true,
            awaitingRetry: false,
            map: null,
          });
          break;
        }
        const inv = open(e, 'step.error');
        if (!inv) break;
        if (inv.awaitingRetry) bad(e, 'step.error while a step.retry is due');
        if (inv.map && inv.map.started && !inv.map.completed) bad(e, 'a map failed before its map.complete');
        endInside(inv);
        if (e.willRetry) inv.awaitingRetry = true;
        else {
          inv.closed = true;
          inv.failed = true;
        }
        break;
      }
      case 'step.retry': {
        if (e.index !== undefined) {
          const inv = open(e, 'item step.retry');
          const n = inv?.map?.retryPending.get(e.index) ?? 0;
          if (n === 0) bad(e, `item ${e.index}: step.retry without an item step.error that will retry`);
          else inv!.map!.retryPending.set(e.index, n - 1);
          break;
        }
        const inv = invocations.get(invKey(e.path, e.step, e.invocation));
        if (!inv?.awaitingRetry) {
          bad(e, 'step.retry must follow a step.error with willRetry of the same invocation');
          break;
        }
        inv.awaitingRetry = false;
        inv.closed = true;
        const due = `${stepKey(e.path, e.step)}#${e.attempt}`;
        retriesDue.set(due, (retriesDue.get(due) ?? 0) + 1);
        break;
      }
      case 'token': {
        if (e.tokens.length === 0) bad(e, 'an empty token batch');
        const inv = open(e, 'token');
        if (inv?.awaitingRetry) bad(e, 'token while a step.retry is due');
        break;
      }
      case 'checkpoint':
        open(e, 'checkpoint');
        break;
      case 'map.start': {
        const inv = open(e, 'map.start');
        if (!inv) break;
        if (inv.map) bad(e, 'a second map.start for one invocation');
        inv.map = {
          started: true,
          completed: false,
          total: e.total,
          items: new Set(),
          failedItems: 0,
          retryPending: new Map(),
        };
        if (e.total !== null && (!Number.isInteger(e.total) || e.total < 0))
          bad(e, `total ${e.total} is not a count`);
        break;
      }
      case 'map.item': {
        const inv = open(e, 'map.item');
        if (!inv) break;
        if (!inv.map?.started || inv.map.completed) {
          bad(e, 'map.item outside map.start … map.complete');
          break;
        }
        if (inv.map.items.has(e.index)) bad(e, `item ${e.index} reported twice`);
        inv.map.items.add(e.index);
        if (!e.ok) {
          inv.map.failedItems++;
          if (!e.error) bad(e, `item ${e.index} failed without its error`);
        }
        break;
      }
      case 'map.complete': {
        const inv = open(e, 'map.complete');
        if (!inv) break;
        if (!inv.map?.started || inv.map.completed) {
          bad(e, 'map.complete without an open map.start');
          break;
        }
        inv.map.completed = true;
        if (e.count !== inv.map.items.size)
          bad(e, `count ${e.count} but ${inv.map.items.size} map.item events`);
        if (e.failed !== inv.map.failedItems)
          bad(e, `failed ${e.failed} but ${inv.map.failedItems} failed map.item events`);
        for (const [index, n] of inv.map.retryPending)
          if (n > 0) bad(e, `item ${index}: a retry announced by step.error never came`);
        break;
      }
      case 'barrier.wait': {
        const key = stepKey(e.path, e.step);
        const open = barriers.get(key);
        const arrived = open ?? new Set<string>();
        // A resumed run's join may hold arrivals from before the suspension (not in this stream).
        if (!open && resumed && e.arrived > 1) carried.set(key, e.arrived - 1);
        if (arrived.has(e.from)) bad(e, `parent ${e.from} arrived twice at one barrier`);
        arrived.add(e.from);
        barriers.set(key, arrived);
        if (e.arrived !== arrived.size + (carried.get(key) ?? 0))
          bad(e, `arrived ${e.arrived} but ${arrived.size} barrier.wait events`);
        break;
      }
      case 'barrier.release':
      case 'barrier.timeout': {
        const key = stepKey(e.path, e.step);
        const arrived = barriers.get(key);
        const before = carried.get(key) ?? 0;
        carried.delete(key);
        barriers.delete(key);
        // A resumed run may settle a join it carried over without any new arrival.
        if (!arrived && resumed) break;
        if (!arrived) {
          bad(e, `${e.type} without a barrier.wait before it`);
          break;
        }
        const named = [...e.arrived].sort().join(',');
        const seen = [...arrived].sort().join(',');
        if (
          before === 0
            ? named !== seen
            : e.arrived.length !== arrived.size + before || [...arrived].some((p) => !e.arrived.includes(p))
        )
          bad(e, `names arrivals [${named}] but the waits were [${seen}]`);
        break;
      }
      case 'step.skip':
        // A retried attempt may be skipped instead of started (its step lost an ANY race meanwhile).
        for (const k of retriesDue.keys())
          if (k.startsWith(`${stepKey(e.path, e.step)}#`) && retriesDue.get(k)! > 0)
            retriesDue.set(k, retriesDue.get(k)! - 1);
        if (e.invocation !== undefined) {
          const inv = recoverable({ ...e, invocation: e.invocation }, 'step.skip');
          if (inv) {
            inv.closed = true;
            endInside(inv);
          }
        }
        break;
      case 'state.update':
      case 'warning':
        break;
    }
  }

  if (!finish) bad(undefined, 'no run.finish');
  else checkFinish(finish, events, cancels, timeouts, suspends, (rule) => bad(finish, rule));
  // A run may end (cancel, timeout, a failure elsewhere) between an error and its retry; a succeeded one may not.
  for (const inv of invocations.values()) {
    if (inv.awaitingRetry && (finish?.status === 'succeeded' || options.complete))
      out.push(`${inv.key}: a step.error with willRetry was never followed by step.retry`);
  }
  if (options.complete) {
    for (const inv of invocations.values()) if (!inv.closed) out.push(`${inv.key}: started but never ended`);
    for (const [k, n] of retriesDue) if (n > 0) out.push(`${k}: a step.retry whose attempt never started`);
    for (const k of barriers.keys()) out.push(`${k}: a barrier still waiting at the end`);
  }
  return out;
}

function checkFinish(
  f: Extract<RunEvent, { type: 'run.finish' }>,
  events: readonly RunEvent[],
  cancels: number,
  timeouts: number,
  suspends: number,
  bad: (rule: string) => void,
): void {
  if (!STATUSES.includes(f.status)) bad(`unknown status ${String(f.status)}`);
  if (typeof f.durationMs !== 'number' || !(f.durationMs >= 0))
    bad(`durationMs ${f.durationMs} is not a duration`);
  const failing = f.status === 'failed' || f.status === 'cancelled' || f.status === 'timedOut';
  if (failing && !f.error) bad(`status ${f.status} without an error`);
  if (!failing && f.error) bad(`status ${f.status} with an error`);
  if (f.error && (typeof f.error.code !== 'string' || typeof f.error.message !== 'string'))
    bad('the error is not a serialised error');
  if (cancels > 1 || timeouts > 1 || suspends > 1)
    bad('run.cancel, run.timeout or run.suspend more than once');
  if (cancels > 0 && f.status !== 'cancelled') bad(`run.cancel but status ${f.status}`);
  if (f.status === 'cancelled' && cancels !== 1) bad('status cancelled without run.cancel');
  if (timeouts > 0 && f.status !== 'timedOut') bad(`run.timeout but status ${f.status}`);
  if (f.status === 'timedOut' && timeouts !== 1) bad('status timedOut without run.timeout');
  if (suspends > 0 !== (f.status === 'suspended')) bad(`run.suspend ×${suspends} with status ${f.status}`);

  const m = f.metrics as unknown as Record<string, unknown> | undefined;
  if (typeof m !== 'object' || m === null) {
    bad('no metrics');
    return;
  }
  for (const k of METRIC_NUMBERS)
    if (typeof m[k] !== 'number' || !(m[k] >= 0)) bad(`metrics.${k} is not a non-negative number`);
  for (const k of ['steps', 'barrierWaits', 'mapFanout', 'extra'])
    if (typeof m[k] !== 'object' || m[k] === null) bad(`metrics.${k} is missing`);
  if (f.metrics.durationMs !== f.durationMs) bad('metrics.durationMs differs from durationMs');
  if (f.metrics.events !== events.length)
    bad(`metrics.events ${f.metrics.events} but ${events.length} events`);
  const tokens = events.reduce((n, e) => n + (e.type === 'token' ? e.tokens.length : 0), 0);
  if (f.metrics.tokens !== tokens) bad(`metrics.tokens ${f.metrics.tokens} but ${tokens} tokens`);
  const retries = events.filter((e) => e.type === 'step.retry').length;
  if (f.metrics.retries !== retries)
    bad(`metrics.retries ${f.metrics.retries} but ${retries} step.retry events`);
  // Each failure is counted once: one step.error per failed attempt (a map item's final failure has none).
  const errors = events.filter((e) => e.type === 'step.error');
  const fatal = errors.filter((e) => !e.willRetry).length;
  if (f.metrics.fatalErrors !== fatal)
    bad(`metrics.fatalErrors ${f.metrics.fatalErrors} but ${fatal} final step.error events`);
  if (f.metrics.retryableErrors !== errors.length - fatal)
    bad(
      `metrics.retryableErrors ${f.metrics.retryableErrors} but ${errors.length - fatal} step.error events that retry`,
    );
  const items = events.filter((e) => e.type === 'map.item').length;
  if (f.metrics.tasks < items) bad(`metrics.tasks ${f.metrics.tasks} is below the ${items} map items`);
  const ends = new Map<string, number>();
  const releases = new Map<string, number>();
  const fanout = new Map<string, { items: number; failed: number }>();
  for (const e of events) {
    if (e.type === 'step.end')
      ends.set(stepKey(e.path, e.step), (ends.get(stepKey(e.path, e.step)) ?? 0) + 1);
    if (e.type === 'barrier.release')
      releases.set(stepKey(e.path, e.step), (releases.get(stepKey(e.path, e.step)) ?? 0) + 1);
    if (e.type === 'map.complete') fanout.set(stepKey(e.path, e.step), { items: e.count, failed: e.failed });
  }
  for (const [k, n] of ends)
    if (f.metrics.steps[k]?.count !== n)
      bad(`metrics.steps[${k}].count ${f.metrics.steps[k]?.count} but ${n} step.end events`);
  for (const [k, n] of releases)
    if (f.metrics.barrierWaits[k]?.count !== n)
      bad(`metrics.barrierWaits[${k}].count ${f.metrics.barrierWaits[k]?.count} but ${n} releases`);
  for (const k of Object.keys(f.metrics.barrierWaits))
    if (!releases.has(k)) bad(`metrics.barrierWaits[${k}] without a release`);
  for (const [k, v] of fanout) {
    const got = f.metrics.mapFanout[k];
    if (got?.items !== v.items || got.failed !== v.failed)
      bad(`metrics.mapFanout[${k}] ${JSON.stringify(got)} but map.complete says ${JSON.stringify(v)}`);
  }
}

/** Throws with every violation listed when the stream breaks an ordering invariant. */
export function assertOrdered(events: readonly RunEvent[], options: OrderingOptions = {}): void {
  const violations = checkOrdering(events, options);
  if (violations.length > 0) {
    const types = events
      .map(
        (e) =>
          `${e.seq}:${e.type}${'step' in e ? `(${stepKey(e.path, e.step)}${'invocation' in e ? `#${e.invocation}` : ''})` : ''}`,
      )
      .join(' ');
    throw new Error(
      `event ordering violated:\n  - ${violations.slice(0, 20).join('\n  - ')}\nstream: ${types}`,
    );
  }
}

/** A run's result and every event of its stream. Call it in the tick of `start()` to miss nothing. */
export async function collect<O>(
  handle: RunHandle<O>,
): Promise<{ result: RunResult<O>; events: RunEvent[] }> {
  const stream = handle.events();
  const events: RunEvent[] = [];
  for await (const e of stream) events.push(e);
  return { result: await handle.result, events };
}

/** Events of one type, typed. */
export function ofType<T extends RunEvent['type']>(
  events: readonly RunEvent[],
  type: T,
): Extract<RunEvent, { type: T }>[] {
  return events.filter((e): e is Extract<RunEvent, { type: T }> => e.type === type);
}

/** A run being watched: its events so far, a way to wait for one, and the end. */
export interface Watched<O> {
  readonly events: readonly RunEvent[];
  /** Resolves with the first event (already seen or to come) matching `pred`; rejects if the run ends without one. */
  until(pred: (e: RunEvent) => boolean): Promise<RunEvent>;
  readonly done: Promise<{ result: RunResult<O>; events: RunEvent[] }>;
}

/** Subscribes to a run's events (call it in the tick of `start()`) and lets a test wait for any of them. */
export function watch<O>(handle: RunHandle<O>): Watched<O> {
  const events: RunEvent[] = [];
  const waiters = new Set<{
    pred: (e: RunEvent) => boolean;
    resolve: (e: RunEvent) => void;
    reject: (e: Error) => void;
  }>();
  const stream = handle.events();
  const done = (async () => {
    for await (const e of stream) {
      events.push(e);
      for (const w of [...waiters]) {
        if (!w.pred(e)) continue;
        waiters.delete(w);
        w.resolve(e);
      }
    }
    for (const w of waiters)
      w.reject(
        new Error(`the run ended without the awaited event; stream: ${events.map((e) => e.type).join(' ')}`),
      );
    waiters.clear();
    return { result: await handle.result, events };
  })();
  let ended = false;
  void done.finally(() => (ended = true));
  return {
    events,
    until(pred) {
      const seen = events.find(pred);
      if (seen) return Promise.resolve(seen);
      if (ended) return Promise.reject(new Error('the run already ended without the awaited event'));
      return new Promise((resolve, reject) => waiters.add({ pred, resolve, reject }));
    },
    done,
  };
}
