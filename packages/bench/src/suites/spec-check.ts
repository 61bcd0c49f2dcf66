import { checkSpec, pipelineFromSpec } from '@weft/core';
import type { Suite } from '../suite.js';

/** Steps of the large JSON pipeline the suite checks. */
export const SPEC_STEPS = 5_000;
const SMOKE_STEPS = 20;

/** A valid chain of `n` steps mixing run, map (with a code object) and retry policies. */
export function largeSpec(n: number): Record<string, unknown> {
  const steps: Record<string, unknown> = {};
  for (let i = 0; i < n; i++) {
    const to = i < n - 1 ? { to: [`s${i + 1}`] } : {};
    steps[`s${i}`] =
      i % 3 === 0
        ? { map: { module: './steps.js', export: 'square' }, chunkSize: 16, ...to }
        : i % 3 === 1
          ? {
              run: './steps.js#count',
              retry: { attempts: 3, initialDelayMs: 10, retryOn: ['E'] },
              timeoutMs: 500,
              ...to,
            }
          : { run: './steps.js#sum', params: { k: i }, placement: 'worker', ...to };
  }
  return {
    name: 'large',
    version: '1',
    quotas: { maxConcurrency: 4 },
    state: { t: { reducer: 'sum' } },
    steps,
  };
}

/**
 * Cost of checking a large JSON pipeline (issue 10: one schema, validated by Ajv compiled ahead of
 * time): `checkSpec` of a valid 5,000-step document, of one whose every tenth step has a problem
 * (the messages path), and the whole `pipelineFromSpec` (schema, build and graph validation),
 * against `JSON.parse` of the same file as the yardstick.
 */
export const specCheckSuite: Suite = {
  name: 'spec-check',
  description: `checking a ${SPEC_STEPS.toLocaleString('en-US')}-step JSON pipeline: checkSpec and pipelineFromSpec vs JSON.parse of the file`,
  setup({ smoke }) {
    const n = smoke ? SMOKE_STEPS : SPEC_STEPS;
    const doc = largeSpec(n);
    const text = JSON.stringify(doc);
    const bad = structuredClone(doc) as { steps: Record<string, Record<string, unknown>> };
    for (let i = 0; i < n; i += 10) bad.steps[`s${i}`]!['retyr'] = 2;
    const url = 'file:///bench/pipeline.json';
    return {
      unit: 'step',
      baseline: 'JSON.parse',
      params: { steps: n, bytes: text.length },
      cases: [
        {
          name: 'JSON.parse',
          description: 'JSON.parse of the pipeline file (the yardstick)',
          units: n,
          run() {
            if ((JSON.parse(text) as { name: string }).name !== 'large') throw new Error('parse');
          },
        },
        {
          name: 'checkSpec',
          description: 'checkSpec of the valid document',
          units: n,
          run() {
            const found = checkSpec(doc);
            if (found.length !== 0) throw new Error(`checkSpec: ${found[0]!.message}`);
          },
        },
        {
          name: 'checkSpec invalid',
          description: 'checkSpec of the document with an unknown key in every tenth step (messages built)',
          units: n,
          run() {
            const found = checkSpec(bad);
            if (found.length !== Math.ceil(n / 10))
              throw new Error(`checkSpec invalid: ${found.length} problems`);
          },
        },
        {
          name: 'pipelineFromSpec',
          description: 'pipelineFromSpec: schema check, build and graph validation',
          units: n,
          run() {
            const r = pipelineFromSpec(doc, { url });
            if (!r.ok) throw new Error(`pipelineFromSpec: ${r.problems[0]!.message}`);
          },
        },
      ],
    };
  },
};
