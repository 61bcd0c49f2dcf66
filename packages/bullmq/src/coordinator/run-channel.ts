import type { IoMessage } from '../shared/wire.js';
import type { PendingTask } from './pending-task.js';

/** Messages kept for tasks not (yet) asked for, per run: what a resumed coordinator joins. */
const ORPHAN_LIMIT = 100_000;

/**
 * A run as its coordinator sees it on Redis: its stream and the position read so far, its tasks in
 * flight by key, and the messages of tasks nobody asked for yet (a previous session's, joined when
 * the resumed run asks for the same task).
 */
export class RunChannel {
  readonly runId: string;
  readonly io: string;
  readonly flags: string;
  /** Last stream id handled. */
  last = '0-0';
  /** True once what the stream already held was read (the reader then follows from `last`). */
  primed = false;
  ready: Promise<void> = Promise.resolve();
  readonly pending = new Map<string, PendingTask>();
  readonly orphans = new Map<string, IoMessage[]>();
  #orphaned = 0;
  /** Keys of tasks that ended: their late messages are dropped. */
  readonly settled = new Set<string>();
  /** Executions superseded by another (worker lost), and bytes read, for the run's metrics. */
  lost = 0;
  bytes = 0;
  /** The engine finished the run: clean up once nothing is in flight. */
  ended = false;
  /** Last time the stream's retention was refreshed, ms. */
  touchedAt = 0;

  constructor(runId: string, io: string, flags: string) {
    this.runId = runId;
    this.io = io;
    this.flags = flags;
  }

  /** Keeps a message of a task nobody asked for; false when over the limit (dropped). */
  orphan(m: IoMessage): boolean {
    if (this.settled.has(m.k) || this.#orphaned >= ORPHAN_LIMIT) return false;
    let list = this.orphans.get(m.k);
    if (!list) this.orphans.set(m.k, (list = []));
    list.push(m);
    this.#orphaned++;
    return true;
  }

  /** Takes the kept messages of a task. */
  adopt(key: string): IoMessage[] | undefined {
    const list = this.orphans.get(key);
    if (list) {
      this.orphans.delete(key);
      this.#orphaned -= list.length;
    }
    return list;
  }
}
