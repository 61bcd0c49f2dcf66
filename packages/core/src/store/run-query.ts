import { WeftError } from '../errors/weft-error.js';
import type { RunPage, RunQuery, RunRecord, StoredRunStatus } from './ports.js';

/** Default and maximum page sizes of a run query. */
export const QUERY_LIMIT = { default: 50, max: 1000 } as const;

/** Where a page ended: the last run's start time and id (runs are ordered newest first). */
export interface QueryCursor {
  readonly startedAt: number;
  readonly runId: string;
}

/** Encodes a cursor (opaque to callers). */
export function encodeCursor(c: QueryCursor): string {
  const json = JSON.stringify([c.startedAt, c.runId]).replace(
    /[\u0080-\uffff]/g,
    (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
  return btoa(json).replace(/=+$/, '');
}

/** Decodes a cursor; anything malformed is OPTION_INVALID. */
export function decodeCursor(cursor: string): QueryCursor {
  try {
    const v = JSON.parse(atob(cursor)) as unknown;
    if (
      Array.isArray(v) &&
      v.length === 2 &&
      typeof v[0] === 'number' &&
      Number.isFinite(v[0]) &&
      typeof v[1] === 'string'
    )
      return { startedAt: v[0], runId: v[1] };
  } catch {
    // reported below
  }
  throw new WeftError('OPTION_INVALID', `the cursor ${JSON.stringify(cursor)} is not one this store gave`, {
    data: { cursor },
  });
}

/** A query with its defaults filled and its fields checked (OPTION_INVALID). */
export interface ResolvedQuery {
  readonly statuses: readonly StoredRunStatus[] | null;
  readonly pipeline: string | null;
  readonly tag: string | null;
  readonly tenant: string | null;
  readonly since: number | null;
  readonly limit: number;
  readonly after: QueryCursor | null;
}

/** Resolves a query once. */
export function resolveQuery(q: RunQuery = {}): ResolvedQuery {
  const limit = q.limit ?? QUERY_LIMIT.default;
  if (!Number.isInteger(limit) || limit < 1)
    throw new WeftError('OPTION_INVALID', `limit must be a positive integer, got ${JSON.stringify(limit)}`);
  if (q.since !== undefined && !Number.isFinite(q.since))
    throw new WeftError('OPTION_INVALID', `since must be a time in ms, got ${JSON.stringify(q.since)}`);
  const statuses = q.status === undefined ? null : typeof q.status === 'string' ? [q.status] : [...q.status];
  return {
    statuses,
    pipeline: q.pipeline ?? null,
    tag: q.tag ?? null,
    tenant: q.tenant ?? null,
    since: q.since ?? null,
    limit: Math.min(limit, QUERY_LIMIT.max),
    after: q.cursor === undefined ? null : decodeCursor(q.cursor),
  };
}

/** Newest first: `startedAt` descending, then `runId` ascending. */
export function compareRuns(a: QueryCursor, b: QueryCursor): number {
  return b.startedAt - a.startedAt || (a.runId < b.runId ? -1 : a.runId > b.runId ? 1 : 0);
}

/** Runs one query over records in memory (the memory stores; SQLite does it with its indexes). */
export function queryRecords(records: Iterable<RunRecord>, q: RunQuery = {}): RunPage {
  const r = resolveQuery(q);
  const hits: RunRecord[] = [];
  for (const rec of records) {
    if (r.statuses && !r.statuses.includes(rec.status)) continue;
    if (r.pipeline !== null && rec.pipeline !== r.pipeline) continue;
    if (r.tenant !== null && rec.tenant !== r.tenant) continue;
    if (r.tag !== null && !(rec.tags ?? []).includes(r.tag)) continue;
    if (r.since !== null && rec.startedAt < r.since) continue;
    if (r.after && compareRuns(r.after, rec) >= 0) continue;
    hits.push(rec);
  }
  hits.sort(compareRuns);
  const runs = hits.slice(0, r.limit);
  const lastRun = runs[runs.length - 1];
  return {
    runs,
    nextCursor: hits.length > r.limit && lastRun ? encodeCursor(lastRun) : null,
  };
}

/** Statuses a run can be pruned in: finished for good (not running, suspended or interrupted). */
export const FINISHED: readonly StoredRunStatus[] = ['succeeded', 'failed', 'cancelled', 'timedOut'];

/**
 * The runs a `prune` removes: finished ones whose end is older than `olderThanMs` (all finished ones
 * when it is absent), except the newest `keep` runs of all.
 */
export function pruneCandidates(
  records: Iterable<RunRecord>,
  o: { readonly olderThanMs?: number; readonly keep?: number },
  now: number,
): RunRecord[] {
  if (o.olderThanMs === undefined && o.keep === undefined)
    throw new WeftError('OPTION_INVALID', 'prune needs olderThanMs, keep, or both');
  if (o.olderThanMs !== undefined && !(o.olderThanMs >= 0))
    throw new WeftError('OPTION_INVALID', `olderThanMs must be ≥ 0, got ${JSON.stringify(o.olderThanMs)}`);
  if (o.keep !== undefined && !(Number.isInteger(o.keep) && o.keep >= 0))
    throw new WeftError('OPTION_INVALID', `keep must be an integer ≥ 0, got ${JSON.stringify(o.keep)}`);
  const all = [...records].sort(compareRuns);
  const cutoff = o.olderThanMs === undefined ? Infinity : now - o.olderThanMs;
  return all
    .slice(o.keep ?? 0)
    .filter((r) => FINISHED.includes(r.status) && (r.finishedAt ?? r.startedAt) <= cutoff);
}
