import type { Owner, Store } from '@weft/core/store';
import { ChainedAudit } from '../shared/chained-audit.js';
import { EventEncoder, INLINE_LIMIT } from '../shared/event-codec.js';
import { LockTable, type Alive } from '../shared/lock-table.js';
import type { WarningSink } from '../shared/store-warning.js';
import { MapValueBackend, Values } from '../shared/values.js';
import { isOwnerAlive, processOwner } from '../owner/process-owner.js';
import { MapAuditAnchors, MapAuditFiles } from './memory-audit.js';
import { MemoryEvents } from './memory-events.js';
import { MemoryMemo } from './memory-memo.js';
import { MemoryRuns } from './memory-runs.js';

/** Options of {@link memoryStore}. */
export interface MemoryStoreOptions {
  /** Who writes (default: this process). */
  readonly owner?: Owner;
  /** Events kept per run; older ones are trimmed (default 100,000). */
  readonly maxEventsPerRun?: number;
  /** Values inside events and records above this many bytes are stored by hash (default 64 KiB). */
  readonly inlineLimit?: number;
  /** Told of what the store dealt with (an edited stored output, a repaired audit log). */
  readonly onWarning?: WarningSink;
  /** Whether an owner still holds its claims (default: pid + process start time + lease). */
  readonly alive?: Alive;
}

/** The parts of a memory store that tests tamper with, as a crash or an attacker would. */
export interface MemoryInternals {
  readonly values: MapValueBackend;
  readonly auditFiles: MapAuditFiles;
  readonly memo: MemoryMemo;
}

const internals = new WeakMap<Store, MemoryInternals>();

/** Test support: the internals of a store made by {@link memoryStore}. */
export function memoryInternals(store: Store): MemoryInternals | undefined {
  return internals.get(store);
}

/**
 * Every port in memory, meaning what the SQLite store means (one contract suite runs on both):
 * values encoded the same way and stored once by hash, events in their stored JSON form, records
 * and snapshots refusing what structured clone refuses, a hash-chained audit with an anchored head.
 * Nothing outlives the process (`durable: false`).
 * @example
 * const store = memoryStore();
 * const engine = createEngine({ store, memo: stepMemo(store) });
 */
export function memoryStore(o: MemoryStoreOptions = {}): Store {
  const warn: WarningSink = o.onWarning ?? (() => {});
  const backend = new MapValueBackend();
  const values = new Values(backend, warn);
  const encoder = new EventEncoder((v) => values.put(v), o.inlineLimit ?? INLINE_LIMIT);
  const events = new MemoryEvents(encoder, o.maxEventsPerRun ?? 100_000);
  const memo = new MemoryMemo(values);
  const auditFiles = new MapAuditFiles();
  const audit = new ChainedAudit(auditFiles, new MapAuditAnchors(), (b) => encoder.body(b));
  const alive = o.alive ?? ((owner: Owner) => isOwnerAlive(owner));
  const runs: MemoryRuns = new MemoryRuns({
    values,
    lastId: (runId) => events.lastId(runId),
    forget: (runId) => {
      events.forget(runId);
      memo.forget(runId);
      audit.remove(runId);
    },
    expireCache: (before) => memo.expire(before),
    collect: () => {
      const live = new Set<string>([...memo.refs(), ...events.refs(), ...runs.refs()]);
      let freed = 0;
      for (const hash of [...backend.map.keys()]) if (!live.has(hash)) freed += backend.delete(hash);
      return freed;
    },
    size: () => backend.bytes + events.bytes() + runs.bytes() + auditFiles.bytes(),
  });
  const store: Store = {
    runs,
    events,
    memo,
    locks: new LockTable(alive),
    audit,
    values,
    owner: o.owner ?? processOwner(),
    durable: false,
    close: async () => {},
  };
  internals.set(store, { values: backend, auditFiles, memo });
  return store;
}
