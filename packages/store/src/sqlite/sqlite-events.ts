import { WeftError, type RunEvent } from '@weft/core';
import { checkBatch, tailLog, type EventLog } from '@weft/core/store';
import type { EventEncoder } from '../shared/event-codec.js';
import { Subscribers } from '../shared/subscribers.js';
import type { Db } from './db.js';
import type { SqliteWriter } from './sqlite-writer.js';

/** Rows per multi-row INSERT. */
const ROWS = 64;
const MANY = Array.from({ length: ROWS }, () => '(?, ?, ?)').join(', ');

const REF = /"\$weftValue":"(sha256:[0-9a-f]{64})"/g;

/**
 * The event log in SQLite: table `events (run_id, seq, body)` with the stored JSON of each event,
 * one transaction per batch (with whatever the memo buffered, and the values the events refer to).
 * `tail` hears appends made in this process at once and reads the table every `pollMs` for those of
 * other processes.
 */
export class SqliteEvents implements EventLog {
  readonly #db: Db;
  readonly #writer: SqliteWriter;
  readonly #encoder: EventEncoder;
  readonly #subs = new Subscribers();
  readonly #pollMs: number;

  constructor(db: Db, writer: SqliteWriter, encoder: EventEncoder, pollMs: number) {
    this.#db = db;
    this.#writer = writer;
    this.#encoder = encoder;
    this.#pollMs = pollMs;
  }

  async append(runId: string, events: readonly RunEvent[]): Promise<void> {
    if (events.length === 0) return;
    const json = events.map((e) => this.#encoder.json(e));
    const last = events[events.length - 1]!.seq;
    this.#writer.commit(() => {
      // Read inside the transaction: another process may have appended since we last looked.
      const head = this.#head(runId);
      checkBatch(runId, head, events);
      this.#insert(runId, events, json);
      const ref = this.#db.stmt('INSERT OR IGNORE INTO event_refs (hash, run_id) VALUES (?, ?)');
      for (const s of json)
        if (s.includes('"$weftValue"')) for (const m of s.matchAll(REF)) ref.run(m[1]!, runId);
      this.#db.stmt('INSERT OR REPLACE INTO event_heads (run_id, last_seq) VALUES (?, ?)').run(runId, last);
    });
    if (this.#subs.has(runId))
      this.#subs.publish(
        runId,
        json.map((s) => JSON.parse(s) as RunEvent),
      );
  }

  /** Inserts the rows {@link ROWS} to a statement (one call into SQLite per group, not per event). */
  #insert(runId: string, events: readonly RunEvent[], json: readonly string[]): void {
    const many = this.#db.stmt(`INSERT INTO events (run_id, seq, body) VALUES ${MANY}`);
    const args: (string | number)[] = new Array<string | number>(ROWS * 3);
    let i = 0;
    for (; i + ROWS <= events.length; i += ROWS) {
      for (let j = 0; j < ROWS; j++) {
        args[j * 3] = runId;
        args[j * 3 + 1] = events[i + j]!.seq;
        args[j * 3 + 2] = json[i + j]!;
      }
      many.run(args);
    }
    const one = this.#db.stmt('INSERT INTO events (run_id, seq, body) VALUES (?, ?, ?)');
    for (; i < events.length; i++) one.run(runId, events[i]!.seq, json[i]!);
  }

  #head(runId: string): number {
    const row = this.#db.stmt('SELECT last_seq FROM event_heads WHERE run_id = ?').get(runId) as
      { last_seq: number } | undefined;
    return row?.last_seq ?? 0;
  }

  async read(runId: string, after: number, limit = -1): Promise<readonly RunEvent[]> {
    const bodies = this.#db.do(
      'reading events',
      () =>
        this.#db
          .pluck('SELECT body FROM events WHERE run_id = ? AND seq > ? ORDER BY seq LIMIT ?')
          .all(runId, after, Number.isFinite(limit) ? limit : -1) as string[],
    );
    // One parse of the whole batch costs less than one per event.
    return bodies.length === 0 ? [] : (JSON.parse(`[${bodies.join(',')}]`) as RunEvent[]);
  }

  tail(runId: string, after: number, signal?: AbortSignal): AsyncIterable<RunEvent> {
    return tailLog(
      { read: (id, a, l) => this.read(id, a, l), subscribe: (id, fn) => this.#subs.subscribe(id, fn) },
      runId,
      after,
      { ...(signal ? { signal } : {}), pollMs: this.#pollMs },
    );
  }

  async lastId(runId: string): Promise<number> {
    return this.#db.do('reading events', () => this.#head(runId));
  }

  async trim(runId: string, upTo = Number.MAX_SAFE_INTEGER): Promise<void> {
    if (!(upTo >= 0)) throw new WeftError('OPTION_INVALID', `trim needs a seq ≥ 0, got ${upTo}`);
    this.#db.tx('trimming events', () =>
      this.#db.stmt('DELETE FROM events WHERE run_id = ? AND seq <= ?').run(runId, upTo),
    );
  }
}
