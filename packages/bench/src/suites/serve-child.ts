// The server process of the serve-* suites: `node serve-child.js <json options>`. Prints one JSON
// line `{ url, readyMs }` once it listens (readyMs: from process start to ready), serves until
// SIGTERM, then closes and exits 0. `kind: "floor"` is a bare Fastify app with one route, the floor
// every Weft figure is compared with.
import Fastify from 'fastify';
import { startServer } from '@weft/serve';
import { servePipelines } from '../fixtures/serve-pipelines.js';
import { benchStore } from './serve-store.js';
import { floorSse } from './serve-floor-sse.js';

interface ChildOptions {
  readonly kind: 'weft' | 'floor';
  readonly mode?: string;
  readonly pipelines?: number;
  readonly workers?: Readonly<Record<string, unknown>>;
}

const o = JSON.parse(process.argv[2] ?? '{}') as ChildOptions;
let close: () => Promise<void>;
let url: string;
if (o.kind === 'floor') {
  const app = Fastify({ logger: false });
  app.post('/floor', async (request) => ({
    runId: 'x',
    status: 'succeeded',
    output: (request.body as { input?: unknown }).input,
  }));
  app.get<{ Querystring: { n?: string; kind?: string } }>('/floor-sse', async (request, reply) => {
    reply.hijack();
    await floorSse(reply.raw, Number(request.query.n ?? 1), request.query.kind ?? 'first');
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  close = () => app.close();
} else {
  const server = await startServer({
    config: {
      orchestrationMode: o.mode ?? 'direct',
      orchestrators: { workers: { threads: 1, ...o.workers } },
      tenants: { '*': { maxActiveRuns: 100_000, startsPerMinute: 10_000_000, maxStreams: 10_000 } },
      limits: { sseHeartbeatMs: 60_000 },
    },
    pipelines: servePipelines(o.pipelines ?? 0),
    store: benchStore(),
    port: 0,
  });
  url = server.url!;
  close = () => server.close();
}
process.stdout.write(`${JSON.stringify({ url, readyMs: performance.now() })}\n`);
process.once('SIGTERM', () => void close().then(() => process.exit(0)));
