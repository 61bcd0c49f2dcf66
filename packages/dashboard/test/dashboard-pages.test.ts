// DashboardPages, RunFeed and streamRunFeed on a real store (@weft/store's memoryStore) written by
// the real engine: the run page's snapshot equals the fold of the whole log and later loads fold only
// the new events; tenants see their own runs; assets and unknown paths; the feed's numbered changes,
// replay after an id and the whole list when too far behind, over a real socket.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createEngine, type RunEvent } from '@weft/core';
import type { EventLog, Store } from '@weft/core/store';
import { memoryStore } from '@weft/store';
import { afterEach, describe, expect, it } from 'vitest';
import {
  DashboardPages,
  PlanLayouts,
  RunFeed,
  dashboardAssets,
  runSnapshot,
  streamRunFeed,
  type Boot,
  type RunChange,
} from '../dist/index.js';
import type { WorkerSource } from '@weft/core/plugin';
import { tokens } from './fixtures/pipelines.js';

const bootOf = (html: string): Boot =>
  JSON.parse(html.slice(html.indexOf('id="boot">') + 10, html.lastIndexOf('</script>'))) as Boot;

/** The store's event log, recording the `after` of every read (what a page load costs). */
function countingReads(store: Store): { store: Store; reads: number[] } {
  const reads: number[] = [];
  const log = store.events;
  const events: EventLog = {
    append: (id, es) => log.append(id, es),
    read: (id, after, limit) => {
      reads.push(after);
      return log.read(id, after, limit);
    },
    tail: (id, after, signal) => log.tail(id, after, signal),
    lastId: (id) => log.lastId(id),
    trim: (id, upTo) => log.trim(id, upTo),
  };
  const counted: Store = { ...store, events, close: () => store.close() };
  return { store: counted, reads };
}

const closers: (() => Promise<unknown>)[] = [];

/** The run summary a `run` frame of the live stream carries. */
const runOf = (data: string): { runId: string; status: string } =>
  JSON.parse(data) as { runId: string; status: string };
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c();
});

async function setUp(workerSources?: readonly WorkerSource[]) {
  const feed = new RunFeed(4);
  const base = feed.watch(memoryStore());
  const { store, reads } = countingReads(base);
  const engine = createEngine({ store: base });
  const p = tokens();
  const plan = engine.plan(p);
  const layouts = new PlanLayouts();
  const pages = new DashboardPages(
    { store, pipelines: () => [{ name: p.name, plan }], ...(workerSources ? { workerSources } : {}) },
    { layouts, feed, api: '/api', ui: '/dash' },
  );
  closers.push(
    () => engine.close(),
    () => layouts.close(),
    () => store.close(),
  );
  return { feed, store, reads, engine, p, plan, pages };
}

