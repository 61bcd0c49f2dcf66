// A small HTTP server for the browser suite, standing in for `weft serve` until it is merged. It is
// built the way the service is: the engine (`direct`) writes runs and events into a real store
// (@weft/store's memoryStore, watched by the dashboard's RunFeed), the pages come from the
// dashboard's DashboardPages (snapshot at the log's last event, one fold per run), the runs list
// follows streamRunFeed, and a run's events are pumped from the store's log with the service's SSE
// contract (test/support/sse-pump.ts): ids = event numbers, replay after Last-Event-ID (or ?after)
// then live with no gap, token frames merged per invocation, `end` after the run finished or
// suspended, 204 when reconnecting to an ended run at its last id.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createEngine, type Engine, type ExecutionPlan, type Pipeline, type RunEvent } from '@weft/core';
import type { Store } from '@weft/core/store';
import { memoryStore } from '@weft/store';
import { DashboardPages, RunFeed, runSummary, streamRunFeed, type RunSummary } from '../../dist/index.js';
import { pumpRunEvents } from './sse-pump.js';

interface Registered {
  readonly name: string;
  readonly pipeline: Pipeline;
  readonly plan: ExecutionPlan;
}

/** One run the server knows: its events as the engine numbered them, its summary as the store has it. */
export interface ServedRun {
  readonly runId: string;
  readonly name: string;
  /** Every event of the run, in order (what the store's log holds). */
  readonly events: RunEvent[];
  summary: RunSummary;
  cancel: ((reason: string) => void) | null;
  /** Resolves when the current session ends and its record is written. */
  settled: Promise<void>;
}

const TERMINAL = new Set(['succeeded', 'failed', 'cancelled', 'timedOut', 'suspended']);

/** The dashboard's stand-in server on 127.0.0.1. */
export class DashboardTestServer {
  readonly feed = new RunFeed();
  readonly store: Store = this.feed.watch(memoryStore({ maxEventsPerRun: 1_000_000 }));
  readonly engine: Engine = createEngine({ store: this.store });
  readonly runs = new Map<string, ServedRun>();
  readonly pages: DashboardPages;
  /** Every request path served, in order. */
  readonly requests: string[] = [];
  readonly #pipelines = new Map<string, Registered>();
  readonly #streams = new Map<string, Set<AbortController>>();
  readonly #server: Server;
  #url = '';
  #next = 1;

