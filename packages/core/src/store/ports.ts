/**
 * The store ports: the contract between the engine, its entry points (CLI, `weft serve`, embedders)
 * and the durable layer (`@weft/store`: memory and SQLite; a Redis implementation may follow with
 * the `bullmq` orchestrator). Types only: no `node:` import, no I/O. Published as the subpath
 * `@weft/core/store`.
 *
 * Rules every implementation keeps (one contract suite, `@weft/store/testing`, checks them all):
 * - Values are encoded with structured-clone semantics: what `structuredClone` refuses (functions,
 *   Promises, WeakMaps, symbols) is refused with NOT_SERIALIZABLE, the same in every store.
 * - Faults are coded: STORE_FULL (ENOSPC, or the store's size cap), STORE_IO (EIO and other I/O),
 *   STORE_CORRUPT (damaged or foreign data). Nothing committed before a fault is lost.
 * - Large values are stored once, by content hash (outputs, events and audit refer to the hash);
 *   reading a value checks its hash, so an edited value is detected, never served.
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
  /** The process start time (ms since the epoch; 0 when unknown): a pid reused by another process has another start time. */
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
  /** Number of sessions (the first run, then each resume or crash-resume). Kept by the store. */
  readonly sessions?: number;
  /** The last event number written (events are numbered per run, gap-free across sessions). Kept by the store. */
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
  /** Default 50; implementations cap it at 1000. */
  readonly limit?: number;
  /** The `nextCursor` of the previous page; opaque. A malformed cursor is OPTION_INVALID. */
  readonly cursor?: string;
}

/** One page of a {@link RunQuery}: `nextCursor` is null on the last page. */
export interface RunPage {
  readonly runs: readonly RunRecord[];
  readonly nextCursor: string | null;
}

/** One session of a run: the first `start`, then each `resume` (of a suspended run) or `recover` (of an interrupted, failed or cancelled one). */
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
  /** Creates or replaces a run's record; `sessions` and `lastSeq` are kept by the store (what `put` passes for them is ignored). */
  put(record: RunRecord): Promise<void>;
  get(runId: string): Promise<RunRecord | undefined>;
  query(q?: RunQuery): Promise<RunPage>;
  /** Forgets a finished run: record, sessions, snapshot, events, run-scoped memo, audit log. False when there was none. Refuses a `running` run (RUN_ACTIVE). */
  delete(runId: string): Promise<boolean>;
  /**
   * Opens the next session of an existing run and marks it `running` with `owner`; its `firstSeq`
   * follows the event log. RUN_NOT_FOUND when the run has no record.
   */
  openSession(runId: string, kind: SessionRecord['kind'], owner: Owner): Promise<SessionRecord>;
  /** Closes a session with the status the run reached and the last event number it wrote. */
  closeSession(runId: string, session: number, status: StoredRunStatus, lastSeq: number): Promise<void>;
  sessions(runId: string): Promise<readonly SessionRecord[]>;
  /** May throw NOT_SERIALIZABLE (the same in every store), STORE_FULL, STORE_IO. */
  saveSnapshot(runId: string, snapshot: RunSnapshot): Promise<void>;
  loadSnapshot(runId: string): Promise<RunSnapshot | undefined>;
  deleteSnapshot(runId: string): Promise<void>;
  /**
   * Marks `interrupted` every `running` run whose owner is gone (`alive` says no, or its lease has
   * passed) and returns their ids. Called on open by every entry point: no run shows `running`
   * without a live owner.
   */
  reconcile(alive: (owner: Owner) => boolean): Promise<readonly string[]>;
  /**
   * Removes finished runs (not `running`, `suspended` or `interrupted`) older than `olderThanMs`,
   * keeping the newest `keep` runs whatever their age; with `olderThanMs`, also the cross-run cache
   * entries (memo entries of no run) stored that long ago or longer; then values nothing refers to
   * any more. Returns how many runs went and the bytes freed.
   */
  prune(o: {
    readonly olderThanMs?: number;
    readonly keep?: number;
  }): Promise<{ readonly runs: number; readonly bytes: number }>;
  /** Bytes used (approximate where the backend cannot say exactly). */
  size(): Promise<number>;
}

/**
 * A large or non-JSON value stored once by content hash, in place of the value inside a stored
 * event or audit entry. `Store.values.get(ref)` reads it back (hash checked).
 */
export interface ValueRef {
  readonly $weftValue: string;
  /** Encoded size in bytes. */
  readonly bytes: number;
}

/** Values stored once by content hash (`sha256:<hex>`). */
export interface ValueStore {
  /** Stores a value (once: an identical value is not stored again). May throw NOT_SERIALIZABLE, STORE_FULL, STORE_IO. */
  put(value: unknown): ValueRef;
  /** The value, its hash checked: STORE_CORRUPT when the stored bytes no longer match, undefined when there is none. */
  get(ref: ValueRef | string): unknown;
  has(ref: ValueRef | string): boolean;
}

