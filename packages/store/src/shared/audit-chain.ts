import { hash as oneShotHash } from 'node:crypto';
import type { AuditFault, AuditVerdict } from '@weft/core/store';

/** The hash that comes before the first entry. */
export const GENESIS = '0'.repeat(64);

/** What the store anchors of a run's audit log: the committed head, and the head of a write in progress. */
export interface AuditAnchor {
  readonly count: number;
  readonly hash: string;
  /** Set between "about to append" and "appended": a crash in between is resolved on open. */
  readonly pending?: { readonly count: number; readonly hash: string };
  /** What the last open repaired, reported by `verify`. */
  readonly repaired?: string;
}

/**
 * The hash of an entry: SHA-256 over the previous hash, the position and the body's JSON (the
 * formula of the first release, so its logs still verify); an action's body is marked as one.
 */
export function entryHash(prev: string, i: number, json: string, action = false): string {
  // One-shot `hash` (Node >= 20.12): no Hash object per entry (the audit is on every run's path).
  return oneShotHash('sha256', action ? `${prev}\n${i}\naction\n${json}` : `${prev}\n${i}\n${json}`, 'hex');
}

/** One line of a log (with its newline). */
export function entryLine(i: number, prev: string, hash: string, json: string, action = false): string {
  return `{"i":${i},"prev":"${prev}","hash":"${hash}","${action ? 'action' : 'event'}":${json}}\n`;
}

/** A parsed line. */
interface Entry {
  readonly i: unknown;
  readonly prev: unknown;
  readonly hash: unknown;
  readonly event?: unknown;
  readonly action?: unknown;
}

/** Splits a log into complete lines and a torn tail (text after the last newline: a crash mid-write). */
export function splitLog(text: string): { lines: string[]; torn: string } {
  const end = text.lastIndexOf('\n');
  const lines = end < 0 ? [] : text.slice(0, end).split('\n');
  return { lines, torn: text.slice(end + 1) };
}

/** The hash on the `n`-th line (from 1), or undefined when it does not parse. */
export function hashAt(lines: readonly string[], n: number): string | undefined {
  if (n === 0) return GENESIS;
  try {
    const h = (JSON.parse(lines[n - 1]!) as Entry).hash;
    return typeof h === 'string' ? h : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Verifies a log against its anchor: every line parses, positions run 0, 1, 2, ... (a deletion or
 * reordering breaks this), each entry names the previous hash, each hash matches its content (an
 * edit breaks this), the log is as long as the anchored count (shorter: truncated; longer: an entry
 * was appended behind the store's back) and ends at the anchored hash.
 */
export function verifyLog(lines: readonly string[], anchor: AuditAnchor | undefined): AuditVerdict {
  const count = anchor?.count ?? 0;
  const head = anchor?.hash ?? GENESIS;
  const repaired = anchor?.repaired !== undefined ? { repaired: anchor.repaired } : {};
  const bad = (index: number, reason: AuditFault, message: string): AuditVerdict => ({
    ok: false,
    entries: lines.length,
    head,
    ...repaired,
    firstBad: { index, reason, message },
  });
  let prev = GENESIS;
  for (let k = 0; k < lines.length; k++) {
    let e: Entry;
    try {
      e = JSON.parse(lines[k]!) as Entry;
    } catch {
      return bad(k, 'unparsable', `line ${k + 1} is not a JSON audit entry`);
    }
    if (e.i !== k)
      return bad(
        k,
        'out-of-order',
        `entry at line ${k + 1} has position ${String(e.i)}, expected ${k}: an entry was deleted or moved`,
      );
    if (e.prev !== prev)
      return bad(k, 'broken-chain', `entry ${k} does not follow entry ${k - 1} (previous hash differs)`);
    const action = e.action !== undefined;
    const json = JSON.stringify(action ? e.action : e.event) ?? 'null';
    if (entryHash(prev, k, json, action) !== e.hash)
      return bad(k, 'edited', `entry ${k} was changed after it was written (hash mismatch)`);
    prev = e.hash;
    if (k === count - 1 && prev !== head)
      return bad(k, 'edited', `entry ${k} differs from the head anchored in the store`);
  }
  if (lines.length < count)
    return bad(
      lines.length,
      'truncated',
      `the log ends after ${lines.length} entries, but ${count} were written: truncated from entry ${lines.length}`,
    );
  if (lines.length > count)
    return bad(
      count,
      'appended',
      `the store anchored ${count} entries, but the log has ${lines.length}: entries from ${count} on were added behind its back`,
    );
  return { ok: true, entries: lines.length, head, ...repaired };
}
