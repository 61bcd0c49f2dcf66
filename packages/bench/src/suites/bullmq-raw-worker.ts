// Raw BullMQ beside Weft: a worker process that answers `x + 1` for each job (one job per item),
// concurrency 50, as measured in shared/research/distributed.md. argv: redis URL, queue name.
import { Worker } from 'bullmq';
import { Redis } from 'ioredis';

const [url, queue] = process.argv.slice(2) as [string, string];
const worker = new Worker(queue, async (job) => (job.data as { x: number }).x + 1, {
  connection: new Redis(url, { maxRetriesPerRequest: null }),
  prefix: 'raw',
  concurrency: 50,
});
await worker.waitUntilReady();
process.stdout.write('ready raw\n');
process.once('SIGTERM', () => void worker.close().then(() => process.exit(0)));
