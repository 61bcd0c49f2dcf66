// @weft/serve imports no plugin SDK: starting a service (workers mode, real threads) loads no
// module of bullmq, ioredis or redis. Plugins bring their SDKs when a configuration names them.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const CHILD = fileURLToPath(new URL('./fixtures/import-graph-child.mjs', import.meta.url));

describe('import graph', () => {
  it('loads fastify and the engine, and no plugin SDK', async () => {
    const out = await new Promise<string>((resolve, reject) =>
      execFile(process.execPath, [CHILD], { maxBuffer: 16 << 20 }, (err, stdout, stderr) =>
        err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout),
      ),
    );
    const loaded = JSON.parse(out) as string[];
    const pkgs = new Set(
      loaded
        .map((f) => /node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?((?:@[^/]+\/)?[^/]+)/.exec(f)?.[1])
        .filter(Boolean),
    );
    expect(pkgs.has('fastify')).toBe(true);
    expect(pkgs.has('piscina')).toBe(true);
    for (const sdk of ['bullmq', 'ioredis', 'redis', '@redis/client', '@weft/bullmq'])
      expect(pkgs.has(sdk), sdk).toBe(false);
    expect(loaded.some((f) => /bullmq|ioredis/.test(f))).toBe(false);
  });
});
