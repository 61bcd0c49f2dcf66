import { PROCESSOR_REF } from '../catalogue/catalogue-document.js';

/**
 * The JSON Schema (draft 2020-12) of a JSON pipeline declaration, format 1: the one statement of
 * the file's rules. `checkSpec` validates with this very schema (compiled ahead of time by Ajv into
 * `pipeline-validator.generated.ts`) and only turns Ajv's errors into messages; the same object is
 * published as `@weft/core/pipeline.schema.json`. It is self-contained: another validator (the HTTP
 * service, its OpenAPI document) registers it by its `$id` and refers to it with `{ $ref: $id }`.
 * `title` names each kind of object in messages ("unknown step property ..."); a `not: {}` carries
 * its message in `description`. Graph rules (cycles, unknown targets, joins) are the compiler's.
 */
const name = { type: 'string', pattern: '^[A-Za-z0-9_][A-Za-z0-9_.-]*$', maxLength: 128 } as const;
const names = {
  oneOf: [{ $ref: '#/$defs/name' }, { type: 'array', items: { $ref: '#/$defs/name' }, uniqueItems: true }],
} as const;
const posNumber = { type: 'number', exclusiveMinimum: 0 } as const;
const posInt = { type: 'integer', minimum: 1 } as const;

export const pipelineSchema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: 'https://weft.dev/schema/pipeline-1.json',
  title: 'Weft pipeline',
  description:
    'A Weft pipeline declared in JSON: steps (module + export), edges, map/switch/sub, joins, retries, timeouts, quotas and parameters.',
  $ref: '#/$defs/pipeline',
  $defs: {
    name,
    names,
    pipeline: {
      title: 'pipeline',
      type: 'object',
      required: ['name', 'steps'],
      additionalProperties: false,
      properties: {
        $schema: { type: 'string' },
        weft: { const: 1, description: 'Format version of this file (1).' },
        name: { $ref: '#/$defs/name' },
        description: { type: 'string' },
        version: {
          type: 'string',
          description: "Declared version of the whole pipeline; feeds every step's idempotency key.",
        },
        params: { type: 'object', description: "Defaults merged under every step's params." },
        state: {
          type: 'object',
          additionalProperties: {
            title: 'state key',
            type: 'object',
            required: ['reducer'],
            additionalProperties: false,
            properties: {
              reducer: { enum: ['replace', 'append', 'sum', 'max', 'min', 'merge', 'union'] },
              initial: {},
            },
          },
        },
        quotas: {
          title: 'quotas',
          type: 'object',
          additionalProperties: false,
          description: 'Run-wide limits.',
          properties: { maxConcurrency: posInt, maxSteps: posInt, chunkSize: posInt, timeoutMs: posNumber },
        },
        steps: {
          type: 'object',
          minProperties: 1,
          propertyNames: { $ref: '#/$defs/name' },
          additionalProperties: { $ref: '#/$defs/step' },
        },
        edges: {
          type: 'array',
          description: 'Static edges, merged with each step\'s "to".',
          items: {
            title: 'edge',
            type: 'object',
            required: ['from', 'to'],
            additionalProperties: false,
            properties: { from: { $ref: '#/$defs/name' }, to: { $ref: '#/$defs/names' } },
          },
        },
      },
    },
    processor: {
      type: 'string',
      pattern: PROCESSOR_REF.source,
      description:
        'A processor from the project\'s catalogue, "name@version" (e.g. "text/uppercase@2"): a run step, or { "processor" } as the code of a map or switch. Its version feeds the step\'s idempotency key.',
    },
    code: {
      description:
        '"./module.js#export" or { module, export }; a relative module is resolved against the pipeline file.',
      oneOf: [
        { type: 'string', pattern: '^[^#]+#[A-Za-z_$][A-Za-z0-9_$]*$' },
        {
          title: 'code reference',
          type: 'object',
          required: ['module', 'export'],
          additionalProperties: false,
          properties: {
            module: { type: 'string', minLength: 1 },
            export: { type: 'string', pattern: '^[A-Za-z_$][A-Za-z0-9_$]*$' },
          },
        },
        {
          title: 'processor reference',
          type: 'object',
          required: ['processor'],
          additionalProperties: false,
          properties: { processor: { $ref: '#/$defs/processor' } },
        },
      ],
    },
    retry: {
      oneOf: [
        posInt,
        {
          title: 'retry policy',
          type: 'object',
          required: ['attempts'],
          additionalProperties: false,
          properties: {
            attempts: posInt,
            initialDelayMs: { type: 'number', minimum: 0 },
            factor: { type: 'number', minimum: 1 },
            maxDelayMs: { type: 'number', minimum: 0 },
            jitter: { type: 'number', minimum: 0, maximum: 1 },
            retryOn: { oneOf: [{ const: 'all' }, { type: 'array', items: { type: 'string' } }] },
          },
        },
      ],
    },
    step: {
      title: 'step',
      type: 'object',
      description: 'Exactly one of run, map, switch, sub or processor.',
      oneOf: [
        { required: ['run'] },
        { required: ['map'] },
        { required: ['switch'] },
        { required: ['sub'] },
        { required: ['processor'] },
      ],
      allOf: [
        {
          if: { required: ['switch'] },
          then: {
            title: 'switch step',
            required: ['cases'],
            properties: {
              to: { not: {}, description: 'a switch routes with "cases" and "default", not "to"' },
            },
          },
          else: {
            properties: {
              cases: { not: {}, description: '"cases" applies only to a switch step' },
              default: { not: {}, description: '"default" applies only to a switch step' },
            },
          },
        },
        {
          if: { required: ['map'] },
          else: {
            properties: { chunkSize: { not: {}, description: '"chunkSize" applies only to a map step' } },
          },
        },
        {
          if: { required: ['sub'] },
          then: {
            properties: { writes: { not: {}, description: '"writes" applies to the steps inside a sub' } },
          },
        },
      ],
      additionalProperties: false,
      properties: {
        run: { $ref: '#/$defs/code' },
        processor: { $ref: '#/$defs/processor' },
        map: { $ref: '#/$defs/code' },
        switch: { $ref: '#/$defs/code' },
        sub: {
          oneOf: [
            { type: 'string', minLength: 1, description: 'Path of another JSON pipeline file.' },
            { $ref: '#/$defs/pipeline' },
          ],
        },
        description: { type: 'string' },
        to: { $ref: '#/$defs/names' },
        routes: { type: 'array', items: { $ref: '#/$defs/name' } },
        cases: { type: 'object', minProperties: 1, additionalProperties: { $ref: '#/$defs/name' } },
        default: { $ref: '#/$defs/name' },
        retry: { $ref: '#/$defs/retry' },
        timeoutMs: posNumber,
        concurrency: posInt,
        chunkSize: posInt,
        placement: { enum: ['main', 'worker'] },
        join: { enum: ['all', 'any'] },
        barrierTimeoutMs: posNumber,
        version: { type: 'string' },
        params: { type: 'object' },
        io: { type: 'boolean' },
        cache: {
          type: 'boolean',
          description: 'false: never skip this step as cached (it reads outside state).',
        },
        writes: {
          type: 'array',
          items: { type: 'string', minLength: 1 },
          description:
            'Files the step writes, relative to the output directory (--out): a cached result is used only while each is present with the content it had when the result was stored.',
        },
      },
    },
  },
} as const;
