import { useSignal } from '@preact/signals';
import { useEffect } from 'preact/hooks';
import type { RunEvent } from '@weft/core';
import { clock } from '../format.js';
import { html } from '../html.js';
import type { RunState } from './run-state.js';

const PAGE = 100;
const GROUPS = ['run', 'step', 'map', 'barrier', 'token', 'other'] as const;

const groupOf = (t: string): string => {
  const g = t.split('.')[0]!;
  return (GROUPS as readonly string[]).includes(g) ? g : 'other';
};

/** What an event says beyond its type, in one line. */
function detail(e: RunEvent): string {
  const {
    runId: _r,
    seq: _s,
    time: _t,
    path: _p,
    type: _ty,
    ...rest
  } = e as RunEvent & Record<string, unknown>;
  const s = JSON.stringify(rest);
  return s.length > 240 ? `${s.slice(0, 240)}…` : s;
}

/** The raw events, read from the service a page at a time, filtered by kind. */
export function EventsView({ state }: { state: RunState }) {
  const after = useSignal(0);
  const history = useSignal<number[]>([]);
  const page = useSignal<{ events: RunEvent[]; next: number | null; lastId: number } | null>(null);
  const error = useSignal<string | null>(null);
  const shown = useSignal<Record<string, boolean>>(Object.fromEntries(GROUPS.map((g) => [g, true])));
  useEffect(() => {
    let stale = false;
    state.api.events(state.run.runId, after.value, PAGE).then(
      (p) => {
        if (!stale) page.value = p;
      },
      (e: unknown) => {
        if (!stale) error.value = e instanceof Error ? e.message : String(e);
      },
    );
    return () => {
      stale = true;
    };
  }, [after.value]);
  const p = page.value;
  const rows = p ? p.events.filter((e) => shown.value[groupOf(e.type)]) : [];
  return html`<section class="events" data-events-after=${after.value}>
    <div class="toolbar" role="toolbar" aria-label="events">
      ${GROUPS.map(
        (g) =>
          html`<label key=${g}>
            <input
              type="checkbox"
              data-filter=${g}
              checked=${shown.value[g]}
              onChange=${(e: Event) => (shown.value = { ...shown.value, [g]: (e.target as HTMLInputElement).checked })}
            />
            ${g}</label
          >`,
      )}
      <button
        type="button"
        data-page="prev"
        disabled=${history.value.length === 0}
        onClick=${() => {
          after.value = history.value.at(-1) ?? 0;
          history.value = history.value.slice(0, -1);
        }}
      >
        ← previous
      </button>
      <button
        type="button"
        data-page="next"
        disabled=${!p || p.next === null}
        onClick=${() => {
          history.value = [...history.value, after.value];
          after.value = p!.next!;
        }}
      >
        next ${PAGE} →
      </button>
      <span
        >${p ? `events ${after.value + 1}–${p.events.at(-1)?.seq ?? after.value} of ${p.lastId}` : 'loading…'}</span
      >
    </div>
    ${error.value ? html`<p class="notice n-error" role="alert">${error.value}</p>` : null}
    <table class="event-table">
      <thead>
        <tr>
          <th>seq</th>
          <th>time</th>
          <th>type</th>
          <th>path</th>
          <th>step</th>
          <th>detail</th>
        </tr>
      </thead>
      <tbody>
        ${rows.map(
          (e) =>
            html`<tr key=${e.seq} data-seq=${e.seq} data-type=${e.type}>
              <td>${e.seq}</td>
              <td>${clock(e.time)}</td>
              <td>${e.type}</td>
              <td>${e.path.join('/')}</td>
              <td>${'step' in e ? e.step : ''}</td>
              <td><code>${detail(e)}</code></td>
            </tr>`,
        )}
      </tbody>
    </table>
  </section>`;
}
