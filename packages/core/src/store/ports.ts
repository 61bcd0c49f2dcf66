/**
 * The store ports: the contract between the engine, its entry points (CLI, `weft serve`, embedders)
 * and the durable layer (`@weft/store`: memory and SQLite; a Redis implementation may follow with
 * the `bullmq` orchestrator). Types only: no `node:` import, no I/O.
 *
 * Status (issue 11): this file is the agreed shape, published as the subpath `@weft/core/store`.
 * `run-store.ts`'s older `RunStore` (the root export) is replaced by the one below when the store
 * package lands.
 *
 * Rules every implementation keeps (one contract suite, in @weft/store, checks them all):
 * - Values are encoded with structured-clone semantics: what `structuredClone` refuses (functions,
 *   Promises, WeakMaps, symbols) is refused with NOT_SERIALIZABLE, the same in every store.
 * - Faults are coded: STORE_FULL (ENOSPC), STORE_IO (EIO and other I/O), STORE_CORRUPT (damaged or
 *   foreign data). Nothing committed before a fault is lost.
 * - Large values are stored once, by content hash (outputs, events and audit refer to the hash);
 *   reading a value checks its hash, so an edited value is detected (STORE_CORRUPT), never served.
 */
import type { SerializedError } from '../errors/weft-error.js';
import type { RunMetrics } from '../events/metrics.js';
import type { RunEvent, RunStatus } from '../events/types.js';
import type { RunSnapshot } from '../runtime/snapshot.js';

/** Who is running a run: a process on a host, identified beyond its pid (pids are reused). */
export interface Owner {
  /** A unique id of the owning instance (e.g. `host:pid:startTime`, or a `weft serve` instance id). */
  readonly id: string;
  readonly host: string;
  readonly pid: number;
  /** The process start time (ms since the epoch): a pid reused by another process has another start time. */
  readonly processStart: number;
  /** Until when the owner's claim holds without a renewal (ms since the epoch); absent: while the process lives. */
  readonly leaseUntil?: number;
}

/** A run's status in a store: the engine's statuses, plus `running` and `interrupted` (owner gone; resumable). */
export type StoredRunStatus = RunStatus | 'running' | 'interrupted';

/** What a store keeps about one run. */
export interface RunRecord {
  readonly runId: string;
  readonly pipeline: string;
  readonly module: string | null;
  readonly planId: string;
  readonly status: StoredRunStatus;
  /** ms since the epoch. */
  readonly startedAt: number;
  readonly finishedAt?: number;
  readonly input: unknown;
  readonly output?: unknown;
  readonly error?: SerializedError;
  readonly metrics?: RunMetrics;
  /** The orchestration mode the run (last) ran on. */
  readonly orchestrator?: string;
  readonly tenant?: string;
  readonly tags?: readonly string[];
  /** The live owner while `running`; absent otherwise. */
  readonly owner?: Owner;
  /** Number of sessions (the first run, then each resume or crash-resume). */
  readonly sessions?: number;
  /** The last event number written (events are numbered per run, gap-free across sessions). */
  readonly lastSeq?: number;
  /** Opaque data of the entry point that started the run (the CLI: pipeline file, --out...; serve: the request). */
  readonly source?: unknown;
}

/** A filtered, paged listing. Results are newest first (`startedAt` descending, then `runId`). */
export interface RunQuery {
  readonly status?: StoredRunStatus | readonly StoredRunStatus[];
  readonly pipeline?: string;
  readonly tag?: string;
  readonly tenant?: string;
  /** Runs started at or after this time (ms since the epoch). */
  readonly since?: number;
  /** Default 50; implementations cap it (e.g. 1000). */
  readonly limit?: number;
  /** The `nextCursor` of the previous page; opaque. A malformed cursor is OPTION_INVALID. */
  readonly cursor?: string;
}

export interface RunPage {
  readonly runs: readonly RunRecord[];
  readonly nextCursor: string | null;
}

/** One session of a run: the first `start`, then each `resume` (of a suspended run) or `recover` (of an interrupted one). */
export interface SessionRecord {
  readonly runId: string;
  /** 1, 2, 3... */
  readonly session: number;
  readonly kind: 'start' | 'resume' | 'recover';
  readonly owner: Owner;
  readonly startedAt: number;
  readonly finishedAt: number | null;
  readonly status: StoredRunStatus;
  /** The first event number of this session (the previous session's last + 1). */
  readonly firstSeq: number;
  readonly lastSeq: number | null;
}

