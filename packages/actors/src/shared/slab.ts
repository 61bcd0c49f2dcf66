// The shared slab of one worker: a few Int32 cells per task slot, read and written with Atomics by
// both threads. It carries what must not wait for a message: the cancellation flag a CPU loop polls,
// who owns a task (claim / steal without a race), the item a chunk is on (to blame the right item
// when a worker dies), and token credit (so a fast generator never waits for a message to continue).

const CELLS = 4;
const CLAIM = 0; // dispatch id while queued, -id while the worker runs it, 0 when stolen, finished or free
const CANCEL = 1; // 1 once cancelled
const ITEM = 2; // absolute index of the item being run, -1 before the first
const GRANTED = 3; // tokens the host has accepted (wraps; compared by difference)
// Row 0 holds worker-wide cells; slot n lives in row n + 1.
const CURRENT = 0; // dispatch id whose step code is executing synchronously right now, 0 otherwise

/** `Atomics.waitAsync` (Node ≥ 16; typed in lib es2024, newer than this project's lib). */
interface AtomicsWaitAsync {
  waitAsync(
    array: Int32Array,
    index: number,
    value: number,
  ): { async: false; value: string } | { async: true; value: Promise<string> };
}

/** Typed access to a worker's slab. The same class is used on both sides of the thread boundary. */
export class Slab {
  readonly buffer: SharedArrayBuffer;
  readonly slots: number;
  readonly #i32: Int32Array;

  constructor(buffer: SharedArrayBuffer) {
    this.buffer = buffer;
    this.#i32 = new Int32Array(buffer);
    this.slots = Math.floor(this.#i32.length / CELLS) - 1;
  }

  /** A fresh slab with `slots` slots. */
  static create(slots: number): Slab {
    return new Slab(new SharedArrayBuffer((slots + 1) * CELLS * 4));
  }

  // ------------------------------------------------------------------ host side

  /** Prepares a slot for dispatch `id` with `credit` tokens of credit. */
  reset(slot: number, id: number, credit: number): void {
    const b = (slot + 1) * CELLS;
    Atomics.store(this.#i32, b + CANCEL, 0);
    Atomics.store(this.#i32, b + ITEM, -1);
    Atomics.store(this.#i32, b + GRANTED, credit);
    Atomics.store(this.#i32, b + CLAIM, id);
  }

  /** Takes a task back before the worker claimed it; false when the worker already began it. */
  steal(slot: number, id: number): boolean {
    return Atomics.compareExchange(this.#i32, (slot + 1) * CELLS + CLAIM, id, 0) === id;
  }

  /** True once the worker claimed dispatch `id`. */
  claimed(slot: number, id: number): boolean {
    return Atomics.load(this.#i32, (slot + 1) * CELLS + CLAIM) === -id;
  }

  /** Sets the cancellation flag a step reads synchronously (and wakes a producer waiting for credit). */
  cancel(slot: number): void {
    Atomics.store(this.#i32, (slot + 1) * CELLS + CANCEL, 1);
    Atomics.notify(this.#i32, (slot + 1) * CELLS + GRANTED);
  }

  /** Gives `n` tokens of credit back and wakes a producer waiting for it. */
  grant(slot: number, n: number): void {
    const i = (slot + 1) * CELLS + GRANTED;
    Atomics.add(this.#i32, i, n);
    Atomics.notify(this.#i32, i);
  }

  /** The item a chunk was running (-1 before the first). */
  item(slot: number): number {
    return Atomics.load(this.#i32, (slot + 1) * CELLS + ITEM);
  }

  // ------------------------------------------------------------------ worker side

  /** Claims dispatch `id`; false when the host stole it back (drop it silently). */
  claim(slot: number, id: number): boolean {
    return Atomics.compareExchange(this.#i32, (slot + 1) * CELLS + CLAIM, id, -id) === id;
  }

  /** The task whose step code was executing when the worker stopped (0: none, e.g. a crash in a timer). */
  current(): number {
    return Atomics.load(this.#i32, CURRENT);
  }

  /** Records that step code of dispatch `id` runs now (0 when it returned or yielded). */
  setCurrent(id: number): void {
    Atomics.store(this.#i32, CURRENT, id);
  }

  /** Marks dispatch `id` finished (its results may still be on their way): it no longer counts as running. */
  finish(slot: number, id: number): void {
    Atomics.compareExchange(this.#i32, (slot + 1) * CELLS + CLAIM, -id, 0);
  }

  /** The cancellation flag. */
  cancelled(slot: number): boolean {
    return Atomics.load(this.#i32, (slot + 1) * CELLS + CANCEL) !== 0;
  }

  /** The array and index of a slot's cancellation cell, for the tightest polling loop. */
  cancelCell(slot: number): { readonly array: Int32Array; readonly index: number } {
    return { array: this.#i32, index: (slot + 1) * CELLS + CANCEL };
  }

  /** Records the item about to run. */
  setItem(slot: number, index: number): void {
    Atomics.store(this.#i32, (slot + 1) * CELLS + ITEM, index);
  }

  /** Tokens granted so far (compare by difference: the cell wraps). */
  granted(slot: number): number {
    return Atomics.load(this.#i32, (slot + 1) * CELLS + GRANTED);
  }

  /** Resolves when the granted count differs from `seen` (or at once if it already does). */
  async waitGrant(slot: number, seen: number): Promise<void> {
    const r = (Atomics as unknown as AtomicsWaitAsync).waitAsync(
      this.#i32,
      (slot + 1) * CELLS + GRANTED,
      seen,
    );
    if (r.async) await r.value;
  }
}

/** Free slot numbers of one slab (host side). */
export class SlotPool {
  readonly #free: number[] = [];

  constructor(slots: number) {
    for (let s = slots - 1; s >= 0; s--) this.#free.push(s);
  }

  get available(): number {
    return this.#free.length;
  }

  take(): number | undefined {
    return this.#free.pop();
  }

  give(slot: number): void {
    this.#free.push(slot);
  }
}
