import { WeftError } from '../errors/weft-error.js';

/** Services the host registered on the main thread, callable from any step (`ctx.host.name.method()`). */
export type HostServices = Readonly<Record<string, any>>;

/** What a step sees. The same shape on the main thread and in a worker. */
export interface StepContext<S = any> {
  readonly runId: string;
  readonly step: string;
  /** Sub-pipeline path of the step ([] at top level). */
  readonly path: readonly string[];
  /** 1 for the first attempt. */
  readonly attempt: number;
  /** For map items: the item's index in the input. */
  readonly index: number | undefined;
  /** The run state when the invocation was dispatched (read-only; return `update()` to change it). */
  readonly state: Readonly<S>;
  readonly params: Readonly<Record<string, unknown>>;
  /** The input given to `resume()` when this step is re-run after it suspended the run. */
  readonly resume: unknown;
  /** Aborted on cancellation or timeout: pass it to async APIs. */
  readonly signal: AbortSignal;
  /** Synchronous cancellation flag, cheap enough to read inside a CPU loop. */
  readonly cancelled: boolean;
  /** Throws `STEP_CANCELLED` when the invocation was cancelled. */
  throwIfCancelled(): void;
  /** Records progress (e.g. a line offset); after a crash the step is re-run with it in `lastCheckpoint`. */
  checkpoint(value: unknown): void;
  readonly lastCheckpoint: unknown;
  /** The value `setup()` returned for this actor instance. */
  readonly actor: any;
  /** Host services registered on the main thread. */
  readonly host: HostServices;
}

/** A synchronous cancellation flag (a plain field on the main thread, a SharedArrayBuffer cell in workers). */
export interface CancelFlag {
  readonly cancelled: boolean;
}

/** A cancellation flag that can also be watched, without creating an AbortSignal (see lazy-abort.ts). */
export interface CancelSource extends CancelFlag {
  /** The abort reason, once cancelled. */
  readonly reason: unknown;
  /** Calls `listener` once with the abort reason when cancelled (at once if it already is). */
  onCancel(listener: (reason: unknown) => void): void;
}

/** Everything needed to build a StepContext. */
export interface StepContextInit {
  readonly runId: string;
  readonly step: string;
  readonly path: readonly string[];
  readonly attempt: number;
  readonly index?: number | undefined;
  readonly state: unknown;
  readonly params: Readonly<Record<string, unknown>>;
  readonly resume?: unknown;
  /** The signal, or a function returning it, called only if the step reads `ctx.signal`. */
  readonly signal: AbortSignal | (() => AbortSignal);
  readonly flag: CancelFlag;
  readonly lastCheckpoint?: unknown;
  readonly actor?: unknown;
  readonly host: HostServices;
  readonly onCheckpoint: (value: unknown) => void;
}

/**
 * The context handed to a step. Plain fields are own properties; the live views (`signal`,
 * `cancelled`, `lastCheckpoint`) are getters on the prototype, because an object literal with
 * getters costs ~1 µs to create against ~0.05 µs for a class instance, once per step and per map
 * item (packages/bench). The methods are getters that create a bound arrow function on first read,
 * so a destructured `checkpoint` or `throwIfCancelled` keeps working, and a step that never reads
 * them allocates no closure: closures made in this constructor capturing the invocation were
 * allocated in old space by V8 once hot, and that old garbage kept each invocation's input alive
 * through every scavenge (a third of a 1 MB round trip in GC, packages/bench messages-1mb).
 */
class Context implements StepContext {
  readonly runId: string;
  readonly step: string;
  readonly path: readonly string[];
  readonly attempt: number;
  readonly index: number | undefined;
  readonly state: Readonly<Record<string, unknown>>;
  readonly params: Readonly<Record<string, unknown>>;
  readonly resume: unknown;
  readonly actor: unknown;
  readonly host: HostServices;
  readonly #flag: CancelFlag;
  readonly #onCheckpoint: (value: unknown) => void;
  #signal: AbortSignal | (() => AbortSignal);
  #last: unknown;
  #throwIfCancelled: (() => void) | undefined;
  #checkpoint: ((value: unknown) => void) | undefined;

  constructor(init: StepContextInit) {
    this.runId = init.runId;
    this.step = init.step;
    this.path = init.path;
    this.attempt = init.attempt;
    this.index = init.index;
    this.state = init.state as Record<string, unknown>;
    this.params = init.params;
    this.resume = init.resume;
    this.actor = init.actor;
    this.host = init.host;
    this.#flag = init.flag;
    this.#signal = init.signal;
    this.#last = init.lastCheckpoint;
    this.#onCheckpoint = init.onCheckpoint;
  }

  get throwIfCancelled(): () => void {
    return (this.#throwIfCancelled ??= () => {
      if (this.#flag.cancelled) throw new WeftError('STEP_CANCELLED', `step "${this.step}" was cancelled`);
    });
  }

  get checkpoint(): (value: unknown) => void {
    return (this.#checkpoint ??= (value: unknown) => {
      this.#last = value;
      this.#onCheckpoint(value);
    });
  }

  get signal(): AbortSignal {
    if (typeof this.#signal === 'function') this.#signal = this.#signal();
    return this.#signal;
  }

  get cancelled(): boolean {
    return this.#flag.cancelled;
  }

  get lastCheckpoint(): unknown {
    return this.#last;
  }
}

/** Builds the context object handed to a step. */
export function createStepContext(init: StepContextInit): StepContext {
  return new Context(init);
}
