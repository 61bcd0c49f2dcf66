import type { EventBody } from '../events/types.js';
import type { ExecutionPlan, PlanNode } from '../plan/execution-plan.js';
import type { SerializedError } from '../errors/weft-error.js';
import { planAt, type SchedulerEnv } from './env.js';
import type { ItemUnit } from './settle.js';
import type { Effect, ExecState, Invocation, SchedulerState, TimerSpec } from './types.js';

/** The effects of a transition that asked for none (never written to). */
const NONE: Effect[] = Object.freeze([]) as unknown as Effect[];

/**
 * One transition in progress: the state being updated, the effects asked for so far, the time of
 * the event, and the room left in the event stream (dispatching stops when it is used up).
 */
export class Tx {
  readonly env: SchedulerEnv;
  state: SchedulerState;
  /** The effects asked for so far (none yet: the shared empty list). */
  effects: Effect[] = NONE;
  now = 0;
  /** Events the stream takes before it is saturated (Infinity when nobody subscribed). */
  room = 0;
  /** Executions touched by this transition, pumped at its end. */
  readonly touched = new Set<string>();
  /** A slot was freed: every execution may dispatch again. */
  freed = false;
  readonly #plans = new Map<string, ExecutionPlan>();
  /** A map item's unit, refilled for each item reported (see maps.ts). */
  readonly itemUnit = { kind: 'item' } as ItemUnit;

  /** One per scheduler: `begin` readies it for each transition (no allocation but the effects list). */
  constructor(env: SchedulerEnv, state: SchedulerState) {
    this.env = env;
    this.state = state;
  }

  /** Starts a transition of `state` at `now`. */
  begin(state: SchedulerState, now: number, room: number): void {
    this.state = state;
    this.effects = NONE;
    this.now = now;
    this.room = room;
    this.touched.clear();
    this.freed = false;
  }

  /** Asks for an effect. */
  effect(e: Effect): void {
    if (this.effects === NONE) this.effects = [e];
    else this.effects.push(e);
  }

  /** The plan of an execution. */
  plan(exec: ExecState): ExecutionPlan {
    if (exec.path.length === 0) return this.env.plan;
    const key = exec.path.join('/');
    let plan = this.#plans.get(key);
    if (!plan) this.#plans.set(key, (plan = planAt(this.env.plan, exec.path)));
    return plan;
  }

  node(exec: ExecState, name: string): PlanNode | undefined {
    const plan = this.plan(exec);
    return Object.hasOwn(plan.nodes, name) ? plan.nodes[name] : undefined;
  }

  /** Emits an event of an execution still open (a finished one is silent). */
  emit(exec: ExecState, body: EventBody): void {
    if (exec.mode !== 'running' && exec.mode !== 'suspending') return;
    this.effect({ t: 'emit', path: exec.path, body });
    this.room--;
  }

  timer(key: string, spec: TimerSpec, ms: number): void {
    this.state.timers[key] = spec;
    this.effect({ t: 'timer', key, ms });
  }

  clearTimer(key: string): void {
    if (!(key in this.state.timers)) return;
    delete this.state.timers[key];
    this.effect({ t: 'clearTimer', key });
  }

  cancel(inv: Invocation, error: SerializedError): void {
    this.effect({ t: 'cancel', inv: inv.id, error });
  }

  /** A new invocation id (shared by every execution of the run). */
  nextId(): number {
    return this.state.nextId++;
  }

  /** True while the run has a task slot free (`maxConcurrency`). */
  slotFree(): boolean {
    return this.state.slots < this.env.maxConcurrency;
  }

  /** True while an execution may send tasks: open, a slot free, room in the event stream. */
  canDispatch(exec: ExecState): boolean {
    if (exec.mode !== 'running' && exec.mode !== 'suspending') return false;
    if (this.room <= 0) {
      this.waitDrain();
      return false;
    }
    return this.slotFree();
  }

  /** Asks to be fed `drained` once the event stream has room again (once). */
  waitDrain(): void {
    if (this.state.draining) return;
    this.state.draining = true;
    this.effect({ t: 'waitDrain' });
  }
}
