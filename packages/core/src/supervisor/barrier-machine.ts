import { assign, initialTransition, setup, transition, type SnapshotFrom } from 'xstate';

/** Barrier context: who must arrive, and who did (skipped or not). */
export interface BarrierContext {
  readonly kind: 'all' | 'any';
  readonly parents: readonly string[];
  readonly arrived: Readonly<Record<string, 'ok' | 'skipped'>>;
}

/** Events a barrier accepts. */
export type BarrierEvent =
  { type: 'ARRIVE'; from: string; skipped: boolean } | { type: 'TIMEOUT' } | { type: 'CANCEL' };

const allArrived = (c: BarrierContext): boolean => c.parents.every((p) => c.arrived[p] !== undefined);
const anyOk = (c: BarrierContext): boolean => c.parents.some((p) => c.arrived[p] === 'ok');

/** The barrier's release guard: ALL when every parent arrived; ANY on a first output (or when all arrived, skipped). Pure. */
export function barrierComplete(c: BarrierContext): boolean {
  return c.kind === 'all' ? allArrived(c) : anyOk(c) || allArrived(c);
}

/**
 * One barrier (join): waiting → released | timedOut | cancelled. ALL releases when every parent
 * has arrived (skipped parents count as arrived); ANY releases on the first non-skipped arrival.
 * Released with no `ok` arrival means the join itself is skipped.
 */
export const barrierMachine = setup({
  types: {
    context: {} as BarrierContext,
    events: {} as BarrierEvent,
    input: {} as { kind: 'all' | 'any'; parents: readonly string[] },
  },
  guards: {
    complete: ({ context }) => barrierComplete(context),
  },
}).createMachine({
  id: 'barrier',
  context: ({ input }) => ({ kind: input.kind, parents: input.parents, arrived: {} }),
  initial: 'waiting',
  states: {
    waiting: {
      on: {
        ARRIVE: {
          actions: assign({
            arrived: ({ context, event }) =>
              context.parents.includes(event.from) && context.arrived[event.from] === undefined
                ? { ...context.arrived, [event.from]: event.skipped ? 'skipped' : 'ok' }
                : context.arrived,
          }),
          target: 'checking',
        },
        TIMEOUT: 'timedOut',
        CANCEL: 'cancelled',
      },
    },
    checking: { always: [{ guard: 'complete', target: 'released' }, { target: 'waiting' }] },
    released: { type: 'final' },
    timedOut: { type: 'final' },
    cancelled: { type: 'final' },
  },
});

/** A barrier snapshot plus a pure `send`. */
export class Barrier {
  #snapshot: SnapshotFrom<typeof barrierMachine>;

  constructor(kind: 'all' | 'any', parents: readonly string[]) {
    this.#snapshot = initialTransition(barrierMachine, { kind, parents })[0];
  }

  get state(): 'waiting' | 'released' | 'timedOut' | 'cancelled' {
    return this.#snapshot.value as 'waiting' | 'released' | 'timedOut' | 'cancelled';
  }

  get context(): BarrierContext {
    return this.#snapshot.context;
  }

  /** Parents that arrived with an output. */
  get arrivedOk(): string[] {
    return this.context.parents.filter((p) => this.context.arrived[p] === 'ok');
  }

  get missing(): string[] {
    return this.context.parents.filter((p) => this.context.arrived[p] === undefined);
  }

  send(event: BarrierEvent): void {
    if (this.#snapshot.status === 'done') return;
    this.#snapshot = transition(barrierMachine, this.#snapshot, event)[0];
  }
}

/** The states of a barrier's lifecycle. */
export type BarrierStatus = 'waiting' | 'released' | 'timedOut' | 'cancelled';

/**
 * The barrier machine's lifecycle as a table: the next state for (state, event, guard result),
 * computed by xstate once per combination and replayed after. A pure `transition()` builds an actor
 * scope per call (tens of µs, see run-machine.ts); a join's arrival is one look-up. The arrivals
 * themselves (the machine's context) are plain data in the scheduler's state.
 */
export function barrierTransition(
  status: BarrierStatus,
  event: 'ARRIVE' | 'TIMEOUT' | 'CANCEL',
  complete: boolean,
): BarrierStatus {
  if (status !== 'waiting') return status;
  const key = `${event}:${complete}`;
  let next = lifecycle.get(key);
  if (next === undefined) {
    // A context whose guard gives `complete` once `p` arrives: one parent, or two.
    const [start] = initialTransition(barrierMachine, {
      kind: 'all',
      parents: complete ? ['p'] : ['p', 'q'],
    });
    const e: BarrierEvent =
      event === 'ARRIVE' ? { type: 'ARRIVE', from: 'p', skipped: false } : { type: event };
    next = transition(barrierMachine, start, e)[0].value as BarrierStatus;
    lifecycle.set(key, next);
  }
  return next;
}

const lifecycle = new Map<string, BarrierStatus>();
