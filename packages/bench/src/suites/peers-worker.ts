// The worker side of the peer baselines that are not piscina-style task functions (those use
// actors-baseline-worker.js): raw worker_threads with a static split, workerpool's registered
// methods, and a raw worker posting paced tokens. The mode comes in `workerData.peer`.
import { parentPort, workerData } from 'node:worker_threads';
import { pacedTokenGen, type PacedTokens } from '../fixtures/peers.js';
import { spin, type CpuItem } from './actors-fixtures.js';

/** How the peer worker behaves. */
export type PeerMode = 'split' | 'workerpool' | 'tokens' | 'msgpack-echo';

const mode = (workerData as { peer?: PeerMode } | null)?.peer;
const port = parentPort;

if (port && mode === 'split') {
  // One message with this worker's share of the items; one message back with their hashes.
  port.on('message', (items: CpuItem[]) => port.postMessage(items.map((x) => spin(x.iterations, x.seed))));
} else if (port && mode === 'tokens') {
  // One message per token, posted as it is produced (the per-token postMessage baseline).
  port.on('message', (p: PacedTokens) => {
    for (const t of pacedTokenGen(p)) port.postMessage(t);
    port.postMessage('done');
  });
} else if (port && mode === 'msgpack-echo') {
  // The codec alone: decode the msgpack bytes, encode the value again, post an exact-length copy.
  const { Packr } = await import('msgpackr');
  const packr = new Packr({ useRecords: true, moreTypes: true });
  port.on('message', (bytes: Uint8Array) => {
    const out = packr.pack(packr.unpack(bytes)).slice();
    port.postMessage(out, [out.buffer]);
  });
} else if (mode === 'workerpool') {
  const workerpool = (await import('workerpool')).default;
  workerpool.worker({
    spin: (iterations: number, seed: number) => spin(iterations, seed),
    plus: (x: number) => x + 1,
    paced: (p: PacedTokens) => {
      let n = 0;
      for (const t of pacedTokenGen(p)) {
        workerpool.workerEmit(t);
        n++;
      }
      return n;
    },
  });
}
