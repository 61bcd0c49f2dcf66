import { useSignal } from '@preact/signals';
import { useEffect } from 'preact/hooks';
import type { PlanLayout } from '../../shared/plan-layout.js';
import { html } from '../html.js';
import { mark, probe } from '../instrument.js';
import { ErrorsView } from './errors-view.js';
import { EventsView } from './events-view.js';
import { GraphView } from './graph-view.js';
import { Inspector } from './inspector.js';
import { RunHeader } from './run-header.js';
import { watch, type RunState } from './run-state.js';
import { TimelineView } from './timeline-view.js';
import { TokensView } from './tokens-view.js';

const TABS = ['timeline', 'tokens', 'errors', 'events'] as const;
type Tab = (typeof TABS)[number];

/** Tabs with arrow-key navigation (WAI-ARIA tabs pattern). */
function Tabs({ tab, counts }: { tab: { value: Tab }; counts: Record<Tab, number | null> }) {
  const key = (e: KeyboardEvent): void => {
    const i = TABS.indexOf(tab.value);
    const next =
      e.key === 'ArrowRight'
        ? (i + 1) % TABS.length
        : e.key === 'ArrowLeft'
          ? (i + TABS.length - 1) % TABS.length
          : -1;
    if (next < 0) return;
    e.preventDefault();
    tab.value = TABS[next]!;
    document.getElementById(`tab-${TABS[next]}`)?.focus();
  };
  return html`<div class="tabs" role="tablist" aria-label="run details" onKeyDown=${key}>
    ${TABS.map(
      (t) =>
        html`<button
          type="button"
          role="tab"
          id=${`tab-${t}`}
          data-tab=${t}
          aria-selected=${tab.value === t}
          aria-controls=${`panel-${t}`}
          tabindex=${tab.value === t ? 0 : -1}
          onClick=${() => (tab.value = t)}
        >
          ${t}${counts[t] !== null ? html` <span class="badge">${(counts[t] ?? 0).toLocaleString('en-US')}</span>` : null}
        </button>`,
    )}
  </div>`;
}

/** The run page: header, graph and inspector, then the timeline, tokens, errors and events tabs. */
export function RunPage({ state, layout }: { state: RunState; layout: PlanLayout | null }) {
  const tab = useSignal<Tab>('timeline');
  useEffect(() => {
    mark('weft:graph-ready');
    requestAnimationFrame(() => {
      mark('weft:ready');
      probe.ready = true;
      state.markLive();
      state.follow();
    });
    return () => state.close();
  }, []);
  watch(state.errorsTick, state.tokensTick);
  const counts: Record<Tab, number | null> = {
    timeline: null,
    tokens: state.snap.tokens.length || null,
    errors: state.snap.errors.reduce((s, g) => s + g.count, 0) || null,
    events: null,
  };
  return html`<main class="run-page" data-page="run">
    <${RunHeader} state=${state} />
    <div class="run-body">
      <${GraphView} state=${state} layout=${layout} />
      <${Inspector} state=${state} />
    </div>
    <${Tabs} tab=${tab} counts=${counts} />
    <div class="panel" role="tabpanel" id=${`panel-${tab.value}`} aria-labelledby=${`tab-${tab.value}`}>
      ${
        tab.value === 'timeline'
          ? html`<${TimelineView} state=${state} />`
          : tab.value === 'tokens'
            ? html`<${TokensView} state=${state} />`
            : tab.value === 'errors'
              ? html`<${ErrorsView} state=${state} />`
              : html`<${EventsView} state=${state} />`
      }
    </div>
  </main>`;
}
