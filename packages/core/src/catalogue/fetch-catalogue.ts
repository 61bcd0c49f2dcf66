import type { Clock } from '../clock/clock.js';
import { WeftError } from '../errors/weft-error.js';

/** The part of `fetch` the catalogue uses; inject one in tests (or to add auth headers). */
export type FetchLike = (
  url: string,
  init: { readonly signal: AbortSignal; readonly headers: Readonly<Record<string, string>> },
) => Promise<{
  readonly ok: boolean;
  readonly status: number;
  readonly statusText: string;
  text(): Promise<string>;
}>;

/** How often and how patiently a catalogue fetch is retried. */
export interface CatalogueRetry {
  /** Attempts, the first included (default 3). */
  readonly attempts: number;
  /** Delay before the first retry (default 250 ms), multiplied by `factor` (2) per retry, capped at `maxDelayMs` (2000). */
  readonly initialDelayMs: number;
  readonly factor: number;
  readonly maxDelayMs: number;
  /** Fraction of each delay taken off at random (0–1, default 0.2). */
  readonly jitter: number;
  /** Time limit of one attempt (default 10 s): a silent network is a transient failure. */
  readonly timeoutMs: number;
}

/** Default retry policy of catalogue fetches. */
export const DEFAULT_CATALOGUE_RETRY: CatalogueRetry = {
  attempts: 3,
  initialDelayMs: 250,
  factor: 2,
  maxDelayMs: 2000,
  jitter: 0.2,
  timeoutMs: 10_000,
};

/** What one fetch with retries gives: the body, or the transient failure that exhausted the attempts. */
export type FetchOutcome =
  | { readonly ok: true; readonly text: string; readonly attempts: number }
  | {
      readonly ok: false;
      readonly reason: string;
      readonly attempts: number;
      readonly delaysMs: readonly number[];
    };

/** Options of `fetchCatalogueText`. */
export interface FetchCatalogueOptions {
  readonly fetch: FetchLike;
  /** Timers for backoff sleeps and attempt timeouts (a SimulatedClock in tests). */
  readonly clock: Clock;
  readonly retry?: Partial<CatalogueRetry>;
  /** Random source for jitter (default Math.random). */
  readonly random?: () => number;
}

/** Delay before retry number `n` (1 = the first retry): exponential, capped, minus jitter. Pure. */
export function catalogueBackoff(r: CatalogueRetry, n: number, random: () => number): number {
  const base = Math.min(r.maxDelayMs, r.initialDelayMs * r.factor ** Math.max(0, n - 1));
  return Math.max(0, Math.round(base - r.jitter * base * random()));
}

/** HTTP statuses worth retrying: the server or a proxy may answer properly in a moment. */
export function isTransientStatus(status: number): boolean {
  return status === 408 || status === 425 || status === 429 || (status >= 500 && status <= 599);
}

/** Describes a network error (`fetch failed` hides the real cause: ECONNREFUSED, ENOTFOUND, …). */
export function describeNetworkError(e: unknown): string {
  const err = e as { message?: unknown; cause?: { code?: unknown; message?: unknown } } | undefined;
  const cause = err?.cause;
  const code = typeof cause?.code === 'string' ? cause.code : undefined;
  const msg =
    typeof cause?.message === 'string'
      ? cause.message
      : typeof err?.message === 'string'
        ? err.message
        : String(e);
  return code && !msg.includes(code) ? `${code}: ${msg}` : msg;
}

/**
 * Fetches the text at `url`, retrying transient failures (network errors, attempt timeouts, HTTP
 * 408/425/429/5xx) with exponential backoff on the injected clock. A transient failure that outlasts
 * the attempts is returned (the caller may then use a cache); any other HTTP status is
 * CATALOGUE_FETCH_FAILED at once (a wrong URL or missing credentials is not fixed by waiting).
 * @example
 * const r = await fetchCatalogueText(url, { fetch: globalThis.fetch, clock: systemClock });
 */
export async function fetchCatalogueText(url: string, o: FetchCatalogueOptions): Promise<FetchOutcome> {
  const retry = { ...DEFAULT_CATALOGUE_RETRY, ...o.retry };
  const random = o.random ?? Math.random;
  const delaysMs: number[] = [];
  let reason = 'no attempt made';
  for (let attempt = 1; attempt <= Math.max(1, retry.attempts); attempt++) {
    if (attempt > 1) {
      const ms = catalogueBackoff(retry, attempt - 1, random);
      delaysMs.push(ms);
      await new Promise<void>((r) => o.clock.setTimeout(r, ms));
    }
    const r = await attemptOnce(url, o, retry.timeoutMs);
    if (r.kind === 'ok') return { ok: true, text: r.text, attempts: attempt };
    if (r.kind === 'fatal') {
      throw new WeftError(
        'CATALOGUE_FETCH_FAILED',
        `the catalogue server at ${url} answered HTTP ${r.status}${r.statusText ? ` ${r.statusText}` : ''}: check the catalogue URL (and any credentials it needs)`,
        {
          data: { url, status: r.status, attempts: attempt },
        },
      );
    }
    reason = r.reason;
  }
  return { ok: false, reason, attempts: Math.max(1, retry.attempts), delaysMs };
}

type Attempt =
  | { kind: 'ok'; text: string }
  | { kind: 'transient'; reason: string }
  | { kind: 'fatal'; status: number; statusText: string };

async function attemptOnce(url: string, o: FetchCatalogueOptions, timeoutMs: number): Promise<Attempt> {
  const controller = new AbortController();
  let timer: ReturnType<Clock['setTimeout']> | undefined;
  const timedOut = new Promise<Attempt>((resolve) => {
    timer = o.clock.setTimeout(() => {
      controller.abort();
      resolve({ kind: 'transient', reason: `no answer within ${timeoutMs} ms` });
    }, timeoutMs);
  });
  const work = (async (): Promise<Attempt> => {
    try {
      const res = await o.fetch(url, { signal: controller.signal, headers: { accept: 'application/json' } });
      if (res.ok) return { kind: 'ok', text: await res.text() };
      if (isTransientStatus(res.status))
        return {
          kind: 'transient',
          reason: `HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}`,
        };
      return { kind: 'fatal', status: res.status, statusText: res.statusText };
    } catch (e) {
      return { kind: 'transient', reason: describeNetworkError(e) };
    }
  })();
  try {
    return await Promise.race([work, timedOut]);
  } finally {
    if (timer) o.clock.clearTimeout(timer);
  }
}
