// Drives the pure scheduler (@weft/core/scheduler) by hand: no thread, no clock, no promise. A
// `choose(n)` source (fast-check's) picks, at every turn, which enabled thing happens next — a task
// starts, reports an item, completes (with a value, a control result, a retryable or a fatal error),
// a timer fires (time jumps to it), an error handler answers, the event stream drains, the run is
// cancelled — so the interleavings are random and the test decides every outcome. The effects are
// turned into the run's event stream the way the engine's run controller does, for the ordering
// checker; the invariants of the scheduler's own state are checked after every transition.
import {
  WeftError,
  next,
  retry,
  serializeError,
  skip,
  stop,
  suspend,
  update,
  type EventBody,
  type ExecutionPlan,
  type Pipeline,
  type RunEvent,
  type TaskOutcome,
} from '@weft/core';
import {
  Scheduler,
  planAt,
  type Effect,
  type HandlerCall,
  type SchedulerEnv,
  type SchedulerEvent,
  type SchedulerState,
} from '@weft/core/scheduler';

/** An event without the facts of its moment (the driver adds them). */
type Fed = SchedulerEvent extends infer E ? (E extends unknown ? Omit<E, 'now' | 'room'> : never) : never;

/** Picks one of `n` options (0 ≤ result < n). */
export type Choose = (n: number) => number;

/** What one session (a run, or a resumption) produced. */
export interface Session {
  readonly events: RunEvent[];
  readonly state: SchedulerState;
  /** Every event fed, in order (for the determinism check). */
  readonly fed: SchedulerEvent[];
  /** The effects of each transition, in order. */
  readonly effects: (readonly Effect[])[];
  /** A step returned stop(), or the run was cancelled: invocations may be left open. */
  readonly interrupted: boolean;
  /** Invariant violations found after transitions. */
  readonly violations: string[];
  /** Steps taken from a chain task, and how many of those it had run ahead. */
  readonly links: { readonly taken: number; readonly ranAhead: number };
}

