#!/usr/bin/env node
// Runs the actors suites (until the bench CLI lists them):
//   node packages/bench/dist/suites/actors-run.js [--suite <name>]… [--runs N] [--time ms] [--smoke] [--json]
import { parseArgs } from 'node:util';
import { formatReport } from '../report.js';
import { runSuites } from '../runner.js';
import { actorsSuites } from './actors-index.js';
import { selectSuites } from './index.js';

const { values } = parseArgs({
  options: {
    suite: { type: 'string', multiple: true },
    runs: { type: 'string' },
    time: { type: 'string' },
    smoke: { type: 'boolean' },
    json: { type: 'boolean' },
  },
});
const report = await runSuites(selectSuites(values.suite ?? [], actorsSuites), {
  smoke: values.smoke === true,
  ...(values.runs ? { runs: Number(values.runs) } : {}),
  ...(values.time ? { timeMs: Number(values.time) } : {}),
  onProgress: (m) => process.stderr.write(`${m}\n`),
});
process.stdout.write(`${values.json ? JSON.stringify(report, null, 2) : formatReport(report)}\n`);
