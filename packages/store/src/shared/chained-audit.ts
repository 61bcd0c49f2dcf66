import type { AuditLog, AuditRecord, AuditVerdict } from '@weft/core/store';
import {
  GENESIS,
  entryHash,
  entryLine,
  hashAt,
  splitLog,
  verifyLog,
  type AuditAnchor,
} from './audit-chain.js';

/** Where audit logs live: one text per run (memory: strings; SQLite store: `runs/<id>/audit.jsonl`). */
export interface AuditFiles {
  /** The log's text ('' when there is none). */
  read(runId: string): string;
  append(runId: string, text: string): void;
  /** True when the log is empty or ends with a newline (no torn line). */
  endsClean(runId: string): boolean;
  /** Cuts the log to its first `length` characters (a repair). */
  truncate(runId: string, length: number): void;
  remove(runId: string): void;
}

/** Where the heads are anchored (memory: a Map; SQLite: a table). */
export interface AuditAnchors {
  get(runId: string): AuditAnchor | undefined;
  set(runId: string, anchor: AuditAnchor): void;
  remove(runId: string): void;
}

interface Tail {
  count: number;
  hash: string;
}

/**
 * A hash-chained audit log per run over files and anchors. A flush first anchors the head it is
 * about to write (`pending`), appends the lines, then commits the head. On the first touch of a
 * run's log, what a crash left is resolved: a torn last line is cut, lines a crashed flush wrote
 * are kept (commit) or cut (no commit), and the repair is recorded for `verify` to report. Lines
 * beyond the anchored head that no flush of the store wrote are never adopted: `verify` says
 * `appended`.
 */
export class ChainedAudit implements AuditLog {
  readonly #files: AuditFiles;
  readonly #anchors: AuditAnchors;
  readonly #json: (body: unknown) => string;
  readonly #tails = new Map<string, Tail>();
  readonly #buffer = new Map<string, string[]>();

  constructor(files: AuditFiles, anchors: AuditAnchors, json: (body: unknown) => string) {
    this.#files = files;
    this.#anchors = anchors;
    this.#json = json;
  }

  append(records: readonly AuditRecord[]): void {
    for (const r of records) {
      const tail = this.#tail(r.runId);
      const action = r.kind === 'action';
      const json = this.#json(r.body);
      const hash = entryHash(tail.hash, tail.count, json, action);
      let lines = this.#buffer.get(r.runId);
      if (!lines) this.#buffer.set(r.runId, (lines = []));
      lines.push(entryLine(tail.count, tail.hash, hash, json, action));
      tail.count++;
      tail.hash = hash;
    }
  }

  flush(): void {
    for (const [runId, lines] of this.#buffer) {
      this.#buffer.delete(runId);
      const tail = this.#tails.get(runId)!;
      // A torn line written since this log was first touched (a writer that crashed mid-line).
      if (!this.#files.endsClean(runId)) this.#recover(runId);
      const before = this.#anchors.get(runId) ?? { count: 0, hash: GENESIS };
      const note = before.repaired !== undefined ? { repaired: before.repaired } : {};
      const head = { count: tail.count, hash: tail.hash, ...note };
      try {
        this.#anchors.set(runId, { count: before.count, hash: before.hash, ...note, pending: head });
        this.#files.append(runId, lines.join(''));
        this.#anchors.set(runId, head);
      } catch (e) {
        // The next touch of this log resolves what was written from the anchor.
        this.#tails.delete(runId);
        throw e;
      }
    }
  }

  head(runId: string): { readonly count: number; readonly hash: string } | undefined {
    const a = this.#anchors.get(runId);
    return a ? { count: a.count, hash: a.hash } : undefined;
  }

  verify(runId: string): AuditVerdict {
    if (!this.#tails.has(runId)) this.#recover(runId);
    return verifyLog(splitLog(this.#files.read(runId)).lines, this.#anchors.get(runId));
  }

  lastEventSeq(runId: string): number {
    this.flush();
    const { lines } = splitLog(this.#files.read(runId));
    const count = this.#tail(runId).count;
    // Only lines up to the anchored head count (what recovery kept); the last event line's seq.
    for (let n = Math.min(count, lines.length); n > 0; n--) {
      let entry: { event?: { seq?: unknown } };
      try {
        entry = JSON.parse(lines[n - 1]!) as { event?: { seq?: unknown } };
      } catch {
        return 0;
      }
      if (entry.event === undefined) continue;
      return typeof entry.event.seq === 'number' ? entry.event.seq : 0;
    }
    return 0;
  }

  /** Forgets a run's log and anchor. */
  remove(runId: string): void {
    this.#tails.delete(runId);
    this.#buffer.delete(runId);
    this.#files.remove(runId);
    this.#anchors.remove(runId);
  }

  #tail(runId: string): Tail {
    let t = this.#tails.get(runId);
    if (!t) {
      const a = this.#recover(runId);
      this.#tails.set(runId, (t = { count: a.count, hash: a.hash }));
    }
    return t;
  }

  /** Resolves what a crash left in a run's log (see the class comment) and returns its anchor. */
  #recover(runId: string): AuditAnchor {
    const anchor = this.#anchors.get(runId) ?? { count: 0, hash: GENESIS };
    const text = this.#files.read(runId);
    const { lines, torn } = splitLog(text);
    const notes: string[] = [];
    let keep = text.length;
    if (torn.length > 0) {
      keep -= torn.length;
      notes.push(`a torn last line (${torn.length} bytes written by a crash) was removed`);
    }
    let next: AuditAnchor = anchor;
    const p = anchor.pending;
    if (p) {
      if (lines.length === p.count && hashAt(lines, p.count) === p.hash) {
        next = { count: p.count, hash: p.hash };
        notes.push(`the last write (${p.count - anchor.count} entries) was completed`);
      } else {
        next = { count: anchor.count, hash: anchor.hash };
        if (lines.length > anchor.count && hashAt(lines, anchor.count) === anchor.hash) {
          keep = lines.slice(0, anchor.count).reduce((n, l) => n + l.length + 1, 0);
          notes.push(`${lines.length - anchor.count} entries of an interrupted write were removed`);
        }
      }
    }
    if (keep < text.length) this.#files.truncate(runId, keep);
    if (notes.length > 0) {
      const repaired = `repaired on open: ${notes.join('; ')}`;
      next = { count: next.count, hash: next.hash, repaired };
    }
    if (next !== anchor) this.#anchors.set(runId, next);
    return next;
  }
}
