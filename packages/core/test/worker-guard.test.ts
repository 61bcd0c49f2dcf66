import { afterEach, describe, expect, it } from 'vitest';
import { createEngine, isMainModule, isWeftWorker } from '../src/index.js';
import { markWeftWorker } from '../src/plugin/index.js';

const FLAG = Symbol.for('weft.worker');

describe('the Weft-worker guard', () => {
  afterEach(() => {
    delete (globalThis as Record<symbol, unknown>)[FLAG];
  });

  it('lets engines start outside a Weft worker', async () => {
    expect(isWeftWorker()).toBe(false);
    await createEngine().close();
  });

  it('refuses createEngine() inside a Weft worker with ENGINE_IN_WORKER saying how to guard', () => {
    markWeftWorker();
    expect(isWeftWorker()).toBe(true);
    let caught: unknown;
    try {
      createEngine();
    } catch (e) {
      caught = e;
    }
    expect(caught).toMatchObject({ code: 'ENGINE_IN_WORKER', data: { call: 'createEngine()' } });
    expect((caught as Error).message).toContain('if (isMainModule(import.meta.url))');
  });

  it('isMainModule is false for a module that is not the entry script, and inside a Weft worker', () => {
    expect(isMainModule(import.meta.url)).toBe(false);
    expect(isMainModule('not a url')).toBe(false);
    const entry = process.argv[1]!;
    expect(isMainModule(new URL(`file://${entry}`).href)).toBe(true);
    markWeftWorker();
    expect(isMainModule(new URL(`file://${entry}`).href)).toBe(false);
  });
});
