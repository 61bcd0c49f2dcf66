import { h } from 'preact';
import htm from 'htm';

/** Tagged templates to Preact elements (no JSX transform, no eval: htm parses once per template). */
export const html = htm.bind(h);
