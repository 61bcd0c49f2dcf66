import type { WorkerEntry } from '../shared/boot.js';
import { duration } from './format.js';
import { html } from './html.js';

/** Live workers of a distributed mode: slots in use and heartbeat age. */
export function WorkersPage({ workers }: { workers: readonly WorkerEntry[] | null }) {
  return html`<main class="workers-page" data-page="workers">
    <h1>Workers</h1>
    ${
      workers === null
        ? html`<p class="empty" data-workers="off">
            No distributed orchestration mode (bullmq) is on: steps run in this service's own worker threads.
          </p>`
        : html`<table class="workers" data-workers=${workers.length}>
            <thead>
              <tr>
                <th>worker</th>
                <th>host</th>
                <th>slots</th>
                <th>busy</th>
                <th>heartbeat</th>
              </tr>
            </thead>
            <tbody>
              ${workers.map(
                (w) =>
                  html`<tr key=${w.id} data-worker=${w.id}>
                    <td><code>${w.id}</code></td>
                    <td>${w.host}</td>
                    <td>${w.slots}</td>
                    <td>${w.busy}</td>
                    <td>${duration(Date.now() - w.heartbeatAt)} ago</td>
                  </tr>`,
              )}
            </tbody>
          </table>`
    }
  </main>`;
}
