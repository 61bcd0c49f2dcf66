// The wire form of the protocol messages: positional arrays, not objects. Only user values (inputs,
// outputs, items, tokens, state, params, checkpoints) are objects on the wire.
//
// Why: msgpackr encodes every plain object through one function (its record writer), whose property
// loads V8 specialises for the object shapes it has seen. A Weft envelope (`{ type, id, job: { ref,
// … } }`, `{ type, id, outcome: { ok, value } }`, …) adds half a dozen shapes to those of the user's
// data; past four, the loads go megamorphic and packing a 1 MB record payload took 4.6–4.9 ms instead
// of 2.6 ms (packages/bench, messages-1mb; the plain codec in the same process slowed down too).
// Arrays take another path in msgpackr, so the shapes its record writer sees are the user's alone.
//
// The rest of the code speaks the object types of host-to-worker.ts and worker-to-host.ts; the
// conversion happens once per message, at the frame boundary. Binary references (`bin`) keep their
// object paths: they are restored after decoding, on the object form.
import type { ItemOutcome, SerializedError, StepRef, TaskOutcome } from '@weft/core';
import { WeftError } from '@weft/core';
import type { BinRef } from '../codec/binary.js';
import type { HostToWorker, JobSpec } from './host-to-worker.js';
import type { WorkerToHost } from './worker-to-host.js';

// Host → worker tags.
const RUN = 0;
const CANCEL = 1;
const TEARDOWN = 2;
// Worker → host tags.
const READY = 0;
const TOKENS = 1;
const CHECKPOINT = 2;
const ITEMS = 3;
const DONE = 4;
const CLOSED = 5;
const LINK = 6;

// Which optional JobSpec fields a run message carries.
const HAS_STATE = 1;
const HAS_RESUME = 2;
const HAS_CHECKPOINT = 4;
const HAS_ATTEMPTS = 8;

function bad(what: string): never {
  throw new WeftError(
    'PROTOCOL_ERROR',
    `malformed ${what} on a Weft port: the worker and the host come from different builds`,
  );
}

/** A host → worker message in its wire form. */
export function encodeHostToWorker(m: HostToWorker): unknown[] {
  switch (m.type) {
    case 'run': {
      const j = m.job;
      const has =
        ('state' in j ? HAS_STATE : 0) |
        (j.resume ? HAS_RESUME : 0) |
        ('lastCheckpoint' in j ? HAS_CHECKPOINT : 0) |
        (j.attempts ? HAS_ATTEMPTS : 0);
      const r = j.ref;
      return [
        RUN,
        m.id,
        m.slot,
        j.kind === 'items' ? 1 : 0,
        r.module,
        r.pipeline ?? null,
        r.export,
        j.runId,
        j.path,
        j.node,
        j.attempt,
        has,
        j.params,
        has & HAS_STATE ? j.state : null,
        j.resume ? j.resume.value : null,
        has & HAS_CHECKPOINT ? j.lastCheckpoint : null,
        j.kind === 'items' ? (j.items ?? []) : j.input,
        j.kind === 'items' ? (j.indices ?? []) : null,
        j.attempts ?? null,
        // Positional too: only user values (params) are objects on the wire.
        j.chain
          ? j.chain.map((c) => [
              c.node,
              c.ref.module,
              c.ref.pipeline ?? null,
              c.ref.export,
              c.params,
              c.version,
            ])
          : null,
      ];
    }
    case 'cancel':
      return [CANCEL, m.id, m.reason];
    case 'teardown':
      return [TEARDOWN];
  }
}

/** The object form of a host → worker wire message. */
export function decodeHostToWorker(w: unknown): HostToWorker {
  if (!Array.isArray(w)) bad('message');
  switch (w[0]) {
    case RUN: {
      const has = w[11] as number;
      const ref: StepRef =
        w[5] === null
          ? { module: w[4] as string, export: w[6] as string }
          : { module: w[4] as string, pipeline: w[5] as string, export: w[6] as string };
      const items = w[3] === 1;
      const job: Record<string, unknown> = {
        kind: items ? 'items' : 'step',
        ref,
        runId: w[7],
        path: w[8],
        node: w[9],
        attempt: w[10],
        params: w[12],
      };
      if (has & HAS_STATE) job['state'] = w[13];
      if (has & HAS_RESUME) job['resume'] = { value: w[14] };
      if (has & HAS_CHECKPOINT) job['lastCheckpoint'] = w[15];
      if (items) {
        job['items'] = w[16];
        job['indices'] = w[17];
      } else job['input'] = w[16];
      if (has & HAS_ATTEMPTS) job['attempts'] = w[18];
      if (Array.isArray(w[19]))
        job['chain'] = (w[19] as unknown[][]).map((c) => ({
          node: c[0],
          ref:
            c[2] === null ? { module: c[1], export: c[3] } : { module: c[1], pipeline: c[2], export: c[3] },
          params: c[4],
          version: c[5],
        }));
      return { type: 'run', id: w[1] as number, slot: w[2] as number, job: job as unknown as JobSpec };
    }
    case CANCEL:
      return { type: 'cancel', id: w[1] as number, reason: w[2] as SerializedError };
    case TEARDOWN:
      return { type: 'teardown' };
    default:
      return bad(`message tag ${String(w[0])}`);
  }
}

