// Step actors on `bullmq` belong to the fleet, not to a coordinator: they live in the `weft worker`s'
// threads, stay set up across runs and coordinators (a coordinator's engine.close() cancels and awaits
// its runs, then leaves the workers' actors warm for the other coordinators they serve), and each is
// torn down exactly once, after its last invocation, when its worker stops. The actors write their
// lifecycle to a file, since a closed coordinator can no longer be told anything.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { actorLog } from './fixtures/steps.mjs';
import { bullmqEngine, isolatedPrefix, redisUrl, startWorkers } from './support/harness.js';
import type { SpawnedWorker } from '../dist/testing/index.js';

interface Line {
  readonly actor: string;
  readonly phase: 'setup' | 'start' | 'end' | 'teardown';
  readonly i?: number;
}

const dir = mkdtempSync(join(tmpdir(), 'weft-bullmq-actors-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const read = (file: string): Line[] =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Line);

describe.skipIf(!redisUrl)('step actors on bullmq', () => {
  let workers: SpawnedWorker[] = [];
  afterAll(async () => {
    await Promise.all(workers.map((w) => w.kill()));
  });

  it('stay set up across coordinators and are torn down once, after their last invocation, when the worker stops', async () => {
    const prefix = isolatedPrefix('actors');
    const file = join(dir, 'actors.jsonl');
    workers = await startWorkers(1, { prefix });
    const items = (from: number) => Array.from({ length: 4 }, (_, k) => ({ file, i: from + k }));

    const first = bullmqEngine(prefix);
    expect((await first.execute(actorLog, items(0))).output).toEqual([0, 1, 2, 3]);
    await first.close();
    const afterFirst = read(file);
    expect(afterFirst.filter((l) => l.phase === 'teardown')).toEqual([]);
    const actors = new Set(afterFirst.map((l) => l.actor));
    expect(actors.size).toBe(1); // one thread, one instance of the step's actor

    // A second coordinator: the same warm instance serves it, with no second setup.
    const second = bullmqEngine(prefix);
    expect((await second.execute(actorLog, items(4))).output).toEqual([4, 5, 6, 7]);
    await second.close();

    await workers[0]!.stop(); // SIGTERM: a graceful stop runs the actors' teardown
    const lines = read(file);
    for (const actor of new Set(lines.map((l) => l.actor))) {
      const mine = lines.filter((l) => l.actor === actor);
      expect(
        mine.filter((l) => l.phase === 'setup'),
        actor,
      ).toHaveLength(1);
      expect(
        mine.filter((l) => l.phase === 'teardown'),
        actor,
      ).toHaveLength(1);
      expect(mine.at(-1)?.phase, actor).toBe('teardown');
      expect(mine.filter((l) => l.phase === 'start').map((l) => l.i)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
      expect(mine.filter((l) => l.phase === 'end')).toHaveLength(8);
    }
  });
});
