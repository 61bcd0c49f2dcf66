import { describe, expect, it } from 'vitest';
import type { Store, ValueRef } from '@weft/core/store';
import { entryHash, entryLine } from '../shared/audit-chain.js';
import type { ContractContext } from './context.js';
import { events } from './fixtures.js';

function write(s: Store, runId: string, n: number, from = 1): void {
  s.audit.append(events(runId, from, n).map((body) => ({ runId, kind: 'event' as const, body })));
  s.audit.flush();
}

const lines = (t: string): string[] => t.split('\n').filter((l) => l.length > 0);

/** AuditLog: chained, anchored, every kind of tampering found, a torn line repaired and reported. */
export function auditContract(c: ContractContext): void {
  describe('AuditLog', () => {
    it('verifies an untouched log against its anchored head', () => {
      const s = c.store();
      expect(s.audit.verify('a')).toEqual({ ok: true, entries: 0, head: '0'.repeat(64) });
      write(s, 'a', 5);
      s.audit.append([{ runId: 'a', kind: 'action', body: { action: 'cancel', principal: 'ops' } }]);
      s.audit.flush();
      const head = s.audit.head('a');
      expect(head?.count).toBe(6);
      expect(s.audit.verify('a')).toEqual({ ok: true, entries: 6, head: head!.hash });
    });

    it.each([
      [
        'edited',
        (l: string[]) => [l[0]!, l[1]!.replace('"index":2', '"index":666'), ...l.slice(2)],
        'edited',
        1,
      ],
      ['deleted', (l: string[]) => [l[0]!, ...l.slice(2)], 'out-of-order', 1],
      ['reordered', (l: string[]) => [l[1]!, l[0]!, ...l.slice(2)], 'out-of-order', 0],
      ['truncated', (l: string[]) => l.slice(0, 3), 'truncated', 3],
    ] as const)('finds an %s entry', (_what, change, reason, index) => {
      const s = c.store();
      write(s, 'a', 5);
      c.h.setAuditText(s, 'a', change(lines(c.h.auditText(s, 'a'))).join('\n') + '\n');
      const v = s.audit.verify('a');
      expect(v.ok).toBe(false);
      if (!v.ok) expect(v.firstBad).toMatchObject({ reason, index });
    });

    it('finds an entry appended after the anchored head, even with a correct hash', () => {
      const s = c.store();
      write(s, 'a', 3);
      const good = c.h.auditText(s, 'a');
      const last = JSON.parse(lines(good)[2]!) as { hash: string };
      // An attacker who knows the formula chains a correct entry after the last one.
      const json = JSON.stringify(events('a', 99, 1)[0]);
      const hash = entryHash(last.hash, 3, json);
      c.h.setAuditText(s, 'a', good + entryLine(3, last.hash, hash, json));
      const v = s.audit.verify('a');
      expect(v.ok).toBe(false);
      if (!v.ok) expect(v.firstBad).toMatchObject({ reason: 'appended', index: 3 });
    });

    it('repairs a torn last line left by a crash, reports it, and goes on appending', () => {
      const s = c.store();
      write(s, 'a', 4);
      c.h.setAuditText(s, 'a', c.h.auditText(s, 'a') + '{"i":4,"prev":"ab');
      write(s, 'a', 2, 5);
      const v = s.audit.verify('a');
      expect(v).toMatchObject({ ok: true, entries: 6, repaired: expect.stringMatching(/torn/) });
      expect(c.h.auditText(s, 'a').endsWith('\n')).toBe(true);
    });

    it('records large values of audited events by their hash', () => {
      const s = c.store();
      const big = 'z'.repeat(100_000);
      s.audit.append([
        {
          runId: 'a',
          kind: 'event',
          body: {
            runId: 'a',
            seq: 1,
            time: 1,
            path: [],
            type: 'step.end',
            step: 's',
            invocation: 1,
            attempt: 1,
            durationMs: 1,
            output: big,
          },
        },
      ]);
      s.audit.flush();
      const entry = JSON.parse(lines(c.h.auditText(s, 'a'))[0]!) as { event: { output: ValueRef } };
      expect(s.values.get(entry.event.output)).toBe(big);
      expect(c.h.auditText(s, 'a').length).toBeLessThan(2000);
    });
  });
}