/** A deterministic random source for retry jitter (the same seed, the same draws). */
export function seeded(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** The scheduler's environment for a model pipeline. */
export function envFor(
  pipeline: Pipeline,
  plan: ExecutionPlan,
  limits: {
    maxConcurrency: number;
    parallelism: number;
    defaultChunkSize: number;
    maxSteps: number;
    chains?: boolean;
  },
  random: () => number,
): SchedulerEnv {
  return {
    plan,
    maxSteps: limits.maxSteps,
    maxConcurrency: limits.maxConcurrency,
    chunkSize: null,
    parallelism: limits.parallelism,
    defaultChunkSize: limits.defaultChunkSize,
    random,
    stateKeys: (path) =>
      Object.fromEntries(Object.entries(planAt(plan, path).state).map(([k, v]) => [k, { ...v }])),
    handles: (path, node) => planAt(plan, path).nodes[node]?.hasErrorHandler === true,
    memo: null,
    chains: () => limits.chains === true,
  };
}

interface Task {
  readonly inv: number;
  started: boolean;
  /** Items still to report (items tasks). */
  readonly items: number[];
}

/**
 * A chain task as a backend runs it (see core's `Task.chain`) and the runtime's table of its reports
 * (runtime/chain-carriers.ts): its steps run one after the other while each returns a plain value
 * and it is not cancelled; each is reported as it ends; the scheduler takes each as an invocation.
 */
interface Chain {
  readonly carrier: number;
  /** The task's own node, then the steps it runs after it. */
  readonly nodes: readonly string[];
  /** Steps reported so far: step `ran` runs now. */
  ran: number;
  cancelled: boolean;
  /** The backend stops after this many steps whatever they return (1: it ignores the chain). */
  readonly runs: number;
  ended: boolean;
  /** Reported, not yet taken. */
  readonly held: Map<number, TaskOutcome>;
  /** Taken: their invocations. */
  readonly taken: Map<number, number>;
  /** What each step returned (the next one's input). */
  readonly outputs: Map<number, unknown>;
}

/**
 * Runs one session to its end (or `maxTurns`): from `state` (a fresh one fed `start`, or a snapshot
 * fed `resume`).
 */
export function drive(
  scheduler: Scheduler,
  state: SchedulerState,
  first: { readonly t: 'start' } | { readonly t: 'resume'; readonly value: unknown },
  choose: Choose,
  pipeline: Pipeline,
  maxTurns = 3000,
): Session {
  const events: RunEvent[] = [];
  const fed: SchedulerEvent[] = [];
  const effectLog: (readonly Effect[])[] = [];
  const violations: string[] = [];
  const tasks = new Map<number, Task>();
  const chains = new Map<number, Chain>();
  /** The chain each invocation taken from one (or sent as one) belongs to. */
  const chainOf = new Map<number, Chain>();
  const links = { taken: 0, ranAhead: 0 };
  const timers = new Map<string, number>();
  const handlers: HandlerCall[] = [];
  let now = 0;
  let draining = false;
  let finished = false;
  let interrupted = false;
  let cancelled = false;
  const emit = (path: readonly string[], body: EventBody): void => {
    events.push({ runId: state.runId, seq: events.length + 1, time: now, path, ...body });
  };
  emit([], {
    type: 'run.start',
    pipeline: pipeline.name,
    planId: state.planId,
    orchestrator: 'model',
    resumed: first.t === 'resume',
  });
  // Events fed while effects are performed wait their turn, as in the runtime.
  const queue: Fed[] = [];
  let busy = false;
  const feed = (e: Fed, turn: number): void => {
    queue.push(e);
    if (busy) return;
    busy = true;
    while (queue.length > 0) {
      // The stream's room: mostly unbounded, now and then nearly full (dispatching must stop and wait).
      const room = turn < maxTurns / 2 && choose(4) === 0 ? choose(3) : Number.POSITIVE_INFINITY;
      const event = { ...queue.shift()!, now, room } as SchedulerEvent;
      fed.push(event);
      const { effects } = scheduler.schedule(state, event);
      effectLog.push(effects);
      for (const effect of effects) perform(effect, turn);
      check(state, scheduler.env, violations, finished);
    }
    busy = false;
  };
  const send = (id: number): void => {
    const inv = state.invs[id];
    if (!inv) return;
    tasks.set(inv.id, {
      inv: inv.id,
      started: false,
      items: inv.items ? inv.items.map((_, k) => inv.base + k) : [],
    });
    if (inv.chain === null) return;
    const chain: Chain = {
      carrier: inv.id,
      nodes: [inv.node, ...inv.chain],
      ran: 0,
      cancelled: false,
      runs: choose(4) === 0 ? 1 + choose(inv.chain.length) : Number.POSITIVE_INFINITY,
      ended: false,
      held: new Map(),
      taken: new Map([[0, inv.id]]),
      outputs: new Map(),
    };
    chains.set(inv.id, chain);
    chainOf.set(inv.id, chain);
  };
  /** Step `k` of a chain ended with `outcome`: the scheduler gets it if it took the step. */
  const reported = (chain: Chain, k: number, outcome: TaskOutcome, turn: number): void => {
    chain.ran = k + 1;
    if (outcome.ok) chain.outputs.set(k, outcome.value);
    const inv = chain.taken.get(k);
    if (inv === undefined) chain.held.set(k, outcome);
    else feed({ t: 'done', inv, outcome }, turn);
  };
  /** The chain task ended: the scheduler hears of the steps it took that never ran. */
  const endChain = (chain: Chain, turn: number): void => {
    chain.ended = true;
    tasks.delete(chain.carrier);
    for (const [k, inv] of chain.taken) if (k >= chain.ran) feed({ t: 'unlinked', inv }, turn);
  };
  const perform = (effect: Effect, turn: number): void => {
    if (finished && (effect.t === 'emit' || effect.t === 'dispatch' || effect.t === 'timer'))
      violations.push(`${effect.t} after the run ended`);
    switch (effect.t) {
      case 'emit':
        emit(effect.path, effect.body);
        return;
      case 'dispatch':
        send(effect.inv);
        return;
      case 'link': {
        const chain = chains.get(effect.carrier);
        const inv = state.invs[effect.inv];
        if (!chain || chain.carrier !== inv?.carrier)
          violations.push(`link ${effect.inv}: no chain ${effect.carrier} to take it from`);
        else {
          // The scheduler takes a step only as the backend runs it: the next one, with the output before it.
          if (chain.ended && effect.k >= chain.ran && !chain.cancelled && chain.ran < chain.runs)
            violations.push(`link ${effect.inv}: step ${effect.k} of a chain that stopped before it`);
          if (inv.node !== chain.nodes[effect.k])
            violations.push(
              `link ${effect.inv}: took "${inv.node}" as step ${effect.k} ("${chain.nodes[effect.k]}")`,
            );
          if (inv.act.input !== chain.outputs.get(effect.k - 1) || inv.act.attempt !== 1)
            violations.push(
              `link ${effect.inv}: "${inv.node}" taken with another input or attempt than the chain's`,
            );
        }
        if (!chain || (chain.ended && effect.k >= chain.ran))
          return feed({ t: 'unlinked', inv: effect.inv }, turn);
        chain.taken.set(effect.k, effect.inv);
        chainOf.set(effect.inv, chain);
        links.taken++;
        const held = chain.held.get(effect.k);
        if (held === undefined) return;
        links.ranAhead++;
        chain.held.delete(effect.k);
        return feed({ t: 'done', inv: effect.inv, outcome: held }, turn);
      }
      case 'cancel': {
        const chain = chainOf.get(effect.inv);
        if (chain && !chain.ended) {
          // The chain stops after its step running now, which may still report or end with the abort.
          chain.cancelled = true;
          if (choose(2) === 0) {
            reported(chain, chain.ran, { ok: false, error: effect.error }, turn);
            endChain(chain, turn);
          }
          return;
        }
        // The task may still report: the scheduler must ignore it. Keep it in `tasks` now and then.
        if (choose(2) === 0) tasks.delete(effect.inv);
        return;
      }
      case 'timer':
        timers.set(effect.key, now + effect.ms);
        return;
      case 'clearTimer':
        timers.delete(effect.key);
        return;
      case 'handle':
        handlers.push(effect.call);
        return;
      case 'pull':
      case 'closeSource':
        violations.push(`${effect.t}: model maps take arrays`);
        return;
      case 'waitDrain':
        draining = true;
        return;
      case 'finish': {
        finished = true;
        const o = effect.outcome;
        if (o.status === 'suspended') emit([], { type: 'run.suspend', reasons: o.reasons });
        emit([], {
          type: 'run.finish',
          status: o.status,
          durationMs: now,
          ...(o.status === 'failed' || o.status === 'cancelled' || o.status === 'timedOut'
            ? { error: o.error }
            : {}),
          // The run controller's part (checked by the engine suites): a well-formed, empty record here.
          metrics: { steps: {}, barrierWaits: {}, mapFanout: {}, extra: {} } as never,
        });
        return;
      }
    }
  };

  feed(first, 0);
  for (let turn = 1; turn <= maxTurns && !finished; turn++) {
    const actions: (() => void)[] = [];
    for (const task of tasks.values()) actions.push(() => act(task, turn));
    if (timers.size > 0)
      actions.push(() => {
        const [key, at] = [...timers].sort((a, b) => a[1] - b[1])[0]!;
        timers.delete(key);
        now = Math.max(now, at);
        feed({ t: 'timer', key }, turn);
      });
    for (let i = 0; i < handlers.length; i++)
      actions.push(() => {
        const call = handlers.splice(i, 1)[0]!;
        const outcome: TaskOutcome =
          choose(3) === 0
            ? { ok: false, error: call.error }
            : { ok: true, value: choose(2) === 0 ? [1, 2] : 'a' };
        feed({ t: 'handled', handler: call, outcome }, turn);
      });
    if (draining)
      actions.push(() => {
        draining = false;
        feed({ t: 'drained' }, turn);
      });
    if (!cancelled && choose(40) === 0)
      actions.push(() => {
        cancelled = true;
        interrupted = true;
        emit([], { type: 'run.cancel', reason: 'the test cancelled it' });
        const error = serializeError(new WeftError('RUN_CANCELLED', 'run cancelled: the test cancelled it'));
        feed({ t: 'abort', status: 'cancelled', error }, turn);
      });
    if (actions.length === 0) {
      violations.push(`stuck: nothing in flight, no timer, yet the run did not end (turn ${turn})`);
      break;
    }
    now += choose(3);
    actions[choose(actions.length)]!();
  }
  if (!finished) violations.push(`the run did not end within ${maxTurns} turns`);

  function act(task: Task, turn: number): void {
    const inv = state.invs[task.inv];
    if (!task.started) {
      task.started = true;
      return feed({ t: 'started', inv: task.inv }, turn);
    }
    if (task.items.length > 0 && choose(2) === 0) {
      const index = task.items.splice(choose(task.items.length), 1)[0]!;
      return feed({ t: 'item', inv: task.inv, index, outcome: itemOutcome() }, turn);
    }
    tasks.delete(task.inv);
    if (task.items.length > 0 || inv?.kind === 'items') {
      const outcome: TaskOutcome =
        choose(8) === 0
          ? { ok: false, error: failure(choose(2) === 0) }
          : { ok: true, value: (inv?.items ?? task.items).map(() => itemOutcome()) };
      return feed({ t: 'done', inv: task.inv, outcome }, turn);
    }
    const chain = chains.get(task.inv);
    const k = chain ? chain.ran : 0;
    const outcome = stepOutcome(chain ? chain.nodes[k]! : inv ? inv.node : '');
    if (
      outcome.ok &&
      typeof outcome.value === 'object' &&
      outcome.value !== null &&
      '$weft' in outcome.value
    ) {
      const kind = (outcome.value as { $weft: string }).$weft;
      if (kind === 'stop') interrupted = true;
    }
    if (!chain || chain.ended) return feed({ t: 'done', inv: task.inv, outcome }, turn);
    // A chain goes on after a plain value while it has steps left and nobody cancelled it.
    const plainValue =
      outcome.ok &&
      !(typeof outcome.value === 'object' && outcome.value !== null && '$weft' in outcome.value);
    const goesOn = plainValue && k + 1 < chain.nodes.length && k + 1 < chain.runs && !chain.cancelled;
    if (goesOn) tasks.set(task.inv, task);
    reported(chain, k, outcome, turn);
    if (!goesOn) endChain(chain, turn);
  }

  function stepOutcome(node: string): TaskOutcome {
    switch (choose(12)) {
      case 0:
        return { ok: false, error: failure(true) };
      case 1:
        return { ok: false, error: failure(false) };
      case 2:
        return { ok: true, value: retry('again') };
      case 3:
        return { ok: true, value: skip('the test skipped it') };
      case 4:
        return { ok: true, value: update({ count: 1 }, [1, 2, 3]) };
      case 5: {
        const to = stateNode(node)?.to ?? [];
        return { ok: true, value: to.length > 0 ? next(to[choose(to.length)]!, [4]) : [4] };
      }
      case 6:
        return { ok: true, value: choose(6) === 0 ? stop('stopped') : suspend('wait for it', { node }) };
      case 7:
        return { ok: true, value: 'zzz' };
      default:
        return { ok: true, value: choose(2) === 0 ? [1, 2] : 'a' };
    }
  }

  function stateNode(name: string) {
    for (const exec of Object.values(state.execs)) {
      const n = planAt(scheduler.env.plan, exec.path).nodes[name];
      if (n) return n;
    }
    return undefined;
  }

  function itemOutcome() {
    switch (choose(8)) {
      case 0:
        return { ok: false as const, error: failure(true) };
      case 1:
        return { ok: false as const, error: failure(false) };
      case 2:
        return { ok: true as const, value: update({ count: 1 }, 7) };
      case 3:
        return { ok: true as const, value: retry() };
      default:
        return { ok: true as const, value: choose(10) };
    }
  }

  return { events, state, fed, effects: effectLog, interrupted, violations, links };
}

function failure(retryable: boolean) {
  return serializeError(new WeftError('STEP_FAILED', retryable ? 'flaky' : 'broken', { retryable }));
}

/** The scheduler's own bookkeeping, after every transition. */
function check(state: SchedulerState, env: SchedulerEnv, out: string[], finished: boolean): void {
  const open = Object.values(state.invs);
  const tasks = open.filter((i) => i.kind !== 'sub').length;
  if (state.slots !== tasks) out.push(`slots ${state.slots} but ${tasks} tasks open`);
  if (state.slots > env.maxConcurrency)
    out.push(`slots ${state.slots} over maxConcurrency ${env.maxConcurrency}`);
  for (const exec of Object.values(state.execs)) {
    const plan = planAt(env.plan, exec.path);
    const mine = open.filter((i) => i.exec === exec.id);
    if (exec.invs !== mine.length) out.push(`exec ${exec.id}: invs ${exec.invs} but ${mine.length} open`);
    for (const [name, n] of Object.entries(exec.running)) {
      const node = plan.nodes[name]!;
      const count = mine.filter((i) => i.node === name && i.kind !== 'items').length;
      if (n !== count) out.push(`exec ${exec.id}: running[${name}] ${n} but ${count} open`);
      if (node.concurrency !== null && n > node.concurrency)
        out.push(`exec ${exec.id}: ${name} runs ${n} at once, over its concurrency ${node.concurrency}`);
    }
    for (const id of exec.maps) {
      const m = state.maps[id];
      if (!m) out.push(`exec ${exec.id}: map ${id} listed but gone`);
      else if (m.inflight > m.concurrency)
        out.push(`map ${m.node}: ${m.inflight} items over ${m.concurrency}`);
    }
  }
  if (finished && state.outcome?.status !== 'suspended' && open.length > 0)
    out.push(`the run ended with ${open.length} invocations open`);
}
