// Durable runs in a plain Node program, without the CLI: @weft/core's engine over @weft/store's
// SQLite store. Run it, kill it (kill -9) mid-run, run it again: it resumes the same run, takes
// what the first process completed from the store, and numbers its events after the first
// session's.
//
//   node examples/embedded-durable/run.mjs [--dir <store dir>] [--run-id <id>] [--items <n>] [--events]
//
// Prints one JSON line per event with --events, then the result as the last line.
import { parseArgs } from 'node:util';
import { createEngine } from '@weft/core';
import { isOwnerAlive, openStore, stepMemo } from '@weft/store';
import { checksums } from './pipeline.mjs';

const { values } = parseArgs({
  options: {
    dir: { type: 'string', default: '.weft' },
    'run-id': { type: 'string', default: 'checksums-1' },
    items: { type: 'string', default: '2000' },
    events: { type: 'boolean', default: false },
  },
});
const runId = values['run-id'];

const store = await openStore(values.dir);
// A run whose process died (kill -9, a crash) is `running` with an owner that is gone: now `interrupted`.
await store.runs.reconcile(isOwnerAlive);
const engine = createEngine({ store, memo: stepMemo(store, { scope: 'run' }) });
try {
  const existing = await store.runs.get(runId);
  if (existing?.status === 'succeeded') {
    console.log(
      JSON.stringify({ runId, status: 'succeeded', output: existing.output, alreadyFinished: true }),
    );
    process.exit(0);
  }
  const handle =
    existing?.status === 'interrupted' || existing?.status === 'suspended'
      ? await engine.resume(checksums, runId)
      : engine.start(checksums, Number(values.items), { runId });
  if (values.events)
    for await (const e of handle.events())
      console.log(JSON.stringify({ seq: e.seq, type: e.type, cached: e.cached }));
  const result = await handle.result;
  const sessions = await store.runs.sessions(runId);
  console.log(
    JSON.stringify({
      runId,
      status: result.status,
      output: result.output,
      sessions: sessions.length,
      error: result.error?.code,
    }),
  );
  process.exitCode = result.status === 'succeeded' ? 0 : 1;
} finally {
  await engine.close();
  await store.close();
}