/** Runs, sessions and snapshots. */
export interface RunStore {
  put(record: RunRecord): Promise<void>;
  get(runId: string): Promise<RunRecord | undefined>;
  query(q?: RunQuery): Promise<RunPage>;
  /** Forgets a finished run: record, sessions, snapshot, events, audit anchor. False when there was none. Refuses a `running` run (RUN_ACTIVE). */
  delete(runId: string): Promise<boolean>;
  /** Opens the next session and marks the run `running` with `owner`; its `firstSeq` follows the event log. */
  openSession(runId: string, kind: SessionRecord['kind'], owner: Owner): Promise<SessionRecord>;
  closeSession(runId: string, session: number, status: StoredRunStatus, lastSeq: number): Promise<void>;
  sessions(runId: string): Promise<readonly SessionRecord[]>;
  saveSnapshot(runId: string, snapshot: RunSnapshot): Promise<void>;
  loadSnapshot(runId: string): Promise<RunSnapshot | undefined>;
  deleteSnapshot(runId: string): Promise<void>;
  /**
   * Marks `interrupted` every `running` run whose owner is gone (`alive` says no, or its lease has
   * passed) and returns their ids. Called on open by every entry point: no run shows `running`
   * without a live owner.
   */
  reconcile(alive: (owner: Owner) => boolean): Promise<readonly string[]>;
  /** Removes finished runs older than `olderThanMs`, keeping the newest `keep`; returns what was removed. */
  prune(o: {
    readonly olderThanMs?: number;
    readonly keep?: number;
  }): Promise<{ readonly runs: number; readonly bytes: number }>;
  /** Bytes used (approximate where the backend cannot say exactly). */
  size(): Promise<number>;
}

/**
 * Every event of every run, numbered per run from 1, gap-free and continuous across sessions.
 * `append` refuses a batch that does not start at `lastId + 1` (EVENT_GAP): two writers of one run
 * are a bug, never silently merged.
 */
export interface EventLog {
  append(runId: string, events: readonly RunEvent[]): Promise<void>;
  /** Events with `seq > after`, in order, at most `limit` (default all). */
  read(runId: string, after: number, limit?: number): Promise<readonly RunEvent[]>;
  /**
   * Events with `seq > after`: first those already in the log, then live ones as they are appended,
   * with no gap and no duplicate (subscribe first, then read, then de-duplicate by seq). Ends when
   * `signal` aborts; never on its own (a resumed session continues the same numbering).
   */
  tail(runId: string, after: number, signal?: AbortSignal): AsyncIterable<RunEvent>;
  /** The last event number of a run (0 when it has none). */
  lastId(runId: string): Promise<number>;
  /** Drops a run's events with `seq <= upTo` (default: all of them). Later `read`s after a trimmed point start at the first kept event. */
  trim(runId: string, upTo?: number): Promise<void>;
}

/** Files a step declares it writes: a memo hit needs them present with their recorded hashes. */
export interface WrittenFile {
  readonly path: string;
  readonly sha256: string;
}

/**
 * The idempotency memo: invocation key -> stored raw return value, plus checkpoints for steps that
 * report progress. Synchronous by design (a cached invocation must change no event ordering).
 */
export interface Memo {
  get(key: string): { readonly value: unknown; readonly files?: readonly WrittenFile[] } | undefined;
  /** May throw NOT_SERIALIZABLE, STORE_FULL, STORE_IO. */
  put(key: string, value: unknown, files?: readonly WrittenFile[]): void;
  checkpoint(key: string): { readonly value: unknown } | undefined;
  putCheckpoint(key: string, value: unknown): void;
  /** Commits what is buffered. */
  flush(): void;
}

/** A held lock. */
export interface Lock {
  readonly name: string;
  readonly holder: Owner;
  release(): void;
}

/**
 * Exclusive locks by name (`run:<id>`, `out:<absolute dir>`). Taking one never waits: a lock held by
 * a live owner is LOCK_HELD at once; one whose owner is gone (dead pid, or a pid now used by a
 * process with another start time, or an expired lease) is taken over.
 */
export interface Locks {
  acquire(name: string, owner: Owner, purpose: string): Lock;
}

/** One audited fact: an event that changes state, or an action with the principal that asked for it. */
export interface AuditRecord {
  readonly runId: string;
  readonly kind: 'event' | 'action';
  /** For events: the event (large values replaced by their content hash). For actions: `{ action, principal, tenant?, ... }`. */
  readonly body: unknown;
}

export type AuditVerdict =
  | { readonly ok: true; readonly entries: number; readonly head: string; readonly repaired?: string }
  | {
      readonly ok: false;
      readonly entries: number;
      readonly head: string;
      readonly firstBad: {
        readonly index: number;
        readonly reason: 'unparsable' | 'out-of-order' | 'broken-chain' | 'edited' | 'truncated' | 'appended';
        readonly message: string;
      };
    };

/**
 * A hash-chained audit log per run. Its head (count and hash) is anchored in the store, so an
 * appended, edited, deleted, reordered or truncated entry is detected; a torn last line left by a
 * crash is repaired on open and reported (`repaired`), not mistaken for tampering.
 */
export interface AuditLog {
  append(records: readonly AuditRecord[]): void;
  flush(): void;
  head(runId: string): { readonly count: number; readonly hash: string } | undefined;
  verify(runId: string): AuditVerdict;
}

/** The durable layer as one object: what `createEngine({ store })` and every entry point take. */
export interface Store {
  readonly runs: RunStore;
  readonly events: EventLog;
  readonly memo: Memo;
  readonly locks: Locks;
  readonly audit: AuditLog;
  close(): Promise<void>;
}
