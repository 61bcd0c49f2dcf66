import { createHash } from 'node:crypto';

/**
 * Redis key names. A run's keys share the hash tag `{run}` so that they live in one cluster slot.
 * @example new Keys('weft').io('r1') // 'weft:{r1}:io'
 */
export class Keys {
  readonly prefix: string;

  constructor(prefix: string) {
    this.prefix = prefix;
  }

  /** The hash tag of a run (its id, or a hash of it when it holds braces). */
  #tag(run: string): string {
    return /[{}]/.test(run) ? createHash('sha256').update(run).digest('hex').slice(0, 32) : run;
  }

  /** The run's stream: started, tokens, items, checkpoints, results and host calls from workers. */
  io(run: string): string {
    return `${this.prefix}:{${this.#tag(run)}}:io`;
  }

  /** The run's flags (a hash): `*` no task may start (cancelled), `!` the run ended, a task key: that task is cancelled. */
  flags(run: string): string {
    return `${this.prefix}:{${this.#tag(run)}}:x`;
  }

  /** Broadcast control channel (cancellations). */
  get ctl(): string {
    return `${this.prefix}:ctl`;
  }

  /** The control channel of one worker process (host call replies, token credit). */
  worker(id: string): string {
    return `${this.prefix}:w:${id}`;
  }

  /** The worker registry (a hash: worker id → JSON description). */
  get workers(): string {
    return `${this.prefix}:workers`;
  }

  /** A worker's heartbeat key (expires when the worker stops beating). */
  heartbeat(id: string): string {
    return `${this.prefix}:hb:${id}`;
  }

  /** A coordinator's doorbell: rung to wake its stream reader when it starts reading another run. */
  bell(coordinator: string): string {
    return `${this.prefix}:c:${coordinator}:bell`;
  }
}

/** Flag field: no task of the run may start. */
export const FLAG_CANCELLED = '*';
/** Flag field: the run ended; late messages are dropped. */
export const FLAG_ENDED = '!';
