// examples/embedded-durable: a plain Node program on @weft/core + @weft/store runs a pipeline
// durably, is SIGKILLed mid-run, and resumes the same run: same output as an uninterrupted run,
// what the first process completed taken from the store, events numbered after the first session's.
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { openStore } from '@weft/store';
import { tempProjects, type JsonObject } from './cli.js';

const EXAMPLE = fileURLToPath(new URL('../../examples/embedded-durable/run.mjs', import.meta.url));
const project = tempProjects();

const run = (dir: string, args: string[]) => {
  const r = spawnSync(process.execPath, [EXAMPLE, '--dir', join(dir, '.weft'), ...args], {
    encoding: 'utf8',
  });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as JsonObject);
};

function killAfter(dir: string, args: string[], lines: number): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [EXAMPLE, '--dir', join(dir, '.weft'), ...args], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    let seen = 0;
    let killed = false;
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      for (const ch of chunk) if (ch === '\n') seen++;
      if (!killed && seen >= lines) killed = child.kill('SIGKILL');
    });
    child.on('close', () => resolve(killed));
  });
}

describe('examples/embedded-durable', () => {
  it('runs durably, is killed, and resumes to the same result', async () => {
    const reference = run(project(), ['--items', '1500']).at(-1)!;
    expect(reference).toMatchObject({ status: 'succeeded', output: { count: 1500 } });

    const dir = project();
    const args = ['--items', '1500', '--run-id', 'job', '--events'];
    expect(await killAfter(dir, args, 900)).toBe(true);
    const lines = run(dir, args);
    const result = lines.at(-1)!;
    expect(result).toMatchObject({ status: 'succeeded', output: reference['output'], sessions: 2 });
    const events = lines.slice(0, -1);
    expect(events.filter((e) => e['cached'] === true).length).toBeGreaterThan(300);

    const store = await openStore(join(dir, '.weft'));
    try {
      const sessions = await store.runs.sessions('job');
      expect(sessions.map((s) => [s.kind, s.status])).toEqual([
        ['start', 'interrupted'],
        ['recover', 'succeeded'],
      ]);
      expect(events[0]!['seq']).toBe(sessions[0]!.lastSeq! + 1);
      expect(events.map((e) => e['seq'])).toEqual(events.map((_, i) => sessions[1]!.firstSeq + i));
      const all = await store.events.read('job', 0);
      expect(all.map((e) => e.seq)).toEqual(all.map((_, i) => i + 1));
      expect(store.audit.verify('job')).toMatchObject({
        ok: true,
        entries: all.filter((e) => e.type !== 'token').length,
      });
    } finally {
      await store.close();
    }
  });
});
