import type { RunEvent } from '@weft/core';

/** The text streamed by one step: the tail when longer than the cap, `dropped` characters before it. */
export interface TokenText {
  readonly node: string;
  count: number;
  text: string;
  dropped: number;
}

/** A token as text: strings as they are, anything else as JSON. */
const asText = (t: unknown): string => (typeof t === 'string' ? t : JSON.stringify(t));

/**
 * The token stream of each step, in event order, capped per step (the last `cap` characters are kept,
 * the count of dropped ones is shown).
 * @example
 * const log = new TokenLog();
 * for (const e of events) log.apply(e);
 * log.steps[0].text; // 'Hello'
 */
export class TokenLog {
  readonly steps: TokenText[];
  readonly #cap: number;
  readonly #byNode = new Map<string, TokenText>();

  constructor(steps: TokenText[] = [], cap = 64 * 1024) {
    this.steps = steps;
    this.#cap = cap;
    for (const s of steps) this.#byNode.set(s.node, s);
  }

  /** Folds one event; returns the changed step's entry, or null. */
  apply(e: RunEvent): TokenText | null {
    if (e.type !== 'token') return null;
    const node = [...e.path, e.step].join('/');
    let s = this.#byNode.get(node);
    if (!s) {
      s = { node, count: 0, text: '', dropped: 0 };
      this.#byNode.set(node, s);
      this.steps.push(s);
    }
    s.count += e.tokens.length;
    let text = s.text;
    for (const t of e.tokens) text += asText(t);
    if (text.length > this.#cap) {
      s.dropped += text.length - this.#cap;
      text = text.slice(text.length - this.#cap);
    }
    s.text = text;
    return s;
  }
}
