import { WeftError } from '../errors/weft-error.js';
import type { RunEvent } from '../events/types.js';
import { cloneForStore } from './clone-for-store.js';
import { EphemeralRuns } from './ephemeral-runs.js';
import type {
  AuditLog,
  AuditRecord,
  AuditVerdict,
  EventLog,
  Lock,
  Locks,
  Memo,
  Owner,
  Store,
  ValueRef,
  ValueStore,
} from './ports.js';
import { tailLog } from './tail-log.js';

/** An event log that keeps no history: it numbers appends (EVENT_GAP on a gap) and serves live tails. */
class LiveOnlyEvents implements EventLog {
  readonly #last = new Map<string, number>();
  readonly #subs = new Map<string, Set<(batch: readonly RunEvent[]) => void>>();

  async append(runId: string, events: readonly RunEvent[]): Promise<void> {
    if (events.length === 0) return;
    const last = this.#last.get(runId) ?? 0;
    checkBatch(runId, last, events);
    this.#last.set(runId, events[events.length - 1]!.seq);
    for (const fn of this.#subs.get(runId) ?? []) fn(events);
  }

  async read(): Promise<readonly RunEvent[]> {
    return [];
  }

  tail(runId: string, after: number, signal?: AbortSignal): AsyncIterable<RunEvent> {
    const subscribe = (id: string, fn: (batch: readonly RunEvent[]) => void): (() => void) => {
      let set = this.#subs.get(id);
      if (!set) this.#subs.set(id, (set = new Set()));
      set.add(fn);
      return () => {
        set.delete(fn);
        if (set.size === 0) this.#subs.delete(id);
      };
    };
    return tailLog({ read: async () => [], subscribe }, runId, after, signal ? { signal } : {});
  }

  async lastId(runId: string): Promise<number> {
    return this.#last.get(runId) ?? 0;
  }

  async trim(): Promise<void> {}

  forget(runId: string): void {
    this.#last.delete(runId);
  }
}

/** Throws EVENT_GAP unless `events` continue `last` one by one. */
export function checkBatch(runId: string, last: number, events: readonly RunEvent[]): void {
  let expected = last + 1;
  for (const e of events) {
    if (e.seq !== expected) {
      throw new WeftError(
        'EVENT_GAP',
        `run ${runId}: event ${e.seq} appended where ${expected} was expected (two writers of one run?)`,
        { data: { runId, expected, got: e.seq } },
      );
    }
    expected++;
  }
}

/** Locks of this process only. */
class ProcessLocks implements Locks {
  readonly #held = new Map<string, Owner>();

  acquire(name: string, owner: Owner, purpose: string): Lock {
    const holder = this.#held.get(name);
    if (holder) {
      throw new WeftError('LOCK_HELD', `${purpose} is locked by ${holder.id}`, {
        data: { name, holder },
      });
    }
    this.#held.set(name, owner);
    let held = true;
    return {
      name,
      holder: owner,
      release: () => {
        if (!held) return;
        held = false;
        if (this.#held.get(name) === owner) this.#held.delete(name);
      },
    };
  }
}

/** A memo in memory (values structured-cloned in and out). */
class CloneMemo implements Memo {
  readonly #values = new Map<string, unknown>();
  readonly #checkpoints = new Map<string, unknown>();

  get(key: string): { readonly value: unknown } | undefined {
    return this.#values.has(key) ? { value: structuredClone(this.#values.get(key)) } : undefined;
  }

  put(key: string, value: unknown): void {
    this.#values.set(key, cloneForStore(value, 'a memoised value'));
    this.#checkpoints.delete(key);
  }

  checkpoint(key: string): { readonly value: unknown } | undefined {
    return this.#checkpoints.has(key) ? { value: structuredClone(this.#checkpoints.get(key)) } : undefined;
  }

  putCheckpoint(key: string, value: unknown): void {
    this.#checkpoints.set(key, cloneForStore(value, 'a checkpoint'));
  }

  flush(): void {}

  clear(): number {
    const n = this.#values.size;
    this.#values.clear();
    return n;
  }
}

/** An audit log that keeps nothing (the ephemeral store audits nothing; `@weft/store` does). */
class NoAudit implements AuditLog {
  append(_records: readonly AuditRecord[]): void {}
  flush(): void {}
  head(): undefined {
    return undefined;
  }
  verify(): AuditVerdict {
    return { ok: true, entries: 0, head: 'none' };
  }
}

/** Values by reference in memory: the ephemeral store never replaces values by refs, so it holds none. */
class NoValues implements ValueStore {
  put(value: unknown): ValueRef {
    cloneForStore(value, 'a value');
    throw new WeftError('OPTION_INVALID', 'the ephemeral store keeps no values by hash: use @weft/store');
  }
  get(): undefined {
    return undefined;
  }
  has(): boolean {
    return false;
  }
}

/** Options of {@link ephemeralStore}. */
export interface EphemeralStoreOptions {
  /** Who writes (default: an id unique to this store). */
  readonly owner?: Owner;
}

/**
 * The engine's default store: runs, sessions and suspended snapshots in memory, for the life of
 * the process. It keeps what `resume` needs and no more: no event history (`read` returns nothing;
 * `tail` follows live events), no audit, a memo in memory. Snapshots and memoised values are copied
 * with structured-clone semantics, so what a durable store refuses (a Promise, a WeakMap, a function)
 * is NOT_SERIALIZABLE here too. `@weft/store` has the durable stores and the full in-memory one.
 * @example const engine = createEngine({ store: ephemeralStore() });
 */
export function ephemeralStore(options: EphemeralStoreOptions = {}): Store {
  const events = new LiveOnlyEvents();
  const owner = options.owner ?? {
    id: `ephemeral:${globalThis.crypto.randomUUID()}`,
    host: 'local',
    pid: 0,
    processStart: 0,
  };
  return {
    runs: new EphemeralRuns(
      (runId) => events.lastId(runId),
      (runId) => events.forget(runId),
    ),
    events,
    memo: new CloneMemo(),
    locks: new ProcessLocks(),
    audit: new NoAudit(),
    values: new NoValues(),
    owner,
    durable: false,
    close: async () => {},
  };
}
