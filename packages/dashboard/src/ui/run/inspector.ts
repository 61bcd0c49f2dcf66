import type { NodeError } from '@weft/core';
import { SPAN_STATUS } from '../../shared/timeline-builder.js';
import { count, duration } from '../format.js';
import { html } from '../html.js';
import { watch, type RunState } from './run-state.js';

/** `(invocation 3, attempt 2, item 7, retried)` */
const errorWhere = (e: NodeError): string =>
  `(invocation ${e.invocation}, attempt ${e.attempt}${e.index !== undefined ? `, item ${e.index}` : ''}${e.willRetry ? ', retried' : ''})`;

const STATUS_NAMES = Object.keys(SPAN_STATUS);
const MAX_ROWS = 200;

/** The selected node: counters, its invocations and attempts, its last error with code and stack, its output. */
export function Inspector({ state }: { state: RunState }) {
  watch(state.viewTick, state.timelineTick, state.outputsTick);
  const id = state.selected.value;
  if (!id)
    return html`<aside class="inspector" data-inspector="">
      <p class="empty">Select a node (click, or Tab then Enter) to see its invocations, errors and output.</p>
    </aside>`;
  const n = state.node(id);
  const t = state.snap.timeline;
  const row = t.rows.indexOf(id);
  const spans: number[] = [];
  if (row >= 0) for (let i = 0; i < t.row.length; i++) if (t.row[i] === row) spans.push(i);
  const out = state.snap.outputs[id];
  return html`<aside class="inspector" data-inspector=${id} aria-label=${`node ${id}`}>
    <h2>${id} <span class=${`chip s-${n?.state ?? 'pending'}`}>${n?.state ?? 'pending'}</span></h2>
    ${
      n
        ? html`<dl class="facts">
            <div>
              <dt>invocations</dt>
              <dd data-invocations=${n.invocations}>${n.invocations}</dd>
            </div>
            <div>
              <dt>attempts</dt>
              <dd data-attempts=${n.attempts}>${n.attempts}</dd>
            </div>
            <div>
              <dt>running</dt>
              <dd>${n.running}</dd>
            </div>
            <div>
              <dt>succeeded</dt>
              <dd>${n.succeeded}</dd>
            </div>
            <div>
              <dt>failed</dt>
              <dd>${n.failed}</dd>
            </div>
            <div>
              <dt>retries</dt>
              <dd>${n.retries}</dd>
            </div>
            <div>
              <dt>tokens</dt>
              <dd>${count(n.tokens)}</dd>
            </div>
            ${
              n.items
                ? html`<div>
                    <dt>items</dt>
                    <dd>
                      ${count(n.items.done)} done · ${count(n.items.failed)} failed · ${count(n.items.cached)}
                      cached of ${count(n.items.total)}
                    </dd>
                  </div>`
                : null
            }
            ${
              n.join
                ? html`<div>
                    <dt>join</dt>
                    <dd>
                      ${n.join.arrived}/${n.join.expected} arrived${n.join.released ? ', released' : ''}
                    </dd>
                  </div>`
                : null
            }
          </dl>`
        : null
    }
    ${n?.suspend ? html`<p class="suspend">Suspended: ${n.suspend.reason}</p>` : null}
    ${
      n?.lastError
        ? html`<section class="error" data-node-error=${n.lastError.code}>
            <h3>Last error: <code>${n.lastError.code}</code> ${errorWhere(n.lastError)}</h3>
            <p>${n.lastError.message}</p>
            ${n.lastError.stack ? html`<pre class="stack">${n.lastError.stack}</pre>` : null}
          </section>`
        : null
    }
    <h3>Invocations</h3>
    ${
      spans.length === 0
        ? html`<p class="empty">None yet.</p>`
        : html`<table class="spans" data-spans-of=${id}>
              <thead>
                <tr>
                  <th>#</th>
                  <th>attempt</th>
                  <th>start</th>
                  <th>took</th>
                  <th>status</th>
                  <th>items</th>
                </tr>
              </thead>
              <tbody>
                ${spans.slice(-MAX_ROWS).map(
                  (i) =>
                    html`<tr data-span-status=${STATUS_NAMES[t.status[i]!]}>
                      <td>${t.invocation[i]}</td>
                      <td>${t.attempt[i]}</td>
                      <td>+${duration(t.start[i])}</td>
                      <td>${t.end[i]! < 0 ? 'running' : duration(t.end[i]! - t.start[i]!)}</td>
                      <td>${STATUS_NAMES[t.status[i]!]}</td>
                      <td>${t.items[i] || ''}</td>
                    </tr>`,
                )}
              </tbody>
            </table>
            ${spans.length > MAX_ROWS ? html`<p class="more">Last ${MAX_ROWS} of ${count(spans.length)}.</p>` : null}`
    }
    <h3>Output</h3>
    ${
      out
        ? html`<pre class="output" data-output=${id}>${out.text}${out.truncated ? '…' : ''}</pre>
            ${out.truncated ? html`<p class="more">First ${count(out.text.length)} of ${count(out.bytes)} characters.</p>` : null}`
        : html`<p class="empty">No output yet.</p>`
    }
  </aside>`;
}
