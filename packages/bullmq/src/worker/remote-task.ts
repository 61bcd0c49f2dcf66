import type { Job } from 'bullmq';
import {
  LazyAbortController,
  WeftError,
  serializeError,
  type ItemOutcome,
  type SerializedError,
  type Task,
  type TaskHooks,
  type TaskOutcome,
} from '@weft/core';
import {
  leaseOf,
  pack,
  unpack,
  WIRE_VERSION,
  type IoMessage,
  type JobData,
  type TaskPayload,
} from '../shared/wire.js';
import { STREAM_TTL_S } from '../shared/scripts.js';
import type { WorkerHost } from './worker-host.js';

/** A task as the worker's pool sees it: its `signal` is created only if something reads it. */
class LocalTask {
  declare readonly cancel: LazyAbortController;
  get signal(): AbortSignal {
    return this.cancel.signal;
  }
}

/** One job being run on this worker, as the control channel finds it (cancel, credit). */
export class ActiveTask {
  readonly run: string;
  readonly key: string;
  readonly cancel = new LazyAbortController();
  /** The worker is shutting down and leaves this task to another worker: send nothing more. */
  abandoned = false;
  sent = 0;
  acked = 0;
  #waiters: (() => void)[] = [];

  constructor(run: string, key: string) {
    this.run = run;
    this.key = key;
  }

  /** The coordinator consumed `n` tokens of this task so far. */
  credit(n: number, window: number): void {
    if (n > this.acked) this.acked = n;
    if (this.sent - this.acked > window) return;
    const w = this.#waiters;
    this.#waiters = [];
    for (const f of w) f();
  }

