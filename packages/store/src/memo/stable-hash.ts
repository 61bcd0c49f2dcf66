import { createHash, type Hash } from 'node:crypto';

/**
 * A SHA-256 over a canonical encoding of plain data: object keys sorted, typed arrays and Buffers
 * hashed as bytes, Maps and Sets in order. Equal data gives equal hashes on every run.
 */
export function stableHash(value: unknown): string {
  const h = createHash('sha256');
  const sink = new Sink(h);
  feed(sink, value, 0);
  sink.flush();
  return h.digest('hex');
}

/**
 * The text fed to the hash, gathered and handed over in large pieces (one `update` per value, not
 * per token: each call crosses into native code). The bytes hashed are the same as token by token:
 * every token starts with an ASCII marker, so no two strings join into one character.
 */
class Sink {
  readonly #h: Hash;
  #text = '';

  constructor(h: Hash) {
    this.#h = h;
  }

  update(data: string | Uint8Array): void {
    if (typeof data === 'string') {
      this.#text += data;
      if (this.#text.length > 65_536) this.flush();
      return;
    }
    this.flush();
    this.#h.update(data);
  }

  flush(): void {
    if (this.#text.length === 0) return;
    this.#h.update(this.#text);
    this.#text = '';
  }
}

function feed(h: Sink, v: unknown, depth: number): void {
  if (depth > 200) throw new RangeError('value nested too deeply to hash');
  switch (typeof v) {
    case 'undefined':
      h.update('u;');
      return;
    case 'boolean':
      h.update(v ? 't;' : 'f;');
      return;
    case 'number':
      h.update(`n${Object.is(v, -0) ? '-0' : String(v)};`);
      return;
    case 'bigint':
      h.update(`b${v.toString()};`);
      return;
    case 'string':
      h.update(`s${v.length}:`);
      h.update(v);
      return;
    case 'function':
    case 'symbol':
      h.update(`x${typeof v};`);
      return;
    case 'object':
      break;
  }
  if (v === null) {
    h.update('z;');
    return;
  }
  if (ArrayBuffer.isView(v)) {
    h.update(`B${v.constructor.name}${v.byteLength}:`);
    h.update(new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
    return;
  }
  if (Array.isArray(v)) {
    h.update(`a${v.length}[`);
    for (const x of v) feed(h, x, depth + 1);
    h.update(']');
    return;
  }
  if (v instanceof Map) {
    h.update(`m${v.size}{`);
    for (const [k, x] of v) {
      feed(h, k, depth + 1);
      feed(h, x, depth + 1);
    }
    h.update('}');
    return;
  }
  if (v instanceof Set) {
    h.update(`S${v.size}{`);
    for (const x of v) feed(h, x, depth + 1);
    h.update('}');
    return;
  }
  if (v instanceof Date) {
    h.update(`d${v.getTime()};`);
    return;
  }
  const proto: unknown = Object.getPrototypeOf(v);
  if (proto !== Object.prototype && proto !== null)
    throw new TypeError(`cannot hash a ${v.constructor?.name ?? 'class'} instance (not plain data)`);
  const keys = Object.keys(v).sort();
  h.update(`o${keys.length}{`);
  for (const k of keys) {
    h.update(`${k.length}:${k}`);
    feed(h, (v as Record<string, unknown>)[k], depth + 1);
  }
  h.update('}');
}
