import { WeftError, isWeftError, serializeError } from '../errors/weft-error.js';
import type { RunMetrics } from '../events/metrics.js';
import type { RunEvent } from '../events/types.js';
import type { AuditRecord, Lock, RunRecord, SessionRecord, Store, StoredRunStatus } from '../store/ports.js';

/** What a session writes into the run's record when it opens. */
export interface JournalStart {
  readonly kind: 'start' | 'resume' | 'recover';
  readonly pipeline: string;
  readonly module: string | null;
  readonly planId: string;
  readonly input: unknown;
  readonly orchestrator?: string;
  readonly tenant?: string;
  readonly tags?: readonly string[];
  readonly source?: unknown;
}

/** How a session ended. */
export interface JournalEnd {
  readonly status: StoredRunStatus;
  readonly output?: unknown;
  readonly error?: WeftError;
  readonly metrics?: RunMetrics;
}

/** Events appended per batch... */
const BATCH = 1024;

/** ...or at most this long after the first of them was emitted (what a live tail waits at most). */
const FLUSH_MS = 10;

/** Codes of a store that failed (not of the run): such a run is left `interrupted`. */
const STORE_FAULTS = new Set(['STORE_FULL', 'STORE_IO', 'STORE_CORRUPT']);

/** Store codes a fault keeps; anything else a store throws is STORE_IO. */
const STORE_CODES = new Set(['STORE_FULL', 'STORE_IO', 'STORE_CORRUPT', 'EVENT_GAP', 'NOT_SERIALIZABLE']);

/** A store failure as a coded error. */
export function storeFault(e: unknown, what: string): WeftError {
  if (isWeftError(e) && STORE_CODES.has(e.code)) return e;
  return new WeftError('STORE_IO', `the store failed while ${what}: ${(e as Error).message}`, { cause: e });
}

/**
 * The persistence of one session of a run: the run lock, the record and session, and every event
 * appended to the event log (and audited) in batches, in order. A store fault is reported once
 * through `onFault` (the run then stops); what was committed before it stays, and the run is left
 * `interrupted`, resumable once the fault is fixed.
 */
export class RunJournal {
  readonly #store: Store;
  readonly #runId: string;
  readonly #onFault: (e: WeftError) => void;
  #lock: Lock | undefined;
  #session: SessionRecord | undefined;
  #record: RunRecord | undefined;
  #events: RunEvent[] = [];
  #chain: Promise<void> = Promise.resolve();
  #scheduled = false;
  #fault: WeftError | undefined;
  #lastSeq = 0;

  constructor(store: Store, runId: string, onFault: (e: WeftError) => void) {
    this.#store = store;
    this.#runId = runId;
    this.#onFault = onFault;
  }

  /** The fault that stopped the journal, if any. */
  get fault(): WeftError | undefined {
    return this.#fault;
  }

