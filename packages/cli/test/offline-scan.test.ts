// `validate --offline`'s static scan: each way past the offline guard is found with its kind and
// line, in the step module and in the local modules it imports; worker threads are listed, allowed.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { scanNetworkUse } from '../src/offline/scan.js';

const dir = mkdtempSync(join(tmpdir(), 'weft-scan-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

describe('scanNetworkUse', () => {
  it('finds network, child processes, internals, addons and workers, with lines', () => {
    write('helper.mjs', ["import { execa } from 'execa';", "const b = require('bindings')('x');"].join('\n'));
    const step = write(
      'step.mjs',
      [
        "import { spawn } from 'node:child_process';",
        "import './helper.mjs';",
        "import addon from './native/thing.node';",
        'export const a = () => process.binding("tcp_wrap");',
        'export const b = () => process.dlopen(m, f);',
        'export const c = () => new Worker(url, { execArgv: [] });',
        "export const d = () => fetch('http://x');",
        'export const e = () => obj.fetch(1);',
      ].join('\n'),
    );
    const uses = scanNetworkUse([pathToFileURL(step).href]).map((u) => [
      u.module.endsWith('step.mjs') ? 'step' : 'helper',
      u.line,
      u.kind,
      u.uses,
      u.refused,
    ]);
    expect(uses).toEqual([
      ['step', 1, 'child-process', 'node:child_process', true],
      ['step', 3, 'addon', './native/thing.node', true],
      ['step', 4, 'internals', 'process.binding()', true],
      ['step', 5, 'addon', 'process.dlopen()', true],
      ['step', 6, 'worker', 'new Worker()', false],
      ['step', 7, 'network', 'fetch()', true],
      ['helper', 1, 'child-process', 'execa', true],
      ['helper', 2, 'addon', 'bindings', true],
    ]);
  });

  it('finds nothing in a module that does none of it', () => {
    const clean = write(
      'clean.mjs',
      "import { readFile } from 'node:fs/promises';\nexport const f = readFile;",
    );
    expect(scanNetworkUse([pathToFileURL(clean).href])).toEqual([]);
  });
});
