import type { ReducerName } from '../definition/reducers.js';
import type { JoinKind, Placement, StepRef } from '../definition/types.js';

/** A retry policy with every default filled in. */
export interface ResolvedRetry {
  readonly attempts: number;
  readonly initialDelayMs: number;
  readonly factor: number;
  readonly maxDelayMs: number;
  readonly jitter: number;
  readonly retryOn: readonly string[] | 'all' | 'retryable';
}

/** One node of the plan. Plain data: it survives msgpack and JSON unchanged. */
export interface PlanNode {
  readonly kind: 'step' | 'map' | 'switch' | 'sub';
  readonly name: string;
  /** Declaration order, used for deterministic ordering. */
  readonly index: number;
  /** Where the code is; null for `sub`. */
  readonly ref: StepRef | null;
  /** Static successors (for a switch: every case target and the default). */
  readonly to: readonly string[];
  readonly routes: readonly string[];
  /** Static parents: nodes whose `to` (or switch cases) name this node. */
  readonly parents: readonly string[];
  /** Barrier kind when the node has several static parents, else null. */
  readonly join: JoinKind | null;
  readonly barrierTimeoutMs: number | null;
  readonly retry: ResolvedRetry;
  readonly timeoutMs: number | null;
  readonly concurrency: number | null;
  readonly placement: Placement | null;
  readonly version: string | null;
  readonly params: Readonly<Record<string, unknown>>;
  readonly io: boolean;
  readonly hasErrorHandler: boolean;
  readonly map: { readonly chunkSize: number | null } | null;
  readonly switch: {
    readonly cases: readonly (readonly [string, string])[];
    readonly default: string | null;
  } | null;
  readonly sub: ExecutionPlan | null;
  /** `false` when the node opted out of memoisation (absent otherwise). */
  readonly cache?: false;
  /** Files the node writes (NodeOptions.writes), when it declares any. */
  readonly writes?: readonly string[];
}

/** The compiled, immutable, serialisable plan: the only thing the runtime reads. */
export interface ExecutionPlan {
  readonly planVersion: 1;
  /** Content hash of the structure (not of the code). */
  readonly id: string;
  readonly name: string;
  readonly module: string | null;
  readonly version: string | null;
  readonly root: string;
  readonly order: readonly string[];
  readonly nodes: Readonly<Record<string, PlanNode>>;
  readonly state: Readonly<Record<string, { readonly reducer: ReducerName; readonly initial: unknown }>>;
  /** Nodes with no static successor: their outputs make the run's output. */
  readonly leaves: readonly string[];
}

/** The case a switch's value selects (its default when no case matches), or null when there is none. */
export function switchTarget(node: PlanNode, key: unknown): string | null {
  const sw = node.switch!;
  const hit = sw.cases.find(([k]) => k === String(key));
  return hit ? hit[1] : sw.default;
}

/** A run's output: its single leaf's output, or an object of the outputs of the leaves that produced one. */
export function runOutput(plan: ExecutionPlan, outputs: Readonly<Record<string, unknown>>): unknown {
  const leaves = plan.leaves;
  if (leaves.length === 1) return outputs[leaves[0]!];
  const out: Record<string, unknown> = {};
  for (const l of leaves) if (l in outputs) out[l] = outputs[l];
  return out;
}

/** One validation problem. */
export interface Problem {
  readonly code: import('../errors/codes.js').ErrorCode;
  readonly message: string;
  /** The node, qualified with sub-pipeline names (`outer/inner`). */
  readonly node?: string;
  readonly hint?: string;
  /** OPTION_INVALID, MAP_INVALID: the option at fault (`retry.attempts` for a nested one). */
  readonly option?: string;
  /** UNKNOWN_TARGET: the name that is not a step. JOIN_UNREACHABLE: the parent that may never arrive. */
  readonly target?: string;
  /** STATIC_CYCLE: the nodes of the cycle, the first repeated at the end (unqualified names). */
  readonly cycle?: readonly string[];
  /** MULTIPLE_ROOTS: every step that could start the run (unqualified names). */
  readonly roots?: readonly string[];
}

/** The verdict of validation, as data: valid or not, with every problem at once. */
export interface ValidationReport {
  readonly valid: boolean;
  readonly pipeline: string;
  readonly problems: readonly Problem[];
}