describe('DashboardPages', () => {
  it("serves a run's page with its snapshot at the log's last event, folding only new events on a reload", async () => {
    const { store, reads, engine, p, plan, pages } = await setUp();
    await engine.execute(p, 20, { runId: 'r1' });
    const res = await pages.handle('/dash/runs/r1');
    expect(res.status).toBe(200);
    expect(res.headers['content-security-policy']).toContain("script-src 'self'");
    const boot = bootOf(res.body as string);
    if (boot.page !== 'run') throw new Error(`page ${boot.page}`);
    const events = (await store.events.read('r1', 0)) as RunEvent[];
    expect(boot.snapshot.view.lastSeq).toBe(events.length);
    expect(boot.snapshot).toEqual(JSON.parse(JSON.stringify(runSnapshot(events, plan))));
    expect(boot.run).toMatchObject({
      runId: 'r1',
      pipeline: 'tokens',
      status: 'succeeded',
      lastSeq: events.length,
    });
    expect(boot.layout?.nodes.map((n) => n.id)).toEqual(['speak']);
    expect(boot.api).toBe('/api');

    // A reload reads the log after the last event folded, not from the start.
    reads.length = 0;
    await pages.handle('/dash/runs/r1');
    expect(reads).toEqual([events.length]);
  });

  it('lists the runs a tenant may see, and hides the others', async () => {
    const { engine, p, pages } = await setUp();
    await engine.execute(p, 1, { runId: 'mine', tenant: 'a' });
    await engine.execute(p, 1, { runId: 'theirs', tenant: 'b' });
    const all = bootOf((await pages.handle('/dash/')).body as string);
    const a = bootOf((await pages.handle('/dash', { tenant: 'a' })).body as string);
    if (all.page !== 'runs' || a.page !== 'runs') throw new Error('not the runs page');
    expect(all.runs.map((r) => r.runId).sort()).toEqual(['mine', 'theirs']);
    expect(a.runs.map((r) => r.runId)).toEqual(['mine']);
    expect(a.feedId).toBeGreaterThan(0);
    const hidden = await pages.handle('/dash/runs/theirs', { tenant: 'a' });
    expect(hidden.status).toBe(404);
    expect(bootOf(hidden.body as string)).toMatchObject({ page: 'not-found', message: 'No such run.' });
    expect((await pages.handle('/dash/runs/theirs', { tenant: 'b' })).status).toBe(200);
  });

  it("lists the distributed modes' live workers on the workers page, and a source that fails as an error", async () => {
    let up = true;
    const { pages } = await setUp([
      {
        orchestrator: 'bullmq',
        list: async () => {
          if (!up)
            throw Object.assign(new Error('Redis at redis://127.0.0.1:1/: no answer'), {
              code: 'ORCHESTRATOR_UNAVAILABLE',
            });
          return [
            {
              id: 'w1',
              name: 'alpha',
              host: 'h1',
              pid: 11,
              threads: 2,
              version: '0.1.0',
              startedAt: '2026-12-06T00:00:00.000Z',
            },
            { id: 'w2' },
          ];
        },
      },
    ]);
    expect(bootOf((await pages.handle('/dash/workers')).body as string)).toMatchObject({
      page: 'workers',
      sources: ['bullmq'],
      workers: [
        {
          orchestrator: 'bullmq',
          id: 'w1',
          name: 'alpha',
          host: 'h1',
          pid: 11,
          threads: 2,
          version: '0.1.0',
          startedAt: Date.parse('2026-12-06T00:00:00.000Z'),
        },
        {
          orchestrator: 'bullmq',
          id: 'w2',
          name: null,
          host: null,
          pid: null,
          threads: null,
          version: null,
          startedAt: null,
        },
      ],
    });
    up = false;
    const down = await pages.handle('/dash/workers');
    expect(down.status).toBe(200);
    expect(bootOf(down.body as string)).toMatchObject({
      page: 'workers',
      workers: [],
      error: 'ORCHESTRATOR_UNAVAILABLE: Redis at redis://127.0.0.1:1/: no answer',
    });
  });

  it('serves the assets, the pipelines and workers pages, and 404 for anything else', async () => {
    const { pages } = await setUp();
    const { js, css } = dashboardAssets();
    const script = await pages.handle(`/dash/assets/${js}`);
    expect(script.status).toBe(200);
    expect(script.headers['content-type']).toMatch(/^text\/javascript/);
    expect(script.headers['cache-control']).toContain('immutable');
    expect((await pages.handle(`/dash/assets/${css}`)).headers['content-type']).toMatch(/^text\/css/);
    const pipelines = bootOf((await pages.handle('/dash/pipelines?x=1')).body as string);
    expect(pipelines).toMatchObject({ page: 'pipelines', pipelines: [{ name: 'tokens', nodes: 1 }] });
    expect(bootOf((await pages.handle('/dash/workers')).body as string)).toMatchObject({ workers: null });
    for (const path of [
      '/dash/assets/nope.js',
      '/dash/runs/%E0%A4%A',
      '/dash/runs/none',
      '/dash/x',
      '/other',
    ])
      expect((await pages.handle(path)).status, path).toBe(404);
  });
});

describe('RunFeed', () => {
  it('numbers every change of a run record, replays after an id, and says when it no longer can', async () => {
    const { feed, store, engine, p } = await setUp();
    const seen: RunChange[] = [];
    feed.subscribe((c) => seen.push(c));
    await engine.execute(p, 2, { runId: 'r1' });
    expect(seen.map((c) => c.id)).toEqual(seen.map((_, i) => i + 1));
    const last = seen.at(-1)!;
    expect(last).toMatchObject({ kind: 'run', run: { runId: 'r1', status: 'succeeded', sessions: 1 } });
    expect(last.kind === 'run' && last.run.lastSeq).toBe(await store.events.lastId('r1'));
    expect(seen.some((c) => c.kind === 'run' && c.run.status === 'running')).toBe(true);
    expect(await store.runs.delete('r1')).toBe(true);
    expect(seen.at(-1)).toMatchObject({ kind: 'gone', runId: 'r1', tenant: null });

    expect(feed.since(feed.lastId)).toEqual([]);
    expect(feed.since(feed.lastId - 2)).toEqual(seen.slice(-2));
    expect(feed.since(feed.lastId + 1)).toBeNull(); // another feed's id
    expect(feed.since(0)).toBeNull(); // capacity 4: the first changes are gone
  });
});

