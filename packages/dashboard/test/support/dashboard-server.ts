// A small HTTP server for the browser suite, standing in for `weft serve` until it is merged: it runs
// the fixture pipelines with the real engine (`direct`), keeps every run's events, and serves the
// dashboard pages, their assets and the endpoints the page calls, with the service's contract:
// SSE ids = event seq, replay after Last-Event-ID (or ?after) then live with no gap, `end` after the
// run finished or suspended, 204 when reconnecting to an ended run at its last id.
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createEngine, type Engine, type ExecutionPlan, type Pipeline, type RunEvent } from '@weft/core';
import {
  DashboardFold,
  PlanLayouts,
  dashboardAssets,
  renderDashboardPage,
  type Boot,
  type RunSummary,
} from '../../dist/index.js';

interface Registered {
  readonly pipeline: Pipeline;
  readonly plan: ExecutionPlan;
}

/** One run the server knows: its events, its fold, its open streams. */
export interface ServedRun {
  readonly runId: string;
  readonly name: string;
  readonly events: RunEvent[];
  readonly fold: DashboardFold;
  summary: RunSummary;
  readonly streams: Set<ServerResponse>;
  cancel: ((reason: string) => void) | null;
  /** Resolves when the current session ends. */
  settled: Promise<void>;
}

const BASE: Pick<Boot, 'api' | 'ui'> = { api: '/v1', ui: '/ui' };
const TERMINAL = new Set(['succeeded', 'failed', 'cancelled', 'timedOut']);

/** The dashboard's stand-in server on 127.0.0.1. */
export class DashboardTestServer {
  readonly engine: Engine = createEngine();
  readonly layouts = new PlanLayouts();
  readonly runs = new Map<string, ServedRun>();
  /** Every request path served, in order. */
  readonly requests: string[] = [];
  readonly #pipelines = new Map<string, Registered>();
  readonly #lifecycle = new Set<ServerResponse>();
  readonly #server: Server;
  #url = '';
  #next = 1;

