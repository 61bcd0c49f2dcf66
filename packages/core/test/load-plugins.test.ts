import { describe, expect, it } from 'vitest';
import { loadPlugins } from '../src/plugin/index.js';
import { isWeftError } from '../src/index.js';
import type { WeftPlugin } from '../src/plugin/types.js';

function plugin(name: string, log: string[], fail?: 'register' | 'close'): WeftPlugin {
  return {
    name,
    register(r, options) {
      log.push(`register ${name} ${JSON.stringify(options)}`);
      if (fail === 'register') throw new Error('boom');
      r.httpErrorMapper({ codes: [`${name.toUpperCase()}_DOWN`], status: 503 });
      r.readinessCheck(name, async () => ({ ok: true }));
      r.workerSource?.({ orchestrator: name, list: async () => [{ id: `${name}-1` }] });
    },
    async close() {
      log.push(`close ${name}`);
      if (fail === 'close') throw new Error('stuck');
    },
  };
}

describe('loadPlugins', () => {
  it('registers plugins in order with their options, and closes them in reverse', async () => {
    const log: string[] = [];
    const mods: Record<string, unknown> = {
      a: { default: plugin('a', log) },
      b: { plugin: plugin('b', log, 'close') },
    };
    const loaded = await loadPlugins(['a', { module: 'b', options: { x: 1 } }], async (s) => mods[s]);
    expect(loaded.plugins.map((p) => p.name)).toEqual(['a', 'b']);
    expect(loaded.httpErrorMappers.map((m) => m.codes[0])).toEqual(['A_DOWN', 'B_DOWN']);
    expect(loaded.readinessChecks.map((c) => c.name)).toEqual(['a', 'b']);
    expect(loaded.workerSources.map((w) => w.orchestrator)).toEqual(['a', 'b']);
    expect(await loaded.workerSources[1]!.list()).toEqual([{ id: 'b-1' }]);
    expect(await loaded.close()).toEqual(['plugin b: stuck']);
    expect(log).toEqual(['register a {}', 'register b {"x":1}', 'close b', 'close a']);
  });

  it('fails with PLUGIN_INVALID and closes what was registered when one cannot load', async () => {
    const log: string[] = [];
    const mods: Record<string, unknown> = {
      a: { default: plugin('a', log) },
      bad: { default: { nope: true } },
    };
    const importer = async (s: string): Promise<unknown> => {
      if (s === 'missing') throw new Error('Cannot find package');
      return mods[s];
    };
    for (const [specs, text] of [
      [['a', 'bad'], 'is not a Weft plugin'],
      [['a', 'missing'], 'Cannot find package'],
    ] as const) {
      log.length = 0;
      const e: unknown = await loadPlugins(specs, importer).catch((x: unknown) => x);
      expect(isWeftError(e) && e.code).toBe('PLUGIN_INVALID');
      expect((e as Error).message).toContain(text);
      expect(log).toEqual(['register a {}', 'close a']);
    }
  });

  it('closes earlier plugins when a register throws', async () => {
    const log: string[] = [];
    const mods: Record<string, unknown> = {
      a: { default: plugin('a', log) },
      c: { default: plugin('c', log, 'register') },
    };
    const e: unknown = await loadPlugins(['a', 'c'], async (s) => mods[s]).catch((x: unknown) => x);
    expect(isWeftError(e) && e.code).toBe('PLUGIN_INVALID');
    expect(log).toEqual(['register a {}', 'register c {}', 'close c', 'close a']);
  });

  it('collects the run options plugins add to weft run and weft resume', async () => {
    const mods: Record<string, unknown> = {
      q: {
        default: {
          name: 'q',
          register(r) {
            r.runOption?.({
              orchestrator: 'q',
              key: 'url',
              flags: '--url <u>',
              description: 'where',
              parse: (v) => v.toUpperCase(),
            });
          },
        } satisfies WeftPlugin,
      },
    };
    const loaded = await loadPlugins(['q'], async (s) => mods[s]);
    expect(loaded.runOptions.map((o) => [o.orchestrator, o.key, o.flags])).toEqual([
      ['q', 'url', '--url <u>'],
    ]);
    expect(loaded.runOptions[0]!.parse!('x')).toBe('X');
  });
});
