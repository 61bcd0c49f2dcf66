// The starter pipeline `weft init` writes: a pipeline file and its steps module that run as they
// are, and the exact command that runs them from the project root.
import { existsSync } from 'node:fs';
import { basename, join, relative, sep } from 'node:path';
import { writeFileAtomic } from '../util/atomic.js';

/** The starter's pipeline file, relative to the project root. */
export const STARTER_PIPELINE = 'pipeline.json';
/** The starter's steps module, relative to the project root. */
export const STARTER_STEPS = 'steps.mjs';
/** The input the printed command passes. */
export const STARTER_INPUT = 'the quick brown fox jumps over the lazy dog';

const PIPELINE = {
  name: 'starter',
  description:
    'Splits a text into words, measures each word on a worker thread (a map), and sums up. Edit steps.mjs and run again.',
  steps: {
    words: { run: `./${STARTER_STEPS}#words`, to: 'measure' },
    measure: { map: `./${STARTER_STEPS}#measure`, to: 'summary' },
    summary: { run: `./${STARTER_STEPS}#summary` },
  },
};

const STEPS = `// The steps of pipeline.json: plain functions, found by this module's path and their export name,
// so they run on the main thread or on worker threads alike. Each gets the previous step's output.

/** Splits the run's input text into words. */
export function words(text) {
  return String(text).split(/\\s+/).filter(Boolean);
}

/** A map step: called once per word, spread over the worker threads. */
export function measure(word) {
  return { word, letters: word.replace(/[^\\p{L}]/gu, '').length };
}

/** Gathers the map's results (in input order). */
export function summary(measured) {
  const longest = measured.reduce((a, b) => (b.letters > a.letters ? b : a), { word: '', letters: 0 });
  const letters = measured.reduce((n, m) => n + m.letters, 0);
  return { words: measured.length, letters, longest: longest.word };
}
`;

/** What `weft init` did about the starter pipeline. */
export interface StarterReport {
  /** `created`: both files written; `kept`: one of them already existed, nothing written. */
  readonly action: 'created' | 'kept';
  readonly files: readonly string[];
  /** The command that runs the starter from the project root. */
  readonly command: string;
}

/**
 * Writes `pipeline.json` and `steps.mjs` into `root` unless either exists (then nothing is written:
 * a project's own files are never replaced), and says how to run them.
 */
export function writeStarter(root: string, invokedAs: string = process.argv[1] ?? 'weft'): StarterReport {
  const files = [STARTER_PIPELINE, STARTER_STEPS];
  const exists = files.some((f) => existsSync(join(root, f)));
  if (!exists) {
    writeFileAtomic(join(root, STARTER_STEPS), STEPS);
    writeFileAtomic(join(root, STARTER_PIPELINE), JSON.stringify(PIPELINE, null, 2) + '\n');
  }
  return {
    action: exists ? 'kept' : 'created',
    files,
    command: `${weftCommand(root, invokedAs)} run ${STARTER_PIPELINE} --input '"${STARTER_INPUT}"'`,
  };
}

/**
 * How the user starts this `weft` from `root`: `npx weft` when it is installed in a node_modules,
 * `weft` when it was started by that name (installed globally), else `node <its path>`.
 */
export function weftCommand(root: string, invokedAs: string): string {
  if (invokedAs.split(/[\\/]/).includes('node_modules')) return 'npx weft';
  if (basename(invokedAs) === 'weft') return 'weft';
  const rel = relative(root, invokedAs);
  return `node ${rel.startsWith('..') || rel.startsWith(sep) ? invokedAs : rel}`;
}
