import { WeftError } from '@weft/core';

/** Option checking shared by the coordinator's and the worker's options: clear OPTION_INVALID errors. */
export class OptionReader {
  readonly #raw: Readonly<Record<string, unknown>>;
  readonly #what: string;

  constructor(raw: unknown, what: string, known: readonly string[]) {
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
      throw new WeftError('OPTION_INVALID', `${what} options must be an object, got ${String(raw)}`);
    this.#raw = raw as Record<string, unknown>;
    this.#what = what;
    const unknown = Object.keys(this.#raw).filter((k) => this.#raw[k] !== undefined && !known.includes(k));
    if (unknown.length > 0) {
      throw new WeftError(
        'OPTION_INVALID',
        `unknown ${what} option(s) ${unknown.map((k) => `"${k}"`).join(', ')}; known: ${known.join(', ')}`,
        { data: { unknown } },
      );
    }
  }

  get(name: string): unknown {
    return this.#raw[name];
  }

  #bad(name: string, want: string, v: unknown): WeftError {
    return new WeftError(
      'OPTION_INVALID',
      `${this.#what} option ${name} must be ${want}, got ${JSON.stringify(v)}`,
      {
        data: { option: name, value: v },
      },
    );
  }

  int(name: string, fallback: number, min = 1): number {
    const v = this.#raw[name];
    if (v === undefined) return fallback;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min)
      throw this.#bad(name, `an integer ≥ ${min}`, v);
    return v;
  }

  num(name: string, fallback: number, min = 0): number {
    const v = this.#raw[name];
    if (v === undefined) return fallback;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min)
      throw this.#bad(name, `a number ≥ ${min}`, v);
    return v;
  }

  str(name: string, fallback: string, pattern?: RegExp): string {
    const v = this.#raw[name];
    if (v === undefined) return fallback;
    if (typeof v !== 'string' || v === '' || (pattern && !pattern.test(v)))
      throw this.#bad(name, pattern ? `a string matching ${pattern}` : 'a non-empty string', v);
    return v;
  }

  optInt(name: string, min = 1): number | undefined {
    return this.#raw[name] === undefined ? undefined : this.int(name, 0, min);
  }
}
