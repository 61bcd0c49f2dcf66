import { useSignal } from '@preact/signals';
import { useEffect } from 'preact/hooks';
import type { RunSummary } from '../shared/boot.js';
import type { Api } from './api.js';
import { clock, duration } from './format.js';
import { html } from './html.js';
import { mark, probe } from './instrument.js';

const STATUSES = ['running', 'suspended', 'succeeded', 'failed', 'cancelled', 'timedOut', 'interrupted'];
const MAX_ROWS = 500;

/** Runs, newest first, filtered by status, pipeline and id, kept live by one server-sent stream. */
export function RunsPage({
  api,
  ui,
  runs,
  feedId,
}: {
  api: Api;
  ui: string;
  runs: readonly RunSummary[];
  feedId: number | undefined;
}) {
  const list = useSignal<RunSummary[]>([...runs]);
  const status = useSignal('');
  const pipeline = useSignal('');
  const text = useSignal('');
  const live = useSignal<'connecting' | 'live' | 'reconnecting'>('connecting');
  useEffect(() => {
    const es = new EventSource(api.runStream(feedId));
    es.onopen = () => {
      probe.connections++;
      live.value = 'live';
    };
    es.onerror = () => (live.value = 'reconnecting');
    es.addEventListener('run', (m: MessageEvent<string>) => {
      const r = JSON.parse(m.data) as RunSummary;
      const rest = list.value.filter((x) => x.runId !== r.runId);
      list.value = [r, ...rest].sort((a, b) => b.startedAt - a.startedAt);
    });
    es.addEventListener('gone', (m: MessageEvent<string>) => {
      const { runId } = JSON.parse(m.data) as { runId: string };
      list.value = list.value.filter((x) => x.runId !== runId);
    });
    // The whole list: the changes missed while away are no longer kept.
    es.addEventListener('runs', (m: MessageEvent<string>) => {
      list.value = (JSON.parse(m.data) as RunSummary[]).sort((a, b) => b.startedAt - a.startedAt);
    });
    mark('weft:ready');
    probe.ready = true;
    return () => es.close();
  }, []);
  const pipelines = [...new Set(list.value.map((r) => r.pipeline))].sort();
  const rows = list.value.filter(
    (r) =>
      (status.value === '' || r.status === status.value) &&
      (pipeline.value === '' || r.pipeline === pipeline.value) &&
      (text.value === '' || r.runId.includes(text.value)),
  );
  return html`<main class="runs-page" data-page="runs">
    <h1>Runs <span class=${`live c-${live.value}`} data-connection=${live.value}>${live.value}</span></h1>
    <form class="filters" role="search" onSubmit=${(e: Event) => e.preventDefault()}>
      <label
        >Status
        <select
          data-filter="status"
          onChange=${(e: Event) => (status.value = (e.target as HTMLSelectElement).value)}
        >
          <option value="">any</option>
          ${STATUSES.map((s) => html`<option value=${s} selected=${status.value === s}>${s}</option>`)}
        </select>
      </label>
      <label
        >Pipeline
        <select
          data-filter="pipeline"
          onChange=${(e: Event) => (pipeline.value = (e.target as HTMLSelectElement).value)}
        >
          <option value="">any</option>
          ${pipelines.map((p) => html`<option value=${p} selected=${pipeline.value === p}>${p}</option>`)}
        </select>
      </label>
      <label
        >Run id
        <input
          type="search"
          data-filter="id"
          value=${text.value}
          onInput=${(e: Event) => (text.value = (e.target as HTMLInputElement).value)}
      /></label>
    </form>
    <table class="runs" data-runs=${rows.length}>
      <thead>
        <tr>
          <th>status</th>
          <th>pipeline</th>
          <th>run</th>
          <th>started</th>
          <th>duration</th>
          <th>mode</th>
          <th>tenant</th>
          <th>sessions</th>
        </tr>
      </thead>
      <tbody>
        ${rows.slice(0, MAX_ROWS).map(
          (r) =>
            html`<tr key=${r.runId} data-run=${r.runId} data-status=${r.status}>
              <td><span class=${`chip s-${r.status}`}>${r.status}</span></td>
              <td>${r.pipeline}</td>
              <td>
                <a href=${`${ui}/runs/${encodeURIComponent(r.runId)}`} data-run-link=${r.runId}
                  ><code>${r.runId}</code></a
                >
              </td>
              <td>${clock(r.startedAt)}</td>
              <td>
                ${duration(r.finishedAt !== null ? r.finishedAt - r.startedAt : Date.now() - r.startedAt)}
              </td>
              <td>${r.orchestrationMode ?? '—'}</td>
              <td>${r.tenant ?? '—'}</td>
              <td>${r.sessions}</td>
            </tr>`,
        )}
      </tbody>
    </table>
    ${rows.length === 0 ? html`<p class="empty">No runs${list.value.length > 0 ? ' match the filters' : ' yet'}.</p>` : null}
    ${rows.length > MAX_ROWS ? html`<p class="more">First ${MAX_ROWS} of ${rows.length}.</p>` : null}
  </main>`;
}
