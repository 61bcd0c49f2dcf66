import { join } from 'node:path';
import { WeftError, type RunEvent } from '@weft/core';
import type { RunRecord, SessionRecord, StoredRunStatus } from '@weft/store';
import type { Io, Outcome } from '../util/output.js';
import { openProjectStore } from '../store/open.js';

/** One step of a run, as `weft runs <id>` shows it. */
export interface StepTiming {
  readonly step: string;
  readonly status: 'ran' | 'cached' | 'skipped' | 'failed' | 'suspended' | 'running';
  readonly invocations: number;
  readonly attempts: number;
  readonly retries: number;
  readonly totalMs: number;
  readonly firstStartMs: number | null;
  readonly lastEndMs: number | null;
  readonly items: number;
  readonly cachedItems: number;
}

/** Per-step timings of one session of a run, from its stored events (those numbered `from` to `to`). */
export function stepTimings(events: readonly RunEvent[], from = 1, to = Infinity): StepTiming[] {
  const mine = events.filter((e) => e.seq >= from && e.seq <= to);
  const t0 = mine[0]?.time ?? 0;
  const steps = new Map<
    string,
    {
      status: StepTiming['status'];
      invocations: number;
      attempts: number;
      retries: number;
      totalMs: number;
      first: number | null;
      end: number | null;
      items: number;
      cachedItems: number;
    }
  >();
  const get = (k: string) => {
    let s = steps.get(k);
    if (!s)
      steps.set(
        k,
        (s = {
          status: 'running',
          invocations: 0,
          attempts: 0,
          retries: 0,
          totalMs: 0,
          first: null,
          end: null,
          items: 0,
          cachedItems: 0,
        }),
      );
    return s;
  };
  for (const e of mine) {
    if (e.type === 'run.suspend') {
      for (const r of e.reasons) get(r.step).status = 'suspended';
      continue;
    }
    if (!('step' in e)) continue;
    const s = get([...e.path, e.step].join('/'));
    const at = e.time - t0;
    switch (e.type) {
      case 'step.start':
        s.attempts++;
        s.first ??= at;
        break;
      case 'step.end':
        s.invocations++;
        s.totalMs += e.durationMs;
        s.end = at;
        s.status = 'ran';
        break;
      case 'step.skip':
        s.status = e.cached ? 'cached' : 'skipped';
        s.end = at;
        break;
      case 'step.error':
        if (!e.willRetry) s.status = 'failed';
        break;
      case 'step.retry':
        s.retries++;
        break;
      case 'map.item':
        s.items++;
        if (e.cached) s.cachedItems++;
        break;
      default:
        break;
    }
  }
  return [...steps].map(([step, s]) => ({
    step,
    status: s.status,
    invocations: s.invocations,
    attempts: s.attempts,
    retries: s.retries,
    totalMs: s.totalMs,
    firstStartMs: s.first,
    lastEndMs: s.end,
    items: s.items,
    cachedItems: s.cachedItems,
  }));
}

function summary(r: RunRecord): Record<string, unknown> {
  return {
    runId: r.runId,
    pipeline: r.pipeline,
    status: r.status,
    startedAt: new Date(r.startedAt).toISOString(),
    ...(r.finishedAt !== undefined
      ? {
          finishedAt: new Date(r.finishedAt).toISOString(),
          durationMs: r.metrics?.durationMs ?? r.finishedAt - r.startedAt,
        }
      : {}),
  };
}

function stepTable(steps: readonly StepTiming[]): string[] {
  if (steps.length === 0) return ['  (no step events)'];
  return [
    '  ' +
      'step'.padEnd(24) +
      'status'.padEnd(9) +
      'start ms'.padStart(10) +
      'end ms'.padStart(10) +
      'run ms'.padStart(10) +
      '  items',
    ...steps.map(
      (s) =>
        '  ' +
        s.step.padEnd(24) +
        s.status.padEnd(9) +
        (s.firstStartMs === null ? '-' : s.firstStartMs.toFixed(0)).padStart(10) +
        (s.lastEndMs === null ? '-' : s.lastEndMs.toFixed(0)).padStart(10) +
        s.totalMs.toFixed(0).padStart(10) +
        (s.items > 0 ? `  ${s.items}${s.cachedItems ? ` (${s.cachedItems} cached)` : ''}` : '') +
        (s.retries > 0 ? `  ${s.retries} retries` : ''),
    ),
  ];
}

