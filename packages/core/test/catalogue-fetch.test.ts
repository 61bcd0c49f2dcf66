// Fetching with retries on a simulated clock: no test waits on real time.
import { describe, expect, it } from 'vitest';
import { SimulatedClock, isWeftError } from '../src/index.js';
import {
  DEFAULT_CATALOGUE_RETRY,
  catalogueBackoff,
  describeNetworkError,
  fetchCatalogueText,
  isTransientStatus,
  type FetchLike,
} from '../src/catalogue/index.js';

const URL_ = 'https://catalogue.test/weft.json';

type Answer = { status: number; body?: string } | 'refused' | 'hang' | 'reset-body';

/** A scripted fetch: one answer per call (the last repeats), recording the simulated time of each call. */
function scripted(
  clock: SimulatedClock,
  answers: Answer[],
): FetchLike & { calls: number[]; signals: AbortSignal[] } {
  const calls: number[] = [];
  const signals: AbortSignal[] = [];
  const f = async (_url: string, init: { signal: AbortSignal }) => {
    calls.push(clock.now());
    signals.push(init.signal);
    const a = answers[Math.min(calls.length - 1, answers.length - 1)]!;
    if (a === 'refused')
      throw Object.assign(new TypeError('fetch failed'), {
        cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' }),
      });
    if (a === 'hang') return new Promise<never>(() => {});
    if (a === 'reset-body')
      return {
        ok: true,
        status: 200,
        statusText: 'OK',
        text: () => Promise.reject(new TypeError('terminated')),
      };
    return {
      ok: a.status >= 200 && a.status < 300,
      status: a.status,
      statusText: a.status === 503 ? 'Service Unavailable' : '',
      text: async () => a.body ?? '',
    };
  };
  return Object.assign(f, { calls, signals });
}

/** Starts `work` and drives the simulated clock until it settles. */
async function drive<T>(clock: SimulatedClock, work: Promise<T>): Promise<T> {
  let outcome: { ok: true; value: T } | { ok: false; error: unknown } | undefined;
  work.then(
    (value) => (outcome = { ok: true, value }),
    (error: unknown) => (outcome = { ok: false, error }),
  );
  while (!outcome) {
    const at = clock.nextAt();
    await clock.advance(at === undefined ? 0 : at - clock.now());
  }
  if (!outcome.ok) throw outcome.error;
  return outcome.value;
}

const noJitter = () => 0;

describe('fetchCatalogueText', () => {
  it('returns the body of the first successful attempt, with no timer left behind', async () => {
    const clock = new SimulatedClock();
    const f = scripted(clock, [{ status: 200, body: '{"ok":1}' }]);
    expect(await drive(clock, fetchCatalogueText(URL_, { fetch: f, clock }))).toEqual({
      ok: true,
      text: '{"ok":1}',
      attempts: 1,
    });
    expect(f.calls).toEqual([0]);
    expect(clock.pending).toBe(0);
  });

  it('retries network errors and 5xx with exponential backoff on the clock, then succeeds', async () => {
    const clock = new SimulatedClock();
    const f = scripted(clock, ['refused', { status: 503 }, { status: 200, body: 'x' }]);
    const r = await drive(clock, fetchCatalogueText(URL_, { fetch: f, clock, random: noJitter }));
    expect(r).toEqual({ ok: true, text: 'x', attempts: 3 });
    expect(f.calls).toEqual([0, 250, 750]);
  });

  it('gives up after the attempts with the last transient reason and the delays it waited', async () => {
    const clock = new SimulatedClock();
    const f = scripted(clock, ['refused']);
    const r = await drive(
      clock,
      fetchCatalogueText(URL_, {
        fetch: f,
        clock,
        random: noJitter,
        retry: { attempts: 4, initialDelayMs: 100, factor: 3, maxDelayMs: 500 },
      }),
    );
    expect(r).toEqual({
      ok: false,
      reason: 'connect ECONNREFUSED 127.0.0.1:9',
      attempts: 4,
      delaysMs: [100, 300, 500],
    });
    expect(f.calls).toEqual([0, 100, 400, 900]);
  });

  it('times out a silent attempt on the clock (aborting it) and retries', async () => {
    const clock = new SimulatedClock();
    const f = scripted(clock, ['hang', { status: 200, body: 'late but fine' }]);
    const r = await drive(
      clock,
      fetchCatalogueText(URL_, { fetch: f, clock, random: noJitter, retry: { timeoutMs: 1000 } }),
    );
    expect(r).toEqual({ ok: true, text: 'late but fine', attempts: 2 });
    expect(f.calls).toEqual([0, 1250]);
    expect(f.signals[0]!.aborted).toBe(true);
    expect(f.signals[1]!.aborted).toBe(false);
  });

  it('a body cut off mid-way is transient too', async () => {
    const clock = new SimulatedClock();
    const f = scripted(clock, ['reset-body']);
    const r = await drive(
      clock,
      fetchCatalogueText(URL_, { fetch: f, clock, random: noJitter, retry: { attempts: 2 } }),
    );
    expect(r).toMatchObject({ ok: false, reason: 'terminated', attempts: 2 });
  });

  it('a refusing server (404, 401, 403) is CATALOGUE_FETCH_FAILED at once, without retries', async () => {
    for (const status of [404, 401, 403, 410]) {
      const clock = new SimulatedClock();
      const f = scripted(clock, [{ status }]);
      const err = await drive(clock, fetchCatalogueText(URL_, { fetch: f, clock })).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(isWeftError(err) && err.code, String(status)).toBe('CATALOGUE_FETCH_FAILED');
      expect((err as Error).message).toContain(`HTTP ${status}`);
      expect(f.calls).toHaveLength(1);
    }
  });
});

describe('backoff and classification', () => {
  it('grows by the factor, caps, and takes jitter off the delay', () => {
    const r = DEFAULT_CATALOGUE_RETRY;
    expect([1, 2, 3, 4, 5].map((n) => catalogueBackoff(r, n, noJitter))).toEqual([
      250, 500, 1000, 2000, 2000,
    ]);
    expect(catalogueBackoff(r, 1, () => 1)).toBe(200);
    expect(catalogueBackoff(r, 5, () => 0.5)).toBe(1800);
  });

  it('retries 408, 425, 429 and 5xx only', () => {
    expect([408, 425, 429, 500, 502, 503, 504, 599].every(isTransientStatus)).toBe(true);
    expect([200, 301, 400, 401, 403, 404, 410, 600].some(isTransientStatus)).toBe(false);
  });

  it('describes the hidden cause of "fetch failed"', () => {
    const e = Object.assign(new TypeError('fetch failed'), {
      cause: Object.assign(new Error('getaddrinfo ENOTFOUND catalogue.test'), { code: 'ENOTFOUND' }),
    });
    expect(describeNetworkError(e)).toBe('getaddrinfo ENOTFOUND catalogue.test');
    expect(
      describeNetworkError(
        Object.assign(new TypeError('fetch failed'), {
          cause: Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }),
        }),
      ),
    ).toBe('ECONNRESET: socket hang up');
    expect(describeNetworkError(new Error('plain'))).toBe('plain');
    expect(describeNetworkError('odd')).toBe('odd');
  });
});
