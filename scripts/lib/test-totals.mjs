// The test totals of `npm test`: each package's vitest writes a JSON report
// (.test-results/vitest.json, a turbo output, so a cached test task restores it); this sums them.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/** The directories of the workspace packages that can have test results. */
export function packageDirs(root) {
  const dirs = readdirSync(join(root, 'packages'))
    .map((d) => join(root, 'packages', d))
    .filter((d) => existsSync(join(d, 'package.json')));
  return [...dirs, join(root, 'test')].filter((d) => existsSync(join(d, 'package.json')));
}

/** Reads each package's report; a package without one is listed as not run. */
export function readTotals(dirs) {
  const packages = [];
  for (const dir of dirs) {
    const name = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).name;
    const file = join(dir, '.test-results', 'vitest.json');
    if (!existsSync(file)) {
      packages.push({ name, ran: false });
      continue;
    }
    const r = JSON.parse(readFileSync(file, 'utf8'));
    packages.push({
      name,
      ran: true,
      files: r.numTotalTestSuites ?? r.testResults?.length ?? 0,
      passed: r.numPassedTests ?? 0,
      failed: r.numFailedTests ?? 0,
      skipped: (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0),
      total: r.numTotalTests ?? 0,
    });
  }
  return packages;
}

/** The totals as text: one line per package, then the sum. */
export function formatTotals(packages) {
  const ran = packages.filter((p) => p.ran);
  const sum = (k) => ran.reduce((n, p) => n + p[k], 0);
  const n = (x) => x.toLocaleString('en-US');
  const line = (p) =>
    `${n(p.passed)} passed, ${n(p.failed)} failed${p.skipped ? `, ${n(p.skipped)} skipped` : ''}`;
  const width = Math.max(...packages.map((p) => p.name.length));
  const lines = packages.map((p) => `  ${p.name.padEnd(width)}  ${p.ran ? line(p) : 'not run'}`);
  const missing = packages.length - ran.length;
  lines.push(
    `tests: ${line({ passed: sum('passed'), failed: sum('failed'), skipped: sum('skipped') })} (${n(sum('total'))} in ${ran.length} package${ran.length === 1 ? '' : 's'}${missing ? `; ${missing} not run` : ''})`,
  );
  return lines.join('\n');
}
