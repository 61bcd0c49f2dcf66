import type { RunEvent } from '@weft/core';
import { memoryStore, openStore, type Store } from '@weft/store';
import type { Suite } from '../suite.js';
import { mapItemEvents, tempDirs } from './store-shared.js';

const EVENTS = 100_000;
const BATCH = 1024;

/** Appends `events` to a new run in batches of {@link BATCH}. */
async function appendAll(store: Store, runId: string, events: readonly RunEvent[]): Promise<void> {
  for (let i = 0; i < events.length; i += BATCH) await store.events.append(runId, events.slice(i, i + BATCH));
  if ((await store.events.lastId(runId)) !== events.length) throw new Error(`${runId}: events missing`);
}

/**
 * The event log's append rate: 100,000 map.item events per call, appended to a new run in batches
 * of 1024 (the engine's batch), in the SQLite store (one transaction per batch, WAL) and in memory.
 */
export const storeEventAppendSuite: Suite = {
  name: 'store-event-append',
  description:
    'event log append, 100,000 events per call in batches of 1024: SQLite and memory stores vs JSON alone',
  async setup({ smoke }) {
    const n = smoke ? 4096 : EVENTS;
    const dirs = tempDirs();
    const sqlite = await openStore(dirs.make());
    const memory = memoryStore();
    let k = 0;
    const events = (runId: string) => mapItemEvents(runId, 1, n);
    return {
      unit: 'event',
      baseline: 'JSON only',
      params: { events: n, batch: BATCH },
      cases: [
        {
          name: 'JSON only',
          description:
            'JSON.stringify of each event, nothing stored: the least any JSON event log pays (a yardstick of this machine)',
          units: n,
          run: () => {
            const es = events(`j${++k}`);
            let bytes = 0;
            for (let i = 0; i < es.length; i += BATCH)
              bytes += es
                .slice(i, i + BATCH)
                .map((e) => JSON.stringify(e))
                .join(',').length;
            if (bytes === 0) throw new Error('nothing encoded');
          },
        },
        {
          name: 'memory',
          description: 'memoryStore().events.append',
          units: n,
          run: () => appendAll(memory, `m${++k}`, events(`m${k}`)),
        },
        {
          name: 'sqlite',
          description: 'openStore(dir).events.append (WAL, a transaction per batch)',
          units: n,
          run: () => appendAll(sqlite, `s${++k}`, events(`s${k}`)),
        },
      ],
      targets: [
        {
          case: 'sqlite',
          metric: 'unitsPerSecond',
          min: 500_000,
          label: 'issue 11: event-log append ≥ 500k events/s batched',
        },
      ],
      teardown: async () => {
        await sqlite.close();
        dirs.clean();
      },
    };
  },
};

/** Replaying a run's 100,000 events from the log (`read(runId, 0)`), SQLite and memory. */
export const storeReplaySuite: Suite = {
  name: 'store-replay',
  description:
    'event log replay: read 100,000 stored events of one run, SQLite and memory stores vs JSON alone',
  async setup({ smoke }) {
    const n = smoke ? 4096 : EVENTS;
    const dirs = tempDirs();
    const sqlite = await openStore(dirs.make());
    const memory = memoryStore();
    await appendAll(sqlite, 'r', mapItemEvents('r', 1, n));
    await appendAll(memory, 'r', mapItemEvents('r', 1, n));
    const json = mapItemEvents('r', 1, n).map((e) => JSON.stringify(e));
    const segments: string[] = [];
    for (let i = 0; i < n; i += 1024) segments.push(json.slice(i, i + 1024).join(','));
    const replay = async (s: Store): Promise<void> => {
      const got = await s.events.read('r', 0);
      if (got.length !== n || got[n - 1]!.seq !== n) throw new Error('replay: events missing');
    };
    return {
      unit: 'event',
      baseline: 'JSON only',
      params: { events: n },
      cases: [
        {
          name: 'JSON only',
          description:
            'JSON.parse of the same events in batches of 1024, nothing read from a store (a yardstick of this machine)',
          units: n,
          run: () => {
            let got = 0;
            for (const seg of segments) got += (JSON.parse(`[${seg}]`) as unknown[]).length;
            if (got !== n) throw new Error('replay: events missing');
          },
        },
        {
          name: 'memory',
          description: 'memoryStore().events.read(runId, 0)',
          units: n,
          run: () => replay(memory),
        },
        {
          name: 'sqlite',
          description: 'openStore(dir).events.read(runId, 0)',
          units: n,
          run: () => replay(sqlite),
        },
      ],
      // 300 ms for 100,000 events: 3 µs each.
      targets: [
        { case: 'sqlite', metric: 'usPerUnit', max: 3, label: 'issue 11: replay of 100,000 events ≤ 300 ms' },
      ],
      teardown: async () => {
        await sqlite.close();
        dirs.clean();
      },
    };
  },
};
