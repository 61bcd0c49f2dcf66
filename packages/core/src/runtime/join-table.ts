import type { TimerHandle } from '../clock/clock.js';
import { WeftError } from '../errors/weft-error.js';
import type { EventBody } from '../events/types.js';
import type { ExecutionPlan, PlanNode } from '../plan/execution-plan.js';
import { Barrier } from '../supervisor/barrier-machine.js';
import type { ActivationData, RunSnapshot } from './snapshot.js';

/** What the joins of an execution need from it. */
export interface JoinPorts {
  readonly plan: ExecutionPlan;
  now(): number;
  /** True once the execution has ended: arrivals are ignored. */
  done(): boolean;
  emit(body: EventBody): void;
  enqueue(a: ActivationData): void;
  /** Skips a node (its successors receive skipped arrivals). */
  skip(name: string, reason: string): void;
  /** Cancels the running invocations of a node (the losers of an ANY race). */
  cancelNode(name: string, reason: string): void;
  timer(ms: number, fn: () => void): TimerHandle;
  clear(h: TimerHandle): void;
  /** A join's barrier timed out: the join fails with `error` (its handlers may recover it). */
  timedOut(node: PlanNode, act: ActivationData, error: WeftError): void;
  pump(): void;
}

interface BarrierRun {
  readonly barrier: Barrier;
  readonly inputs: Record<string, unknown>;
  readonly firstAt: number;
  timer: TimerHandle | null;
}

/**
 * The joins of one execution: a barrier machine per waiting join, and the parents whose later
 * arrivals an ANY join (or a timed-out barrier) absorbs. Arrivals at a node that is not a join
 * activate it (or skip it) at once.
 */
export class JoinTable {
  readonly #p: JoinPorts;
  readonly #barriers = new Map<string, BarrierRun>();
  readonly #anyPending = new Map<string, Set<string>>();

  constructor(ports: JoinPorts) {
    this.#p = ports;
  }

  /** Joins still waiting. */
  get waiting(): number {
    return this.#barriers.size;
  }