  /**
   * Takes the run lock, writes the record (`running`, with this store's owner) and opens a session;
   * returns the session's first event number. Throws LOCK_HELD, or a store fault.
   */
  async open(s: JournalStart): Promise<number> {
    const { runs, locks, owner } = this.#store;
    this.#lock = locks.acquire(`run:${this.#runId}`, owner, `run ${this.#runId}`);
    try {
      const existing = await runs.get(this.#runId);
      const kind = s.kind === 'start' && existing ? 'recover' : s.kind;
      const record: RunRecord = {
        runId: this.#runId,
        pipeline: s.pipeline,
        module: s.module,
        planId: s.planId,
        status: 'running',
        startedAt: existing?.startedAt ?? Date.now(),
        input: s.input,
        ...(s.orchestrator !== undefined ? { orchestrator: s.orchestrator } : {}),
        ...pick(s, existing),
        owner,
      };
      this.#record = record;
      await runs.put(record);
      this.#session = await runs.openSession(this.#runId, kind, owner);
      this.#lastSeq = this.#session.firstSeq - 1;
      await this.#auditCatchUp(this.#lastSeq);
      return this.#session.firstSeq;
    } catch (e) {
      this.#release();
      throw isWeftError(e) ? e : storeFault(e, `opening run ${this.#runId}`);
    }
  }

  /**
   * Appends to the audit the stored events it lacks (a process killed after an event batch was
   * committed and before its audit records were flushed), up to `last`.
   */
  async #auditCatchUp(last: number): Promise<void> {
    const { audit, events } = this.#store;
    let after = audit.lastEventSeq?.(this.#runId);
    if (after === undefined || after >= last) return;
    while (after < last) {
      const batch = await events.read(this.#runId, after, 4096);
      if (batch.length === 0) break;
      const records: AuditRecord[] = [];
      for (const e of batch) {
        if (e.seq > last) break;
        if (e.type !== 'token') records.push({ runId: this.#runId, kind: 'event', body: e });
        after = e.seq;
      }
      audit.append(records);
      if (batch[batch.length - 1]!.seq > last) break;
    }
    audit.flush();
  }

  /** True while events are taken (the session is open and no fault stopped it). */
  get wants(): boolean {
    return this.#session !== undefined && this.#fault === undefined;
  }

  /** Buffers one event (and its audit record); appends a batch when full or at the end of this turn. */
  onEvent(e: RunEvent): void {
    if (this.#session === undefined || this.#fault) return;
    this.#events.push(e);
    if (this.#events.length >= BATCH) void this.flush();
    else if (!this.#scheduled) {
      this.#scheduled = true;
      setTimeout(() => {
        this.#scheduled = false;
        void this.flush();
      }, FLUSH_MS);
    }
  }

  /** Appends what is buffered, after every earlier batch; resolves when it is committed (or the journal faulted). */
  flush(): Promise<void> {
    const events = this.#events;
    if (events.length === 0) return this.#chain;
    this.#events = [];
    // Audit records are built per batch, not per event (onEvent is on the run's hot path).
    const audit: AuditRecord[] = [];
    for (const e of events)
      if (e.type !== 'token') audit.push({ runId: this.#runId, kind: 'event', body: e });
    const { events: log, audit: auditLog, memo } = this.#store;
    this.#chain = this.#chain.then(async () => {
      if (this.#fault) return;
      try {
        await log.append(this.#runId, events);
        this.#lastSeq = events[events.length - 1]!.seq;
        auditLog.append(audit);
        auditLog.flush();
        memo.flush();
      } catch (e) {
        this.#fault = storeFault(e, `writing the events of run ${this.#runId}`);
        this.#onFault(this.#fault);
      }
    });
    return this.#chain;
  }

  /** Writes a suspended run's snapshot (NOT_SERIALIZABLE when it cannot be). */
  async saveSnapshot(snapshot: Parameters<Store['runs']['saveSnapshot']>[1]): Promise<void> {
    await this.#store.runs.saveSnapshot(this.#runId, snapshot);
  }

  /**
   * Ends the session: waits for every batch, writes the final record and closes the session, then
   * releases the lock. After a fault the run is left `interrupted` (as far as the store still takes
   * writes; otherwise the next `reconcile` does it). Returns the fault, if any.
   */
  async close(end: JournalEnd): Promise<WeftError | undefined> {
    try {
      await this.flush();
      if (this.#session === undefined || this.#record === undefined) return this.#fault;
      // A run stopped by its store (disk full, I/O, damage) did not fail: it resumes once that is fixed.
      const byStore = end.error !== undefined && STORE_FAULTS.has(end.error.code);
      const status: StoredRunStatus = this.#fault || byStore ? 'interrupted' : end.status;
      const { owner: _owner, ...base } = this.#record;
      const record: RunRecord = {
        ...base,
        status,
        finishedAt: Date.now(),
        ...(end.output !== undefined && !this.#fault ? { output: end.output } : {}),
        ...(end.error ? { error: serializeError(end.error) } : {}),
        ...(end.metrics ? { metrics: end.metrics } : {}),
      };
      const { runs } = this.#store;
      try {
        try {
          await runs.put(record);
        } catch (e) {
          // An output the store cannot hold: the run is recorded failed with NOT_SERIALIZABLE.
          if (!isWeftError(e) || e.code !== 'NOT_SERIALIZABLE' || record.output === undefined) throw e;
          const { output: _o, ...rest } = record;
          await runs.put({ ...rest, status: 'failed', error: serializeError(e) });
          this.#fault ??= e;
        }
        await runs.closeSession(this.#runId, this.#session.session, record.status, this.#lastSeq);
      } catch (e) {
        this.#fault ??= storeFault(e, `closing run ${this.#runId}`);
      }
      return this.#fault;
    } finally {
      this.#release();
    }
  }

  #release(): void {
    try {
      this.#lock?.release();
    } catch {
      // a lock that cannot be removed is taken over as stale by the next owner
    }
    this.#lock = undefined;
  }
}

function pick(s: JournalStart, existing: RunRecord | undefined): Partial<RunRecord> {
  const tenant = s.tenant ?? existing?.tenant;
  const tags = s.tags ?? existing?.tags;
  const source = s.source ?? existing?.source;
  return {
    ...(tenant !== undefined ? { tenant } : {}),
    ...(tags !== undefined ? { tags } : {}),
    ...(source !== undefined ? { source } : {}),
  };
}
