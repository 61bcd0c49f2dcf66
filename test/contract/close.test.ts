// engine.close() with runs in flight (issue 10, defect 3). On every orchestrator, close() cancels the
// runs still in flight (each ends `cancelled` with RUN_CANCELLED and its one run.finish) and resolves
// only once they have ended and every step actor's teardown has run: exactly once per actor instance,
// after its last invocation (on bullmq the actors are the workers' and outlive a coordinator: see the
// test below). A closed engine starts no run.
import { afterEach, describe, expect, it } from 'vitest';
import type { Engine, RunResult } from '@weft/core';
import { closeMap, type ActorNote } from '../dist/fixtures/close.js';
import { createProbe, type Probe } from '../dist/fixtures/scheduling-probe.js';
import { ORCHESTRATORS, engineFor } from './matrix.js';
import { assertOrdered, watch } from './ordering.js';

const isActorNote = (n: unknown): n is ActorNote =>
  typeof n === 'object' && n !== null && 'actor' in n && 'phase' in n;

describe.each(ORCHESTRATORS)('engine.close() on %s', (name) => {
  let engine: Engine | undefined;
  let probe: Probe;
  afterEach(async () => {
    probe?.openAll();
    await engine?.close();
    engine = undefined;
  });

  it('cancels the runs in flight and resolves after they ended and every actor was torn down once, after its last invocation', async () => {
    probe = createProbe({ policy: 'now' });
    engine = engineFor(name, { services: probe.services });
    const run = watch(engine.start(closeMap, [0, 1, 2, 3, 4, 5]));
    let settled: RunResult | undefined;
    void run.done.then(({ result }) => (settled = result));
    await probe.noted((n) => isActorNote(n) && n.phase === 'start' && n.index === 0);
    await probe.noted((n) => isActorNote(n) && n.phase === 'start' && n.index === 1);
    await engine.close();
    // The run ended before close() resolved: it does not go on (or succeed) on a closed engine.
    expect(settled).toBeDefined();
    expect(settled!.status).toBe('cancelled');
    expect(settled!.error?.code).toBe('RUN_CANCELLED');
    const { events } = await run.done;
    assertOrdered(events);
    expect(events.filter((e) => e.type === 'run.finish')).toHaveLength(1);
    // Nothing ran after close: the gates were never opened, and no item beyond the first two began.
    const notes = probe.notes.filter(isActorNote);
    expect(
      notes
        .filter((n) => n.phase === 'start')
        .map((n) => n.index)
        .sort(),
    ).toEqual([0, 1]);
    // Each actor instance: set up once, torn down once, after its last invocation ended.
    const actors = [...new Set(notes.map((n) => n.actor))];
    expect(actors.length).toBeGreaterThan(0);
    for (const actor of actors) {
      const mine = notes.filter((n) => n.actor === actor);
      expect(
        mine.filter((n) => n.phase === 'setup'),
        actor,
      ).toHaveLength(1);
      if (name === 'bullmq') {
        // The actors belong to the fleet: they live in the `weft worker`s' threads and stay set up for
        // the other coordinators those workers serve; a worker tears each down once, after its last
        // invocation, when it stops (packages/bullmq/test/actor-lifecycle.test.ts). A coordinator's
        // close() tears down none.
        expect(
          mine.filter((n) => n.phase === 'teardown'),
          actor,
        ).toEqual([]);
        continue;
      }
      expect(
        mine.filter((n) => n.phase === 'teardown'),
        actor,
      ).toHaveLength(1);
      expect(mine.at(-1)?.phase, actor).toBe('teardown');
      expect(mine.filter((n) => n.phase === 'start').length, actor).toBe(
        mine.filter((n) => n.phase === 'end').length,
      );
    }
    expect(() => engine!.start(closeMap, [0])).toThrow(/closed/);
  });
});
