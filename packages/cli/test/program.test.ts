import { describe, expect, it } from 'vitest';
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

describe('main', () => {
  it('--help exits 0 and lists every command', async () => {
    const c = capture();
    expect(await main(['--help'], c.streams)).toBe(0);
    const text = c.out.join('');
    for (const cmd of ['run', 'resume', 'validate', 'graph', 'runs', 'audit', 'schema'])
      expect(text).toContain(cmd);
  });

  it('a usage error is exit 2 with one envelope under --json, and no commander text', async () => {
    const c = capture();
    expect(await main(['run', '--json'], c.streams)).toBe(2);
    expect(c.err).toEqual([]);
    expect(JSON.parse(c.out.join(''))).toMatchObject({ ok: false, error: { code: 'USAGE_INVALID' } });
  });

  it('schema prints the JSON Schema', async () => {
    const c = capture();
    expect(await main(['schema'], c.streams)).toBe(0);
    expect(JSON.parse(c.out.join(''))).toMatchObject({ title: 'Weft pipeline' });
  });
});
