import { describe, expect, it } from 'vitest';
import { describeLimits, parseMaxMemory, parseThreads, resolveLimits } from '../src/run/limits.js';
import type { Io } from '../src/util/output.js';

const io = (): Io => ({ json: false, quiet: false, tty: false, out: () => {}, err: () => {}, warnings: [] });

describe('run limits', () => {
  it('bounds --threads at 4 per core', () => {
    expect(parseThreads('8', 2)).toBe(8);
    expect(() => parseThreads('9', 2)).toThrow(/far above the 2 cores .*at most 8/);
    expect(() => parseThreads('0', 2)).toThrow(/integer ≥ 1/);
    expect(parseThreads(undefined, 2)).toBeUndefined();
  });

  it('parses --max-memory as whole MB ≥ 16', () => {
    expect(parseMaxMemory('512')).toBe(512);
    expect(() => parseMaxMemory('15')).toThrow(/≥ 16/);
  });

  it('resolves threads (option, then tuning, then cores) and the cap, warning above the cores', () => {
    const w = io();
    expect(resolveLimits({ orchestrator: 'workers', tunedThreads: 3 }, w, 4)).toMatchObject({
      threads: 3,
      memoryCapFrom: 'default',
    });
    expect(w.warnings).toEqual([]);
    const l = resolveLimits({ orchestrator: 'workers', threads: 6, maxMemoryMb: 128 }, w, 4);
    expect(l).toEqual({
      orchestrator: 'workers',
      threads: 6,
      cores: 4,
      memoryCapMb: 128,
      memoryCapFrom: 'option',
    });
    expect(w.warnings.map((x) => x.code)).toEqual(['THREADS_ABOVE_CORES']);
    expect(describeLimits(l)).toBe(
      'weft: workers, 6 threads on 4 cores, memory cap 128 MB per worker (--max-memory)',
    );
    expect(resolveLimits({ orchestrator: 'direct' }, io(), 4)).toMatchObject({
      threads: null,
      memoryCapMb: null,
    });
    expect(() => resolveLimits({ orchestrator: 'direct', maxMemoryMb: 64 }, io(), 4)).toThrow(
      /does not apply/,
    );
  });
});
