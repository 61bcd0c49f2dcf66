// The CLI's plugin wiring with the real `weft worker` and `weft run --orchestrator bullmq --redis`:
// the CLI loads @weft/bullmq by itself, plugin run options reach the orchestrator, and the coded
// errors of a bad plugin, a flag of another mode and an unreachable Redis.
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { spawnWorker, type SpawnedWorker } from '@weft/bullmq/testing';
import { BIN, weft, weftJson } from './cli.js';
import type {} from '../contract/bullmq-setup.js';

const bullmq = inject('bullmq');
const ROOT = fileURLToPath(new URL('..', import.meta.url));

describe.skipIf(!bullmq)('weft run --orchestrator bullmq with a weft worker', () => {
  let worker: SpawnedWorker | undefined;
  beforeAll(async () => {
    // The default prefix and queue: what `weft run --orchestrator bullmq` uses.
    worker = await spawnWorker({
      cli: BIN,
      cwd: ROOT,
      options: { redis: bullmq!.redis, threads: 1, root: ROOT },
    });
  });
  afterAll(async () => {
    await worker?.stop();
  });

  it('runs a pipeline on the worker; --redis reaches the orchestrator', () => {
    const r = weftJson(
      [
        'run',
        'dist/fixtures/basic.js#basic',
        '--input',
        'hello big world',
        '--orchestrator',
        'bullmq',
        '--redis',
        bullmq!.redis,
        '--no-cache',
      ],
      ROOT,
    );
    expect(r.env.error).toBeUndefined();
    expect(r.code).toBe(0);
    expect(r.env.result).toMatchObject({ status: 'succeeded', output: 3 });
  });

  it('a run option of another mode is a usage error (exit 2)', () => {
    const r = weftJson(
      [
        'run',
        'dist/fixtures/basic.js#basic',
        '--input',
        'x',
        '--orchestrator',
        'direct',
        '--plugin',
        '@weft/bullmq',
        '--redis',
        bullmq!.redis,
      ],
      ROOT,
    );
    expect(r.code).toBe(2);
    expect(r.env.error).toMatchObject({ code: 'USAGE_INVALID' });
    expect(r.env.error?.message).toMatch(/--redis applies to the bullmq orchestration mode, not direct/);
  });
});

describe('plugin errors on the command line', () => {
  it('an unreachable Redis fails the run with ORCHESTRATOR_UNAVAILABLE (exit 1)', () => {
    const r = weftJson(
      [
        'run',
        'dist/fixtures/basic.js#basic',
        '--input',
        'x',
        '--orchestrator',
        'bullmq',
        '--redis',
        'redis://127.0.0.1:1',
        '--no-cache',
      ],
      ROOT,
    );
    expect(r.code).toBe(1);
    expect(r.env.error).toMatchObject({ code: 'ORCHESTRATOR_UNAVAILABLE' });
  }, 30_000);

  it('a plugin that cannot be loaded is PLUGIN_INVALID (exit 2), naming it', () => {
    const r = weft(['--plugin', './no-such-plugin.js', 'schema'], ROOT);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/PLUGIN_INVALID.*no-such-plugin/);
  });

  it('weft worker appears in the help of a plain command line', () => {
    const r = weft(['worker', '--help'], ROOT);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/--redis <url>/);
    expect(r.stdout).toMatch(/--max-stalled <n>/);
  });
});
