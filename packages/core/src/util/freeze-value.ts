/**
 * Freezes arrays and plain objects deeply, so that a step cannot change the run state it was given
 * (`ctx.state`) in place, on any orchestrator: an assignment throws a TypeError in strict code
 * (every ES module), as the docs say `ctx.state` is read-only. Parts already frozen are not walked
 * again, so freezing a state whose reducer appended to a frozen array costs the new part only.
 * Returns its argument.
 */
export function freezeValue<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) freeze(value);
  return value;
}

function freeze(v: object): void {
  const array = Array.isArray(v);
  if (!array) {
    const proto: unknown = Object.getPrototypeOf(v);
    if (proto !== Object.prototype && proto !== null) return;
  }
  Object.freeze(v);
  if (array) {
    for (const x of v as unknown[]) if (typeof x === 'object' && x !== null && !Object.isFrozen(x)) freeze(x);
    return;
  }
  for (const k of Object.keys(v)) {
    const x = (v as Record<string, unknown>)[k];
    if (typeof x === 'object' && x !== null && !Object.isFrozen(x)) freeze(x);
  }
}
