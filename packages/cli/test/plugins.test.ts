// The CLI's plugin wiring without Redis: which plugins a command line needs, the `plugins` setting of
// the project configuration, and run options checked against the mode of the run.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isWeftError } from '@weft/core';
import type { RunOptionSpec } from '@weft/core/plugin';
import { loadProjectConfig } from '../src/catalogue/config.js';
import { flagValues, pluginOrchestratorOptions, pluginSpecs } from '../src/plugins/cli-plugins.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function project(config: unknown): string {
  const dir = mkdtempSync(join(tmpdir(), 'weft-plugins-'));
  dirs.push(dir);
  mkdirSync(join(dir, '.weft'));
  writeFileSync(join(dir, '.weft', 'config.json'), JSON.stringify(config));
  return dir;
}

describe('plugins of a command line', () => {
  it('reads --plugin in both forms, and adds the first-party plugin of a named mode or command once', () => {
    expect(flagValues(['run', '--plugin', 'a', '--plugin=b', '--', '--plugin', 'c'], '--plugin')).toEqual([
      'a',
      'b',
    ]);
    expect(pluginSpecs(['run', 'p.json', '--orchestrator', 'bullmq'], [])).toEqual(['@weft/bullmq']);
    expect(pluginSpecs(['worker', '--redis', 'redis://x'], ['@weft/bullmq'])).toEqual(['@weft/bullmq']);
    expect(pluginSpecs(['run', 'p.json', '--orchestrator=workers', '--plugin', './mine.js'], [])).toEqual([
      './mine.js',
    ]);
    expect(pluginSpecs(['schema'], [])).toEqual([]);
  });

  it('takes plugins from .weft/config.json and reports bad entries with their path', () => {
    const ok = project({
      weft: 1,
      plugins: ['@weft/bullmq', { module: './p.js', options: { redis: 'redis://h' } }],
    });
    expect(loadProjectConfig(ok, {}).plugins).toEqual([
      '@weft/bullmq',
      { module: './p.js', options: { redis: 'redis://h' } },
    ]);
    const bad = project({ weft: 1, plugins: [3, { module: 'x', extra: 1 }] });
    try {
      loadProjectConfig(bad, {});
      throw new Error('accepted');
    } catch (e) {
      if (!isWeftError(e)) throw e;
      expect(e.code).toBe('CONFIG_INVALID');
      expect((e.data['problems'] as { path: string }[]).map((p) => p.path)).toEqual([
        '/plugins/0',
        '/plugins/1/extra',
      ]);
    }
  });

  it('gives a run option to the mode it belongs to and refuses it for another mode', () => {
    const specs: RunOptionSpec[] = [
      {
        orchestrator: 'bullmq',
        key: 'redis',
        flags: '--redis <url>',
        description: 'Redis',
        parse: (v) => `parsed:${v}`,
      },
    ];
    expect(pluginOrchestratorOptions({ redis: 'redis://h' }, 'bullmq', specs)).toEqual({
      redis: 'parsed:redis://h',
    });
    expect(pluginOrchestratorOptions({}, 'workers', specs)).toEqual({});
    expect(() => pluginOrchestratorOptions({ redis: 'redis://h' }, 'workers', specs)).toThrow(
      /--redis applies to the bullmq orchestration mode, not workers/,
    );
  });
});
