import type { Activation, SchedulerState } from '../scheduler/types.js';

/** One pending activation of a node: plain data. */
export type ActivationData = Activation;

/**
 * A persisted picture of a suspended run: the scheduler's state itself (every execution with its
 * run state, outputs so far, ready queue, suspended steps and joins), as it was when the run
 * suspended. Plain data; `formatVersion` changes with its shape (2 since the scheduler became a
 * pure transition; see scheduler/snapshot-v1.ts for reading a version 1 snapshot).
 */
export type RunSnapshot = SchedulerState;
