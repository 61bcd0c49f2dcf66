import { Worker } from 'node:worker_threads';
import type { ExecutionPlan } from '@weft/core';
import type { PlanLayout } from '../shared/plan-layout.js';
import { elkGraph, fromElk } from './elk-graph.js';
import { fallbackLayout } from './fallback-layout.js';
import type { LayoutReply, LayoutRequest } from './layout-worker.js';

/** Options of {@link PlanLayouts}. */
export interface PlanLayoutsOptions {
  /** How long ELK may take for one plan before the fallback layout is used (default 2000 ms). */
  readonly deadlineMs?: number;
  /**
   * How long the worker may take to start and load ELK (default 30,000 ms): not counted in the
   * deadline, so a busy machine's slow start does not make every first layout a fallback.
   */
  readonly startMs?: number;
  /** Layouts kept, most recently used first (default 256). */
  readonly maxPlans?: number;
  /** The worker entry (tests pass one that never answers, to check the deadline). */
  readonly workerUrl?: URL;
}

interface Pending {
  readonly worker: Worker;
  readonly resolve: (r: LayoutReply | null) => void;
}

/**
 * Graph layouts of plans, computed by ELK in a worker thread, once per plan id (plans are immutable).
 * A plan whose layout misses the deadline (counted once ELK is loaded), or that ELK fails on, gets
 * the simple fallback layout (`engine: 'fallback'`), and the worker is replaced. The worker starts on first use and never keeps
 * the process alive.
 * @example
 * const layouts = new PlanLayouts();
 * const layout = await layouts.layout(plan); // { engine: 'elk', nodes, edges, width, height }
 * await layouts.close();
 */
export class PlanLayouts {
  readonly #deadlineMs: number;
  readonly #startMs: number;
  readonly #maxPlans: number;
  readonly #workerUrl: URL;
  readonly #cache = new Map<string, Promise<PlanLayout>>();
  readonly #pending = new Map<number, Pending>();
  #worker: { readonly w: Worker; readonly ready: Promise<boolean> } | null = null;
  #nextId = 1;

  constructor(options: PlanLayoutsOptions = {}) {
    this.#deadlineMs = options.deadlineMs ?? 2000;
    this.#startMs = options.startMs ?? 30_000;
    this.#maxPlans = options.maxPlans ?? 256;
    this.#workerUrl = options.workerUrl ?? new URL('./layout-worker.js', import.meta.url);
  }

  /** The layout of `plan`, from the cache when its id was laid out before. */
  layout(plan: ExecutionPlan): Promise<PlanLayout> {
    let p = this.#cache.get(plan.id);
    if (p) this.#cache.delete(plan.id);
    else p = this.#compute(plan);
    this.#cache.set(plan.id, p);
    while (this.#cache.size > this.#maxPlans) this.#cache.delete(this.#cache.keys().next().value!);
    return p;
  }

  /** Starts the worker now (ELK takes a moment to load), so the first layout meets its deadline. */
  warm(): void {
    this.#start();
  }

  /** Stops the worker; later calls start a new one. */
  async close(): Promise<void> {
    const w = this.#worker;
    this.#worker = null;
    for (const p of this.#pending.values()) p.resolve(null);
    this.#pending.clear();
    if (w) await w.w.terminate();
  }

  async #compute(plan: ExecutionPlan): Promise<PlanLayout> {
    const { graph, meta } = elkGraph(plan);
    const reply = await this.#ask(graph);
    return reply && 'ok' in reply && reply.ok ? fromElk(plan.id, reply.graph, meta) : fallbackLayout(plan);
  }

  async #ask(graph: LayoutRequest['graph']): Promise<LayoutReply | null> {
    const started = this.#start();
    if (!(await started.ready)) return null;
    const worker = started.w;
    const id = this.#nextId++;
    return new Promise<LayoutReply | null>((resolve) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        resolve(null);
        // ELK may be stuck in a loop: replace the worker rather than wait for it.
        if (this.#worker === started) this.#worker = null;
        void worker.terminate();
      }, this.#deadlineMs);
      timer.unref();
      this.#pending.set(id, {
        worker,
        resolve: (r) => {
          clearTimeout(timer);
          resolve(r);
        },
      });
      worker.postMessage({ id, graph } satisfies LayoutRequest);
    });
  }

  #start(): { readonly w: Worker; readonly ready: Promise<boolean> } {
    if (this.#worker) return this.#worker;
    const w = new Worker(this.#workerUrl);
    w.unref();
    let onReady: (ok: boolean) => void = () => {};
    const ready = new Promise<boolean>((resolve) => (onReady = resolve));
    const startTimer = setTimeout(() => {
      onReady(false);
      if (this.#worker?.w === w) this.#worker = null;
      void w.terminate();
    }, this.#startMs);
    startTimer.unref();
    w.on('message', (r: LayoutReply) => {
      if (r.id === undefined) {
        clearTimeout(startTimer);
        onReady(true);
        return;
      }
      const p = this.#pending.get(r.id);
      this.#pending.delete(r.id);
      p?.resolve(r);
    });
    const fail = (): void => {
      clearTimeout(startTimer);
      onReady(false);
      if (this.#worker?.w === w) this.#worker = null;
      for (const [id, p] of this.#pending) {
        if (p.worker !== w) continue;
        this.#pending.delete(id);
        p.resolve(null);
      }
    };
    w.on('error', fail);
    w.on('exit', fail);
    this.#worker = { w, ready };
    return this.#worker;
  }
}
