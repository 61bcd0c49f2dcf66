// The scheduler: one pure transition, `schedule(state, event) -> { state, effects }`. No `node:`
// import, no thread, no timer, no promise: the runtime feeds it events (with the time and the room
// left in the event stream) and performs the effects it returns, in order.
import { unlinked } from './chains.js';
import { afterHandled } from './complete.js';
import type { SchedulerEnv } from './env.js';
import { createExec, finishExec, resumeExec, retryDue, startExec, subTimedOut } from './execs.js';
import { checkpoint, restarted, started, taskDone, timedOut } from './invocations.js';
import { barrierTimedOut } from './joins.js';
import { itemReported, itemRetryDue, pulled } from './maps.js';
import { pump } from './pump.js';
import { Tx } from './tx.js';
import type { Effect, SchedulerEvent, SchedulerState } from './types.js';

/** The id of the run's own execution. */
export const ROOT = 'root';

/** What one transition returns. */
export interface Transition {
  readonly state: SchedulerState;
  readonly effects: readonly Effect[];
}

/**
 * The engine's decisions for one run as a transition over plain data. The state is updated in place
 * and returned (ownership passes in and out: copying a 1,000,000-item map's results on every event
 * is not affordable); the same state and event, with the same `env`, give the same state and
 * effects. Nothing else is read: no clock (events carry the time), no I/O.
 * @example
 * const scheduler = new Scheduler(env);
 * let state = scheduler.initial('run-1', input);
 * const { effects } = scheduler.schedule(state, { t: 'start', now: 0, room: Infinity });
 */
export class Scheduler {
  readonly env: SchedulerEnv;
  /** The transition in progress (one object, reused). */
  readonly #t: Tx;
  #busy = false;

  constructor(env: SchedulerEnv) {
    this.env = env;
    this.#t = new Tx(env, undefined as unknown as SchedulerState);
  }

  /** The state of a run that has not started: its root execution, ready to be fed `start`. */
  initial(runId: string, input: unknown): SchedulerState {
    const plan = this.env.plan;
    const state: SchedulerState = {
      formatVersion: 2,
      runId,
      planId: plan.id,
      pipeline: { name: plan.name, module: plan.module },
      input,
      nextId: 1,
      slots: 0,
      timerSeq: 0,
      execs: {},
      invs: {},
      maps: {},
      timers: {},
      chains: {},
      queueDepthMax: 0,
      draining: false,
      outcome: null,
    };
    const t = new Tx(this.env, state);
    t.begin(state, 0, 0);
    createExec(t, ROOT, [], null, input);
    return state;
  }

  /** Applies one event. */
  schedule(state: SchedulerState, event: SchedulerEvent): Transition {
    if (this.#busy)
      throw new Error('schedule() is not reentrant: feed the next event after this one returned');
    this.#busy = true;
    try {
      return this.#apply(state, event);
    } finally {
      this.#busy = false;
    }
  }

  #apply(state: SchedulerState, event: SchedulerEvent): Transition {
    const t = this.#t;
    t.begin(state, event.now, event.room);
    const root = state.execs[ROOT]!;
    switch (event.t) {
      case 'start':
        startExec(t, root);
        break;
      case 'resume':
        state.outcome = null;
        state.draining = false;
        // A chain task does not outlive its process: what it had left is decided afresh.
        for (const id in state.chains) delete state.chains[id];
        resumeExec(t, root, event.value);
        break;
      case 'started': {
        const inv = state.invs[event.inv];
        if (inv) started(t, inv);
        return { state, effects: t.effects };
      }
      case 'ended': {
        const inv = state.invs[event.inv];
        if (inv) inv.endedAt ??= event.now;
        return { state, effects: t.effects };
      }
      case 'checkpoint': {
        const inv = state.invs[event.inv];
        if (inv) checkpoint(t, inv, event.value);
        return { state, effects: t.effects };
      }
      case 'unlinked': {
        const inv = state.invs[event.inv];
        if (inv) unlinked(t, inv);
        break;
      }
      case 'restarted': {
        const inv = state.invs[event.inv];
        if (inv) restarted(t, inv, event.reason, event.message);
        return { state, effects: t.effects };
      }
      case 'item': {
        const inv = state.invs[event.inv];
        if (inv) itemReported(t, inv, event.index, event.outcome);
        break;
      }
      case 'items': {
        const inv = state.invs[event.inv];
        for (let k = 0; inv && k < event.indices.length; k++)
          itemReported(t, inv, event.indices[k]!, event.outcomes[k]!);
        break;
      }
      case 'done': {
        const inv = state.invs[event.inv];
        if (inv) taskDone(t, inv, event.outcome);
        break;
      }
      case 'timer':
        this.#timer(t, event.key);
        break;
      case 'handled':
        afterHandled(t, event.handler, event.outcome);
        break;
      case 'pulled': {
        const m = state.maps[event.map];
        if (m) pulled(t, m, event.items, event.exhausted, event.error);
        break;
      }
      case 'drained':
        state.draining = false;
        t.freed = true;
        break;
      case 'abort':
        finishExec(t, root, { status: event.status, error: event.error });
        break;
    }
    this.#settle(t);
    return { state, effects: t.effects };
  }

  #timer(t: Tx, key: string): void {
    const spec = t.state.timers[key];
    if (!spec) return;
    delete t.state.timers[key];
    switch (spec.kind) {
      case 'retry': {
        const exec = t.state.execs[spec.exec];
        if (exec && (exec.mode === 'running' || exec.mode === 'suspending')) retryDue(t, exec, spec.act);
        return;
      }
      case 'itemRetry': {
        const m = t.state.maps[spec.map];
        if (m) itemRetryDue(t, m, spec.index, spec.item, spec.attempt);
        return;
      }
      case 'stepTimeout': {
        const inv = t.state.invs[spec.inv];
        if (inv) timedOut(t, inv);
        return;
      }
      case 'subTimeout': {
        const inv = t.state.invs[spec.inv];
        if (inv) subTimedOut(t, inv);
        return;
      }
      case 'barrier': {
        const exec = t.state.execs[spec.exec];
        if (exec) barrierTimedOut(t, exec, spec.node);
        return;
      }
    }
  }

  /** Pumps the executions this transition touched (every open one when a slot freed), until quiet. */
  #settle(t: Tx): void {
    const state = t.state;
    for (let guard = 0; guard < 100_000 && state.outcome === null; guard++) {
      if (t.freed) {
        t.freed = false;
        for (const id in state.execs) t.touched.add(id);
      }
      const next = t.touched.values().next();
      if (next.done) return;
      t.touched.delete(next.value);
      const exec = state.execs[next.value];
      if (exec) pump(t, exec);
    }
  }
}
