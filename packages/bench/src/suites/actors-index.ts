// The suites of @weft/actors (issue 3), in run order. `suites/index.ts` lists them with the others.
import type { Suite } from '../suite.js';
import { actorsCancelSuite } from './actors-cancel.js';
import { actorsChunkSizeSuite } from './actors-chunk-size.js';
import { actorsCpu64usSuite, actorsCpu6msSuite } from './actors-cpu-map.js';
import { actorsShortMapSuite } from './actors-short-map.js';
import { actorsTokensSuite } from './actors-tokens.js';
import { actorsTrivialMapSuite } from './actors-trivial-map.js';
import { messages1MBSuite } from './messages.js';

/** Worker-thread suites: CPU map speedup, trivial-map throughput, short maps, tokens, cancellation, 1 MB payloads. */
export const actorsSuites: readonly Suite[] = [
  actorsCpu6msSuite,
  actorsCpu64usSuite,
  actorsTrivialMapSuite,
  actorsShortMapSuite,
  actorsChunkSizeSuite,
  actorsTokensSuite,
  actorsCancelSuite,
  // The 1 MB payload target: the Weft message path, the bare codec and structured clone side by side.
  messages1MBSuite,
];

export {
  actorsCancelSuite,
  actorsChunkSizeSuite,
  actorsCpu64usSuite,
  actorsCpu6msSuite,
  actorsShortMapSuite,
  actorsTokensSuite,
  actorsTrivialMapSuite,
};
