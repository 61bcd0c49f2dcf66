import { RunViewFold, createEngine, pipeline, type RunEvent } from '@weft/core';
import { DashboardFold, RunFolds } from '@weft/dashboard';
import { memoryStore } from '@weft/store';
import type { Suite } from '../suite.js';

const MAPS = 10;

/** Ten maps of `n` items one after the other: 10 × n map.item events. */
function tenMaps(n: number) {
  let b = pipeline('ten-maps').step('load', (k: number) => Array.from({ length: k }, (_, i) => i), {
    to: 'm0',
  });
  for (let i = 0; i < MAPS; i++)
    b = b.map(`m${i}`, (x: number) => (x * 7 + i) % 1_000_003, {
      ...(i < MAPS - 1 ? { to: `m${i + 1}` } : {}),
      chunkSize: 100,
    });
  return { p: b.build(), n };
}

/**
 * The dashboard's per-event cost, on the events of a finished run of ten 10,000-item maps (100,000
 * events): core's RunView fold alone, the DashboardFold the service keeps per open run (RunView plus
 * timeline spans, errors by code, tokens, output previews), what the page does per server-sent
 * event (JSON.parse, then the fold), and the server side of opening the run's page: cold (read the
 * store's log, fold it) and followed (the fold kept current from the log's tail while the run went
 * on, so the page load reads nothing old).
 */
export const dashboardFoldSuite: Suite = {
  name: 'dashboard-fold',
  description:
    "folding a 100,000-event run for the dashboard: RunView alone vs DashboardFold vs parse + fold (the page) vs the server's page load, cold and followed",
  async setup({ smoke }) {
    const { p, n } = tenMaps(smoke ? 100 : 10_000);
    const engine = createEngine({ orchestrator: 'direct' });
    const plan = engine.plan(p);
    const events: RunEvent[] = [];
    const r = await engine.execute(p, n, { observers: [{ onEvent: (e) => events.push(e) }] });
    await engine.close();
    if (r.status !== 'succeeded') throw new Error(`dashboard-fold: the run ${r.status}`);
    const wire = events.map((e) => JSON.stringify(e));
    const store = memoryStore({ maxEventsPerRun: events.length });
    await store.events.append('r', events);
    const followed = new RunFolds(store.events);
    await followed.snapshot('r', plan);
    const check = (done: number | undefined, what: string): void => {
      if (done !== n) throw new Error(`${what}: m9 has ${done} items done, not ${n}`);
    };
    return {
      unit: 'event',
      baseline: 'RunViewFold',
      params: { events: events.length, maps: MAPS, items: n },
      teardown: () => store.close(),
      cases: [
        {
          name: 'RunViewFold',
          description: "core's per-node fold of every event",
          units: events.length,
          run() {
            const f = new RunViewFold(plan).applyAll(events);
            check(f.view.nodes['m9']?.items?.done, 'RunViewFold');
          },
        },
        {
          name: 'DashboardFold',
          description: 'RunView + timeline spans + errors + tokens + output previews, every event',
          units: events.length,
          run() {
            const f = new DashboardFold(plan);
            for (const e of events) f.apply(e);
            check(f.snapshot.view.nodes['m9']?.items?.done, 'DashboardFold');
          },
        },
        {
          name: 'page: parse + fold',
          description: 'JSON.parse of each SSE data line, then DashboardFold.apply (what the page does)',
          units: events.length,
          run() {
            const f = new DashboardFold(plan);
            for (const w of wire) f.apply(JSON.parse(w) as RunEvent);
            check(f.snapshot.view.nodes['m9']?.items?.done, 'page: parse + fold');
          },
        },
        {
          name: 'page load: cold',
          description:
            "RunFolds.snapshot of a run never folded: read the memory store's log, fold every event",
          units: events.length,
          async run() {
            const snap = await new RunFolds(store.events).snapshot('r', plan);
            check(snap.view.nodes['m9']?.items?.done, 'page load: cold');
          },
        },
        {
          name: 'page load: followed',
          description:
            'RunFolds.snapshot of a run whose fold followed the log (what DashboardPages does with a RunFeed)',
          units: events.length,
          async run() {
            const snap = await followed.snapshot('r', plan);
            check(snap.view.nodes['m9']?.items?.done, 'page load: followed');
          },
        },
      ],
    };
  },
};
