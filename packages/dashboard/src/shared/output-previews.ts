import type { RunEvent } from '@weft/core';

/** The last output of each node as short JSON text (`truncated` when cut at the cap). */
export interface OutputPreview {
  readonly node: string;
  readonly text: string;
  readonly truncated: boolean;
  readonly bytes: number;
}

/**
 * The last output of each node, as a preview: JSON cut at `cap` characters.
 * @example
 * const p = new OutputPreviews();
 * for (const e of events) p.apply(e);
 * p.previews['square'].text; // '[0,1,4,9,...'
 */
export class OutputPreviews {
  readonly previews: Record<string, OutputPreview>;
  readonly #cap: number;

  constructor(previews: Record<string, OutputPreview> = {}, cap = 2048) {
    this.previews = previews;
    this.#cap = cap;
  }

  /** Folds one event; returns whether a preview changed. */
  apply(e: RunEvent): boolean {
    if (e.type !== 'step.end') return false;
    const node = [...e.path, e.step].join('/');
    let json: string;
    try {
      json = JSON.stringify(e.output) ?? 'undefined';
    } catch {
      json = String(e.output);
    }
    this.previews[node] = {
      node,
      text: json.length > this.#cap ? json.slice(0, this.#cap) : json,
      truncated: json.length > this.#cap,
      bytes: json.length,
    };
    return true;
  }
}
