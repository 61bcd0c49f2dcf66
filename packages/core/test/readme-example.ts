// The main example of packages/core/README.md ("A first pipeline"). Everything between the two
// markers is the README's code block, word for word, except the import path; readme.test.ts checks
// that they still match, and runs this module.
// README-EXAMPLE-START
import { createEngine, pipeline, reducers, retry, update } from '../src/index.js';

interface Doc {
  readonly id: string;
  readonly kind: 'article' | 'note';
  readonly body: string;
}

export const ingest = pipeline<Doc[], { words: number; kinds: string[] }>('ingest', {
  module: import.meta.url, // steps are found by module and name, in any thread
  state: { words: reducers.sum(0), kinds: reducers.union<string>() },
})
  // Fan out: both successors run when `load` ends.
  .step('load', (docs: Doc[]) => docs.filter((d) => d.body.length > 0), { to: ['count', 'classify'] })
  // A map: once per item, at most 4 at a time, results in input order; each item may retry.
  .map(
    'count',
    (doc: Doc, ctx) =>
      ctx.attempt === 1 && doc.id === 'flaky' ? retry('warming up') : doc.body.split(/\s+/).length,
    {
      to: 'report',
      concurrency: 4,
      retry: { attempts: 2, initialDelayMs: 10 },
    },
  )
  // update() merges into the run state through each key's reducer.
  .step('classify', (docs: Doc[]) => update({ kinds: docs.map((d) => d.kind) }, docs.length), {
    to: 'report',
  })
  // A join (two static parents): it waits for both and receives { count, classify }.
  .step('report', ({ count, classify }: { count: number[]; classify: number }) => {
    const words = count.reduce((a, b) => a + b, 0);
    return update({ words }, `${classify} documents, ${words} words`);
  })
  .build();

const docs: Doc[] = [
  { id: 'a', kind: 'article', body: 'weft runs pipelines' },
  { id: 'flaky', kind: 'note', body: 'retried once' },
  { id: 'empty', kind: 'note', body: '' },
];

const engine = createEngine(); // the `direct` orchestrator: in process, on the main thread
const run = engine.start(ingest, docs);
const ended: string[] = [];
for await (const event of run.events()) if (event.type === 'step.end') ended.push(event.step);
const result = await run.result;
// result.status === 'succeeded'
// result.output === '2 documents, 5 words'
// result.state  → { words: 5, kinds: ['article', 'note'] }
// ended        → ['load', 'classify', 'count', 'report'] (count ends when its last item does)
await engine.close();
// README-EXAMPLE-END

export { docs, ended, result };
