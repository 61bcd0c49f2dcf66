/** What a pull of map items gave: the items, whether the input ended, and its error if it threw. */
export interface Pulled {
  readonly items: unknown[];
  readonly exhausted: boolean;
  readonly error?: { readonly message: string; readonly cause: unknown };
}

/**
 * Pulls the items of a map whose input is an iterable or an async iterable (an array is read by
 * the scheduler itself). A synchronous iterator answers at once; an async one with a promise.
 */
export interface ItemSource {
  pull(n: number): Pulled | Promise<Pulled>;
}

/** The source of a map's input (the scheduler checked that it can be iterated). */
export function itemSource(input: unknown): ItemSource {
  const sync = (input as Partial<Iterable<unknown>>)[Symbol.iterator];
  if (typeof sync === 'function') {
    const it: Iterator<unknown> = sync.call(input);
    let done = false;
    return {
      pull(n) {
        const items: unknown[] = [];
        try {
          while (!done && items.length < n) {
            const r = it.next();
            if (r.done) done = true;
            else items.push(r.value);
          }
        } catch (cause) {
          done = true;
          return { items, exhausted: true, error: failure(cause) };
        }
        return { items, exhausted: done };
      },
    };
  }
  const it: AsyncIterator<unknown> = (input as AsyncIterable<unknown>)[Symbol.asyncIterator]();
  let done = false;
  return {
    async pull(n) {
      const items: unknown[] = [];
      try {
        while (!done && items.length < n) {
          const r = await it.next();
          if (r.done) done = true;
          else items.push(r.value);
        }
      } catch (cause) {
        done = true;
        return { items, exhausted: true, error: failure(cause) };
      }
      return { items, exhausted: done };
    },
  };
}

function failure(cause: unknown): { message: string; cause: unknown } {
  return { message: cause instanceof Error ? cause.message : String(cause), cause };
}
