import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { dirname } from 'node:path';
import type { RunEvent } from '@weft/core';

/** The hash that comes before the first entry. */
export const GENESIS = '0'.repeat(64);

/** One line of an audit log. */
export interface AuditEntry {
  /** Position in the log, from 0. */
  readonly i: number;
  /** Hash of the previous entry (GENESIS for the first). */
  readonly prev: string;
  readonly hash: string;
  readonly event: unknown;
}

/** The hash of an entry: SHA-256 over the previous hash, the position and the event's JSON. */
export function entryHash(prev: string, i: number, eventJson: string): string {
  return createHash('sha256').update(`${prev}\n${i}\n${eventJson}`).digest('hex');
}

/** Events that change state are audited; tokens (streamed data) are not. */
export function isAudited(e: RunEvent): boolean {
  return e.type !== 'token';
}

/**
 * An append-only JSON-lines audit log whose entries are hash-chained. Lines are buffered and
 * appended in batches (one write each); `onFlush` receives the new head so that the run store can
 * anchor it (which is how a truncated log is detected).
 */
export class AuditLog {
  readonly file: string;
  #count: number;
  #head: string;
  #buffer: string[] = [];
  readonly #onFlush: (count: number, head: string) => void;

  constructor(file: string, onFlush: (count: number, head: string) => void) {
    this.file = file;
    this.#onFlush = onFlush;
    mkdirSync(dirname(file), { recursive: true });
    const tail = lastEntry(file);
    this.#count = tail ? tail.i + 1 : 0;
    this.#head = tail ? tail.hash : GENESIS;
  }

  get count(): number {
    return this.#count;
  }

  append(event: unknown): void {
    const json =
      JSON.stringify(event, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)) ?? 'null';
    const i = this.#count++;
    const hash = entryHash(this.#head, i, json);
    this.#buffer.push(`{"i":${i},"prev":"${this.#head}","hash":"${hash}","event":${json}}\n`);
    this.#head = hash;
    if (this.#buffer.length >= 256) this.flush();
  }

  flush(): void {
    if (this.#buffer.length === 0) return;
    appendFileSync(this.file, this.#buffer.join(''));
    this.#buffer = [];
    this.#onFlush(this.#count, this.#head);
  }
}

function lastEntry(file: string): AuditEntry | undefined {
  if (!existsSync(file)) return undefined;
  const lines = readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.length > 0);
  for (let k = lines.length - 1; k >= 0; k--) {
    try {
      return JSON.parse(lines[k]!) as AuditEntry;
    } catch {
      // a damaged tail: verify reports it; the chain continues from the last good entry
    }
  }
  return undefined;
}

/** The verdict of `weft audit verify`. */
export type AuditVerdict =
  | { readonly ok: true; readonly entries: number; readonly head: string }
  | {
      readonly ok: false;
      readonly entries: number;
      readonly firstBad: {
        readonly index: number;
        readonly line: number;
        readonly reason: 'unparsable' | 'out-of-order' | 'broken-chain' | 'edited' | 'truncated';
        readonly message: string;
      };
    };

/**
 * Verifies an audit log: every line parses, positions run 0, 1, 2… (a deletion or reordering breaks
 * this), each entry names the previous hash, each hash matches its content (an edit breaks this),
 * and the log is at least as long as the anchored head (a truncation breaks this).
 */
export function verifyAudit(text: string, anchor?: { count: number; hash: string }): AuditVerdict {
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  let prev = GENESIS;
  for (let k = 0; k < lines.length; k++) {
    const line = k + 1;
    let e: AuditEntry;
    try {
      e = JSON.parse(lines[k]!) as AuditEntry;
    } catch {
      return bad(k, line, 'unparsable', `line ${line} is not a JSON audit entry`, k);
    }
    if (e.i !== k)
      return bad(
        k,
        line,
        'out-of-order',
        `entry at line ${line} has position ${String(e.i)}, expected ${k}: an entry was deleted or moved`,
        k,
      );
    if (e.prev !== prev)
      return bad(
        k,
        line,
        'broken-chain',
        `entry ${k} does not follow entry ${k - 1} (previous hash differs)`,
        k,
      );
    const json = JSON.stringify(e.event) ?? 'null';
    if (entryHash(prev, k, json) !== e.hash)
      return bad(k, line, 'edited', `entry ${k} was changed after it was written (hash mismatch)`, k);
    prev = e.hash;
  }
  if (anchor && lines.length < anchor.count) {
    return bad(
      lines.length,
      lines.length + 1,
      'truncated',
      `the log ends after ${lines.length} entries, but ${anchor.count} were written: truncated from entry ${lines.length}`,
      lines.length,
    );
  }
  if (anchor && lines.length >= anchor.count && anchor.count > 0) {
    const at = JSON.parse(lines[anchor.count - 1]!) as AuditEntry;
    if (at.hash !== anchor.hash)
      return bad(
        anchor.count - 1,
        anchor.count,
        'edited',
        `entry ${anchor.count - 1} differs from the anchored head`,
        lines.length,
      );
  }
  return { ok: true, entries: lines.length, head: prev };
}

function bad(
  index: number,
  line: number,
  reason: 'unparsable' | 'out-of-order' | 'broken-chain' | 'edited' | 'truncated',
  message: string,
  entries: number,
): AuditVerdict {
  return { ok: false, entries, firstBad: { index, line, reason, message } };
}
