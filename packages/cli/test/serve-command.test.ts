import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../src/program.js';

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
    streams: { stdout: { write: (s: string) => out.push(s) }, stderr: { write: (s: string) => err.push(s) } },
  };
}

const dir = mkdtempSync(join(tmpdir(), 'weft-serve-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('weft serve: refusals before anything starts (exit 2, a coded error)', () => {
  it('a bad --port', async () => {
    for (const port of ['abc', '70000', '-1', '1.5']) {
      const c = capture();
      expect(await main(['serve', '--port', port], c.streams)).toBe(2);
      expect(c.err.join('')).toContain('error [USAGE_INVALID] --port must be an integer');
    }
  });

  it('a configuration file that is missing, not JSON, or breaks the schema', async () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{ nope');
    const wrong = join(dir, 'wrong.json');
    writeFileSync(wrong, JSON.stringify({ orchestrationMod: 'direct', listen: { host: '0.0.0.0' } }));
    for (const [file, text] of [
      [join(dir, 'missing.json'), 'configuration file not found'],
      [bad, 'is not valid JSON'],
      [wrong, 'unknown key "orchestrationMod" (did you mean "orchestrationMode"?)'],
    ] as const) {
      const c = capture();
      expect(await main(['serve', '--config', file], c.streams)).toBe(2);
      expect(c.err.join('')).toContain('error [CONFIG_INVALID]');
      expect(c.err.join('')).toContain(text);
      expect(c.out).toEqual([]);
    }
  });

  it('--host beyond loopback without auth', async () => {
    const c = capture();
    expect(await main(['serve', '--host', '0.0.0.0', '--config', join(dir, 'none.json')], c.streams)).toBe(2);
    const cfg = join(dir, 'empty.json');
    writeFileSync(cfg, '{}');
    const d = capture();
    expect(await main(['serve', '--host', '0.0.0.0', '--config', cfg], d.streams)).toBe(2);
    expect(d.err.join('')).toContain('not loopback and no auth is configured');
  });
});
