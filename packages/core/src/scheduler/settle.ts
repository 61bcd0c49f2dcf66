// The one place where an outcome becomes a decision: a step's (or switch's, or sub-pipeline's) and a
// map item's alike. Memo storage, control results (update, next, stop, skip, retry, suspend), state
// patches, and whether a failure is retried are decided here; what follows (routing, a map's result)
// is the unit's own.
import { isControl } from '../definition/control.js';
import { WeftError, serializeError, type SerializedError } from '../errors/weft-error.js';
import type { TaskOutcome } from '../orchestrator/types.js';
import type { PlanNode } from '../plan/execution-plan.js';
import { didYouMean } from '../util/did-you-mean.js';
import { backoffDelay, isRetryable } from './backoff.js';
import { complete, failStep, skipNode, stopExec, suspendActivation } from './complete.js';
import { finishExec } from './execs.js';
import { itemFailed, itemSucceeded } from './maps.js';
import { applyPatch } from './run-state.js';
import type { Tx } from './tx.js';
import type { Activation, ExecState, MapState } from './types.js';

/** A step activation's outcome: whom it belongs to. */
export interface StepUnit {
  readonly kind: 'step';
  readonly exec: ExecState;
  readonly node: PlanNode;
  readonly act: Activation;
  /** The invocation events name (0 when there is none: a memo hit, a barrier timeout). */
  readonly invocation: number;
  /** The execution's state version when it was dispatched (for `replace` races). */
  readonly stateVersion: number;
  readonly lastCheckpoint: unknown;
  /** When it began running (null when it did not run), for `durationMs`. */
  readonly startedAt: number | null;
  /** Replayed from the idempotency hook, not run. */
  readonly cached: boolean;
  /** Store the raw value under this key once it succeeded. */
  readonly memoKey: string | null;
  /** The value an error handler recovered with: if it fails in turn, the execution fails (no handler loop). */
  readonly recovered?: true;
}

/** One map item's outcome. */
export interface ItemUnit {
  readonly kind: 'item';
  readonly exec: ExecState;
  readonly node: PlanNode;
  readonly map: MapState;
  readonly index: number;
  readonly item: unknown;
  readonly attempt: number;
  readonly cached: boolean;
  readonly memoKey: string | null;
}

/** Decides what an outcome means and carries it out. */
export function settle(t: Tx, unit: StepUnit | ItemUnit, raw: TaskOutcome): void {
  let outcome = raw;
  if (raw.ok && unit.memoKey !== null && !unit.cached) outcome = memoPut(t, unit.memoKey, raw.value);
  if (!outcome.ok) return failed(t, unit, outcome.error, false);
  const value = outcome.value;
  if (!isControl(value)) return succeeded(t, unit, value, null);
  const name = unit.node.name;
  const seen = unit.kind === 'step' ? unit.stateVersion : unit.exec.stateVersion;
  switch (value.$weft) {
    case 'update': {
      const error = applyPatch(t, unit.exec, value.state, seen, name);
      if (error) return failed(t, unit, error, false);
      if (unit.kind === 'item') unit.map.patchedState = true;
      return succeeded(t, unit, value.output, null);
    }
    case 'retry':
      return failed(
        t,
        unit,
        serializeError(
          new WeftError(
            'STEP_FAILED',
            `${unit.kind === 'item' ? `item ${unit.index} of map "${name}"` : `step "${name}"`} asked to be retried${value.reason ? `: ${value.reason}` : ''}`,
            { retryable: true },
          ),
        ),
        true,
      );
    case 'next':
    case 'stop':
    case 'skip':
    case 'suspend':
      break;
  }
  if (unit.kind === 'item') {
    return failed(
      t,
      unit,
      serializeError(
        new WeftError(
          'STEP_FAILED',
          `item ${unit.index} of map "${name}" returned ${value.$weft}(), which only a step can return (a map item may return update() or retry())`,
        ),
      ),
      false,
    );
  }
  switch (value.$weft) {
    case 'next': {
      if (value.state) {
        const error = applyPatch(t, unit.exec, value.state, seen, name);
        if (error) return failed(t, unit, error, false);
      }
      const unknown = value.targets.filter((x) => t.node(unit.exec, x) === undefined);
      if (unknown.length > 0) return failed(t, unit, unknownTargets(t, unit, unknown), false);
      return succeeded(t, unit, 'output' in value ? value.output : unit.act.input, value.targets);
    }
    case 'stop': {
      if (value.state) {
        const error = applyPatch(t, unit.exec, value.state, seen, name);
        if (error) return failed(t, unit, error, false);
      }
      return stopExec(t, unit, value.output);
    }
    case 'skip':
      return skipNode(
        t,
        unit.exec,
        name,
        value.reason ?? 'skipped by the step',
        unit.invocation || undefined,
      );
    case 'suspend':
      return suspendActivation(t, unit.exec, unit.act, value.reason, value.data);
  }
}

