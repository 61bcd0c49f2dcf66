import { initialTransition, setup, transition, type SnapshotFrom } from 'xstate';

/** Events the run machine accepts. */
export type RunMachineEvent =
  | { type: 'START' }
  | { type: 'STARTED' }
  | { type: 'COMPLETE' }
  | { type: 'FAIL' }
  | { type: 'CANCEL' }
  | { type: 'TIMEOUT' }
  | { type: 'SUSPEND' }
  | { type: 'DRAINED' };

/** Effects the runtime performs after a transition. */
export type RunEffect = 'runStartup' | 'pump' | 'holdDispatch' | 'abortInflight' | 'finalize';

const terminal = { type: 'final' as const, entry: ['abortInflight' as const, 'finalize' as const] };
const stopping = { FAIL: 'failed', CANCEL: 'cancelled', TIMEOUT: 'timedOut' } as const;

/**
 * The run supervisor: created → starting (startup hooks) → running → succeeded | failed |
 * cancelled | timedOut | suspended (through suspending, which waits for work in flight).
 * Transitions are pure; the entry actions name effects the runtime performs.
 */
export const runMachine = setup({
  types: { events: {} as RunMachineEvent },
  actions: {
    runStartup: () => {},
    pump: () => {},
    holdDispatch: () => {},
    abortInflight: () => {},
    finalize: () => {},
  },
}).createMachine({
  id: 'run',
  initial: 'created',
  states: {
    created: { on: { START: 'starting', ...stopping } },
    starting: { entry: ['runStartup'], on: { STARTED: 'running', ...stopping } },
    running: { entry: ['pump'], on: { COMPLETE: 'succeeded', SUSPEND: 'suspending', ...stopping } },
    suspending: { entry: ['holdDispatch'], on: { DRAINED: 'suspended', ...stopping } },
    succeeded: terminal,
    failed: terminal,
    cancelled: terminal,
    timedOut: terminal,
    suspended: { type: 'final', entry: ['finalize'] },
  },
});

/** State names of the run machine. */
export type RunState =
  | 'created'
  | 'starting'
  | 'running'
  | 'suspending'
  | 'succeeded'
  | 'failed'
  | 'cancelled'
  | 'timedOut'
  | 'suspended';

type RunSnapshot = SnapshotFrom<typeof runMachine>;

/**
 * xstate's pure `transition()` builds an actor scope on every call: 30–150 µs here, three times per
 * run (START, STARTED, COMPLETE), which was most of the engine's own cost for a short run
 * (packages/bench, cpu-64us). The machine has no context, so its snapshot is a function of its
 * state alone: each (state, event) pair is computed by xstate once, then replayed from this table.
 */
const table = new Map<string, { readonly next: RunSnapshot; readonly effects: readonly RunEffect[] }>();
let initial: RunSnapshot | undefined;

/** Holds the run machine's snapshot and applies events purely, returning the effects to perform. */
export class RunSupervisor {
  #snapshot: RunSnapshot;

  constructor() {
    this.#snapshot = initial ??= initialTransition(runMachine)[0];
  }

  get state(): RunState {
    return this.#snapshot.value;
  }

  get done(): boolean {
    return this.#snapshot.status === 'done';
  }

  /** Applies an event. Unhandled events change nothing and return no effect. */
  send(event: RunMachineEvent): RunEffect[] {
    if (this.done) return [];
    const key = `${this.#snapshot.value}:${event.type}`;
    let step = table.get(key);
    if (!step) {
      const [next, actions] = transition(runMachine, this.#snapshot, event);
      step = { next, effects: actions.map((a) => a.type as RunEffect) };
      table.set(key, step);
    }
    this.#snapshot = step.next;
    return [...step.effects];
  }
}
