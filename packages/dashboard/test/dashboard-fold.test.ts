// DashboardFold over real runs: the snapshot at every event n, serialised as the page gets it, then
// the events after n, equals the fold of the whole stream; events at or before n are ignored (a
// reconnect never counts twice); spans, marks, error groups and tokens agree with the events.
import { createEngine, type RunEvent } from '@weft/core';
import { describe, expect, it } from 'vitest';
import { DashboardFold, MARK_KIND, SPAN_STATUS, runSnapshot, type RunSnapshot } from '../dist/index.js';
import { failing, showcase } from './fixtures/pipelines.js';

async function record(
  name: 'showcase' | 'failing',
): Promise<{ events: RunEvent[]; fold: () => DashboardFold }> {
  const engine = createEngine();
  const p = name === 'showcase' ? showcase() : failing();
  const plan = engine.plan(p);
  const events: RunEvent[] = [];
  const h = engine.start(p, 40, { runId: 'r', observers: [{ onEvent: (e) => events.push(e) }] });
  const r = await h.result;
  if (r.status === 'suspended') {
    const offset = events.length;
    const next = await engine.resume(p, 'r', 'ok', {
      observers: [{ onEvent: (e) => events.push({ ...e, seq: e.seq + offset }) }],
    });
    await next.result;
  }
  await engine.close();
  return { events, fold: () => new DashboardFold(plan) };
}

const json = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

describe('DashboardFold', () => {
  it('continues a serialised snapshot at every event n to the fold of the whole stream', async () => {
    const { events, fold } = await record('showcase');
    const whole = fold();
    for (const e of events) whole.apply(e);
    const expected = json(whole.snapshot);
    const plan = createEngine().plan(showcase());
    for (let n = 0; n <= events.length; n++) {
      const head = json(runSnapshot(events, plan, n));
      const page = new DashboardFold(plan, head);
      for (const e of events) page.apply(e); // the whole stream again: only those after n count
      expect(json(page.snapshot), `snapshot at ${n}`).toEqual(expected);
    }
  });

  it('folds spans per attempt, marks retries, groups errors by code, keeps tokens in order', async () => {
    const { events, fold } = await record('showcase');
    const f = fold();
    for (const e of events) f.apply(e);
    const s: RunSnapshot = f.snapshot;
    const t = s.timeline;
    const flaky = t.rows.indexOf('flaky');
    const spans = t.row.flatMap((r, i) => (r === flaky ? [i] : []));
    expect(spans.map((i) => t.attempt[i])).toEqual([1, 2, 3]);
    expect(spans.map((i) => t.status[i])).toEqual([SPAN_STATUS.retried, SPAN_STATUS.retried, SPAN_STATUS.ok]);
    expect(t.markRow.filter((r, i) => r === flaky && t.markKind[i] === MARK_KIND.retry)).toHaveLength(2);
    const square = t.rows.indexOf('square');
    expect(t.items[t.row.indexOf(square)]).toBe(40);
    // The suspended session's span ends suspended, the resumed one ok.
    const approve = t.rows.indexOf('approve');
    expect(t.row.flatMap((r, i) => (r === approve ? [t.status[i]] : []))).toEqual([
      SPAN_STATUS.suspended,
      SPAN_STATUS.ok,
    ]);
    expect(t.end.every((e) => e >= 0)).toBe(true);
    expect(t.rows).toContain('nested/prepare');
    expect(s.errors).toMatchObject([{ code: 'STEP_FAILED', count: 2, retried: 2, nodes: ['flaky'] }]);
    expect(s.errors[0]!.first.message).toBe('not yet (attempt 1)');
    expect(s.tokens).toEqual([
      { node: 'describe', count: 6, text: 'Weft maps 40 items in order.', dropped: 0 },
    ]);
    expect(s.outputs['sum']!.text).toContain('"describe":40');
    expect(s.view.status).toBe('succeeded');
    expect(s.lastTime).toBe(events.at(-1)!.time);
  });

  it('a step that fails for good: failed span, the error with its stack, counted per attempt', async () => {
    const { events, fold } = await record('failing');
    const f = fold();
    for (const e of events) f.apply(e);
    const t = f.snapshot.timeline;
    const broken = t.rows.indexOf('broken');
    expect(t.row.flatMap((r, i) => (r === broken ? [t.status[i]] : []))).toEqual([
      SPAN_STATUS.retried,
      SPAN_STATUS.retried,
      SPAN_STATUS.failed,
    ]);
    expect(f.snapshot.errors).toMatchObject([{ code: 'STEP_FAILED', count: 3, retried: 2 }]);
    expect(f.snapshot.errors[0]!.first.stack).toContain('the disk is full');
  });
});