/** Options of `weft runs`. */
export interface RunsOptions {
  readonly limit?: string;
  readonly status?: string;
  readonly pipeline?: string;
}

const STATUSES: readonly StoredRunStatus[] = [
  'running',
  'interrupted',
  'succeeded',
  'failed',
  'cancelled',
  'timedOut',
  'suspended',
];

/** `weft runs [run-id]`: lists runs (newest first), or shows one with every session, its steps and timings. */
export async function runsCommand(runId: string | undefined, opts: RunsOptions, io: Io): Promise<Outcome> {
  const { store } = await openProjectStore(io);
  try {
    if (runId === undefined) {
      const limit = opts.limit === undefined ? 50 : Number(opts.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
        throw new WeftError(
          'USAGE_INVALID',
          `--limit must be an integer from 1 to 1000, got "${opts.limit}"`,
        );
      if (opts.status !== undefined && !STATUSES.includes(opts.status as StoredRunStatus))
        throw new WeftError(
          'USAGE_INVALID',
          `--status must be one of ${STATUSES.join(', ')}, got "${opts.status}"`,
        );
      const page = await store.runs.query({
        limit,
        ...(opts.status !== undefined ? { status: opts.status as StoredRunStatus } : {}),
        ...(opts.pipeline !== undefined ? { pipeline: opts.pipeline } : {}),
      });
      const runs = page.runs.map(summary);
      const more = page.nextCursor !== null;
      const size = await store.runs.size();
      const text =
        (runs.length === 0
          ? 'no runs yet'
          : runs
              .map(
                (r) =>
                  `${String(r['runId']).padEnd(28)} ${String(r['pipeline']).padEnd(16)} ${String(r['status']).padEnd(11)} ${String(r['startedAt'])}${r['durationMs'] !== undefined ? ` ${(Number(r['durationMs']) / 1000).toFixed(1)}s` : ''}`,
              )
              .join('\n')) +
        `${more ? `\n… more runs: --limit ${Math.min(1000, limit * 2)}` : ''}\nstore: ${formatBytes(size)}`;
      return { exit: 0, result: { runs, more, storeBytes: size }, text };
    }
    const record = await store.runs.get(runId);
    if (!record) throw new WeftError('RUN_NOT_FOUND', `no run "${runId}" in the store`, { data: { runId } });
    // Every session (the first `run`, then each `resume`) with the steps it ran: after a crash, what
    // the first session got through and what the resume took from the cache are both on record.
    const events = await store.events.read(runId, 0);
    const list = await store.runs.sessions(runId);
    const sessions = list.map((s) => ({
      session: s.session,
      kind: s.kind,
      pid: s.owner.pid,
      owner: s.owner.id,
      startedAt: s.startedAt,
      finishedAt: s.finishedAt,
      status: s.status,
      firstSeq: s.firstSeq,
      lastSeq: s.lastSeq,
      steps: stepTimings(events, s.firstSeq, lastOf(s, list)),
    }));
    const steps = sessions.at(-1)?.steps ?? [];
    const result = {
      ...summary(record),
      source: record.source ?? null,
      sessions,
      steps,
      ...(record.error ? { error: { code: record.error.code, message: record.error.message } } : {}),
    };
    const lines = [
      `run ${record.runId}: ${record.pipeline} ${record.status}${record.error ? ` [${record.error.code}] ${record.error.message}` : ''}`,
    ];
    for (const s of sessions) {
      const took =
        s.finishedAt === null ? 'not finished' : `${((s.finishedAt - s.startedAt) / 1000).toFixed(1)}s`;
      lines.push(
        '',
        `session #${s.session} ${s.status} (${s.kind}), ${new Date(s.startedAt).toISOString()}, ${took}, pid ${s.pid}, events ${s.firstSeq}–${s.lastSeq ?? '…'}`,
        ...stepTable(s.steps),
      );
    }
    return { exit: 0, result, text: lines.join('\n') };
  } finally {
    await store.close().catch(() => undefined);
  }
}

/** The last event number of a session (an open one runs up to the next session's first). */
function lastOf(s: SessionRecord, all: readonly SessionRecord[]): number {
  if (s.lastSeq !== null) return s.lastSeq;
  const next = all.find((x) => x.session === s.session + 1);
  return next ? next.firstSeq - 1 : Infinity;
}

/** `1.2 MB`. */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let v = n / 1024;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v.toFixed(1)} ${units[u]!}`;
}

/** Parses `7d`, `12h`, `30m`, `45s`, `500ms` into ms. */
export function parseAge(v: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d|w)$/.exec(v.trim());
  if (!m)
    throw new WeftError('USAGE_INVALID', `--older-than must be an age such as 7d, 12h or 30m, got "${v}"`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }[m[2] as 'ms'];
  return Number(m[1]) * unit;
}

/** `weft runs prune --older-than 7d --keep 100`: removes old finished runs and what only they used. */
export async function pruneCommand(opts: { olderThan?: string; keep?: string }, io: Io): Promise<Outcome> {
  if (opts.olderThan === undefined && opts.keep === undefined)
    throw new WeftError(
      'USAGE_INVALID',
      'say what to prune: --older-than <age> (e.g. 7d), --keep <n>, or both',
    );
  const olderThanMs = opts.olderThan !== undefined ? parseAge(opts.olderThan) : undefined;
  const keep = opts.keep !== undefined ? Number(opts.keep) : undefined;
  if (keep !== undefined && !(Number.isInteger(keep) && keep >= 0))
    throw new WeftError('USAGE_INVALID', `--keep must be an integer ≥ 0, got "${opts.keep}"`);
  const { store } = await openProjectStore(io);
  try {
    const before = await store.runs.size();
    const r = await store.runs.prune({
      ...(olderThanMs !== undefined ? { olderThanMs } : {}),
      ...(keep !== undefined ? { keep } : {}),
    });
    const after = await store.runs.size();
    return {
      exit: 0,
      result: { removed: r.runs, bytesFreed: r.bytes, storeBytes: { before, after } },
      text: `removed ${r.runs} run(s), freed ${formatBytes(r.bytes)}; the store now holds ${formatBytes(after)} (was ${formatBytes(before)})`,
    };
  } finally {
    await store.close().catch(() => undefined);
  }
}

/** `weft audit verify <run-id>`: checks the hash chain of the run's audit log against the head anchored in the store. */
export async function auditVerifyCommand(runId: string, io: Io): Promise<Outcome> {
  const { dir, store } = await openProjectStore(io);
  try {
    if (!(await store.runs.get(runId)))
      throw new WeftError('RUN_NOT_FOUND', `no run "${runId}" in the store`, { data: { runId } });
    const file = join(dir, 'runs', runId, 'audit.jsonl');
    const verdict = store.audit.verify(runId);
    if (verdict.repaired)
      io.warnings.push({ code: 'AUDIT_REPAIRED', message: `${file}: ${verdict.repaired}` });
    if (verdict.ok)
      return {
        exit: 0,
        result: { runId, file, ...verdict },
        text: `audit log of ${runId} is intact: ${verdict.entries} entries, head ${verdict.head} (anchored in the store)`,
      };
    const b = verdict.firstBad;
    const error = new WeftError(
      'AUDIT_BROKEN',
      `audit log ${file} is broken at entry ${b.index} (${b.reason}): ${b.message}`,
      { data: { runId, file, head: verdict.head, ...b } },
    );
    return { exit: 1, result: { runId, file, ...verdict }, error };
  } finally {
    await store.close().catch(() => undefined);
  }
}
