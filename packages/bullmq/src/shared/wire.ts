// What travels through Redis: the job data of a task (BullMQ stores it as JSON, so the payload is
// msgpack in base64), the messages a worker appends to its run's stream, and the control messages
// (pub/sub) a coordinator sends to workers. One Packr without records: every message stands alone.
import { Packr } from 'msgpackr';
import type { ItemOutcome, Placement, SerializedError, StepRef, TaskOutcome } from '@weft/core';

// Records keep Map apart from plain objects; without shared structures each message carries its own.
const packr = new Packr({ useRecords: true, moreTypes: true, mapsAsObjects: false });

/** Encodes a value (msgpack). */
export function pack(value: unknown): Buffer {
  return packr.pack(value);
}

/** Decodes what {@link pack} encoded. */
export function unpack<T = unknown>(bytes: Uint8Array): T {
  return packr.unpack(bytes) as T;
}

/** Version of the job data and stream messages; a worker refuses another. */
export const WIRE_VERSION = 1;

/** Where a step's module is: relative to the code root (`rel`) when under it, else an absolute URL. */
export interface ModuleRef {
  readonly rel?: string;
  readonly url?: string;
  /** SHA-256 (hex) of the module file as the coordinator sees it: the code identity. */
  readonly hash: string;
}

/** The data of one BullMQ job: one Weft task. Plain JSON. */
export interface JobData {
  readonly v: number;
  readonly run: string;
  /** The task key (the job id without the generation suffix). */
  readonly key: string;
  /** Times the coordinator sent this task again after its job vanished (part of the lease). */
  readonly gen: number;
  readonly mod: ModuleRef;
  readonly ref: StepRef;
  readonly node: string;
  readonly path: readonly string[];
  readonly kind: 'step' | 'items';
  readonly attempt: number;
  readonly placement: Placement | null;
  readonly io?: boolean;
  readonly version: string | null;
  /** msgpack of {@link TaskPayload}, base64. */
  readonly payload: string;
}

/** The body of a task, msgpack-encoded inside {@link JobData}. */
export interface TaskPayload {
  readonly input?: unknown;
  readonly items?: readonly unknown[];
  readonly baseIndex?: number;
  readonly attempts?: readonly number[];
  readonly state: unknown;
  readonly params: Readonly<Record<string, unknown>>;
  readonly resume?: { readonly value: unknown };
  readonly lastCheckpoint?: unknown;
}

/**
 * A message a worker appends to the run's stream. `k` is the task key, `l` the lease of the
 * execution that sent it (higher for a later execution of the same task: messages of a superseded
 * one are discarded).
 */
export type IoMessage =
  | { readonly t: 's'; readonly k: string; readonly l: number; readonly w: string }
  | { readonly t: 't'; readonly k: string; readonly l: number; readonly w: string; readonly v: unknown[] }
  | { readonly t: 'c'; readonly k: string; readonly l: number; readonly v: unknown }
  | {
      readonly t: 'i';
      readonly k: string;
      readonly l: number;
      readonly x: readonly number[];
      readonly o: readonly ItemOutcome[];
    }
  | { readonly t: 'd'; readonly k: string; readonly l: number; readonly o: TaskOutcome }
  | {
      readonly t: 'h';
      readonly k: string;
      readonly l: number;
      readonly w: string;
      readonly id: number;
      readonly p: readonly string[];
      readonly a: readonly unknown[];
    };

/** A control message on pub/sub: broadcast (cancel) or to one worker (reply, credit). */
export type CtlMessage =
  | {
      readonly op: 'cancel';
      readonly run: string;
      readonly k: string | null;
      readonly reason: SerializedError;
    }
  | { readonly op: 'reply'; readonly id: number; readonly ok: true; readonly v: unknown }
  | { readonly op: 'reply'; readonly id: number; readonly ok: false; readonly e: SerializedError }
  | { readonly op: 'credit'; readonly run: string; readonly k: string; readonly n: number };

/** A lease: the generation the coordinator gave the job, then BullMQ's count of starts. */
export function leaseOf(gen: number, attemptsStarted: number): number {
  return gen * 1_000_000 + attemptsStarted;
}
