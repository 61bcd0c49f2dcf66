import { Packr } from 'msgpackr';
import { WeftError } from '../errors/weft-error.js';
import type { RunSnapshot } from '../runtime/snapshot.js';
import type { RunRecord, RunStore } from './run-store.js';

/**
 * The snapshot codec: msgpack keeping what crosses threads intact (Map, Set, Date, BigInt, typed
 * arrays, shared references), refusing functions instead of silently dropping them.
 */
const codec = new Packr({
  structuredClone: true,
  writeFunction: () => {
    throw new Error('a function cannot be persisted');
  },
});

/**
 * The default run store: in memory. Snapshots are stored msgpack-encoded, exactly as a durable
 * store would hold them, so a snapshot that cannot be persisted fails here too (NOT_SERIALIZABLE).
 * @example const engine = createEngine({ store: new MemoryRunStore() });
 */
export class MemoryRunStore implements RunStore {
  readonly #runs = new Map<string, RunRecord>();
  readonly #snapshots = new Map<string, Uint8Array>();

  async put(record: RunRecord): Promise<void> {
    this.#runs.set(record.runId, record);
  }

  async get(runId: string): Promise<RunRecord | undefined> {
    return this.#runs.get(runId);
  }

  async list(): Promise<RunRecord[]> {
    return [...this.#runs.values()];
  }

  async saveSnapshot(runId: string, snapshot: RunSnapshot): Promise<void> {
    try {
      // A copy: the codec's output is a view on its shared buffer.
      this.#snapshots.set(runId, Uint8Array.from(codec.pack(snapshot)));
    } catch (cause) {
      throw new WeftError(
        'NOT_SERIALIZABLE',
        `the snapshot of run ${runId} cannot be serialised: ${(cause as Error).message}`,
        { cause },
      );
    }
  }

  async loadSnapshot(runId: string): Promise<RunSnapshot | undefined> {
    const bytes = this.#snapshots.get(runId);
    return bytes === undefined ? undefined : (codec.unpack(bytes) as RunSnapshot);
  }

  async deleteSnapshot(runId: string): Promise<void> {
    this.#snapshots.delete(runId);
  }
}
