import { MessageChannel, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import { expose } from 'comlink';
import type { HostServices, SerializedError } from '@weft/core';
import { FrameReader, FrameWriter } from '../codec/frame.js';
import type { AttachRequest } from '../protocol/attach.js';
import type { HostToWorker } from '../protocol/host-to-worker.js';
import { PROTOCOL_VERSION } from '../protocol/version.js';
import { decodeWorkerToHost, encodeHostToWorker } from '../protocol/wire.js';
import type { WorkerToHost } from '../protocol/worker-to-host.js';
import { nodeEndpoint } from '../shared/endpoint.js';
import { Slab, SlotPool } from '../shared/slab.js';
import type { HostJob } from './host-job.js';

/** Marks a worker that has received no state yet. */
export const NO_STATE: unique symbol = Symbol('no state');

/** What a handle needs from the pool. */
export interface WorkerHandleInit {
  readonly index: number;
  readonly slots: number;
  readonly services: HostServices;
  readonly servicesPerRun?: boolean;
  readonly tokenBatch: number;
  readonly tokenFlushMs: number;
  readonly transferThreshold: number;
  /** Starts the worker's attach task (piscina `run`); rejects when the worker dies. */
  readonly attach: (req: AttachRequest, transfer: MessagePort[], signal: AbortSignal) => Promise<unknown>;
  readonly onMessage: (h: WorkerHandle, m: WorkerToHost, bytes: number) => void;
  readonly onProtocolError: (h: WorkerHandle, e: unknown) => void;
}

/**
 * The host's side of one worker: its hot-path port, its control port (comlink, host services), its
 * slab, the tasks it holds, and the means to terminate it. A replaced worker gets a new handle.
 */
export class WorkerHandle {
  readonly index: number;
  readonly slab: Slab;
  readonly slots: SlotPool;
  readonly writer: FrameWriter<HostToWorker>;
  readonly reader = new FrameReader<WorkerToHost>(decodeWorkerToHost);
  readonly jobs = new Map<number, HostJob>();
  /** Settles when the worker's attach task ends: resolves on a clean close, rejects when it died. */
  readonly exited: Promise<unknown>;
  /** CPU tasks held (running or waiting on the worker). */
  cpu = 0;
  /** IO tasks held. */
  io = 0;
  state: 'live' | 'closing' | 'dead' = 'live';
  /** The worker sent at least one message (it came up and serves). */
  heard = false;
  /** The worker announced it serves its port; tasks go only to ready workers. */
  ready = false;
  /** Set when the host terminated the worker to stop this cancelled task. */
  killedFor: HostJob | null = null;
  closedErrors: readonly SerializedError[] = [];
  /** Tasks held here that the host has not seen begin yet (they wait behind others). */
  readonly awaitingStart = new Set<HostJob>();
  /** The run state object last sent to this worker (consecutive tasks of a run usually share it). */
  lastState: unknown = NO_STATE;
  readonly #port: MessagePort;
  readonly #control: MessagePort;
  readonly #kill = new AbortController();
  #onClosed: (() => void) | undefined;
  readonly #onFrame: (data: unknown) => void;

  constructor(init: WorkerHandleInit) {
    this.index = init.index;
    this.slab = Slab.create(init.slots);
    this.slots = new SlotPool(init.slots);
    const hot = new MessageChannel();
    const control = new MessageChannel();
    this.#port = hot.port1;
    this.#control = control.port1;
    this.writer = new FrameWriter<HostToWorker>(
      (data, transfer) => this.#port.postMessage(data, transfer),
      encodeHostToWorker,
    );
    this.#onFrame = (data: unknown) => {
      try {
        this.reader.read(data, (m, bytes) => init.onMessage(this, m, bytes));
      } catch (e) {
        init.onProtocolError(this, e);
      }
    };
    this.#port.on('message', this.#onFrame);
    expose(init.services, nodeEndpoint(this.#control));
    const req: AttachRequest = {
      protocol: PROTOCOL_VERSION,
      worker: init.index,
      port: hot.port2,
      control: control.port2,
      slab: this.slab.buffer,
      services: init.servicesPerRun ? [] : Object.keys(init.services),
      ...(init.servicesPerRun ? { servicesPerRun: true } : {}),
      tokenBatch: init.tokenBatch,
      tokenFlushMs: init.tokenFlushMs,
      transferThreshold: init.transferThreshold,
    };
    this.exited = init.attach(req, [hot.port2, control.port2], this.#kill.signal);
  }

  /** Tasks held, CPU and IO. */
  get load(): number {
    return this.cpu + this.io;
  }

  /** Bytes this worker's port moved both ways. */
  get bytes(): number {
    return this.writer.bytes + this.reader.bytes;
  }

  /** Terminates the worker at once (piscina aborts its attach task). */
  terminate(): void {
    if (!this.#kill.signal.aborted) this.#kill.abort();
  }

  /** Asks the worker to run its actors' teardown and stop; resolves when it answered (or died). */
  close(): Promise<void> {
    if (this.state !== 'live') return Promise.resolve();
    this.state = 'closing';
    const answered = new Promise<void>((r) => (this.#onClosed = r));
    this.writer.add({ type: 'teardown' });
    this.writer.flush();
    return Promise.race([
      answered,
      this.exited.then(
        () => undefined,
        () => undefined,
      ),
    ]);
  }

  /** The worker answered `teardown`. */
  onClosed(errors: readonly SerializedError[]): void {
    this.closedErrors = errors;
    this.#onClosed?.();
  }

  /**
   * Reads the frames the worker posted before it died but the host has not handled yet: a result
   * sent just before a crash is a result, not a task to run again.
   */
  drain(): void {
    for (let m = receiveMessageOnPort(this.#port); m; m = receiveMessageOnPort(this.#port))
      this.#onFrame(m.message);
  }

  /** Releases the ports (after the worker is gone). */
  dispose(): void {
    this.#port.close();
    this.#control.close();
  }
}
