import { WeftError } from '../errors/weft-error.js';
import { didYouMean } from '../util/did-you-mean.js';
import { directEntry } from './direct.js';
import type { Orchestrator, OrchestratorContext, OrchestratorEntry } from './types.js';

/**
 * The orchestrator registry: orchestration modes are open tokens naming backends. `direct` is
 * always there; @weft/actors registers `workers`; plugins register their own.
 * @example
 * const registry = createRegistry();
 * registry.register(myPluginEntry);
 * const o = registry.create('direct', { services: {}, options: {} });
 */
export class OrchestratorRegistry {
  readonly #entries = new Map<string, OrchestratorEntry>();

  register(entry: OrchestratorEntry): this {
    if (typeof entry.name !== 'string' || !/^[a-z][a-z0-9-]*$/.test(entry.name)) {
      throw new WeftError(
        'OPTION_INVALID',
        `orchestrator name must be a lower-case token, got ${JSON.stringify(entry.name)}`,
      );
    }
    this.#entries.set(entry.name, entry);
    return this;
  }

  has(name: string): boolean {
    return this.#entries.has(name);
  }

  get(name: string): OrchestratorEntry {
    const e = this.#entries.get(name);
    if (!e) {
      const guess = didYouMean(name, this.#entries.keys());
      throw new WeftError(
        'ORCHESTRATOR_UNKNOWN',
        `unknown orchestration mode "${name}"; known: ${[...this.#entries.keys()].join(', ')}${guess ? ` (did you mean "${guess}"?)` : ''}`,
        {
          data: { name, known: [...this.#entries.keys()] },
        },
      );
    }
    return e;
  }

  list(): OrchestratorEntry[] {
    return [...this.#entries.values()];
  }

  create(name: string, ctx: OrchestratorContext): Orchestrator {
    return this.get(name).create(ctx);
  }
}

/** A registry with `direct` registered. */
export function createRegistry(): OrchestratorRegistry {
  return new OrchestratorRegistry().register(directEntry);
}
