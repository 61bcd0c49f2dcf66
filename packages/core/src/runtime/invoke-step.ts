import type { StepActor, StepCode } from '../definition/types.js';
import type { StepContext } from './step-context.js';

/** Where an invocation's tokens go. A returned promise means "wait for credit". */
export type TokenSink = (tokens: unknown[]) => void | Promise<void>;

/** True for an async generator object (a streaming step's return value). */
export function isAsyncGenerator(value: unknown): value is AsyncGenerator<unknown, unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as AsyncGenerator).next === 'function' &&
    typeof (value as AsyncGenerator)[Symbol.asyncIterator] === 'function'
  );
}

/** The run function of step code. */
export function runFunction(code: StepCode): StepActor['run'] {
  return typeof code === 'function' ? code : code.run;
}

/** True for a synchronous generator object (a streaming step written with `function*`). */
export function isGenerator(value: unknown): value is Generator<unknown, unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    Object.prototype.toString.call(value) === '[object Generator]'
  );
}

/**
 * Runs one step invocation: calls the code, drains a generator into the token sink (awaiting
 * credit when the sink asks for it), and returns the output. Shared by every orchestrator, so a
 * step behaves the same on the main thread and in a worker.
 */
export async function invokeStep(
  code: StepCode,
  input: unknown,
  ctx: StepContext,
  tokens: TokenSink,
): Promise<unknown> {
  return settleStepResult(runFunction(code)(input, ctx), ctx, tokens);
}

/**
 * Finishes what a step function returned: awaits a promise, or drains a generator (async, or sync
 * for the fastest token streams) whose yields are tokens. A returned plain value is the output.
 */
export async function settleStepResult(
  result: unknown,
  ctx: StepContext,
  tokens: TokenSink,
): Promise<unknown> {
  if (isGenerator(result)) return drainSync(result, ctx, tokens);
  if (!isAsyncGenerator(result)) return await result;
  for (;;) {
    const step = await result.next();
    if (step.done) return step.value;
    const wait = tokens([step.value]);
    if (wait !== undefined) await wait;
    if (ctx.cancelled) {
      await result.return(undefined);
      ctx.throwIfCancelled();
    }
  }
}

async function drainSync(
  gen: Generator<unknown, unknown>,
  ctx: StepContext,
  tokens: TokenSink,
): Promise<unknown> {
  for (;;) {
    const step = gen.next();
    if (step.done) return step.value;
    const wait = tokens([step.value]);
    if (wait !== undefined) await wait;
    if (ctx.cancelled) {
      gen.return(undefined);
      ctx.throwIfCancelled();
    }
  }
}
