// Every suite the runner knows, in the order `--suite` lists them. Add new suites here.
import { WeftError } from '@weft/core';
import type { Suite } from '../suite.js';
import { actorsCancelSuite, actorsTokensSuite } from './actors-index.js';
import {
  bullmqCancelSuite,
  bullmqCpuMapSuite,
  bullmqDispatchSuite,
  bullmqMapSuite,
  bullmqMemorySuite,
  bullmqStallSuite,
} from './bullmq-suites.js';
import { chainSuite } from './chain.js';
import { chainWorkersSuite } from './chain-workers.js';
import { cpuUnevenSuite } from './cpu-uneven.js';
import { dashboardFoldSuite } from './dashboard-fold.js';
import { withIterations } from './extend-suite.js';
import { langGraphSuite } from './langgraph.js';
import { mapSuite } from './map.js';
import { messages100BSuite, messages10KBSuite, messages1MBSuite } from './messages.js';
import { millionMapSuite } from './million-map.js';
import { specCheckSuite } from './spec-check.js';
import { cpu600usSuite, cpu64usSuite, cpu6msSuite, cpu7usSuite } from './peers-cpu-map.js';
import { storeEventAppendSuite, storeReplaySuite } from './store-events.js';
import { storeLargeValueSuite } from './store-large-value.js';
import { storeMapSuite } from './store-map.js';
import { tokensLatencySuite } from './tokens-latency.js';
import { trivialMapSuite } from './trivial-map.js';
import { tuningGainSuite } from './tuning-gain.js';
import { serveExecuteSuite } from './serve-execute.js';
import { serveReadySuite } from './serve-ready.js';
import { serveReconnectSuite } from './serve-reconnect.js';
import { serveSseLatencySuite, serveSseThroughputSuite } from './serve-sse.js';

/**
 * All suites, in run order. The actors suites that `cpu-6ms`, `cpu-64us` and `trivial-map` extend
 * with more peers (actors-cpu-6ms, actors-cpu-64us, actors-trivial-map) are not listed twice; they
 * stay in `actorsSuites` (suites/actors-index.ts).
 */
export const suites: readonly Suite[] = [
  chainSuite,
  chainWorkersSuite,
  mapSuite,
  trivialMapSuite,
  cpu6msSuite,
  cpu600usSuite,
  cpu64usSuite,
  cpu7usSuite,
  cpuUnevenSuite,
  actorsTokensSuite,
  tokensLatencySuite,
  messages100BSuite,
  messages10KBSuite,
  messages1MBSuite,
  // Its cases return the cancel latency (~1 ms) of calls that take tens of ms: 30 calls per run.
  withIterations(actorsCancelSuite, 30),
  langGraphSuite,
  millionMapSuite,
  tuningGainSuite,
  storeEventAppendSuite,
  storeReplaySuite,
  storeLargeValueSuite,
  storeMapSuite,
  specCheckSuite,
  // The bullmq mode: each starts a redis-server and weft worker processes (Debian's redis-server).
  bullmqDispatchSuite,
  bullmqMapSuite,
  bullmqCpuMapSuite,
  bullmqStallSuite,
  bullmqCancelSuite,
  bullmqMemorySuite,
  serveExecuteSuite,
  serveSseLatencySuite,
  serveSseThroughputSuite,
  serveReconnectSuite,
  serveReadySuite,
  dashboardFoldSuite,
];

/** The suites with these names, in the order given (all of them when `names` is empty); OPTION_INVALID for an unknown name. */
export function selectSuites(names: readonly string[], from: readonly Suite[] = suites): Suite[] {
  if (names.length === 0) return [...from];
  return names.map((n) => {
    const s = from.find((x) => x.name === n);
    if (!s)
      throw new WeftError(
        'OPTION_INVALID',
        `unknown suite "${n}"; the suites are: ${from.map((x) => x.name).join(', ')}`,
        { data: { suite: n } },
      );
    return s;
  });
}

export {
  bullmqCancelSuite,
  bullmqCpuMapSuite,
  bullmqDispatchSuite,
  bullmqMapSuite,
  bullmqMemorySuite,
  bullmqStallSuite,
  dashboardFoldSuite,
  actorsCancelSuite,
  actorsTokensSuite,
  chainSuite,
  chainWorkersSuite,
  cpu600usSuite,
  cpu64usSuite,
  cpu6msSuite,
  cpu7usSuite,
  cpuUnevenSuite,
  langGraphSuite,
  mapSuite,
  messages100BSuite,
  messages10KBSuite,
  messages1MBSuite,
  millionMapSuite,
  specCheckSuite,
  tokensLatencySuite,
  trivialMapSuite,
  tuningGainSuite,
  storeEventAppendSuite,
  storeReplaySuite,
  storeLargeValueSuite,
  storeMapSuite,
  serveExecuteSuite,
  serveSseLatencySuite,
  serveSseThroughputSuite,
  serveReconnectSuite,
  serveReadySuite,
};
