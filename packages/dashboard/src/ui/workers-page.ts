import type { WorkerEntry } from '../shared/boot.js';
import { duration } from './format.js';
import { html } from './html.js';

/**
 * The live worker processes of the distributed modes (bullmq's `weft worker`s), as the service's
 * plugins list them when the page is loaded (reload to refresh).
 */
export function WorkersPage({
  workers,
  sources,
  error,
}: {
  workers: readonly WorkerEntry[] | null;
  sources?: readonly string[] | undefined;
  error?: string | undefined;
}) {
  if (workers === null)
    return html`<main class="workers-page" data-page="workers">
      <h1>Workers</h1>
      <p class="empty" data-workers="off">
        No distributed orchestration mode (bullmq) is on: steps run in this service's own worker threads.
      </p>
    </main>`;
  const now = Date.now();
  return html`<main class="workers-page" data-page="workers">
    <h1>Workers</h1>
    <p class="hint" data-sources=${(sources ?? []).join(' ')}>
      Live workers of ${(sources ?? []).join(', ')}: those whose heartbeat is current, as of this page's load.
    </p>
    ${error ? html`<p class="notice error" role="alert" data-workers-error>${error}</p>` : null}
    ${
      workers.length === 0 && !error
        ? html`<p class="empty" data-workers="0">
            No worker is running: start one with <code>weft worker</code>.
          </p>`
        : html`<table class="workers" data-workers=${workers.length}>
            <thead>
              <tr>
                <th>worker</th>
                <th>mode</th>
                <th>host</th>
                <th>pid</th>
                <th>threads</th>
                <th>version</th>
                <th>up</th>
              </tr>
            </thead>
            <tbody>
              ${workers.map(
                (w) =>
                  html`<tr
                    key=${`${w.orchestrator}/${w.id}`}
                    data-worker=${w.id}
                    data-threads=${w.threads ?? ''}
                  >
                    <td><code>${w.name ?? w.id}</code></td>
                    <td>${w.orchestrator}</td>
                    <td>${w.host ?? '–'}</td>
                    <td>${w.pid ?? '–'}</td>
                    <td>${w.threads ?? '–'}</td>
                    <td>${w.version ?? '–'}</td>
                    <td>${w.startedAt === null ? '–' : duration(Math.max(0, now - w.startedAt))}</td>
                  </tr>`,
              )}
            </tbody>
          </table>`
    }
  </main>`;
}
