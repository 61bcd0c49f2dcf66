// The worker side of the baselines the actors suites compare with: plain piscina tasks (one task
// per item) and a raw worker_threads echo (structured clone). Loaded by file path, never by Weft.
import { parentPort, workerData } from 'node:worker_threads';
import { spin } from './actors-fixtures.js';

/** A piscina task. */
export type BaselineTask =
  | { readonly op: 'spin'; readonly seed: number; readonly iterations: number }
  | { readonly op: 'plus'; readonly x: number }
  | { readonly op: 'forever' };

/** piscina's entry: one task. */
export default function run(task: BaselineTask): number {
  switch (task.op) {
    case 'spin':
      return spin(task.iterations, task.seed);
    case 'plus':
      return task.x + 1;
    case 'forever':
      for (;;) spin(1000);
  }
}

// As a raw worker (workerData.echo), send every message straight back (structured clone both ways).
if ((workerData as { echo?: boolean } | null)?.echo && parentPort) {
  const port = parentPort;
  port.on('message', (m: unknown) => port.postMessage(m));
}
