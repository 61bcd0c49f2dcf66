import { useSignal } from '@preact/signals';
import { ApiError } from '../api.js';
import { clock, count, duration } from '../format.js';
import { html } from '../html.js';
import { watch, type RunState } from './run-state.js';

const LIVE: Record<string, string> = {
  idle: '',
  connecting: 'connecting…',
  live: 'live',
  reconnecting: 'reconnecting…',
  ended: '',
};

/** Status, timings, metrics, the stream's state, and Cancel / Resume (with the suspend reasons and input). */
export function RunHeader({ state }: { state: RunState }) {
  watch(state.viewTick);
  const v = state.snap.view;
  const m = state.snap.metrics;
  const busy = useSignal(false);
  const input = useSignal('');
  const conn = state.connection.value;
  const act = async (what: () => Promise<unknown>): Promise<void> => {
    busy.value = true;
    state.notice.value = null;
    try {
      await what();
    } catch (e) {
      state.notice.value = {
        kind: 'error',
        text: e instanceof ApiError ? `${e.code}: ${e.message}` : e instanceof Error ? e.message : String(e),
      };
    } finally {
      busy.value = false;
    }
  };
  const cancel = (): Promise<void> => act(() => state.api.cancel(state.run.runId));
  const resume = (): Promise<void> =>
    act(async () => {
      const text = input.value.trim();
      let value: unknown;
      try {
        value = text === '' ? undefined : JSON.parse(text);
      } catch {
        throw new Error('The resume input is not JSON (a string needs quotes: "yes").');
      }
      await state.api.resume(state.run.runId, value);
      state.refollow();
    });
  const elapsed =
    v.durationMs ??
    (v.startedAt !== null && state.snap.lastTime !== null ? state.snap.lastTime - v.startedAt : null);
  const nodes = Object.values(v.nodes);
  const running = v.status === 'running' || v.status === 'pending';
  return html`<header class="run-header" data-run=${state.run.runId} data-run-status=${v.status}>
    <div class="title">
      <h1>
        <span class=${`chip s-${v.status}`} data-status=${v.status}>${v.status}</span>
        ${v.pipeline ?? state.run.pipeline}
      </h1>
      <code class="run-id">${state.run.runId}</code>
      ${LIVE[conn] ? html`<span class=${`live c-${conn}`} data-connection=${conn} aria-live="polite">${LIVE[conn]}</span>` : null}
    </div>
    <dl class="facts">
      <div>
        <dt>started</dt>
        <dd>${clock(state.run.startedAt)}</dd>
      </div>
      <div>
        <dt>${v.sessions > 1 ? 'duration (last session)' : 'duration'}</dt>
        <dd data-duration>${duration(elapsed)}</dd>
      </div>
      <div>
        <dt>mode</dt>
        <dd>${v.orchestrator ?? state.run.orchestrationMode ?? '—'}</dd>
      </div>
      <div>
        <dt>sessions</dt>
        <dd>${v.sessions}</dd>
      </div>
      <div>
        <dt>events</dt>
        <dd data-events=${v.lastSeq}>
          ${count(v.lastSeq)}
          ${
            state.snap.missed > 0
              ? html`<small
                  data-missed=${state.snap.missed}
                  title="the service's store no longer keeps them: the counts start after them"
                  >(${count(state.snap.missed)} not kept)</small
                >`
              : null
          }
        </dd>
      </div>
      <div>
        <dt>tokens</dt>
        <dd>${count(v.tokens)}</dd>
      </div>
      <div>
        <dt>nodes</dt>
        <dd>
          ${nodes.filter((n) => n.state === 'succeeded' || n.state === 'skipped').length}/${nodes.length} done
        </dd>
      </div>
    </dl>
    ${
      m
        ? html`<dl class="facts metrics" data-metrics>
            <div>
              <dt>tasks</dt>
              <dd>${count(m.tasks)}</dd>
            </div>
            <div>
              <dt>queue depth max</dt>
              <dd>${count(m.queueDepthMax)}</dd>
            </div>
            <div>
              <dt>retries</dt>
              <dd>${count(m.retries)}</dd>
            </div>
            <div>
              <dt>errors</dt>
              <dd>${count(m.retryableErrors + m.fatalErrors)}</dd>
            </div>
            <div>
              <dt>worker restarts</dt>
              <dd data-worker-restarts=${m.workerRestarts}>${count(m.workerRestarts)}</dd>
            </div>
            <div>
              <dt>bytes moved</dt>
              <dd>${count(m.bytesMoved)}</dd>
            </div>
          </dl>`
        : null
    }
    ${v.error ? html`<p class="run-error" data-run-error=${v.error.code}><b>${v.error.code}</b> ${v.error.message}</p>` : null}
    <div class="actions">
      ${
        running
          ? html`<button type="button" data-action="cancel" disabled=${busy.value} onClick=${cancel}>
              Cancel run
            </button>`
          : null
      }
      ${
        v.status === 'suspended'
          ? html`<div class="resume" data-suspended=${v.suspended.length}>
              <ul class="reasons">
                ${v.suspended.map(
                  (r) =>
                    html`<li data-suspend-step=${r.step}>
                      <b>${r.step}</b
                      >${`: ${r.reason} `}${r.data !== undefined ? html`<code>${JSON.stringify(r.data)}</code>` : null}
                    </li>`,
                )}
              </ul>
              <label
                >Resume input (JSON)
                <input
                  type="text"
                  data-input="resume"
                  value=${input.value}
                  placeholder='"yes"'
                  onInput=${(e: Event) => (input.value = (e.target as HTMLInputElement).value)}
              /></label>
              <button type="button" data-action="resume" disabled=${busy.value} onClick=${resume}>
                Resume
              </button>
            </div>`
          : null
      }
    </div>
    ${
      state.notice.value
        ? html`<p
            class=${`notice n-${state.notice.value.kind}`}
            role="alert"
            data-notice=${state.notice.value.kind}
          >
            ${state.notice.value.text}
          </p>`
        : null
    }
  </header>`;
}
