import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { WeftError, type RunRecord } from '@weft/core';
import type { Outcome } from '../util/output.js';
import { openProjectStore } from '../store/open.js';
import type { StoredEvent } from '../store/sqlite-store.js';
import { verifyAudit } from '../run/audit.js';

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

/** Per-step timings of one session of a run (the last by default), from its stored events. */
export function stepTimings(
  events: readonly StoredEvent[],
  session = events.reduce((m, e) => Math.max(m, e.session), 0),
): StepTiming[] {
  const mine = events.filter((e) => e.session === session);
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
  for (const { event: e } of mine) {
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

/** `weft runs [run-id]`: lists runs, or shows one with every session, its steps and timings. */
export async function runsCommand(runId: string | undefined): Promise<Outcome> {
  const { store } = openProjectStore();
  try {
    if (runId === undefined) {
      const runs = (await store.list()).map(summary);
      const text =
        runs.length === 0
          ? 'no runs yet'
          : runs
              .map(
                (r) =>
                  `${String(r['runId']).padEnd(28)} ${String(r['pipeline']).padEnd(16)} ${String(r['status']).padEnd(10)} ${String(r['startedAt'])}${r['durationMs'] !== undefined ? ` ${(Number(r['durationMs']) / 1000).toFixed(1)}s` : ''}`,
              )
              .join('\n');
      return { exit: 0, result: { runs }, text };
    }
    const record = store.getSync(runId);
    if (!record)
      throw new WeftError('RUN_NOT_FOUND', `no run "${runId}" in ${store.file}`, { data: { runId } });
    // Every session (the first `run`, then each `resume`) with the steps it ran: after a crash, what
    // the first session got through and what the resume took from the cache are both on record.
    const events = store.events(runId);
    const sessions = store.sessions(runId).map((s) => ({ ...s, steps: stepTimings(events, s.session) }));
    const steps = sessions.at(-1)?.steps ?? [];
    const source = store.source(runId) ?? null;
    const result = {
      ...summary(record),
      source,
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
        `session #${s.session} ${s.status}, ${new Date(s.startedAt).toISOString()}, ${took}, pid ${s.pid}`,
        ...stepTable(s.steps),
      );
    }
    return { exit: 0, result, text: lines.join('\n') };
  } finally {
    store.close();
  }
}

/** `weft audit verify <run-id>`: checks the hash chain of the run's audit log. */
export async function auditVerifyCommand(runId: string): Promise<Outcome> {
  const { root, store } = openProjectStore();
  try {
    if (!store.getSync(runId))
      throw new WeftError('RUN_NOT_FOUND', `no run "${runId}" in ${store.file}`, { data: { runId } });
    const file = join(root, '.weft', 'runs', runId, 'audit.jsonl');
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      text = '';
    }
    const verdict = verifyAudit(text, store.auditHead(runId));
    if (verdict.ok)
      return {
        exit: 0,
        result: { runId, file, ...verdict },
        text: `audit log of ${runId} is intact: ${verdict.entries} entries, head ${verdict.head.slice(0, 16)}…`,
      };
    const b = verdict.firstBad;
    const error = new WeftError(
      'AUDIT_BROKEN',
      `audit log ${file} is broken at entry ${b.index} (line ${b.line}, ${b.reason}): ${b.message}`,
      { data: { runId, file, ...b } },
    );
    return { exit: 1, result: { runId, file, ...verdict }, error };
  } finally {
    store.close();
  }
}
