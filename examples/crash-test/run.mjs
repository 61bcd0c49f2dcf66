// Crash-safety drill: SIGKILLs a real `weft run` after its Nth event line, at many points spread over
// the run, then `weft resume`s it and checks the output is byte-identical to an uninterrupted run.
// Usage: node examples/crash-test/run.mjs [--points 100] [--lines 120] [--orchestrator workers|direct]
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    points: { type: 'string', default: '100' },
    lines: { type: 'string', default: '120' },
    orchestrator: { type: 'string' },
    keep: { type: 'boolean' },
  },
});
const POINTS = Number(values.points);
const LINES = Number(values.lines);
if (!Number.isInteger(POINTS) || POINTS < 2 || !Number.isInteger(LINES) || LINES < 1) {
  console.error('USAGE_INVALID: --points must be an integer ≥ 2 and --lines an integer ≥ 1');
  process.exit(2);
}
const BIN = fileURLToPath(new URL('../../packages/cli/dist/bin.js', import.meta.url));
const PIPELINE = fileURLToPath(new URL('../../test/e2e/fixtures/crash/pipeline.json', import.meta.url));
const FILES = ['output.json', 'hashes.txt', 'copy.txt'];
const extra = values.orchestrator ? ['--orchestrator', values.orchestrator] : [];
const dirs = [];

function project() {
  const dir = mkdtempSync(join(tmpdir(), 'weft-crash-'));
  mkdirSync(join(dir, '.weft'));
  dirs.push(dir);
  let s = '';
  for (let i = 0; i < LINES; i++)
    s += `line ${i}: the quick brown fox jumps over the lazy dog ${(i * 7919) % 1000}\n`;
  writeFileSync(join(dir, 'in.txt'), s);
  return dir;
}
const args = (id) => [
  'run',
  PIPELINE,
  '--out',
  'out',
  '--input',
  JSON.stringify({ file: 'in.txt' }),
  '--run-id',
  id,
  '--events',
  ...extra,
];
const weft = (a, cwd) =>
  spawnSync(process.execPath, [BIN, ...a], { cwd, encoding: 'utf8', timeout: 120_000 });
const read = (dir) => FILES.map((f) => readFileSync(join(dir, 'out', f), 'utf8'));

function killAfter(a, cwd, lines) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...a], { cwd, stdio: ['ignore', 'pipe', 'ignore'] });
    let seen = 0;
    let killed = false;
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk) => {
      for (const ch of chunk) if (ch === '\n') seen++;
      if (!killed && seen >= lines) killed = child.kill('SIGKILL');
    });
    child.on('close', () => resolve({ seen, killed }));
  });
}

const refDir = project();
const ref = weft(args('ref'), refDir);
if (ref.status !== 0) {
  console.error(`reference run failed (exit ${ref.status}):\n${ref.stderr}`);
  process.exit(1);
}
const events = ref.stdout.split('\n').filter(Boolean).length;
const reference = read(refDir);
console.log(`reference run: ${events} events; killing at ${POINTS} points`);
let killed = 0;
let failures = 0;
const started = Date.now();
for (let k = 0; k < POINTS; k++) {
  const n = 1 + Math.floor((k * (events - 1)) / (POINTS - 1));
  const dir = project();
  const kill = await killAfter(args(`crash-${k}`), dir, n);
  if (kill.killed) killed++;
  const resumed = weft(['resume', `crash-${k}`], dir);
  let verdict = 'ok';
  if (resumed.status !== 0)
    verdict = `resume exited ${resumed.status}${resumed.error ? ` (${resumed.error.message})` : ''}: ${resumed.stderr.trim()}`;
  else {
    const got = read(dir);
    const diff = FILES.filter((f, i) => got[i] !== reference[i]);
    if (diff.length) verdict = `differs: ${diff.join(', ')}`;
    else if (weft(['audit', 'verify', `crash-${k}`], dir).status !== 0) verdict = 'audit log broken';
  }
  if (verdict !== 'ok') failures++;
  console.log(
    `${String(k + 1).padStart(3)}/${POINTS} kill after ${String(n).padStart(4)} events ${kill.killed ? 'killed  ' : 'finished'} -> ${verdict}`,
  );
}
if (!values.keep) for (const d of dirs) rmSync(d, { recursive: true, force: true });
console.log(
  `${POINTS - failures} passed, ${failures} failed (${killed} runs really killed) in ${((Date.now() - started) / 1000).toFixed(0)} s`,
);
process.exit(failures === 0 ? 0 : 1);
