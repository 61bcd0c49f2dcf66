// The dashboard page: reads its boot data from the JSON block the server inlined, renders the page it
// names, then follows server-sent events. No other script, no eval, no request to another origin.
import { render } from 'preact';
import type { Boot } from '../shared/boot.js';
import { Api } from './api.js';
import { html } from './html.js';
import { mark } from './instrument.js';
import { PipelinesPage } from './pipelines-page.js';
import { RunPage } from './run/run-page.js';
import { RunState } from './run/run-state.js';
import { RunsPage } from './runs-page.js';
import { WorkersPage } from './workers-page.js';

function Nav({ ui, page }: { ui: string; page: Boot['page'] }) {
  const link = (href: string, label: string, current: boolean) =>
    html`<a href=${href} aria-current=${current ? 'page' : undefined}>${label}</a>`;
  return html`<nav class="top" aria-label="dashboard">
    <a class="brand" href=${`${ui}/`}>Weft</a>
    ${link(`${ui}/`, 'Runs', page === 'runs' || page === 'run')}
    ${link(`${ui}/pipelines`, 'Pipelines', page === 'pipelines')}
    ${link(`${ui}/workers`, 'Workers', page === 'workers')}
  </nav>`;
}

function page(boot: Boot, api: Api) {
  switch (boot.page) {
    case 'runs':
      return html`<${RunsPage} api=${api} ui=${boot.ui} runs=${boot.runs} feedId=${boot.feedId} />`;
    case 'run': {
      const state = new RunState(api, boot.run, boot.plan, boot.snapshot);
      return html`<${RunPage} state=${state} layout=${boot.layout} />`;
    }
    case 'pipelines':
      return html`<${PipelinesPage} api=${api} pipelines=${boot.pipelines} />`;
    case 'workers':
      return html`<${WorkersPage} workers=${boot.workers} sources=${boot.sources} error=${boot.error} />`;
    case 'not-found':
      return html`<main data-page="not-found">
        <h1>Not found</h1>
        <p>${boot.message}</p>
      </main>`;
  }
}

mark('weft:boot');
const boot = JSON.parse(document.getElementById('boot')?.textContent ?? 'null') as Boot;
const root = document.getElementById('app');
if (!root) throw new Error('dashboard: no #app element');
render(html`<${Nav} ui=${boot.ui} page=${boot.page} />${page(boot, new Api(boot.api))}`, root);
mark('weft:first-paint');
