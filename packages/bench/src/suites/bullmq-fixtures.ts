// Pipelines of the bullmq suites. Module-addressed and free of side effects: the `weft worker`
// processes import this module (from dist/, under the bench package as their code root).
import { pipeline, type StepContext } from '@weft/core';

/** One trivial step. */
export const trivialStep = pipeline<number>('bullmq-trivial-step', { module: import.meta.url })
  .step('plus', (x: number) => x + 1)
  .build();

/** Ten trivial steps one after the other (the dispatch of a step inside a run). */
export const trivialChain = (() => {
  let b = pipeline<number>('bullmq-trivial-chain', { module: import.meta.url });
  for (let i = 0; i < 10; i++) b = b.step(`s${i}`, (x: number) => x + 1, i < 9 ? { to: `s${i + 1}` } : {});
  return b.build();
})();

/** A map of trivial items. */
export const trivialMap = pipeline<number[]>('bullmq-trivial-map', { module: import.meta.url })
  .map('plus', (x: number) => x + 1)
  .build();

/** A map of CPU items of `ms` milliseconds each (a busy loop on the worker's thread). */
export const cpuMap = pipeline<number[]>('bullmq-cpu-map', { module: import.meta.url })
  .map(
    'burn',
    (ms: number) => {
      const end = performance.now() + ms;
      let h = 0;
      while (performance.now() < end) h = (h + 1) | 0;
      return h & 1;
    },
    { chunkSize: 4 },
  )
  .build();

/** A CPU loop that stops when cancelled; it tells the coordinator it began through a host call. */
export const cancellable = pipeline<null>('bullmq-cancellable', { module: import.meta.url })
  .step('loop', async (_x: null, ctx: StepContext) => {
    await (ctx.host as { bench: { began(pid: number): Promise<void> } }).bench.began(process.pid);
    let n = 0;
    while (!ctx.cancelled) n++;
    return n;
  })
  .build();

/** A step that runs `ms` then answers; a stall benchmark kills the worker in the middle. */
export const slow = pipeline<number>('bullmq-slow', { module: import.meta.url })
  .step('slow', async (ms: number, ctx: StepContext) => {
    await (ctx.host as { bench: { began(pid: number): Promise<void> } }).bench.began(process.pid);
    const end = Date.now() + ms;
    while (Date.now() < end);
    return process.pid;
  })
  .build();
