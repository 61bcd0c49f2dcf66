import { WeftError } from '../errors/weft-error.js';
import type { Activation, BarrierState, ExecState, SchedulerState } from './types.js';

/** A run snapshot as Weft wrote it before the scheduler was a pure transition (formatVersion 1). */
interface SnapshotV1 {
  readonly formatVersion: 1;
  readonly runId: string;
  readonly path: readonly string[];
  readonly planId: string;
  readonly pipeline: { readonly name: string; readonly module: string | null };
  readonly input: unknown;
  readonly state: Readonly<Record<string, unknown>>;
  readonly outputs: Readonly<Record<string, unknown>>;
  readonly ready: readonly ActivationV1[];
  readonly suspended: readonly (ActivationV1 & { readonly reason: string; readonly data?: unknown })[];
  readonly barriers: readonly {
    readonly node: string;
    readonly arrived: Readonly<Record<string, 'ok' | 'skipped'>>;
    readonly inputs: Readonly<Record<string, unknown>>;
    readonly firstAt: number;
  }[];
  readonly anyPending: Readonly<Record<string, readonly string[]>>;
  readonly activations: number;
}

type ActivationV1 = Omit<Activation, 'sub'> & { readonly sub?: SnapshotV1 };

/**
 * A persisted snapshot as the scheduler state to resume from: a current one as it is, one of
 * format 1 (a suspended run saved by an earlier Weft, sub-pipelines nested inside activations)
 * converted. Anything else is RUN_NOT_RESUMABLE.
 */
export function readSnapshot(snapshot: unknown): SchedulerState {
  const version = (snapshot as { formatVersion?: unknown } | null)?.formatVersion;
  if (version === 2) {
    const s = snapshot as SchedulerState;
    // Written before chains existed (the branch's first format 2): none in flight then.
    return (s.chains as SchedulerState['chains'] | undefined) ? s : { ...s, chains: {} };
  }
  if (version === 1) return fromV1(snapshot as SnapshotV1);
  throw new WeftError(
    'RUN_NOT_RESUMABLE',
    `the run's snapshot has format ${JSON.stringify(version)}, which this Weft cannot read (it reads 1 and 2)`,
    { data: { formatVersion: version } },
  );
}

function fromV1(s: SnapshotV1): SchedulerState {
  const execs: Record<string, ExecState> = {};
  let n = 0;
  const add = (v: SnapshotV1, id: string): void => {
    const exec: ExecState = {
      id,
      path: v.path,
      parent: null,
      mode: 'suspended',
      input: v.input,
      state: v.state,
      stateVersion: 0,
      lastWrite: {},
      outputs: { ...v.outputs },
      ready: [],
      suspended: [],
      barriers: {},
      anyPending: Object.fromEntries(Object.entries(v.anyPending).map(([k, l]) => [k, [...l]])),
      activations: v.activations,
      running: {},
      invs: 0,
      maps: [],
      handling: 0,
      retryTimers: 0,
      stop: null,
    };
    execs[id] = exec;
    const convert = <A extends ActivationV1>(a: A): Omit<A, 'sub'> & { sub?: string } => {
      const { sub, ...rest } = a;
      if (!sub) return rest;
      const child = `s${++n}`;
      add(sub, child);
      return { ...rest, sub: child };
    };
    for (const a of v.ready) exec.ready.push(convert(a));
    for (const a of v.suspended) exec.suspended.push(convert(a));
    for (const b of v.barriers) {
      const barrier: BarrierState = {
        status: 'waiting',
        arrived: { ...b.arrived },
        inputs: { ...b.inputs },
        firstAt: b.firstAt,
        timer: null,
      };
      exec.barriers[b.node] = barrier;
    }
  };
  add(s, 'root');
  return {
    formatVersion: 2,
    runId: s.runId,
    planId: s.planId,
    pipeline: s.pipeline,
    input: s.input,
    nextId: 1,
    slots: 0,
    timerSeq: 0,
    execs,
    invs: {},
    maps: {},
    timers: {},
    chains: {},
    queueDepthMax: 0,
    draining: false,
    outcome: null,
  };
}
