// The files generated from the pipeline schema (src/spec/schema.ts) stay equal to it: the published
// JSON file and the ahead-of-time Ajv validator that checkSpec runs. WEFT_UPDATE_GENERATED=1 rewrites
// them instead of failing.
import { readFileSync, writeFileSync } from 'node:fs';
import { format, resolveConfig } from 'prettier';
import { describe, expect, it } from 'vitest';
import { pipelineSchema } from '../src/index.js';
import { specValidatorSource } from './support/spec-validator-source.js';

const update = process.env['WEFT_UPDATE_GENERATED'] === '1';

/** Checks (or, updating, writes) that `file` holds `expected`. */
function inSync(file: URL, expected: string): void {
  if (update) writeFileSync(file, expected);
  expect(readFileSync(file, 'utf8'), `${file.pathname} is stale: regenerate it (see its test)`).toBe(
    expected,
  );
}

/** `text` formatted by the repository's prettier settings for `file`. */
async function formatted(file: URL, text: string): Promise<string> {
  return format(text, { ...(await resolveConfig(file)), filepath: file.pathname });
}

describe('files generated from the pipeline schema', () => {
  it('pipeline.schema.json is the exported schema', async () => {
    const file = new URL('../pipeline.schema.json', import.meta.url);
    inSync(file, await formatted(file, JSON.stringify(pipelineSchema, null, 2)));
  });

  // Left unformatted (listed in .prettierignore): formatting 150 KB takes prettier tens of seconds on a busy machine.
  it('the committed validator is Ajv’s standalone compilation of the exported schema', () => {
    inSync(
      new URL('../src/spec/pipeline-validator.generated.ts', import.meta.url),
      specValidatorSource(pipelineSchema),
    );
  });
});

describe('the schema, used by another validator (as the HTTP service and its OpenAPI document do)', () => {
  it('is self-contained: its $refs are local, and registered by its $id it keeps its meaning', async () => {
    const refs = JSON.stringify(pipelineSchema).match(/"\$ref":"[^"]*"/g) ?? [];
    expect(refs.length).toBeGreaterThan(5);
    for (const r of refs) expect(r).toMatch(/^"\$ref":"#\/\$defs\/[A-Za-z]+"$/);
    const { Ajv2020 } = await import('ajv/dist/2020.js');
    const ajv = new Ajv2020({ strict: true, strictRequired: false }).addSchema(pipelineSchema);
    const request = ajv.compile({
      $id: 'https://example.test/execute-request.json',
      type: 'object',
      required: ['pipeline'],
      properties: { pipeline: { $ref: pipelineSchema.$id } },
    });
    expect(request({ pipeline: { name: 'p', steps: { a: { run: './s.js#a' } } } })).toBe(true);
    expect(request({ pipeline: { name: 'p', steps: { a: { run: './s.js#a', retyr: 1 } } } })).toBe(false);
  });
});