/**
 * Every event of every run, numbered per run from 1, gap-free and continuous across sessions.
 * `append` refuses a batch that does not start at `lastId + 1` (EVENT_GAP): two writers of one run
 * are a bug, never silently merged.
 *
 * Stored events are JSON data: a value inside an event (a step's output, a checkpoint, tokens,
 * suspend data) that JSON cannot hold exactly, or that is larger than the store's inline limit
 * (64 KiB by default), is replaced by a {@link ValueRef}. `read` and `tail` return stored events.
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
  /** The last event number of a run (0 when it has none). Trimming keeps it. */
  lastId(runId: string): Promise<number>;
  /** Drops a run's events with `seq <= upTo` (default: all of them). Later `read`s after a trimmed point start at the first kept event. */
  trim(runId: string, upTo?: number): Promise<void>;
}

/** A file a step declares it writes: a memo hit needs it present with its recorded hash. */
export interface WrittenFile {
  /** Absolute path. */
  readonly path: string;
  readonly sha256: string;
}

/** Options of a memo entry. */
export interface MemoPutOptions {
  /** The files the step wrote, with their hashes. */
  readonly files?: readonly WrittenFile[];
  /** The run the entry belongs to when it is run-scoped (checkpoints for resume without the cross-run cache): deleted with the run. */
  readonly runId?: string;
}

/**
 * The idempotency memo: invocation key -> stored raw return value (by content hash), plus
 * checkpoints for steps that report progress. Synchronous by design (a cached invocation must
 * change no event ordering); writes are buffered and committed by `flush` (or soon after).
 */
export interface Memo {
  /** The stored value; undefined when there is none, or when its stored bytes no longer match their hash (then it is recomputed, never served, and the store reports it). */
  get(key: string): { readonly value: unknown; readonly files?: readonly WrittenFile[] } | undefined;
  /** May throw NOT_SERIALIZABLE, STORE_FULL, STORE_IO. Drops the key's checkpoint. */
  put(key: string, value: unknown, options?: MemoPutOptions): void;
  checkpoint(key: string): { readonly value: unknown } | undefined;
  putCheckpoint(key: string, value: unknown, options?: Pick<MemoPutOptions, 'runId'>): void;
  /** Commits what is buffered; throws the first write fault (STORE_FULL, STORE_IO) not yet reported. */
  flush(): void;
  /** Forgets every cross-run entry (run-scoped ones stay with their runs); returns how many went. */
  clear(): number;
  /**
   * Whether an entry or checkpoint of this run (put with its `runId`) is stored, committed or
   * buffered. Optional: a run-scoped memo asks once per run, and a run with none of them (its
   * first session) then skips the lookups of its keys that it did not put itself.
   */
  hasRun?(runId: string): boolean;
}

/** A held lock. */
export interface Lock {
  readonly name: string;
  readonly holder: Owner;
  /** Idempotent; removes the lock only while it is still this holder's. */
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

/** Why an audit log does not verify, at its first bad entry. */
export type AuditFault = 'unparsable' | 'out-of-order' | 'broken-chain' | 'edited' | 'truncated' | 'appended';

/** The verdict of {@link AuditLog.verify}: `head` is the anchored head the log was checked against. */
export type AuditVerdict =
  | {
      readonly ok: true;
      readonly entries: number;
      readonly head: string;
      /** What was repaired when the log was opened (a torn last line from a crash), if anything. */
      readonly repaired?: string;
    }
  | {
      readonly ok: false;
      readonly entries: number;
      readonly head: string;
      readonly repaired?: string;
      readonly firstBad: {
        readonly index: number;
        readonly reason: AuditFault;
        readonly message: string;
      };
    };

/**
 * A hash-chained audit log per run. Its head (count and hash) is anchored in the store, so an
 * appended, edited, deleted, reordered or truncated entry is detected; a torn last line left by a
 * crash is repaired on open and reported (`repaired`), not mistaken for tampering.
 */
export interface AuditLog {
  /** Buffers records (values already replaced by refs); `flush` writes them. */
  append(records: readonly AuditRecord[]): void;
  /** Writes what is buffered and anchors the new heads; throws STORE_FULL / STORE_IO. */
  flush(): void;
  head(runId: string): { readonly count: number; readonly hash: string } | undefined;
  verify(runId: string): AuditVerdict;
  /**
   * The `seq` of the last event the run's log holds (0: none). A process killed between committing
   * an event batch and flushing its audit records leaves events the log lacks; a new session of the
   * run appends them from the event log first, so the audit covers every stored event.
   */
  lastEventSeq?(runId: string): number;
}

/** The durable layer as one object: what `createEngine({ store })` and every entry point take. */
export interface Store {
  readonly runs: RunStore;
  readonly events: EventLog;
  readonly memo: Memo;
  readonly locks: Locks;
  readonly audit: AuditLog;
  readonly values: ValueStore;
  /** The owner this store's writers record (by default the current process). */
  readonly owner: Owner;
  /** True when runs outlive the process (SQLite), false for memory stores. */
  readonly durable: boolean;
  /** Commits what is buffered, then releases the store. Idempotent. */
  close(): Promise<void>;
}
