import { EventEmitter, setMaxListeners } from 'node:events';
import { fanOutJoin, xorAll } from '../fixtures/peers.js';
import { spin, type CpuItem } from './actors-fixtures.js';
import { calibrate, warm, workersEngine } from './actors-shared.js';
import type { BenchCase, Suite } from '../suite.js';
import { optionalPeer, peerMissing } from './peers-shared.js';
import { benchEngine, expectOutput } from './shared.js';

const ITEMS = 16;
const ITEM_US = 6000;
const THREADS = 2;

/** The same fan-out/join graph in LangGraph.js: `Send` one `work` node per item, a reducer gathers the hashes, `join` XORs them. */
async function langGraph(): Promise<
  { invoke(input: { items: CpuItem[] }): Promise<{ total: number }> } | undefined
> {
  const lg = await optionalPeer(
    ['@langchain/langgraph', '@langchain/core'],
    () => import('@langchain/langgraph'),
  );
  if (!lg) return undefined;
  const { Annotation, END, START, Send, StateGraph } = lg;
  const State = Annotation.Root({
    items: Annotation<CpuItem[]>(),
    hashes: Annotation<number[]>({ reducer: (a, b) => a.concat(b), default: () => [] }),
    total: Annotation<number>(),
  });
  const graph = new StateGraph(State)
    // A node reached through Send receives the Send's argument as its state.
    .addNode('work', (s: typeof State.State) => ({
      hashes: [
        spin(
          (s as unknown as { item: CpuItem }).item.iterations,
          (s as unknown as { item: CpuItem }).item.seed,
        ),
      ],
    }))
    .addNode('join', (s: typeof State.State) => ({ total: xorAll(s.hashes) }))
    .addConditionalEdges(START, (s: typeof State.State) => s.items.map((item) => new Send('work', { item })))
    .addEdge('work', 'join')
    .addEdge('join', END)
    .compile();
  return { invoke: async (input) => await graph.invoke(input) };
}

/**
 * The same CPU-heavy fan-out/join pipeline in LangGraph.js and in Weft: 16 items of ~6 ms hashed
 * in parallel branches, then one join over all the hashes. LangGraph runs its nodes on the event
 * loop (async, no threads); Weft runs the map on `workers` (2 threads), and on `direct` for the
 * engine-to-engine comparison on one thread.
 */
export const langGraphSuite: Suite = {
  name: 'langgraph',
  description: `a fan-out/join of ${ITEMS} CPU-bound items of ~6 ms (hash, then XOR of all): Weft workers and direct vs LangGraph.js`,
  async setup({ smoke }) {
    const iterations = smoke ? 1000 : calibrate(ITEM_US);
    const n = smoke ? 4 : ITEMS;
    const items: CpuItem[] = Array.from({ length: n }, (_, seed) => ({ seed, iterations }));
    const expected = xorAll(items.map((x) => spin(x.iterations, x.seed)));
    // LangGraph adds one abort listener per branch to a shared signal: quiet Node's leak warning.
    const listenersBefore = EventEmitter.defaultMaxListeners;
    setMaxListeners(Math.max(listenersBefore, 4 * n));
    const graph = await langGraph();
    const workers = workersEngine({ threads: THREADS });
    const direct = benchEngine({ orchestrator: 'direct' });
    const few = items.slice(0, 2);
    await warm(workers, () => workers.execute(fanOutJoin, few));
    await direct.execute(fanOutJoin, few);
    await graph?.invoke({ items: few });
    const ok = (out: number): boolean => out === expected;
    // Without LangGraph.js installed, Weft direct is the baseline and there is no target to check.
    const peer: BenchCase[] = graph
      ? [
          {
            name: 'langgraph.js',
            description: 'graph.invoke: START → Send(work) per item → join → END',
            units: n,
            async run() {
              const out = await graph.invoke({ items });
              if (!ok(out.total)) throw new Error(`langgraph: wrong join ${out.total}`);
            },
          },
        ]
      : [];
    return {
      unit: 'item',
      baseline: graph ? 'langgraph.js' : 'weft direct',
      skipped: graph ? [] : [peerMissing(['@langchain/langgraph', '@langchain/core'], 'langgraph.js')],
      params: {
        items: n,
        threads: THREADS,
        iterationsPerItem: iterations,
        langgraph: '@langchain/langgraph (StateGraph + Send + reducer)',
      },
      cases: [
        ...peer,
        {
          name: 'weft direct',
          description: 'engine.execute of map(work) → join on the main thread',
          units: n,
          run: async () => expectOutput(await direct.execute<number>(fanOutJoin, items), ok, 'weft direct'),
        },
        {
          name: 'weft workers',
          description: `engine.execute of map(work) → join on the workers orchestrator (${THREADS} threads)`,
          units: n,
          run: async () => expectOutput(await workers.execute<number>(fanOutJoin, items), ok, 'weft workers'),
        },
      ],
      targets: !graph
        ? []
        : [
            {
              case: 'weft workers',
              metric: 'speedup',
              min: 1.8,
              label: `issue 5: ≥ 1.8× LangGraph.js on ${THREADS} cores`,
            },
          ],
      async teardown() {
        setMaxListeners(listenersBefore);
        await workers.close();
        await direct.close();
      },
    };
  },
};
