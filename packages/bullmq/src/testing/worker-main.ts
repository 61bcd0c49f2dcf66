// A worker process without the CLI (what `weft worker` runs): its options as JSON in argv[2]. It
// prints `ready <id>` once it takes tasks; SIGTERM/SIGINT close it gracefully.
import { WorkerHost } from '../worker/worker-host.js';

const worker = await WorkerHost.start(JSON.parse(process.argv[2] ?? '{}') as Record<string, unknown>);
process.stdout.write(`ready ${worker.id}\n`);
const stop = (): void => void worker.close().then(() => process.exit(0));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
