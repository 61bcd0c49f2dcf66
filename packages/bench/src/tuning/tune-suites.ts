// The three measurements behind a tuning profile, as suites of the ordinary runner (so they get
// its medians, rotation and table): pool size, map chunk size, codec threshold.
import type { Engine } from '@weft/core';
import { bytesOut, plusOne } from '../fixtures/peers.js';
import { cpuMap, spin, type CpuItem } from '../suites/actors-fixtures.js';
import { calibrate, warm, workersEngine } from '../suites/actors-shared.js';
import { expectOutput } from '../suites/shared.js';
import type { BenchCase, Suite } from '../suite.js';

/** The pool sizes worth trying on a machine with `cores` cores. */
export function threadCandidates(cores: number, smoke: boolean): number[] {
  if (smoke) return [1, 2];
  return [...new Set([1, Math.max(1, Math.floor(cores / 2)), cores, cores + 1])].sort((a, b) => a - b);
}

/** Chunk sizes tried (items per task). */
export function chunkCandidates(smoke: boolean): number[] {
  return smoke ? [64, 256] : [64, 256, 1024, 4096];
}

/** Binary output sizes tried for the codec threshold, bytes. */
export function codecSizes(smoke: boolean): number[] {
  return smoke ? [1024, 65_536] : [4096, 16_384, 65_536, 262_144, 1_048_576];
}

/** Case name of a candidate, e.g. `threads 2`, `chunk 256`, `copy 64 KB`. */
export const caseName = {
  threads: (t: number) => `threads ${t}`,
  chunk: (c: number) => `chunk ${c}`,
  copy: (b: number) => `copy ${kb(b)}`,
  transfer: (b: number) => `transfer ${kb(b)}`,
};

/** Bytes as `4 KB`, `1 MB`. */
export function kb(bytes: number): string {
  return bytes >= 1 << 20 ? `${bytes / (1 << 20)} MB` : `${bytes / 1024} KB`;
}

async function withEngines<T extends string | number>(
  keys: readonly T[],
  make: (k: T) => Engine,
  prime: (e: Engine) => Promise<unknown>,
): Promise<Map<T, Engine>> {
  const engines = new Map<T, Engine>();
  try {
    for (const k of keys) {
      const e = make(k);
      engines.set(k, e);
      await warm(e, () => prime(e), 2);
    }
  } catch (e) {
    await Promise.all([...engines.values()].map((x) => x.close()));
    throw e;
  }
  return engines;
}

const closeAll = async (engines: Map<unknown, Engine>): Promise<void> =>
  void (await Promise.all([...engines.values()].map((e) => e.close())));

/** Pool size: a CPU-bound map (64 items of ~200 µs) on pools of each candidate size. */
export function threadsSuite(cores: number): Suite {
  return {
    name: 'tune-threads',
    description: 'pool size: a 64-item map of ~200 µs CPU-bound items on pools of each size',
    async setup({ smoke }) {
      const iterations = smoke ? 1000 : calibrate(200);
      const items: CpuItem[] = Array.from({ length: smoke ? 8 : 64 }, (_, seed) => ({ seed, iterations }));
      const expected = items.map((x) => spin(x.iterations, x.seed));
      const ok = (out: number[]): boolean => out.every((v, i) => v === expected[i]);
      const candidates = threadCandidates(cores, smoke);
      const engines = await withEngines(
        candidates,
        (t) => workersEngine({ threads: t }),
        (e) => e.execute(cpuMap, items.slice(0, 4)),
      );
      const cases: BenchCase[] = candidates.map((t) => ({
        name: caseName.threads(t),
        units: items.length,
        run: async () =>
          expectOutput(await engines.get(t)!.execute<number[]>(cpuMap, items), ok, caseName.threads(t)),
      }));
      return {
        unit: 'item',
        baseline: cases[0]!.name,
        params: { items: items.length, iterationsPerItem: iterations },
        cases,
        teardown: () => closeAll(engines),
      };
    },
  };
}

/** Chunk size: a large map of trivial items plus one of ~5 µs items (the dispatch-bound maps chunking is for). */
export function chunkSuite(threads: number): Suite {
  return {
    name: 'tune-chunk',
    description: `map chunk size: 50,000 trivial items plus 10,000 items of ~5 µs per call, on ${threads} threads`,
    async setup({ smoke }) {
      const trivial = Array.from({ length: smoke ? 500 : 50_000 }, (_, i) => i);
      const iterations = smoke ? 100 : calibrate(5);
      const small: CpuItem[] = Array.from({ length: smoke ? 100 : 10_000 }, (_, seed) => ({
        seed,
        iterations,
      }));
      const candidates = chunkCandidates(smoke);
      const engines = await withEngines(
        candidates,
        (c) => workersEngine({ threads, chunkSize: c }),
        (e) => e.execute(plusOne, trivial.slice(0, 1000)),
      );
      const units = trivial.length + small.length;
      const cases: BenchCase[] = candidates.map((c) => ({
        name: caseName.chunk(c),
        units,
        async run() {
          const e = engines.get(c)!;
          expectOutput(
            await e.execute<number[]>(plusOne, trivial),
            (out) => out.length === trivial.length && out[trivial.length - 1] === trivial.length,
            caseName.chunk(c),
          );
          expectOutput(
            await e.execute<number[]>(cpuMap, small),
            (out) => out.length === small.length,
            caseName.chunk(c),
          );
        },
      }));
      return {
        unit: 'item',
        baseline: cases[0]!.name,
        params: { trivialItems: trivial.length, smallItems: small.length, threads },
        cases,
        teardown: () => closeAll(engines),
      };
    },
  };
}

/** Codec threshold: a step returning N bytes, encoded into the message (copy) or transferred, for each N. */
export function codecSuite(): Suite {
  return {
    name: 'tune-codec',
    description:
      'codec threshold: a step returning a binary output of each size, copied through the msgpack frame vs transferred',
    async setup({ smoke }) {
      const sizes = codecSizes(smoke);
      const modes = ['copy', 'transfer'] as const;
      const engines = await withEngines(
        modes,
        (m) => workersEngine({ threads: 1, transferThreshold: m === 'copy' ? Number.MAX_SAFE_INTEGER : 0 }),
        (e) => e.execute(bytesOut, 1024),
      );
      const cases: BenchCase[] = sizes.flatMap((bytes) =>
        modes.map((m) => ({
          name: caseName[m](bytes),
          units: 1,
          run: async () =>
            expectOutput(
              await engines.get(m)!.execute<Uint8Array>(bytesOut, bytes),
              (out) => out.byteLength === bytes && out[bytes - 1] === 7,
              caseName[m](bytes),
            ),
        })),
      );
      return {
        unit: 'call',
        baseline: cases[0]!.name,
        params: { sizes: sizes.map(kb).join(' '), threads: 1 },
        cases,
        teardown: () => closeAll(engines),
      };
    },
  };
}
