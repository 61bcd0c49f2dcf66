#!/usr/bin/env node
// `npm run bench` at the repo root: node packages/bench/dist/cli.js [--suite …] [--smoke] [--json] [--runs N]
import { benchMain } from './main.js';

process.exitCode = await benchMain(process.argv.slice(2));