  waitCredit(): Promise<void> {
    return new Promise((r) => this.#waiters.push(r));
  }

  /** Wakes anything waiting (cancel, shutdown). */
  release(): void {
    const w = this.#waiters;
    this.#waiters = [];
    for (const f of w) f();
  }
}

/**
 * Runs one BullMQ job on this worker: checks the code identity and the run's cancel flags, says it
 * started, hands the task to the local `workers` pool, and streams what the pool reports to the
 * run's stream (tokens as they come, map items coalesced, checkpoints) with the result last. The
 * result is in Redis before the job completes. Only I/O happens here: the step runs in a thread,
 * so the event loop that renews BullMQ's lock is never busy.
 */
export async function runJob(w: WorkerHost, job: Job<JobData>): Promise<string> {
  const d = job.data;
  const keys = w.keys;
  const io = keys.io(d.run);
  const flags = keys.flags(d.run);
  const lease = leaseOf(d.gen ?? 0, job.attemptsStarted);
  const emit = (m: IoMessage): Promise<number> => w.redis.weftEmit(flags, io, pack(m));
  /** The result; `final` for a task that never started (no start created the run's stream). */
  const done = async (o: TaskOutcome, final = false): Promise<void> => {
    let bytes: Buffer;
    try {
      bytes = pack({ t: 'd', k: d.key, l: lease, o });
    } catch (cause) {
      // A result msgpack cannot encode fails the task instead of getting lost.
      const e = new WeftError(
        'NOT_SERIALIZABLE',
        `the result cannot be sent to the coordinator: ${(cause as Error).message}`,
        { cause },
      );
      bytes = pack({ t: 'd', k: d.key, l: lease, o: fail(e) });
    }
    if (final) await w.redis.weftFinal(flags, io, bytes, STREAM_TTL_S);
    else await w.redis.weftEmit(flags, io, bytes);
  };
  if (d.v !== WIRE_VERSION) {
    await done(
      fail(
        new WeftError('PROTOCOL_ERROR', `the task speaks wire version ${d.v}, this worker ${WIRE_VERSION}`),
      ),
      true,
    );
    return 'refused';
  }
  const here = w.code.locate(d.mod);
  if (here.hash !== d.mod.hash) {
    w.counters.refused++;
    await done(
      fail(
        new WeftError(
          'CODE_MISMATCH',
          `worker ${w.id} holds other code for ${d.mod.rel ?? d.mod.url} than the coordinator (${here.hash === '' ? 'the module is missing' : `hash ${here.hash.slice(0, 12)} ≠ ${d.mod.hash.slice(0, 12)}`}); deploy the same code on every worker`,
          {
            retryable: false,
            data: { module: d.mod.rel ?? d.mod.url, expected: d.mod.hash, actual: here.hash, worker: w.id },
          },
        ),
      ),
      true,
    );
    return 'refused';
  }
  const started = pack({ t: 's', k: d.key, l: lease, w: w.id });
  const cancelled = await w.redis.weftStart(flags, io, d.key, started, STREAM_TTL_S);
  if (cancelled !== null) {
    // Said even when no start created the run's stream yet (its coordinator waits for it).
    await done({ ok: false, error: JSON.parse(cancelled) as SerializedError }, true);
    return 'cancelled';
  }
  const body = unpack<TaskPayload>(Buffer.from(d.payload, 'base64'));
  const active = new ActiveTask(d.run, d.key);
  w.active.set(`${d.run}\n${d.key}`, active);
  w.counters.tasks++;
  try {
    const task = Object.assign(new LocalTask(), {
      id: w.nextId(),
      runId: d.run,
      path: d.path,
      node: d.node,
      kind: d.kind,
      ref: { ...d.ref, module: here.url },
      ...(d.kind === 'step'
        ? { input: body.input }
        : {
            items: body.items ?? [],
            baseIndex: body.baseIndex ?? 0,
            ...(body.attempts ? { attempts: body.attempts } : {}),
          }),
      attempt: d.attempt,
      state: body.state,
      params: body.params,
      ...(body.resume ? { resume: body.resume.value } : {}),
      ...(body.lastCheckpoint !== undefined ? { lastCheckpoint: body.lastCheckpoint } : {}),
      placement: d.placement,
      ...(d.io ? { io: true } : {}),
      version: d.version,
      cancel: active.cancel,
    }) as Task;
    let x: number[] = [];
    let o: ItemOutcome[] = [];
    const seen = d.kind === 'items' ? new Set<number>() : undefined;
    let timer: NodeJS.Timeout | undefined;
    const flush = (): void => {
      if (timer) clearTimeout(timer);
      timer = undefined;
      if (x.length === 0 || active.abandoned) return;
      void emit({ t: 'i', k: d.key, l: lease, x, o }).catch(() => undefined);
      x = [];
      o = [];
    };
    const window = w.options.tokenCredit;
    const hooks: TaskHooks = {
      started: () => undefined,
      tokens: (batch) => {
        if (active.abandoned) return;
        flush();
        void emit({ t: 't', k: d.key, l: lease, w: w.id, v: batch }).catch(() => undefined);
        active.sent += batch.length;
        if (active.sent - active.acked > window && !active.cancel.cancelled) return active.waitCredit();
      },
      checkpoint: (value) => {
        if (active.abandoned) return;
        flush();
        void emit({ t: 'c', k: d.key, l: lease, v: value }).catch(() => undefined);
      },
      item: (index, outcome) => {
        seen?.add(index);
        x.push(index);
        o.push(outcome);
        timer ??= setTimeout(flush, w.options.itemFlushMs);
      },
    };
    let outcome = await w.pool.run(task, hooks);
    if (active.abandoned) return new Promise<string>(() => undefined);
    if (d.kind === 'items' && outcome.ok) {
      // Every item leaves as an item message; the result itself carries none.
      const all = (outcome.value as ItemOutcome[] | null) ?? [];
      const base = body.baseIndex ?? 0;
      all.forEach((item, k) => {
        if (item && !seen!.has(base + k)) {
          x.push(base + k);
          o.push(item);
        }
      });
      outcome = { ok: true, value: [] };
    }
    flush();
    await done(outcome);
    return 'done';
  } finally {
    active.release();
    w.active.delete(`${d.run}\n${d.key}`);
  }
}

function fail(e: unknown): TaskOutcome {
  return { ok: false, error: serializeError(e) };
}
