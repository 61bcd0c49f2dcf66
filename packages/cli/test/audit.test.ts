import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AuditLog, GENESIS, entryHash, verifyAudit } from '../src/run/audit.js';

let dir: string;
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function log(n: number): { file: string; heads: { count: number; hash: string }[] } {
  dir = mkdtempSync(join(tmpdir(), 'weft-audit-'));
  const file = join(dir, 'audit.jsonl');
  const heads: { count: number; hash: string }[] = [];
  const a = new AuditLog(file, (count, hash) => heads.push({ count, hash }));
  for (let i = 0; i < n; i++) a.append({ type: 'step.end', seq: i + 1, step: `s${i}` });
  a.flush();
  return { file, heads };
}

describe('audit log', () => {
  it('chains entries from the genesis hash and anchors the head on flush', () => {
    const { file, heads } = log(3);
    const lines = readFileSync(file, 'utf8')
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as { i: number; prev: string; hash: string; event: unknown });
    expect(lines.map((l) => l.i)).toEqual([0, 1, 2]);
    expect(lines[0]!.prev).toBe(GENESIS);
    expect(lines[1]!.prev).toBe(lines[0]!.hash);
    expect(lines[0]!.hash).toBe(entryHash(GENESIS, 0, JSON.stringify(lines[0]!.event)));
    expect(heads.at(-1)).toEqual({ count: 3, hash: lines[2]!.hash });
  });

  it('continues the chain across sessions (a resumed run appends to the same log)', () => {
    const { file } = log(2);
    const b = new AuditLog(file, () => undefined);
    b.append({ type: 'run.start', seq: 1 });
    b.flush();
    const verdict = verifyAudit(readFileSync(file, 'utf8'));
    expect(verdict).toMatchObject({ ok: true, entries: 3 });
  });

  it('finds an edit, a deletion, a reordering and a truncation, pointing at the first bad entry', () => {
    const { file, heads } = log(6);
    const anchor = heads.at(-1)!;
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
    const check = (ls: string[]) => verifyAudit(ls.join('\n') + '\n', anchor);
    expect(check(lines)).toMatchObject({ ok: true, entries: 6 });
    expect(check(lines.map((l, i) => (i === 2 ? l.replace('"s2"', '"s9"') : l)))).toMatchObject({
      ok: false,
      firstBad: { index: 2, reason: 'edited' },
    });
    expect(check(lines.filter((_, i) => i !== 1))).toMatchObject({
      ok: false,
      firstBad: { index: 1, reason: 'out-of-order' },
    });
    expect(check([lines[0]!, lines[2]!, lines[1]!, ...lines.slice(3)])).toMatchObject({
      ok: false,
      firstBad: { index: 1, reason: 'out-of-order' },
    });
    expect(check(lines.slice(0, 4))).toMatchObject({
      ok: false,
      firstBad: { index: 4, reason: 'truncated' },
    });
    expect(check([...lines.slice(0, 3), '{"i":3,"pre'])).toMatchObject({
      ok: false,
      firstBad: { index: 3, reason: 'unparsable' },
    });
  });

  it('a renumbered forgery (entries rewritten with new positions) still breaks the chain', () => {
    const { file, heads } = log(4);
    const lines = readFileSync(file, 'utf8')
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    lines.splice(1, 1);
    const forged = lines.map((e, i) => JSON.stringify({ ...e, i }));
    expect(verifyAudit(forged.join('\n'), heads.at(-1))).toMatchObject({
      ok: false,
      firstBad: { index: 1, reason: 'broken-chain' },
    });
  });
});