function succeeded(
  t: Tx,
  unit: StepUnit | ItemUnit,
  output: unknown,
  targets: readonly string[] | null,
): void {
  if (unit.kind === 'item') return itemSucceeded(t, unit.map, unit.index, output, unit.cached);
  complete(t, unit, output, targets);
}

/**
 * A failed attempt: retried when the policy says so (a `retry()` always, while attempts are left),
 * otherwise the unit's final failure (a step's error handlers; a map item fails its map).
 */
export function failed(t: Tx, unit: StepUnit | ItemUnit, error: SerializedError, requested: boolean): void {
  // A recovery that fails (a switch key with no case, a patch refused, retry()) is not handled again.
  if (unit.kind === 'step' && unit.recovered) return finishExec(t, unit.exec, { status: 'failed', error });
  const policy = unit.node.retry;
  const attempt = unit.kind === 'item' ? unit.attempt : unit.act.attempt;
  // While the run suspends, a retry is still scheduled: its activation waits in the snapshot.
  const willRetry =
    unit.exec.mode !== 'done' && attempt < policy.attempts && (requested || isRetryable(policy, error));
  if (unit.kind === 'item') {
    if (!willRetry) return itemFailed(t, unit.map, unit.index, error, attempt);
    // An attempt that will be retried is a step.error of its own; a final failure is told once, by
    // the item's map.item (ok: false) and then the map's step.error.
    const { map, index } = unit;
    t.emit(unit.exec, {
      type: 'step.error',
      step: unit.node.name,
      invocation: map.id,
      attempt,
      error,
      willRetry,
      index,
    });
    const delayMs = backoffDelay(policy, attempt, t.env.random);
    t.emit(unit.exec, {
      type: 'step.retry',
      step: unit.node.name,
      invocation: map.id,
      attempt: attempt + 1,
      delayMs,
      reason: `item ${index}: ${error.message}`,
      index,
    });
    map.retryTimers++;
    t.timer(
      `i${map.id}:${index}:${attempt}`,
      { kind: 'itemRetry', map: map.id, index, item: unit.item, attempt: attempt + 1 },
      delayMs,
    );
    return;
  }
  t.emit(unit.exec, {
    type: 'step.error',
    step: unit.node.name,
    invocation: unit.invocation,
    attempt,
    error,
    willRetry,
  });
  if (!willRetry) return failStep(t, unit, error);
  const delayMs = backoffDelay(policy, attempt, t.env.random);
  t.emit(unit.exec, {
    type: 'step.retry',
    step: unit.node.name,
    invocation: unit.invocation,
    attempt: attempt + 1,
    delayMs,
    reason: error.message,
  });
  const act = unit.act;
  const again: Activation = {
    node: act.node,
    input: act.input,
    from: act.from,
    attempt: attempt + 1,
    ...(act.resume ? { resume: act.resume } : {}),
    ...(unit.lastCheckpoint !== undefined ? { lastCheckpoint: unit.lastCheckpoint } : {}),
  };
  unit.exec.retryTimers++;
  t.timer(`r${++t.state.timerSeq}`, { kind: 'retry', exec: unit.exec.id, act: again }, delayMs);
}

/** Stores a completed invocation's raw value; a value the store refuses becomes the error. */
function memoPut(t: Tx, key: string, value: unknown): TaskOutcome {
  if (isControl(value) && value.$weft !== 'update' && value.$weft !== 'next' && value.$weft !== 'stop')
    return { ok: true, value };
  try {
    t.env.memo!.put(key, value);
    return { ok: true, value };
  } catch (e) {
    return {
      ok: false,
      error: serializeError(
        e instanceof Error && 'code' in e
          ? e
          : new WeftError('NOT_SERIALIZABLE', `the result cannot be stored: ${(e as Error).message}`, {
              cause: e,
            }),
      ),
    };
  }
}

function unknownTargets(t: Tx, unit: StepUnit, unknown: readonly string[]): SerializedError {
  const names = Object.keys(t.plan(unit.exec).nodes);
  let hint = '';
  for (const u of unknown) {
    const guess = didYouMean(u, names);
    if (guess) {
      hint = ` (did you mean "${guess}"?)`;
      break;
    }
  }
  return serializeError(
    new WeftError(
      'UNKNOWN_TARGET',
      `step "${unit.node.name}" routed to unknown step(s) ${unknown.map((u) => `"${u}"`).join(', ')}${hint}`,
    ),
  );
}
