import { WeftError, type Clock } from '@weft/core';
import type { TenantLimits } from '../config/resolve-config.js';

const MINUTE = 60_000;

interface Usage {
  active: number;
  streams: number;
  /** Start times within the last minute, oldest first. */
  starts: number[];
}

/** Gives back what an admission took. Idempotent. */
export type Release = () => void;

/**
 * Per-tenant quotas: active runs, starts per rolling minute and open streams. Over a quota the
 * answer is QUOTA_EXCEEDED (429) with `retryAfter` seconds: when the oldest start leaves the minute
 * for the rate, 1 s for counts (no way to know when a run ends). The tenant of a service without
 * auth is `null`, one shared budget.
 * @example
 * const release = quotas.admitRun('acme'); // throws QUOTA_EXCEEDED when over
 * run.result.finally(release);
 */
export class TenantQuotas {
  readonly #default: TenantLimits;
  readonly #named: Readonly<Record<string, TenantLimits>>;
  readonly #clock: Clock;
  readonly #usage = new Map<string | null, Usage>();

  constructor(
    limits: { readonly default: TenantLimits; readonly named: Readonly<Record<string, TenantLimits>> },
    clock: Clock,
  ) {
    this.#default = limits.default;
    this.#named = limits.named;
    this.#clock = clock;
  }

  /** The limits of a tenant. */
  limits(tenant: string | null): TenantLimits {
    return (tenant !== null ? this.#named[tenant] : undefined) ?? this.#default;
  }

  /** Admits a new run (or a resume): one more active run, one more start this minute. */
  admitRun(tenant: string | null): Release {
    const l = this.limits(tenant);
    const u = this.#of(tenant);
    const now = this.#clock.now();
    while (u.starts.length > 0 && u.starts[0]! <= now - MINUTE) u.starts.shift();
    if (u.active >= l.maxActiveRuns) throw quota(tenant, 'maxActiveRuns', l.maxActiveRuns, 1);
    if (u.starts.length >= l.startsPerMinute) {
      const wait = Math.max(1, Math.ceil((u.starts[0]! + MINUTE - now) / 1000));
      throw quota(tenant, 'startsPerMinute', l.startsPerMinute, wait);
    }
    u.active++;
    u.starts.push(now);
    return once(() => void u.active--);
  }

  /** Admits a new SSE connection. */
  openStream(tenant: string | null): Release {
    const l = this.limits(tenant);
    const u = this.#of(tenant);
    if (u.streams >= l.maxStreams) throw quota(tenant, 'maxStreams', l.maxStreams, 1);
    u.streams++;
    return once(() => void u.streams--);
  }

  /** What a tenant uses now (tests, `/ready`). */
  usage(tenant: string | null): {
    readonly active: number;
    readonly streams: number;
    readonly startsLastMinute: number;
  } {
    const u = this.#of(tenant);
    const now = this.#clock.now();
    return {
      active: u.active,
      streams: u.streams,
      startsLastMinute: u.starts.filter((t) => t > now - MINUTE).length,
    };
  }

  #of(tenant: string | null): Usage {
    let u = this.#usage.get(tenant);
    if (!u) {
      u = { active: 0, streams: 0, starts: [] };
      this.#usage.set(tenant, u);
    }
    return u;
  }
}

function quota(
  tenant: string | null,
  name: keyof TenantLimits,
  limit: number,
  retryAfter: number,
): WeftError {
  return new WeftError(
    'QUOTA_EXCEEDED',
    `${tenant === null ? 'the service' : `tenant "${tenant}"`} is at its quota ${name} = ${limit}; retry after ${retryAfter} s`,
    { data: { quota: name, limit, retryAfter } },
  );
}

function once(fn: () => void): Release {
  let done = false;
  return () => {
    if (done) return;
    done = true;
    fn();
  };
}
