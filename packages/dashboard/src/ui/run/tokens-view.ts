import { useEffect, useRef } from 'preact/hooks';
import { count } from '../format.js';
import { html } from '../html.js';
import { watch, type RunState } from './run-state.js';

/** The text each step streamed, in order, following the end while the run streams. */
export function TokensView({ state }: { state: RunState }) {
  watch(state.tokensTick);
  const list = state.snap.tokens;
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    for (const pre of box.current?.querySelectorAll('pre') ?? []) pre.scrollTop = pre.scrollHeight;
  });
  if (list.length === 0) return html`<p class="empty" data-tokens-none>No step streamed tokens.</p>`;
  return html`<div class="tokens" ref=${box}>
    ${list.map(
      (t) =>
        html`<section key=${t.node}>
          <h3>
            ${t.node}
            <small
              >${count(t.count)}
              tokens${t.dropped ? `, first ${count(t.dropped)} characters not shown` : ''}</small
            >
          </h3>
          <pre data-tokens=${t.node} data-count=${t.count} tabindex="0">${t.text}</pre>
        </section>`,
    )}
  </div>`;
}
