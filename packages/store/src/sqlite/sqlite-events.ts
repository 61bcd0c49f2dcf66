import { WeftError, type RunEvent } from '@weft/core';
import { checkBatch, tailLog, type EventLog } from '@weft/core/store';
import type { EventEncoder } from '../shared/event-codec.js';
import { Subscribers } from '../shared/subscribers.js';
import type { Db } from './db.js';
import type { SqliteWriter } from './sqlite-writer.js';

/** Events per stored segment at most (the engine appends batches of up to 1024). */
export const SEGMENT = 1024;

const REF = /"\$weftValue":"(sha256:[0-9a-f]{64})"/g;

/**
 * The event log in SQLite: table `events (run_id, first_seq, last_seq, body)`, one row per segment
 * of consecutive events (at most {@link SEGMENT}; each append writes its own), `body` the stored
 * JSON of its events joined by commas, so that appending and replaying cost one SQLite call and
 * one JSON parse per segment rather than per event. One transaction per batch (with whatever the
 * memo buffered, and the values the events refer to). `tail` hears appends made in this process at
 * once and reads the table every `pollMs` for those of other processes.
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
      const ins = this.#db.stmt('INSERT INTO events (run_id, first_seq, last_seq, body) VALUES (?, ?, ?, ?)');
      const ref = this.#db.stmt('INSERT OR IGNORE INTO event_refs (hash, run_id) VALUES (?, ?)');
      for (let i = 0; i < events.length; i += SEGMENT) {
        const to = Math.min(events.length, i + SEGMENT);
        const body = (i === 0 && to === events.length ? json : json.slice(i, to)).join(',');
        ins.run(runId, events[i]!.seq, events[to - 1]!.seq, body);
        if (body.includes('"$weftValue"')) for (const m of body.matchAll(REF)) ref.run(m[1]!, runId);
      }
      this.#db.stmt('INSERT OR REPLACE INTO event_heads (run_id, last_seq) VALUES (?, ?)').run(runId, last);
    });
    if (this.#subs.has(runId)) this.#subs.publish(runId, JSON.parse(`[${json.join(',')}]`) as RunEvent[]);
  }

  #head(runId: string): number {
    const row = this.#db.stmt('SELECT last_seq FROM event_heads WHERE run_id = ?').get(runId) as
      { last_seq: number } | undefined;
    return row?.last_seq ?? 0;
  }

  async read(runId: string, after: number, limit = Infinity): Promise<readonly RunEvent[]> {
    if (!(limit > 0)) return [];
    return this.#db.do('reading events', () => {
      const rows = this.#db
        .stmt(
          'SELECT first_seq, last_seq, body FROM events WHERE run_id = ? AND last_seq > ? ORDER BY last_seq',
        )
        .iterate(runId, after) as IterableIterator<{ first_seq: number; last_seq: number; body: string }>;
      const out: RunEvent[] = [];
      for (const row of rows) {
        // Segments may start before `after` (the first one) or run past `limit` (the last one).
        const segment = JSON.parse(`[${row.body}]`) as RunEvent[];
        const skip = Math.max(0, after + 1 - row.first_seq);
        const take = Math.min(segment.length - skip, limit - out.length);
        for (let i = skip; i < skip + take; i++) out.push(segment[i]!);
        if (out.length >= limit) {
          break;
        }
      }
      return out;
    });
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
    this.#db.tx('trimming events', () => {
      this.#db.stmt('DELETE FROM events WHERE run_id = ? AND last_seq <= ?').run(runId, upTo);
      // The segment `upTo` falls inside keeps only the events after it.
      const cut = this.#db
        .stmt('SELECT first_seq, body FROM events WHERE run_id = ? AND first_seq <= ? AND last_seq > ?')
        .get(runId, upTo, upTo) as { first_seq: number; body: string } | undefined;
      if (!cut) return;
      const kept = (JSON.parse(`[${cut.body}]`) as RunEvent[]).slice(upTo + 1 - cut.first_seq);
      this.#db.stmt('DELETE FROM events WHERE run_id = ? AND first_seq = ?').run(runId, cut.first_seq);
      this.#db
        .stmt('INSERT INTO events (run_id, first_seq, last_seq, body) VALUES (?, ?, ?, ?)')
        .run(runId, kept[0]!.seq, kept[kept.length - 1]!.seq, kept.map((e) => JSON.stringify(e)).join(','));
    });
  }
}
