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

/**
 * Runs one step invocation: calls the code, drains a generator into the token sink (awaiting
 * credit when the sink asks for it), and returns the output. Shared by every orchestrator, so a
 * step behaves the same on the main thread and in a worker.
 */
export async function invokeStep(code: StepCode, input: unknown, ctx: StepContext, tokens: TokenSink): Promise<unknown> {
  const result = runFunction(code)(input, ctx);
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