  private constructor(pipelines: readonly Pipeline[]) {
    for (const p of pipelines)
      this.#pipelines.set(p.name, { name: p.name, pipeline: p, plan: this.engine.plan(p) });
    this.pages = new DashboardPages(
      { store: this.store, pipelines: () => this.#pipelines.values() },
      { feed: this.feed },
    );
    this.feed.subscribe((c) => {
      if (c.kind !== 'run') return;
      const r = this.runs.get(c.run.runId);
      if (r) r.summary = c.run;
    });
    this.#server = createServer((req, res) => {
      this.requests.push(req.url ?? '');
      this.#route(req, res).catch((e: unknown) => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(String(e));
      });
    });
  }

  /** Starts on 127.0.0.1 on a free port, the registered plans laid out first (as the service should). */
  static async start(pipelines: readonly Pipeline[]): Promise<DashboardTestServer> {
    const s = new DashboardTestServer(pipelines);
    await s.pages.warm();
    await new Promise<void>((resolve) => s.#server.listen(0, '127.0.0.1', resolve));
    s.#url = `http://127.0.0.1:${(s.#server.address() as AddressInfo).port}`;
    return s;
  }

  /** `http://127.0.0.1:port` */
  get url(): string {
    return this.#url;
  }

  /** Starts a run of a registered pipeline with the engine. */
  run(name: string, input: unknown, options: { maxSteps?: number } = {}): ServedRun {
    const reg = this.#registered(name);
    const runId = `run-${String(this.#next++).padStart(4, '0')}-${name}`;
    const served = this.#add(runId, reg);
    const h = this.engine.start(reg.pipeline, input, {
      runId,
      ...(options.maxSteps !== undefined ? { maxSteps: options.maxSteps } : {}),
      observers: [{ onEvent: (e) => served.events.push(e) }],
    });
    served.cancel = (reason) => h.cancel(reason);
    served.settled = h.result.then(() => this.#settle(served));
    return served;
  }

  /**
   * Plays recorded events into a new run at `perSecond` events per second, with their times set to
   * when they are appended (a live run the page follows). The run's record exists at once; nothing
   * is appended before `start()`, whose promise resolves when every event is in the log.
   */
  play(
    name: string,
    runId: string,
    events: readonly RunEvent[],
    perSecond: number,
  ): {
    run: ServedRun;
    start: () => Promise<void>;
    opened: Promise<void>;
    holdAt: (count: number) => Promise<void>;
    release: () => void;
  } {
    const reg = this.#registered(name);
    const served = this.#add(runId, reg);
    const { runs, events: log, owner } = this.store;
    const opened = (async () => {
      await runs.put({
        runId,
        pipeline: reg.name,
        module: null,
        planId: reg.plan.id,
        status: 'running',
        startedAt: Date.now(),
        input: null,
        orchestrator: 'direct',
      });
      await runs.openSession(runId, 'start', owner);
    })();
    const batch = Math.max(1, Math.round(perSecond / 100));
    // A hold stops the play after exactly `count` events are in the log, until release(): a test
    // acts at a known point of the run (an explicit signal, not a race with the timer).
    let hold = Infinity;
    let onHeld: (() => void) | undefined;
    let appended = 0;
    const checkHold = (): void => {
      if (onHeld && appended >= hold) {
        onHeld();
        onHeld = undefined;
      }
    };
    const holdAt = (count: number): Promise<void> =>
      new Promise<void>((resolve) => {
        hold = Math.min(count, events.length);
        onHeld = resolve;
        checkHold();
      });
    const release = (): void => {
      hold = Infinity;
    };
    const start = async (): Promise<void> => {
      await opened;
      let i = 0;
      let chain = Promise.resolve();
      await new Promise<void>((resolve) => {
        const timer = setInterval(() => {
          const end = Math.min(events.length, i + batch, hold);
          if (end <= i) return;
          const now = Date.now();
          const out = events.slice(i, end).map((e) => ({ ...e, runId, time: now }));
          i = end;
          served.events.push(...out);
          chain = chain
            .then(() => log.append(runId, out))
            .then(() => {
              appended += out.length;
              checkHold();
            });
          if (i >= events.length) {
            clearInterval(timer);
            resolve();
          }
        }, 10);
      });
      await chain;
      const last = events.at(-1);
      const status = last?.type === 'run.finish' ? last.status : 'succeeded';
      const rec = (await runs.get(runId))!;
      await runs.put({ ...rec, status, finishedAt: Date.now() });
      await runs.closeSession(runId, 1, status, last?.seq ?? 0);
      await this.#settle(served);
    };
    return { run: served, start, opened, holdAt, release };
  }

  /** Cuts every open event stream of a run (the page must reconnect and miss nothing). */
  dropStreams(run: ServedRun): void {
    for (const a of this.#streams.get(run.runId) ?? []) a.abort();
  }

  /** Stops streams, the server, the layout worker and the engine. */
  async close(): Promise<void> {
    for (const set of this.#streams.values()) for (const a of set) a.abort();
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
    await this.pages.close();
    await this.engine.close();
    await this.store.close();
  }

  #registered(name: string): Registered {
    const reg = this.#pipelines.get(name);
    if (!reg) throw new Error(`no pipeline "${name}"`);
    return reg;
  }

  #add(runId: string, reg: Registered): ServedRun {
    const served: ServedRun = {
      runId,
      name: reg.name,
      events: [],
      summary: {
        runId,
        pipeline: reg.name,
        planId: reg.plan.id,
        status: 'running',
        startedAt: Date.now(),
        finishedAt: null,
        orchestrationMode: 'direct',
        tenant: null,
        sessions: 1,
        lastSeq: 0,
        error: null,
      },
      cancel: null,
      settled: Promise.resolve(),
    };
    this.runs.set(runId, served);
    return served;
  }

  /** After a session: the summary as the store has it. */
  async #settle(run: ServedRun): Promise<void> {
    run.cancel = null;
    const rec = await this.store.runs.get(run.runId);
    if (rec) run.summary = runSummary(rec);
  }

  async #route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.#url);
    const p = url.pathname;
    let m: RegExpMatchArray | null;
    if (req.method === 'GET' && p.startsWith('/ui')) {
      const page = await this.pages.handle(p);
      res.writeHead(page.status, page.headers).end(page.body);
      return;
    }
    if (req.method === 'GET' && p === '/v1/runs/events') {
      const header = req.headers['last-event-id'];
      const after = Number(typeof header === 'string' ? header : (url.searchParams.get('after') ?? NaN));
      await streamRunFeed(res, this.feed, {
        after: Number.isNaN(after) ? null : after,
        access: { tenant: null },
        list: async () => {
          const boot = await this.pages.runsBoot();
          return boot.page === 'runs' ? boot.runs : [];
        },
      });
      return;
    }
    if ((m = p.match(/^\/v1\/runs\/([^/]+)\/(events|cancel|resume)$/))) {
      const run = this.runs.get(decodeURIComponent(m[1]!));
      if (!run) return problem(res, 404, 'RUN_NOT_FOUND', 'no such run');
      if (m[2] === 'events' && req.method === 'GET') return this.#events(req, res, url, run);
      if (m[2] === 'cancel' && req.method === 'POST') {
        await body(req);
        if (!run.cancel) return problem(res, 409, 'RUN_FINISHED', 'the run has ended');
        run.cancel('cancelled from the dashboard');
        return json(res, 202, { runId: run.runId, status: 'cancelling' });
      }
      if (m[2] === 'resume' && req.method === 'POST') {
        const b = (await body(req)) as { resume?: unknown };
        if (run.summary.status !== 'suspended')
          return problem(res, 409, 'RUN_NOT_SUSPENDED', 'the run is not suspended');
        await this.#resume(run, b.resume);
        return json(res, 202, { runId: run.runId, status: 'running' });
      }
    }
    if (req.method === 'POST' && p === '/v1/validate') {
      const b = (await body(req)) as { pipeline?: string };
      const reg = this.#pipelines.get(b.pipeline ?? '');
      if (!reg) return problem(res, 404, 'PIPELINE_NOT_FOUND', `no pipeline "${b.pipeline}"`);
      return json(res, 200, this.engine.validate(reg.pipeline));
    }
    return problem(res, 404, 'ROUTE_NOT_FOUND', `${req.method} ${p}`);
  }

  async #resume(run: ServedRun, input: unknown): Promise<void> {
    const reg = this.#registered(run.name);
    const handle = await this.engine.resume(reg.pipeline, run.runId, input, {
      observers: [{ onEvent: (e) => run.events.push(e) }],
    });
    run.cancel = (reason) => handle.cancel(reason);
    run.settled = handle.result.then(() => this.#settle(run));
  }

  async #events(req: IncomingMessage, res: ServerResponse, url: URL, run: ServedRun): Promise<void> {
    const header = req.headers['last-event-id'];
    const after = Number(typeof header === 'string' ? header : (url.searchParams.get('after') ?? 0));
    const last = await this.store.events.lastId(run.runId);
    if (!Number.isInteger(after) || after < 0 || after > last)
      return problem(res, 400, 'REQUEST_INVALID', `after must be an event number up to ${last}`);
    if (!(req.headers.accept ?? '').includes('text/event-stream')) {
      const limit = Math.min(1000, Number(url.searchParams.get('limit') ?? 1000));
      const page = await this.store.events.read(run.runId, after, limit);
      return json(res, 200, {
        events: page,
        lastId: last,
        next: page.length === limit ? page.at(-1)!.seq : null,
      });
    }
    const rec = await this.store.runs.get(run.runId);
    const ended = run.cancel === null && rec !== undefined && TERMINAL.has(rec.status);
    if (ended && after >= last) {
      res.writeHead(204).end();
      return;
    }
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
    });
    res.write('retry: 300\n: ok\n\n');
    const abort = new AbortController();
    const set = this.#streams.get(run.runId) ?? new Set();
    this.#streams.set(run.runId, set);
    set.add(abort);
    res.on('close', () => abort.abort());
    try {
      await pumpRunEvents(this.store.events, run.runId, after, res, abort.signal);
    } finally {
      set.delete(abort);
      // Aborted by dropStreams: cut the connection as a proxy would (the page reconnects).
      if (!res.writableEnded) res.destroy();
    }
  }
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

function problem(res: ServerResponse, status: number, code: string, detail: string): void {
  res
    .writeHead(status, { 'content-type': 'application/problem+json' })
    .end(JSON.stringify({ type: 'about:blank', title: code, status, code, detail }));
}

async function body(req: IncomingMessage): Promise<unknown> {
  let text = '';
  for await (const chunk of req) text += String(chunk);
  return text ? JSON.parse(text) : {};
}