  /** Barrier timers armed (they alone do not keep a running execution alive). */
  get timers(): number {
    let n = 0;
    for (const b of this.#barriers.values()) if (b.timer !== null) n++;
    return n;
  }

  /** Restores the joins of a snapshot (their timers are not re-armed). */
  restore(snapshot: RunSnapshot): void {
    for (const [k, v] of Object.entries(snapshot.anyPending)) this.#anyPending.set(k, new Set(v));
    for (const b of snapshot.barriers) {
      const node = this.#p.plan.nodes[b.node]!;
      const barrier = new Barrier(node.join ?? 'all', node.parents);
      for (const [from, how] of Object.entries(b.arrived))
        barrier.send({ type: 'ARRIVE', from, skipped: how === 'skipped' });
      this.#barriers.set(b.node, { barrier, inputs: { ...b.inputs }, firstAt: b.firstAt, timer: null });
    }
  }

  /** The joins' part of a snapshot. */
  snapshot(): Pick<RunSnapshot, 'barriers' | 'anyPending'> {
    return {
      barriers: [...this.#barriers.entries()].map(([node, b]) => ({
        node,
        arrived: b.barrier.context.arrived,
        inputs: b.inputs,
        firstAt: b.firstAt,
      })),
      anyPending: Object.fromEntries([...this.#anyPending].map(([k, v]) => [k, [...v]])),
    };
  }

  /** The join a node lost the race into (or missed the barrier timeout of), if any: it must not run. */
  lostInto(node: string): string | undefined {
    if (this.#anyPending.size === 0) return undefined;
    for (const [join, losers] of this.#anyPending) if (losers.has(node)) return join;
    return undefined;
  }

  /** Clears every barrier timer (the execution ended). */
  clearTimers(clear: (h: TimerHandle) => void): void {
    for (const b of this.#barriers.values()) if (b.timer) clear(b.timer);
  }

  /** `from` ended (with `value`, or skipped) and `target` is one of its successors. */
  arrive(target: string, from: string, value: unknown, skipped: boolean): void {
    const p = this.#p;
    if (p.done()) return;
    const node = p.plan.nodes[target]!;
    const pendingAny = this.#anyPending.get(target);
    if (pendingAny?.delete(from)) {
      if (pendingAny.size === 0) this.#anyPending.delete(target);
      return;
    }
    if (node.join === null || !node.parents.includes(from)) {
      if (skipped) p.skip(target, `parent "${from}" was skipped`);
      else p.enqueue({ node: target, input: value, from, attempt: 1 });
      return;
    }
    let b = this.#barriers.get(target);
    if (!b) {
      b = { barrier: new Barrier(node.join, node.parents), inputs: {}, firstAt: p.now(), timer: null };
      this.#barriers.set(target, b);
      if (node.barrierTimeoutMs !== null) b.timer = p.timer(node.barrierTimeoutMs, () => this.#timeout(node));
    }
    if (!skipped) b.inputs[from] = value;
    b.barrier.send({ type: 'ARRIVE', from, skipped });
    const arrived = Object.keys(b.barrier.context.arrived).length;
    p.emit({
      type: 'barrier.wait',
      step: target,
      from,
      arrived,
      expected: node.join === 'all' ? node.parents.length : 1,
    });
    if (b.barrier.state !== 'released') return;
    this.#barriers.delete(target);
    if (b.timer) p.clear(b.timer);
    this.#release(node, b);
  }

  /**
   * Nothing is running, queued or waiting on a timer, so no parent can still arrive: one waiting join
   * is settled with what it holds (released with its outputs, or skipped when it holds only skips).
   * The first is one that no other waiting join can reach, so joins settle in graph order.
   */
  settleStuck(): void {
    const waiting = [...this.#barriers.keys()];
    const target = waiting.find((n) => !waiting.some((o) => o !== n && this.#reaches(o, n))) ?? waiting[0]!;
    const node = this.#p.plan.nodes[target]!;
    const b = this.#barriers.get(target)!;
    this.#barriers.delete(target);
    if (b.timer) this.#p.clear(b.timer);
    this.#release(node, b);
  }

  /** Runs a released join (or skips it when every parent that arrived was skipped); losers of an ANY race are cancelled. */
  #release(node: PlanNode, b: BarrierRun): void {
    const p = this.#p;
    const target = node.name;
    const ok = b.barrier.arrivedOk;
    p.emit({
      type: 'barrier.release',
      step: target,
      join: b.barrier.context.kind,
      arrived: Object.keys(b.barrier.context.arrived),
      waitedMs: p.now() - b.firstAt,
      skipped: ok.length === 0,
    });
    if (ok.length === 0) {
      p.skip(target, 'every parent was skipped');
      return;
    }
    if (node.join === 'any') {
      const losers = b.barrier.missing;
      if (losers.length > 0) this.#anyPending.set(target, new Set(losers));
      for (const l of losers) p.cancelNode(l, `lost the any-join race into "${target}"`);
      p.enqueue({ node: target, input: b.inputs[ok[0]!], from: ok[0]!, attempt: 1 });
    } else {
      const input: Record<string, unknown> = {};
      for (const parent of node.parents) if (parent in b.inputs) input[parent] = b.inputs[parent];
      p.enqueue({ node: target, input, from: null, attempt: 1 });
    }
  }

  /** True when `to` can be reached from `from` through static edges and declared routes. */
  #reaches(from: string, to: string): boolean {
    const seen = new Set<string>([from]);
    const stack = [from];
    while (stack.length > 0) {
      const n = this.#p.plan.nodes[stack.pop()!];
      if (!n) continue;
      for (const t of [...n.to, ...n.routes]) {
        if (t === to) return true;
        if (!seen.has(t)) {
          seen.add(t);
          stack.push(t);
        }
      }
    }
    return false;
  }

  #timeout(node: PlanNode): void {
    const p = this.#p;
    const b = this.#barriers.get(node.name);
    if (!b || p.done()) return;
    b.barrier.send({ type: 'TIMEOUT' });
    this.#barriers.delete(node.name);
    const arrived = Object.keys(b.barrier.context.arrived);
    p.emit({ type: 'barrier.timeout', step: node.name, arrived, missing: b.barrier.missing });
    const error = new WeftError(
      'BARRIER_TIMEOUT',
      `join "${node.name}" waited ${node.barrierTimeoutMs} ms; still missing ${b.barrier.missing.join(', ')}`,
      { data: { arrived, missing: b.barrier.missing } },
    );
    p.timedOut(node, { node: node.name, input: b.inputs, from: null, attempt: node.retry.attempts }, error);
    // Should a handler recover the join, the parents that missed it are cancelled and their arrivals absorbed.
    const missing = b.barrier.missing;
    if (missing.length > 0 && !p.done()) {
      this.#anyPending.set(node.name, new Set(missing));
      for (const l of missing) p.cancelNode(l, `missed the barrier timeout of "${node.name}"`);
    }
    p.pump();
  }
}
