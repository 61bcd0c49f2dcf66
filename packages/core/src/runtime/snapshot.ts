/** One pending activation of a node: plain data. */
export interface ActivationData {
  readonly node: string;
  readonly input: unknown;
  readonly from: string | null;
  readonly attempt: number;
  /** Set when the activation is re-run after a suspend. */
  readonly resume?: { readonly value: unknown };
  /** A suspended sub-pipeline's own snapshot. */
  readonly sub?: RunSnapshot;
  readonly lastCheckpoint?: unknown;
}

/** A persisted picture of a suspended execution (supervisor, scheduler and outputs so far). */
export interface RunSnapshot {
  readonly formatVersion: 1;
  readonly runId: string;
  readonly path: readonly string[];
  readonly planId: string;
  readonly pipeline: { readonly name: string; readonly module: string | null };
  readonly input: unknown;
  readonly state: Readonly<Record<string, unknown>>;
  readonly outputs: Readonly<Record<string, unknown>>;
  readonly ready: readonly ActivationData[];
  readonly suspended: readonly (ActivationData & { readonly reason: string; readonly data?: unknown })[];
  readonly barriers: readonly {
    readonly node: string;
    readonly arrived: Readonly<Record<string, 'ok' | 'skipped'>>;
    readonly inputs: Readonly<Record<string, unknown>>;
    readonly firstAt: number;
  }[];
  readonly anyPending: Readonly<Record<string, readonly string[]>>;
  readonly activations: number;
}

/** Why an execution is suspended, with steps inside sub-pipelines named by their qualified name (`sub/step`). */
export function suspendReasons(
  list: RunSnapshot['suspended'],
  prefix: readonly string[],
): { step: string; reason: string; data?: unknown }[] {
  return list.flatMap((s) =>
    s.sub
      ? suspendReasons(s.sub.suspended, [...prefix, s.node])
      : [
          {
            step: [...prefix, s.node].join('/'),
            reason: s.reason,
            ...(s.data !== undefined ? { data: s.data } : {}),
          },
        ],
  );
}
