import type { BenchReport, CaseResult, SuiteResult } from './runner.js';
import type { Summary } from './stats.js';

/** A number with 3 significant digits (more for large integers), plain text. */
export function fmt(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  const a = Math.abs(n);
  if (a >= 100) return Math.round(n).toLocaleString('en-US');
  if (a >= 10) return n.toFixed(1);
  if (a >= 1) return n.toFixed(2);
  if (a === 0) return '0';
  return n.toPrecision(3);
}

/** A rate with a k/M suffix: 1.23M, 456k. */
export function fmtRate(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  if (n >= 1e6) return `${fmt(n / 1e6)}M`;
  if (n >= 1e4) return `${fmt(n / 1e3)}k`;
  return fmt(n);
}

function range(s: Summary, f: (n: number) => string = fmt): string {
  return `${f(s.median)} (${f(s.min)}–${f(s.max)})`;
}

/** How a case compares with the baseline: `174× slower (160–190)`, `1.90× faster (1.8–2.0)`. */
function versus(c: CaseResult): string {
  if (c.baseline) return 'baseline';
  const r = c.ratio;
  if (r.median >= 1) return `${fmt(r.median)}× slower (${fmt(r.min)}–${fmt(r.max)})`;
  const s = c.speedup;
  return `${fmt(s.median)}× faster (${fmt(s.min)}–${fmt(s.max)})`;
}

function table(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows
    .map((r) =>
      r
        .map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** One suite as a plain-text table: medians with min–max across runs, ratios against the baseline. */
export function formatSuite(s: SuiteResult): string {
  const runs = s.runs;
  const params = Object.entries(s.params)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
  const head = [
    `${s.name}: ${s.description}`,
    `  ${params ? `${params}; ` : ''}${runs} run${runs === 1 ? '' : 's'}${s.iterations !== undefined ? ` of ${s.iterations} call${s.iterations === 1 ? '' : 's'}` : ''}: median (min–max) over the runs of each run's median call; mean = median of the runs' mean calls (GC pauses included)`,
  ];
  const rate = s.latency !== true;
  const rows: string[][] = [
    [
      'case',
      `µs/${s.unit}`,
      'mean',
      ...(rate ? [`${s.unit}s/s`] : []),
      `vs ${s.baseline}`,
      `+µs/${s.unit}`,
      'other',
    ],
  ];
  for (const c of s.cases) {
    const other = Object.entries(c.metrics)
      .map(([k, v]) => `${k} ${fmt(v.median)}`)
      .join(', ');
    rows.push([
      c.name,
      range(c.usPerUnit),
      fmt(c.meanUsPerUnit.median),
      ...(rate ? [range(c.unitsPerSecond, fmtRate)] : []),
      versus(c),
      c.baseline ? '' : fmt(c.overheadUsPerUnit.median),
      other,
    ]);
  }
  const body = table(rows)
    .split('\n')
    .map((l) => `  ${l}`);
  const targets = s.targets.map((t) => {
    const bound = t.max !== undefined ? `≤ ${fmt(t.max)}` : `≥ ${fmt(t.min ?? Number.NaN)}`;
    const verdict = s.smoke ? 'n/a (smoke)' : t.met ? 'met' : 'MISSED';
    return `  target ${verdict}  ${t.case}: ${t.metric === 'extra' ? t.extra : t.metric} ${fmt(t.value)} (${bound}) — ${t.label}`;
  });
  const skipped = (s.skipped ?? []).map((k) => `  skipped  ${k.case}: ${k.reason}`);
  return [...head, ...body, ...skipped, ...targets].join('\n');
}

/** A whole report as text: the machine, then one table per suite. */
export function formatReport(r: BenchReport): string {
  const e = r.environment;
  const mode = r.options.smoke ? ' [smoke: tiny sizes, figures meaningless]' : '';
  const lines = [
    `weft bench: node ${e.node} ${e.platform}/${e.arch}, ${e.cores} × ${e.cpu}, ${e.memoryGiB} GiB, load average ${e.loadAverage} at start${mode}`,
    '',
  ];
  for (const s of r.suites) lines.push(formatSuite(s), '');
  return lines.join('\n');
}
