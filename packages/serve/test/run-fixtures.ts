// Pipelines and servers for the tests that run pipelines (on `direct`: steps are closures on the
// main thread, so a test holds a step with a gate and releases it when it wants: no sleeps).
import { WeftError, pipeline, suspend, type Pipeline } from '@weft/core';
import type { Store } from '@weft/core/store';
import { memoryStore, type MemoryStoreOptions } from '@weft/store';
import { hashToken, startServer, type ServeOptions, type WeftServer } from '../src/index.js';

/** A gate a step waits at: `reached` resolves when a step arrives, `open()` lets every waiter go. */
export interface Gate {
  readonly reached: Promise<void>;
  /** How many steps arrived. */
  readonly arrivals: number;
  open(): void;
  /** Used by the step: marks the arrival and waits for `open()`, or rejects when `signal` aborts. */
  pass(signal: AbortSignal): Promise<void>;
}

/** A new closed gate. */
export function gate(): Gate {
  let arrived!: () => void;
  let open!: () => void;
  const reached = new Promise<void>((r) => (arrived = r));
  const opened = new Promise<void>((r) => (open = r));
  let arrivals = 0;
  return {
    reached,
    get arrivals() {
      return arrivals;
    },
    open,
    pass(signal) {
      arrivals++;
      arrived();
      return new Promise<void>((resolve, reject) => {
        if (signal.aborted) return reject(signal.reason as Error);
        signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true });
        void opened.then(resolve);
      });
    },
  };
}

/** Gates by name, made on first use: a `held` run waits at the gate its input names. */
export class Gates {
  readonly #gates = new Map<string, Gate>();
  get(name: string): Gate {
    let g = this.#gates.get(name);
    if (!g) this.#gates.set(name, (g = gate()));
    return g;
  }
}

/** `held`: one step that waits at the gate named by its input `{ gate }` (cancellable), then echoes the input. */
export function heldPipeline(gates: Gates, name = 'held'): Pipeline {
  return pipeline(name)
    .step('hold', async (x: { gate: string }, ctx) => {
      await gates.get(x.gate).pass(ctx.signal);
      return x;
    })
    .build();
}

/** `approve`: suspends for a human; resumed with a value, answers `{ total, answer }`. */
export const approvePipeline: Pipeline = pipeline('approve')
  .step('total', (xs: number[]) => xs.reduce((a, b) => a + b, 0), { to: 'review' })
  .step('review', (total: number, ctx) =>
    ctx.resume === undefined ? suspend('approve the total', { total }) : { total, answer: ctx.resume },
  )
  .build();

/** `boom`: its only step fails with a coded error. */
export const boomPipeline: Pipeline = pipeline('boom')
  .step('explode', () => {
    throw new WeftError('STEP_FAILED', 'it went boom', { data: { why: 'on purpose' } });
  })
  .build();

/** `words`: streams `n` tokens (`w0`, `w1`...) from one step, then returns how many. */
export const wordsPipeline: Pipeline = pipeline('words')
  .step('speak', async function* (n: number) {
    for (let i = 0; i < n; i++) yield `w${i}`;
    return n;
  })
  .build();

/** Bearer tokens of the tests: two tenants with every scope, a reader, a writer, and a tenant with tight quotas. */
export const TOKENS = {
  acme: 'acme-token',
  other: 'other-token',
  reader: 'reader-token',
  tiny: 'tiny-token',
  writer: 'writer-token',
} as const;

/** The auth section that knows {@link TOKENS}. */
export const auth = {
  tokens: [
    { name: 'acme-admin', sha256: hashToken(TOKENS.acme), tenant: 'acme', scopes: ['admin' as const] },
    { name: 'other-admin', sha256: hashToken(TOKENS.other), tenant: 'other', scopes: ['admin' as const] },
    {
      name: 'acme-reader',
      sha256: hashToken(TOKENS.reader),
      tenant: 'acme',
      scopes: ['runs:read' as const, 'pipelines:read' as const],
    },
    { name: 'tiny-admin', sha256: hashToken(TOKENS.tiny), tenant: 'tiny', scopes: ['admin' as const] },
    {
      name: 'acme-writer',
      sha256: hashToken(TOKENS.writer),
      tenant: 'acme',
      scopes: ['runs:write' as const],
    },
  ],
};

/** The authorization header of a token of {@link TOKENS}. */
export const bearer = (who: keyof typeof TOKENS): { authorization: string } => ({
  authorization: `Bearer ${TOKENS[who]}`,
});

/** A service on `direct` with a memory store; not listening unless `listen: true`. */
export async function runServer(
  o: ServeOptions & { store?: Store; memory?: MemoryStoreOptions } = {},
): Promise<WeftServer & { store: Store }> {
  const store = o.store ?? memoryStore(o.memory ?? {});
  const s = await startServer({
    listen: false,
    ...o,
    store,
    config: { orchestrationMode: 'direct', ...o.config },
  });
  return Object.assign(s, { store });
}
