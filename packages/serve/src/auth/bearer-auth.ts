import { createHash, timingSafeEqual } from 'node:crypto';
import { WeftError } from '@weft/core';
import type { Scope } from '../config/config-schema.js';
import type { TokenEntry } from '../config/resolve-config.js';

/** Who is asking: the tenant their runs belong to and what they may do. */
export interface Principal {
  /** The token's name (or `anonymous` without auth): recorded in the audit log. */
  readonly name: string;
  /** Null without auth: every run is visible. */
  readonly tenant: string | null;
  readonly scopes: ReadonlySet<Scope>;
}

/** The principal of a service without auth (it listens on loopback only). */
export const ANONYMOUS: Principal = {
  name: 'anonymous',
  tenant: null,
  scopes: new Set<Scope>(['admin']),
};

/** SHA-256 of a token, hex: what the configuration stores (`weft serve` never keeps tokens). */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/**
 * Bearer-token authentication. Tokens are kept as SHA-256 digests; a presented token is hashed and
 * compared with every configured digest in constant time (no early exit, so the time does not say
 * which entry, or how much of one, matched).
 * @example
 * const auth = new BearerAuth([{ sha256: hashToken('s3cret'), tenant: 'acme', scopes: ['runs:read'] }]);
 * auth.authenticate('Bearer s3cret').tenant; // 'acme'
 */
export class BearerAuth {
  readonly #entries: readonly { digest: Buffer; principal: Principal }[];

  constructor(tokens: readonly TokenEntry[]) {
    this.#entries = tokens.map((t, i) => ({
      digest: Buffer.from(t.sha256, 'hex'),
      principal: { name: t.name ?? `token-${i + 1}`, tenant: t.tenant, scopes: new Set(t.scopes) },
    }));
  }

  /** The principal of an `Authorization` header; UNAUTHORIZED when it is missing, malformed or unknown. */
  authenticate(header: string | undefined): Principal {
    const m = header === undefined ? null : /^Bearer ([\x21-\x7e]{1,4096})$/i.exec(header);
    if (!m) {
      throw new WeftError(
        'UNAUTHORIZED',
        header === undefined
          ? 'this service needs a bearer token: send Authorization: Bearer <token>'
          : 'the Authorization header must be "Bearer <token>"',
      );
    }
    const digest = createHash('sha256').update(m[1]!, 'utf8').digest();
    let found: Principal | undefined;
    for (const e of this.#entries) if (timingSafeEqual(e.digest, digest)) found ??= e.principal;
    if (!found) throw new WeftError('UNAUTHORIZED', 'unknown bearer token');
    return found;
  }
}

/** FORBIDDEN unless the principal holds `scope` (or `admin`). */
export function requireScope(p: Principal, scope: Scope): void {
  if (p.scopes.has(scope) || p.scopes.has('admin')) return;
  throw new WeftError('FORBIDDEN', `this token lacks the scope "${scope}" that the route needs`, {
    data: { scope },
  });
}

/** True when the principal may see a run of `tenant` (another tenant's run answers 404, not 403). */
export function canSee(p: Principal, tenant: string | null | undefined): boolean {
  return p.tenant === null || p.tenant === (tenant ?? null);
}
