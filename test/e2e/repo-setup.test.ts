// The repository's own set-up and test commands (scripts/): a set-up step prints one line and keeps
// its output in a log shown only on failure; test tasks are cached by turbo on their inputs, with
// the vitest report as their output; `npm test` prints the test totals from those reports.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { tempProjects } from './cli.js';
import { readJson, type PackageJson } from './results.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** Imports one of the repository's scripts (plain .mjs, no types) as the `M` the test expects. */
const script = <M>(path: string): Promise<M> =>
  import(pathToFileURL(join(ROOT, 'scripts', path)).href) as Promise<M>;

/** scripts/lib/quiet-step.mjs, as the tests call it. */
interface QuietStepModule {
  quietStep: (o: {
    title: string;
    cmd: string;
    log: string;
    out: { write(s: string): void };
    err: { write(s: string): void };
  }) => number;
}

/** scripts/lib/test-totals.mjs, as the tests call it. */
interface TestTotalsModule {
  readTotals: (dirs: readonly string[]) => unknown[];
  formatTotals: (packages: unknown[]) => string;
}
const project = tempProjects();

/** Collects what a step writes. */
function sink(): { text: string; write(s: string): void } {
  return {
    text: '',
    write(s: string) {
      this.text += s;
    },
  };
}

describe('a quiet set-up step', () => {
  const noisy = (exit: number): string =>
    `${JSON.stringify(process.execPath)} -e "for (let i = 0; i < 100; i++) console.log('cc -O2 part ' + i); process.exit(${exit})"`;

  it('prints one line; the command output goes to the log only', async () => {
    const { quietStep } = await script<QuietStepModule>('lib/quiet-step.mjs');
    const log = join(project(), 'logs', 'setup.log');
    const out = sink();
    const err = sink();
    const status = quietStep({ title: 'building better-sqlite3', cmd: noisy(0), log, out, err });
    expect(status).toBe(0);
    expect(out.text).toMatch(/^setup: building better-sqlite3 \(log: .*setup\.log\)… done in \d+s\n$/);
    expect(err.text).toBe('');
    const logged = readFileSync(log, 'utf8');
    expect(logged).toContain('cc -O2 part 0\n');
    expect(logged).toContain('cc -O2 part 99\n');
  });

  it('on failure shows the log and returns the exit status', async () => {
    const { quietStep } = await script<QuietStepModule>('lib/quiet-step.mjs');
    const log = join(project(), 'setup.log');
    const out = sink();
    const err = sink();
    expect(quietStep({ title: 'installing', cmd: noisy(3), log, out, err })).toBe(3);
    expect(out.text).toMatch(/… FAILED\n$/);
    expect(err.text).toContain('failed (exit 3)');
    expect(err.text).toContain('cc -O2 part 99');
  });
});

describe('test totals', () => {
  it('sums the vitest reports of the packages and names the ones that did not run', async () => {
    const { formatTotals, readTotals } = await script<TestTotalsModule>('lib/test-totals.mjs');
    const root = project();
    const pkg = (name: string, report?: object): string => {
      const dir = join(root, name);
      mkdirSync(join(dir, '.test-results'), { recursive: true });
      writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: `@weft/${name}` }));
      if (report) writeFileSync(join(dir, '.test-results', 'vitest.json'), JSON.stringify(report));
      return dir;
    };
    const dirs = [
      pkg('core', {
        numTotalTests: 120,
        numPassedTests: 118,
        numFailedTests: 1,
        numPendingTests: 1,
        numTodoTests: 0,
      }),
      pkg('cli', {
        numTotalTests: 40,
        numPassedTests: 40,
        numFailedTests: 0,
        numPendingTests: 0,
        numTodoTests: 0,
      }),
      pkg('bench'),
    ];
    const text = formatTotals(readTotals(dirs));
    expect(text.split('\n')).toEqual([
      '  @weft/core   118 passed, 1 failed, 1 skipped',
      '  @weft/cli    40 passed, 0 failed',
      '  @weft/bench  not run',
      'tests: 158 passed, 1 failed, 1 skipped (160 in 2 packages; 1 not run)',
    ]);
  });

  it('is what npm test ends with', () => {
    const pkg = readJson<PackageJson>(join(ROOT, 'package.json'));
    expect(pkg.scripts?.test).toContain('node scripts/run-tests.mjs');
    const run = readFileSync(join(ROOT, 'scripts', 'run-tests.mjs'), 'utf8');
    expect(run).toContain('formatTotals(readTotals(');
  });
});

describe('turbo caches test tasks on their inputs', () => {
  it('every package: test is cacheable, its report is the output, its test files (and CI) are in the hash', () => {
    const r = spawnSync(join(ROOT, 'node_modules', '.bin', 'turbo'), ['run', 'test', '--dry=json'], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...process.env, TURBO_TELEMETRY_DISABLED: '1' },
      maxBuffer: 64 << 20,
    });
    expect(r.status, r.stderr).toBe(0);
    const dry = JSON.parse(r.stdout) as {
      tasks: {
        taskId: string;
        task: string;
        package: string;
        inputs: Record<string, string>;
        outputs: string[];
        resolvedTaskDefinition: { cache: boolean; env: string[] };
      }[];
    };
    const tests = dry.tasks.filter((t) => t.task === 'test');
    const withTests = [
      ...readdirSync(join(ROOT, 'packages')).map((d) => join(ROOT, 'packages', d)),
      join(ROOT, 'test'),
    ]
      .map((d) => readJson<PackageJson>(join(d, 'package.json')))
      .filter((p) => p.scripts?.test);
    // Each test script writes the vitest report that is the task's output and feeds the totals.
    for (const p of withTests)
      expect(p.scripts?.test, p.name).toContain('--outputFile.json=.test-results/vitest.json');
    const names = withTests.map((p) => p.name);
    expect(tests.map((t) => t.package).sort()).toEqual(names.sort());
    for (const t of tests) {
      expect(t.resolvedTaskDefinition.cache, t.taskId).toBe(true);
      expect(t.outputs, t.taskId).toContain('.test-results/**');
      expect(t.resolvedTaskDefinition.env, t.taskId).toContain('CI');
      expect(
        Object.keys(t.inputs).some((f) => f.endsWith('.test.ts')),
        t.taskId,
      ).toBe(true);
    }
    // The e2e suite checks the top README's example and the scripts: they are its inputs (only its).
    const e2e = Object.keys(tests.find((t) => t.package === '@weft/test')!.inputs);
    expect(e2e).toContain('../README.md');
    expect(e2e).toContain('../scripts/run-tests.mjs');
    expect(Object.keys(tests.find((t) => t.package === '@weft/core')!.inputs)).not.toContain('../README.md');
  });
});
