import { count } from '../format.js';
import { html } from '../html.js';
import { watch, type RunState } from './run-state.js';

/** Errors grouped by code: how many, how many retried, where, and the first one with its stack. */
export function ErrorsView({ state }: { state: RunState }) {
  watch(state.errorsTick);
  const groups = state.snap.errors;
  if (groups.length === 0) return html`<p class="empty" data-errors-none>No errors.</p>`;
  return html`<ul class="errors">
    ${groups.map(
      (g) =>
        html`<li key=${g.code} data-error-code=${g.code} data-count=${g.count}>
          <h3>
            <code>${g.code}</code> ×
            ${count(g.count)}${g.retried ? html` <small>(${count(g.retried)} retried)</small>` : null}
          </h3>
          <p>
            on
            ${g.nodes.map(
              (n, i) =>
                html`${i > 0 ? ', ' : ''}<button
                    type="button"
                    class="link"
                    onClick=${() => (state.selected.value = n)}
                  >
                    ${n}
                  </button>`,
            )}
          </p>
          <details>
            <summary>
              first: ${g.first.message} (event
              ${g.first.seq}${g.first.index !== null ? `, item ${g.first.index}` : ''})
            </summary>
            ${g.first.stack ? html`<pre class="stack">${g.first.stack}</pre>` : null}
          </details>
        </li>`,
    )}
  </ul>`;
}
