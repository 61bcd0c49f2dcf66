import { createEngine, pipeline, ephemeralStore } from '@weft/core';
import { memoryStore } from '@weft/store';
import { startServer } from './dist/index.js';
const one = pipeline('one').step('echo', (x) => x).build();
async function time(label, n, f) {
  for (let i = 0; i < 200; i++) await f(i);
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await f(i);
  const us = ((performance.now() - t0) / n) * 1000;
  console.log(label, us.toFixed(1), 'µs/op');
}
const N = 3000;
const e1 = createEngine({ store: ephemeralStore() });
await time('engine ephemeral', N, () => e1.execute(one, 7));
const e2 = createEngine({ store: memoryStore() });
await time('engine memoryStore', N, () => e2.execute(one, 7));
const s = await startServer({ store: memoryStore(), pipelines: [one], listen: false, config: { orchestrationMode: 'direct', tenants: { '*': { startsPerMinute: 10000000, maxActiveRuns: 100000 } } } });
await time('inject execute', N, () => s.app.inject({ method: 'POST', url: '/v1/execute', payload: { pipeline: 'one', input: 7 } }));
await time('inject health', N, () => s.app.inject({ method: 'GET', url: '/health' }));
await s.close();