describe('streamRunFeed', () => {
  async function serve(feed: RunFeed, store: Store, tenant: string | null): Promise<string> {
    const server: Server = createServer((req, res) => {
      const q = new URL(req.url ?? '/', 'http://x').searchParams;
      const after = q.get('after');
      void streamRunFeed(res, feed, {
        after: after === null ? null : Number(after),
        access: { tenant },
        heartbeatMs: 0,
        list: async () => {
          if (q.has('broken')) throw new Error('the store is gone');
          const page = await store.runs.query(tenant === null ? {} : { tenant });
          return page.runs.map((r) => ({ runId: r.runId }) as never);
        },
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    closers.push(async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    });
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  /** Reads SSE frames until `until` says stop. */
  async function frames(
    url: string,
    until: (fs: { id: string | null; event: string; data: string }[]) => boolean,
    during?: () => Promise<unknown>,
  ) {
    const ac = new AbortController();
    const res = await fetch(url, { signal: ac.signal });
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const out: { id: string | null; event: string; data: string }[] = [];
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    let buf = '';
    let started = false;
    for (;;) {
      if (!started && during) {
        started = true;
        void during();
      }
      const { value, done } = await reader.read();
      if (done) break;
      buf += value;
      let i: number;
      while ((i = buf.indexOf('\n\n')) >= 0) {
        const block = buf.slice(0, i);
        buf = buf.slice(i + 2);
        const f = { id: null as string | null, event: 'message', data: '' };
        let has = false;
        for (const line of block.split('\n')) {
          if (line.startsWith('id: ')) f.id = line.slice(4);
          if (line.startsWith('event: ')) f.event = line.slice(7);
          if (line.startsWith('data: ')) {
            f.data = line.slice(6);
            has = true;
          }
        }
        if (has) out.push(f);
      }
      if (until(out)) break;
    }
    ac.abort();
    return out;
  }

  it('sends the changes after an id live, only those of the reader’s tenant; the whole list when too far behind', async () => {
    const { feed, store, engine, p } = await setUp();
    await engine.execute(p, 1, { runId: 'old', tenant: 'a' });
    const url = await serve(feed, store, 'a');
    const from = feed.lastId;
    const live = await frames(
      `${url}/?after=${from}`,
      (fs) =>
        fs.some(
          (f) => f.event === 'run' && runOf(f.data).runId === 'new' && runOf(f.data).status === 'succeeded',
        ),
      async () => {
        await engine.execute(p, 1, { runId: 'other', tenant: 'b' });
        await engine.execute(p, 1, { runId: 'new', tenant: 'a' });
      },
    );
    expect(live.every((f) => f.event === 'run' && runOf(f.data).runId === 'new')).toBe(true);
    expect(live.map((f) => Number(f.id))).toEqual([...live.map((f) => Number(f.id))].sort((x, y) => x - y));
    expect(Number(live[0]!.id)).toBeGreaterThan(from);

    // Capacity 4: after 0 is long gone, so the stream opens with the whole list (tenant a's runs).
    const behind = await frames(`${url}/?after=0`, (fs) => fs.length >= 1);
    expect(behind[0]!.event).toBe('runs');
    expect(Number(behind[0]!.id)).toBe(feed.lastId);
    expect((JSON.parse(behind[0]!.data) as { runId: string }[]).map((r) => r.runId).sort()).toEqual([
      'new',
      'old',
    ]);
  });

  it('tells the reader when the runs cannot be listed, and ends the stream (it retries)', async () => {
    const { feed, store } = await setUp();
    const url = await serve(feed, store, null);
    const got = await frames(`${url}/?broken=1`, () => false);
    expect(got).toEqual([
      {
        id: null,
        event: 'error',
        data: JSON.stringify({ code: 'STORE_IO', message: 'the runs could not be listed' }),
      },
    ]);
  });
});
