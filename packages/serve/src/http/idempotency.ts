import { createHash } from 'node:crypto';
import { WeftError, type Clock } from '@weft/core';

/** An answer to replay: status, headers and body. */
export interface StoredAnswer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: unknown;
}

interface Entry {
  readonly bodyHash: string;
  readonly answer: Promise<StoredAnswer>;
  expires: number;
}

/**
 * `Idempotency-Key` (IETF httpapi draft): the same key with the same body gets the first answer
 * again (same run, same status), even while the first request is still running; the same key with
 * another body is 409 IDEMPOTENCY_CONFLICT. Keys are scoped by tenant and route. Only successful
 * answers are kept: a request refused (429, 503...) may be retried with its key. Kept in memory for
 * `ttlMs`, at most `maxKeys` (oldest dropped first).
 */
export class IdempotencyCache {
  readonly #entries = new Map<string, Entry>();
  readonly #clock: Clock;
  readonly #ttlMs: number;
  readonly #maxKeys: number;

  constructor(clock: Clock, ttlMs: number, maxKeys: number) {
    this.#clock = clock;
    this.#ttlMs = ttlMs;
    this.#maxKeys = maxKeys;
  }

  /** Answers with `produce()` once per (scope, key); replays or refuses after. */
  async run(
    scope: string,
    key: string,
    body: unknown,
    produce: () => Promise<StoredAnswer>,
  ): Promise<StoredAnswer & { readonly replayed: boolean }> {
    if (!/^[\x21-\x7e]{1,255}$/.test(key)) {
      throw new WeftError('REQUEST_INVALID', 'Idempotency-Key must be 1–255 visible ASCII characters', {
        data: { errors: [{ pointer: '/headers/idempotency-key', message: 'invalid key' }] },
      });
    }
    const now = this.#clock.now();
    const id = `${scope}\u0000${key}`;
    const bodyHash = createHash('sha256').update(canonical(body)).digest('hex');
    const found = this.#entries.get(id);
    if (found && found.expires > now) {
      if (found.bodyHash !== bodyHash) {
        throw new WeftError(
          'IDEMPOTENCY_CONFLICT',
          `Idempotency-Key "${key}" was used with another request body; use a new key for a new request`,
          { data: { key } },
        );
      }
      return { ...(await found.answer), replayed: true };
    }
    const answer = produce();
    const entry: Entry = { bodyHash, answer, expires: now + this.#ttlMs };
    this.#entries.delete(id);
    this.#entries.set(id, entry);
    this.#evict(now);
    try {
      const a = await answer;
      if (a.status >= 300 && this.#entries.get(id) === entry) this.#entries.delete(id);
      return { ...a, replayed: false };
    } catch (e) {
      if (this.#entries.get(id) === entry) this.#entries.delete(id);
      throw e;
    }
  }

  #evict(now: number): void {
    for (const [k, e] of this.#entries) {
      if (this.#entries.size <= this.#maxKeys && e.expires > now) break;
      this.#entries.delete(k);
    }
  }
}

/** JSON with object keys sorted, so that key order does not make two bodies differ. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}
