// Pipelines and kernels of the actors suites. Module-addressed (`module: import.meta.url`) and free of
// side effects, so that a worker imports this module (from dist/) and finds every step by name.
import { pipeline, type StepContext } from '@weft/core';

/** A pure-JS CPU kernel (FNV-style Math.imul hash loop), as in shared/research/perf.md. */
export function spin(iterations: number, seed = 0): number {
  let h = 0x811c9dc5 ^ seed;
  for (let i = 0; i < iterations; i++) h = Math.imul(h ^ i, 16777619);
  return h >>> 0;
}

/** One CPU-bound item: `iterations` rounds of the kernel. */
export interface CpuItem {
  readonly seed: number;
  readonly iterations: number;
}

/** A map of CPU-bound items. */
export const cpuMap = pipeline<CpuItem[]>('actors-cpu-map', { module: import.meta.url })
  .map('hash', (x: CpuItem) => spin(x.iterations, x.seed))
  .build();

/** A map of trivial items. */
export const trivialMap = pipeline<number[]>('actors-trivial-map', { module: import.meta.url })
  .map('plus', (x: number) => x + 1)
  .build();

/** `n` short string tokens from a sync generator. */
export const syncTokens = pipeline<number>('actors-sync-tokens', { module: import.meta.url })
  .step('gen', function* (n: number) {
    for (let i = 0; i < n; i++) yield TOKENS[i & 7]!;
    return n;
  })
  .build();

/** `n` short string tokens from an async generator. */
export const asyncTokens = pipeline<number>('actors-async-tokens', { module: import.meta.url })
  .step('gen', async function* (n: number) {
    for (let i = 0; i < n; i++) yield TOKENS[i & 7]!;
    return n;
  })
  .build();

const TOKENS = ['the', ' quick', ' brown', ' fox', ' jumps', ' over', ' the', ' dog'];

/** A CPU loop that polls its cancellation flag every 1,000 rounds (~2 µs), as a well-behaved step does. */
export const cancellable = pipeline('actors-cancellable', { module: import.meta.url })
  .step('loop', (_x: unknown, ctx: StepContext) => {
    let h = 0;
    for (;;) {
      for (let i = 0; i < 1000; i++) h = Math.imul(h ^ i, 16777619);
      if (ctx.cancelled) break;
    }
    ctx.throwIfCancelled();
    return h;
  })
  // Pinned to the workers: it measures the next task on the same worker, however cheap.
  .step('tiny', (x: number) => x + 1, { placement: 'worker' })
  .build();

/**
 * Returns its input: a round trip of the payload through the message path. Pinned to the workers:
 * the step itself costs nothing, so `workers` would otherwise run it on the main thread (no message
 * at all, which is what a user wants, but not what this measures).
 */
export const echo = pipeline('actors-echo', { module: import.meta.url })
  .step('echo', (x: unknown) => x, { placement: 'worker' })
  .build();

/** Records like perf.md's exp 2: `{ id, name, score, active, tags }`. */
export function records(
  count: number,
): { id: number; name: string; score: number; active: boolean; tags: string[] }[] {
  return Array.from({ length: count }, (_, i) => ({
    id: i,
    name: `record-${i}`,
    score: i * 1.5,
    active: i % 2 === 0,
    tags: ['a', `t${i % 7}`],
  }));
}