/** A worker → host message in its wire form. */
export function encodeWorkerToHost(m: WorkerToHost): unknown[] {
  switch (m.type) {
    case 'ready':
      return [READY, m.worker];
    case 'tokens':
      return [TOKENS, m.id, m.tokens];
    case 'checkpoint':
      return [CHECKPOINT, m.id, m.value];
    case 'items': {
      // Outcomes as parallel arrays: the values, and the errors only when some item failed.
      const n = m.outcomes.length;
      const values = new Array<unknown>(n);
      let errors: (SerializedError | null)[] | null = null;
      for (let k = 0; k < n; k++) {
        const o = m.outcomes[k]!;
        if (o.ok) values[k] = o.value;
        else {
          values[k] = null;
          errors ??= new Array<SerializedError | null>(n).fill(null);
          errors[k] = o.error;
        }
      }
      return [ITEMS, m.id, m.indices, values, errors, m.bin ?? null];
    }
    case 'done':
      return [
        DONE,
        m.id,
        m.outcome.ok,
        m.outcome.ok ? m.outcome.value : m.outcome.error,
        m.us ?? null,
        m.bin ?? null,
      ];
    case 'link':
      return [
        LINK,
        m.id,
        m.k,
        m.outcome.ok,
        m.outcome.ok ? m.outcome.value : m.outcome.error,
        m.us ?? null,
        m.bin ?? null,
      ];
    case 'closed':
      return [CLOSED, m.errors];
  }
}

/** The object form of a worker → host wire message. */
export function decodeWorkerToHost(w: unknown): WorkerToHost {
  if (!Array.isArray(w)) bad('message');
  switch (w[0]) {
    case READY:
      return { type: 'ready', worker: w[1] as number };
    case TOKENS:
      return { type: 'tokens', id: w[1] as number, tokens: w[2] as unknown[] };
    case CHECKPOINT:
      return { type: 'checkpoint', id: w[1] as number, value: w[2] };
    case ITEMS: {
      const values = w[3] as unknown[];
      const errors = w[4] as (SerializedError | null)[] | null;
      const outcomes = new Array<ItemOutcome>(values.length);
      for (let k = 0; k < values.length; k++) {
        const e = errors?.[k];
        outcomes[k] = e ? { ok: false, error: e } : { ok: true, value: values[k] };
      }
      const bin = w[5] as BinRef[] | null;
      return bin
        ? { type: 'items', id: w[1] as number, indices: w[2] as number[], outcomes, bin }
        : { type: 'items', id: w[1] as number, indices: w[2] as number[], outcomes };
    }
    case DONE: {
      const outcome: TaskOutcome =
        w[2] === true ? { ok: true, value: w[3] } : { ok: false, error: w[3] as SerializedError };
      const m: { type: 'done'; id: number; outcome: TaskOutcome; us?: number; bin?: BinRef[] } = {
        type: 'done',
        id: w[1] as number,
        outcome,
      };
      if (w[4] !== null) m.us = w[4] as number;
      if (w[5] !== null) m.bin = w[5] as BinRef[];
      return m;
    }
    case LINK: {
      const outcome: TaskOutcome =
        w[3] === true ? { ok: true, value: w[4] } : { ok: false, error: w[4] as SerializedError };
      const m: { type: 'link'; id: number; k: number; outcome: TaskOutcome; us?: number; bin?: BinRef[] } = {
        type: 'link',
        id: w[1] as number,
        k: w[2] as number,
        outcome,
      };
      if (w[5] !== null) m.us = w[5] as number;
      if (w[6] !== null) m.bin = w[6] as BinRef[];
      return m;
    }
    case CLOSED:
      return { type: 'closed', errors: w[1] as SerializedError[] };
    default:
      return bad(`message tag ${String(w[0])}`);
  }
}
