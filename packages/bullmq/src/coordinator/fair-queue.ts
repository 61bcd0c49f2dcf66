/**
 * Waiting tasks by tenant, served round-robin: when a coordinator's budget of tasks in Redis is
 * used up, a tenant with one run gets its turn as often as a tenant with fifty (what BullMQ Pro's
 * groups give, done before the job is added). Plain data; no timers.
 * @example const q = new FairQueue<string>(); q.push('a', 'x'); q.shift() // 'x'
 */
export class FairQueue<T> {
  readonly #byTenant = new Map<string, T[]>();
  #size = 0;

  get size(): number {
    return this.#size;
  }

  push(tenant: string, item: T): void {
    let q = this.#byTenant.get(tenant);
    if (!q) this.#byTenant.set(tenant, (q = []));
    q.push(item);
    this.#size++;
  }

  /** The next item: the first tenant in turn gives one and goes to the back of the line. */
  shift(): T | undefined {
    for (const [tenant, q] of this.#byTenant) {
      const item = q.shift();
      this.#byTenant.delete(tenant);
      if (q.length > 0) this.#byTenant.set(tenant, q);
      if (item !== undefined) {
        this.#size--;
        return item;
      }
    }
    return undefined;
  }

  /** Removes one item (a task cancelled while it waited); true if it was there. */
  remove(tenant: string, item: T): boolean {
    const q = this.#byTenant.get(tenant);
    const i = q ? q.indexOf(item) : -1;
    if (!q || i < 0) return false;
    q.splice(i, 1);
    if (q.length === 0) this.#byTenant.delete(tenant);
    this.#size--;
    return true;
  }

  /** Takes everything out. */
  drain(): T[] {
    const all = [...this.#byTenant.values()].flat();
    this.#byTenant.clear();
    this.#size = 0;
    return all;
  }
}
