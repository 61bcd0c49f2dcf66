import type { TimerHandle } from '../clock/clock.js';
import { WeftError, serializeError, type SerializedError } from '../errors/weft-error.js';
import type { EventBody } from '../events/types.js';
import type { TaskHooks, TaskOutcome } from '../orchestrator/types.js';
import { runMiddleware } from './error-handlers.js';
import type { ExecutionDeps } from './execution-deps.js';
import type { ExecutionMemo } from './execution-memo.js';
import type { Inflight } from './inflight.js';
import { withLazySignal } from './lazy-abort.js';

/** What sending a task needs from its execution. */
export interface TaskHost {
  readonly deps: ExecutionDeps;
  readonly memo: ExecutionMemo;
  /** True while the invocation is open in a running execution. */
  live(inv: Inflight): boolean;
  state(): Readonly<Record<string, unknown>>;
  emit(body: EventBody): void;
  timer(ms: number, fn: () => void): TimerHandle;
  /** The task ended (or timed out); called at most once per invocation by the execution's bookkeeping. */
  settle(inv: Inflight, outcome: TaskOutcome): void;
}

/** A task's body: one step input, or a chunk of map items. */
export type TaskBody =
  | { kind: 'step'; input: unknown }
  | { kind: 'items'; items: unknown[]; baseIndex: number; attempts: number[] };

/**
 * Sends a task through middleware to the orchestrator; never rejects. Its hooks arm the step timeout
 * when it starts, and report tokens and checkpoints under the invocation (a map's, for its items).
 */
export async function dispatchTask(h: TaskHost, inv: Inflight, body: TaskBody): Promise<TaskOutcome> {
  const d = h.deps;
  const { node, act } = inv;
  const overrides = d.options.overrides;
  const override = overrides.size === 0 ? undefined : overrides.get([...d.path, node.name].join('/'));
  const task = withLazySignal({
    id: inv.id,
    runId: d.runId,
    path: d.path,
    node: node.name,
    ref: node.ref!,
    ...(override ? { code: override } : {}),
    ...body,
    attempt: act.attempt,
    state: h.state(),
    params: node.params,
    ...(act.resume ? { resume: act.resume.value } : {}),
    ...(inv.lastCheckpoint !== undefined ? { lastCheckpoint: inv.lastCheckpoint } : {}),
    placement: node.placement,
    ...(node.io ? { io: true } : {}),
    version: node.version,
    // The signal is created only if the orchestrator or the step reads it (see lazy-abort.ts).
    cancel: inv.controller,
  });
  let reported = 0;
  const hooks: TaskHooks = {
    started: () => onStarted(h, inv, body.kind === 'items' ? body.items.length : 1),
    ended: () => {
      inv.endedAt ??= d.clock.now();
    },
    tokens: (batch) => {
      if (!h.live(inv)) return;
      // A map item's tokens belong to the map's invocation (chunks are an internal matter).
      h.emit({ type: 'token', step: node.name, invocation: inv.map?.id ?? inv.id, tokens: batch });
      if (d.hub.saturated) return d.hub.drained();
    },
    checkpoint: (value) => {
      if (!h.live(inv)) return;
      inv.lastCheckpoint = value;
      if (inv.memoKey !== undefined) {
        try {
          h.memo.checkpoint(inv.memoKey, value);
        } catch (e) {
          h.emit({
            type: 'warning',
            code: 'NOT_SERIALIZABLE',
            step: node.name,
            message: `checkpoint not persisted: ${(e as Error).message}`,
          });
        }
      }
      h.emit({ type: 'checkpoint', step: node.name, invocation: inv.map?.id ?? inv.id, value });
    },
    item: (index, outcome) => {
      if (outcome.ok && overran(inv, d.clock.now(), ++reported))
        outcome = { ok: false, error: stepTimeout(inv) };
      inv.map?.onItem(inv, index, outcome);
    },
  };
  const call = (): Promise<TaskOutcome> => d.orchestrator.run(task, hooks);
  const middleware = d.middleware;
  try {
    if (middleware.length === 0 || body.kind === 'items') return await call();
    return await runMiddleware(
      middleware,
      { runId: d.runId, step: node.name, path: d.path, attempt: act.attempt, input: act.input },
      call,
    );
  } catch (error) {
    return { ok: false, error: serializeError(error) };
  }
}

/** The task began running: its step timeout (per item for a chunk) counts from now. */
function onStarted(h: TaskHost, inv: Inflight, items: number): void {
  if (!h.live(inv) || inv.startedAt !== null) return;
  inv.startedAt = h.deps.clock.now();
  const limit = inv.node.timeoutMs;
  if (limit !== null) {
    inv.timer = h.timer(limit * items, () => {
      const error = stepTimeout(inv);
      inv.controller.abort(error);
      h.settle(inv, { ok: false, error });
    });
  }
}

/** The STEP_TIMEOUT error of an invocation that ran longer than its node's `timeoutMs`. */
export function stepTimeout(inv: Inflight): SerializedError {
  const limit = inv.node.timeoutMs;
  return serializeError(
    new WeftError('STEP_TIMEOUT', `step "${inv.node.name}" ran longer than ${limit} ms`, {
      retryable: true,
      data: { timeoutMs: limit },
    }),
  );
}

/**
 * True when a task reports after its deadline (its first `done` items, for a chunk, each allowed
 * `timeoutMs`): the timer could not fire first because the step held the thread, as a synchronous
 * step on the main thread does. It ran to the end, yet it overran: a timeout like any other.
 */
export function overran(inv: Inflight, now: number, done = 1): boolean {
  const limit = inv.node.timeoutMs;
  if (limit === null || inv.startedAt === null || inv.timer === null) return false;
  return (inv.endedAt ?? now) - inv.startedAt >= limit * done;
}
