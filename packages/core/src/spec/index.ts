export { pipelineSchema } from './schema.js';
export { checkSpec, type SpecProblem } from './check-spec.js';
export {
  pipelineFromSpec,
  resolveModule,
  type FromSpecOptions,
  type SpecQuotas,
  type SpecResult,
} from './from-spec.js';
