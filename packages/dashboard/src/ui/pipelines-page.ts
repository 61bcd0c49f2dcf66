import { useSignal } from '@preact/signals';
import { useEffect } from 'preact/hooks';
import type { PipelineEntry } from '../shared/boot.js';
import type { PlanLayout } from '../shared/plan-layout.js';
import { ApiError, type Api } from './api.js';
import { GraphSvg, polyline } from './graph-svg.js';
import { html } from './html.js';
import { mark, probe } from './instrument.js';

/** A plan's drawing without run state. */
function PlanGraph({ layout }: { layout: PlanLayout }) {
  return html`<${GraphSvg} layout=${layout} label="pipeline graph">
    ${layout.nodes
      .filter((n) => n.kind === 'sub')
      .map(
        (n) =>
          html`<g class="node group" data-node=${n.id} transform=${`translate(${n.x},${n.y})`}>
            <rect class="box" width=${n.width} height=${n.height} rx="8" /><text class="name" x="10" y="19"
              >${n.name}</text
            >
          </g>`,
      )}
    ${layout.edges.map(
      (e) =>
        html`<g class=${`edge e-${e.kind}`} data-edge=${e.id}>
          <path d=${polyline(e.points)} marker-end="url(#arrow)" />
          ${e.label ? html`<text x=${e.points[Math.floor(e.points.length / 2)]![0] + 4} y=${e.points[Math.floor(e.points.length / 2)]![1] - 4}>${e.label}</text>` : null}
        </g>`,
    )}
    ${layout.nodes
      .filter((n) => n.kind !== 'sub')
      .map(
        (n) =>
          html`<g
            class=${`node k-${n.kind} s-pending`}
            data-node=${n.id}
            data-kind=${n.kind}
            transform=${`translate(${n.x},${n.y})`}
          >
            <rect class="box" width=${n.width} height=${n.height} rx=${n.kind === 'switch' ? 14 : 6} />
            <text class="name" x="10" y="18">${n.name}</text
            ><text class="meta" x="10" y="34">${n.kind}${n.join ? ` · ${n.join.toUpperCase()}` : ''}</text>
          </g>`,
      )}
  <//>`;
}

function PipelineCard({ api, p }: { api: Api; p: PipelineEntry }) {
  const verdict = useSignal<{ valid: boolean; text: string } | null>(null);
  const busy = useSignal(false);
  const validate = async (): Promise<void> => {
    busy.value = true;
    try {
      const v = await api.validate(p.name);
      const problems = (v.problems ?? (v.report as { problems?: unknown[] } | undefined)?.problems ?? []) as {
        code?: string;
        message?: string;
      }[];
      verdict.value = {
        valid: v.valid,
        text: v.valid
          ? 'valid'
          : problems.map((x) => `${x.code ?? ''} ${x.message ?? ''}`).join('; ') || 'invalid',
      };
    } catch (e) {
      verdict.value = { valid: false, text: e instanceof ApiError ? `${e.code}: ${e.message}` : String(e) };
    } finally {
      busy.value = false;
    }
  };
  return html`<section class="pipeline" data-pipeline=${p.name}>
    <h2>
      ${p.name} <small>${p.nodes} nodes · plan <code>${p.planId.slice(0, 12)}</code></small>
    </h2>
    <div class="actions">
      <button type="button" data-action="validate" disabled=${busy.value} onClick=${validate}>
        Validate
      </button>
      ${
        verdict.value
          ? html`<span
              class=${`verdict ${verdict.value.valid ? 'ok' : 'bad'}`}
              data-verdict=${verdict.value.valid ? 'valid' : 'invalid'}
              role="status"
              >${verdict.value.text}</span
            >`
          : null
      }
    </div>
    <div class="graph-scroll">
      ${p.layout ? html`<${PlanGraph} layout=${p.layout} />` : html`<p class="empty">No layout.</p>`}
    </div>
  </section>`;
}

/** The registered pipelines with their graphs and a Validate action. */
export function PipelinesPage({ api, pipelines }: { api: Api; pipelines: readonly PipelineEntry[] }) {
  useEffect(() => {
    mark('weft:ready');
    probe.ready = true;
  }, []);
  return html`<main class="pipelines-page" data-page="pipelines">
    <h1>Pipelines</h1>
    ${pipelines.length === 0 ? html`<p class="empty">No pipeline is registered.</p>` : null}
    ${pipelines.map((p) => html`<${PipelineCard} key=${p.name} api=${api} p=${p} />`)}
  </main>`;
}