  private constructor(pipelines: readonly Pipeline[]) {
    for (const p of pipelines) this.#pipelines.set(p.name, { pipeline: p, plan: this.engine.plan(p) });
    this.#server = createServer((req, res) => {
      this.requests.push(req.url ?? '');
      this.#route(req, res).catch((e: unknown) => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(String(e));
      });
    });
  }

  /** Starts on 127.0.0.1 on a free port. */
  static async start(pipelines: readonly Pipeline[]): Promise<DashboardTestServer> {
    const s = new DashboardTestServer(pipelines);
    // Plans are known at start-up: lay them out now, as the service should, so no page waits for ELK.
    await Promise.all([...s.#pipelines.values()].map((r) => s.layouts.layout(r.plan)));
    await new Promise<void>((resolve) => s.#server.listen(0, '127.0.0.1', resolve));
    s.#url = `http://127.0.0.1:${(s.#server.address() as AddressInfo).port}`;
    return s;
  }

  /** `http://127.0.0.1:port` */
  get url(): string {
    return this.#url;
  }

  /** Starts a run of a registered pipeline with the engine; resolves with its id once started. */
  run(name: string, input: unknown, options: { maxSteps?: number } = {}): ServedRun {
    const reg = this.#registered(name);
    const runId = `run-${String(this.#next++).padStart(4, '0')}-${name}`;
    const served = this.#add(runId, name);
    const h = this.engine.start(reg.pipeline, input, {
      runId,
      ...(options.maxSteps !== undefined ? { maxSteps: options.maxSteps } : {}),
      observers: [{ onEvent: (e) => this.append(served, e) }],
    });
    served.cancel = (reason) => h.cancel(reason);
    served.settled = h.result.then(() => {
      served.cancel = null;
    });
    return served;
  }

  /** A run from recorded events, as if it had run here (ids are kept). */
  recorded(name: string, runId: string, events: readonly RunEvent[]): ServedRun {
    this.#registered(name);
    const served = this.#add(runId, name);
    for (const e of events) this.append(served, e);
    return served;
  }

  /**
   * Plays recorded events into a new run at `perSecond` events per second, with their times set to
   * when they are appended (a live run the page follows). Nothing is appended before `start()`, whose
   * promise resolves when every event is in.
   */
  play(
    name: string,
    runId: string,
    events: readonly RunEvent[],
    perSecond: number,
  ): { run: ServedRun; start: () => Promise<void> } {
    const served = this.#add(runId, name);
    const batch = Math.max(1, Math.round(perSecond / 100));
    let i = 0;
    const start = (): Promise<void> =>
      new Promise<void>((resolve) => {
        const timer = setInterval(() => {
          const end = Math.min(events.length, i + batch);
          for (; i < end; i++) this.append(served, { ...events[i]!, runId, time: Date.now() });
          if (i >= events.length) {
            clearInterval(timer);
            resolve();
          }
        }, 10);
      });
    return { run: served, start };
  }

  /** Appends one event to a run's log: fold, then every open stream. */
  append(run: ServedRun, e: RunEvent): void {
    run.events.push(e);
    run.fold.apply(e);
    const v = run.fold.snapshot.view;
    run.summary = {
      ...run.summary,
      status: v.status,
      sessions: Math.max(1, v.sessions),
      lastSeq: e.seq,
      // Wall-clock times, as the run store keeps them (event times are the engine's monotonic clock).
      finishedAt:
        e.type === 'run.finish' && e.path.length === 0
          ? Date.now()
          : e.type === 'run.start' && e.path.length === 0
            ? null
            : run.summary.finishedAt,
      error: v.error,
      orchestrationMode: v.orchestrator,
    };
    const frame = `id: ${e.seq}\nevent: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`;
    const ends = e.type === 'run.finish' && e.path.length === 0;
    for (const s of run.streams) {
      s.write(frame);
      if (ends) {
        s.end(`event: end\ndata: ${JSON.stringify({ status: v.status, lastEventId: e.seq })}\n\n`);
        run.streams.delete(s);
      }
    }
    if (e.type === 'run.start' || ends) this.#broadcast(run.summary);
  }

  /** Cuts every open event stream of a run (the page must reconnect and miss nothing). */
  dropStreams(run: ServedRun): void {
    for (const s of run.streams) s.destroy();
    run.streams.clear();
  }

  /** Stops streams, the server, the layout worker and the engine. */
  async close(): Promise<void> {
    for (const r of this.runs.values()) for (const s of r.streams) s.destroy();
    for (const s of this.#lifecycle) s.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
    this.#server.closeAllConnections();
    await this.layouts.close();
    await this.engine.close();
  }

  #registered(name: string): Registered {
    const reg = this.#pipelines.get(name);
    if (!reg) throw new Error(`no pipeline "${name}"`);
    return reg;
  }

  #add(runId: string, name: string): ServedRun {
    const reg = this.#registered(name);
    const served: ServedRun = {
      runId,
      name,
      events: [],
      fold: new DashboardFold(reg.plan),
      summary: {
        runId,
        pipeline: name,
        planId: reg.plan.id,
        status: 'pending',
        startedAt: Date.now(),
        finishedAt: null,
        orchestrationMode: 'direct',
        tenant: null,
        sessions: 1,
        lastSeq: 0,
        error: null,
      },
      streams: new Set(),
      cancel: null,
      settled: Promise.resolve(),
    };
    this.runs.set(runId, served);
    return served;
  }

  #broadcast(summary: RunSummary): void {
    for (const s of this.#lifecycle) s.write(`event: run\ndata: ${JSON.stringify(summary)}\n\n`);
  }

  async #route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.#url);
    const p = url.pathname;
    let m: RegExpMatchArray | null;
    if (req.method === 'GET' && (m = p.match(/^\/ui\/assets\/([\w.-]+)$/))) return this.#asset(m[1]!, res);
    if (req.method === 'GET' && (p === '/ui' || p === '/ui/'))
      return this.#page(res, { ...BASE, page: 'runs', runs: this.#summaries() });
    if (req.method === 'GET' && (m = p.match(/^\/ui\/runs\/([^/]+)$/))) {
      const run = this.runs.get(decodeURIComponent(m[1]!));
      if (!run) return this.#page(res, { ...BASE, page: 'not-found', message: 'No such run.' }, 404);
      const reg = this.#registered(run.name);
      return this.#page(res, {
        ...BASE,
        page: 'run',
        run: run.summary,
        plan: reg.plan,
        layout: await this.layouts.layout(reg.plan),
        snapshot: run.fold.snapshot,
      });
    }
    if (req.method === 'GET' && p === '/ui/pipelines') {
      const pipelines = await Promise.all(
        [...this.#pipelines.values()].map(async (r) => ({
          name: r.pipeline.name,
          planId: r.plan.id,
          nodes: Object.keys(r.plan.nodes).length,
          layout: await this.layouts.layout(r.plan),
        })),
      );
      return this.#page(res, { ...BASE, page: 'pipelines', pipelines });
    }
    if (req.method === 'GET' && p === '/ui/workers')
      return this.#page(res, { ...BASE, page: 'workers', workers: null });
    if (req.method === 'GET' && p === '/v1/runs/events') {
      sseHead(res);
      this.#lifecycle.add(res);
      req.on('close', () => this.#lifecycle.delete(res));
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
        this.#resume(run, b.resume);
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

  #resume(run: ServedRun, input: unknown): void {
    const reg = this.#registered(run.name);
    const offset = run.events.length;
    run.summary = { ...run.summary, status: 'running' };
    const h = this.engine.resume(reg.pipeline, run.runId, input, {
      observers: [{ onEvent: (e) => this.append(run, { ...e, seq: e.seq + offset }) }],
    });
    run.settled = h.then(async (handle) => {
      run.cancel = (reason) => handle.cancel(reason);
      await handle.result;
      run.cancel = null;
    });
  }

  #events(req: IncomingMessage, res: ServerResponse, url: URL, run: ServedRun): void {
    const header = req.headers['last-event-id'];
    const after = Number(typeof header === 'string' ? header : (url.searchParams.get('after') ?? 0));
    const last = run.events.at(-1)?.seq ?? 0;
    if (!Number.isInteger(after) || after < 0 || after > last)
      return problem(res, 400, 'REQUEST_INVALID', `after must be an event number up to ${last}`);
    if (!(req.headers.accept ?? '').includes('text/event-stream')) {
      const limit = Math.min(1000, Number(url.searchParams.get('limit') ?? 1000));
      const page = run.events.filter((e) => e.seq > after).slice(0, limit);
      return json(res, 200, {
        events: page,
        lastId: last,
        next: page.length === limit ? page.at(-1)!.seq : null,
      });
    }
    const ended = TERMINAL.has(run.summary.status) || run.summary.status === 'suspended';
    if (ended && after >= last) {
      res.writeHead(204).end();
      return;
    }
    sseHead(res);
    // Replay, then follow: appends are synchronous, so nothing falls between the two.
    let out = '';
    for (const e of run.events)
      if (e.seq > after) out += `id: ${e.seq}\nevent: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`;
    if (out) res.write(out);
    if (ended) {
      res.end(`event: end\ndata: ${JSON.stringify({ status: run.summary.status, lastEventId: last })}\n\n`);
      return;
    }
    run.streams.add(res);
    req.on('close', () => run.streams.delete(res));
  }

  #summaries(): RunSummary[] {
    return [...this.runs.values()].map((r) => r.summary).sort((a, b) => b.startedAt - a.startedAt);
  }

  #page(res: ServerResponse, boot: Boot, status = 200): void {
    const page = renderDashboardPage(boot);
    res.writeHead(status, page.headers).end(page.html);
  }

  async #asset(name: string, res: ServerResponse): Promise<void> {
    const a = dashboardAssets();
    if (name !== a.js && name !== a.css) return problem(res, 404, 'ROUTE_NOT_FOUND', name);
    const type = name.endsWith('.js') ? 'text/javascript; charset=utf-8' : 'text/css; charset=utf-8';
    res.writeHead(200, { 'content-type': type, 'cache-control': 'public, max-age=31536000, immutable' });
    res.end(await readFile(join(a.dir, name)));
  }
}

function sseHead(res: ServerResponse): void {
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
  });
  res.write('retry: 300\n: ok\n\n');
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
