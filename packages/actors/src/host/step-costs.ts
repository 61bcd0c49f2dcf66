import { refKey, type Task } from '@weft/core/orchestrator';

/** A step run inline goes to a worker again once this long after its last measurement, to refresh it. */
const PROBE_AFTER_MS = 1000;

/** Steps whose cost is remembered (the oldest are forgotten first). */
const MAX_TRACKED_STEPS = 4096;

/** Map items of a task (1 for a step). */
export function itemsOf(task: Task): number {
  return task.kind === 'items' ? (task.items?.length ?? 0) : 1;
}

/**
 * What each step costs per item, learnt from the workers' reports (a plain-function step that ran
 * synchronously is timed there). A task whose learnt cost is below the budget is cheaper to run on
 * the main thread than to send: a thread hop costs tens of µs here.
 */
export class StepCosts {
  readonly #budgetUs: number;
  readonly #costs = new Map<string, { us: number; measuredAt: number }>();

  constructor(budgetUs: number) {
    this.#budgetUs = budgetUs;
  }

  /** True for a task cheaper than a thread hop: a plain-function step, measured, without a placement. */
  inlineable(task: Task): boolean {
    if (this.#budgetUs <= 0 || task.placement !== null || task.io === true) return false;
    const cost = this.#costs.get(refKey(task.ref));
    if (cost === undefined || cost.us * itemsOf(task) > this.#budgetUs) return false;
    // Now and then a worker runs it anyway, to keep the measurement current.
    const now = performance.now();
    if (now - cost.measuredAt < PROBE_AFTER_MS) return true;
    cost.measuredAt = now;
    return false;
  }

  /** The learnt cost of a task in µs (undefined for a step never timed: an actor, an async step). */
  estimate(task: Task): number | undefined {
    const cost = this.#costs.get(refKey(task.ref));
    return cost === undefined ? undefined : cost.us * itemsOf(task);
  }

  /**
   * Updates a step's cost per item (moving average) from a worker's report; a step that was not
   * timed (an actor, an async step, a generator) is forgotten: it is never run inline.
   */
  learn(task: Task, us: number | undefined): void {
    const key = refKey(task.ref);
    if (us === undefined) {
      this.#costs.delete(key);
      return;
    }
    const perItem = us / Math.max(1, itemsOf(task));
    const cost = this.#costs.get(key);
    if (cost) {
      cost.us = cost.us / 2 + perItem / 2;
      cost.measuredAt = performance.now();
    } else {
      this.#costs.set(key, { us: perItem, measuredAt: performance.now() });
      if (this.#costs.size > MAX_TRACKED_STEPS) this.#costs.delete(this.#costs.keys().next().value!);
    }
  }
}
