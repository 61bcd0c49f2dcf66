import { WeftError } from '@weft/core';
import type { Lock, Locks, Owner } from '@weft/core/store';

/** Says whether an owner still holds its claims (pid + start time, lease). */
export type Alive = (owner: Owner) => boolean;

/** What a lock held by someone else looks like in LOCK_HELD. */
export function heldError(purpose: string, name: string, holder: Owner, since?: number): WeftError {
  const at = since !== undefined ? ` since ${new Date(since).toISOString()}` : '';
  return new WeftError(
    'LOCK_HELD',
    `${purpose} is locked by pid ${holder.pid} on ${holder.host} (${holder.id})${at}`,
    { data: { name, holder } },
  );
}

/** Exclusive locks of one memory store (any process-wide owner semantics come from `alive`). */
export class LockTable implements Locks {
  readonly #held = new Map<string, { holder: Owner; token: object }>();
  readonly #alive: Alive;

  constructor(alive: Alive) {
    this.#alive = alive;
  }

  acquire(name: string, owner: Owner, purpose: string): Lock {
    const cur = this.#held.get(name);
    if (cur && this.#alive(cur.holder)) throw heldError(purpose, name, cur.holder);
    const token = {};
    this.#held.set(name, { holder: owner, token });
    let held = true;
    return {
      name,
      holder: owner,
      release: () => {
        if (!held) return;
        held = false;
        if (this.#held.get(name)?.token === token) this.#held.delete(name);
      },
    };
  }
}
