import type { EdgeTaken, NodeView } from '@weft/core';
import type { LayoutEdge, LayoutNode, PlanLayout } from '../../shared/plan-layout.js';
import { count } from '../format.js';
import { GraphSvg, polyline } from '../graph-svg.js';
import { html } from '../html.js';
import { watch, type RunState } from './run-state.js';

const edgeKey = (path: readonly string[], from: string, to: string): string =>
  `${[...path, from].join('/')}->${[...path, to].join('/')}`;

/** Items per second of a map node, averaged since its first start (`now`: the last event's time). */
function itemsPerSecond(n: NodeView, now: number | null): number | null {
  if (!n.items || n.firstStartedAt === null) return null;
  const end = n.state === 'running' ? now : (n.lastEndedAt ?? now);
  if (end === null) return null;
  const s = (end - n.firstStartedAt) / 1000;
  return s > 0 ? (n.items.done + n.items.failed) / s : null;
}

function NodeBox({
  l,
  n,
  now,
  selected,
  onSelect,
}: {
  l: LayoutNode;
  n: NodeView | undefined;
  now: number | null;
  selected: boolean;
  onSelect: (id: string) => void;
}) {
  const state = n?.state ?? 'pending';
  const key = (e: KeyboardEvent): void => {
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      onSelect(l.id);
    }
  };
  const label = `${l.name}: ${state}`;
  if (l.kind === 'sub')
    return html`<g
      class=${`node group s-${state}${selected ? ' selected' : ''}`}
      data-node=${l.id}
      data-kind="sub"
      data-state=${state}
      transform=${`translate(${l.x},${l.y})`}
      tabindex="0"
      role="button"
      aria-label=${label}
      onClick=${(e: MouseEvent) => {
        e.stopPropagation();
        onSelect(l.id);
      }}
      onKeyDown=${key}
    >
      <rect class="box" width=${l.width} height=${l.height} rx="8" />
      <text class="name" x="10" y="19">${l.name}</text>
      <text class="meta" x=${l.width - 10} y="19" text-anchor="end">sub · ${state}</text>
    </g>`;
  const items = n?.items ?? null;
  const join = n?.join ?? null;
  let meta: string;
  if (l.kind === 'map' && items) {
    const rate = n ? itemsPerSecond(n, now) : null;
    meta = `${count(items.done)}/${items.total === null ? '?' : count(items.total)}${items.failed ? ` · ${count(items.failed)} failed` : ''}${rate !== null ? ` · ${count(Math.round(rate))}/s` : ''}`;
  } else if (join) meta = `${join.arrived}/${join.expected} arrived${join.timedOut ? ' · timed out' : ''}`;
  else if (n && n.invocations > 1)
    meta = `${state} · ×${count(n.invocations)}${n.retries ? ` · ${count(n.retries)} retries` : ''}`;
  else if (n && n.attempts > 1) meta = `${state} · ${n.attempts} attempts`;
  else meta = state;
  const total = items?.total ?? 0;
  const w = l.width - 20;
  return html`<g
    class=${`node k-${l.kind} s-${state}${selected ? ' selected' : ''}`}
    data-node=${l.id}
    data-kind=${l.kind}
    data-state=${state}
    transform=${`translate(${l.x},${l.y})`}
    tabindex="0"
    role="button"
    aria-label=${`${label}, ${meta}`}
    aria-pressed=${selected ? 'true' : 'false'}
    onClick=${(e: MouseEvent) => {
      e.stopPropagation();
      onSelect(l.id);
    }}
    onKeyDown=${key}
  >
    <rect class="box" width=${l.width} height=${l.height} rx=${l.kind === 'switch' ? 14 : 6} />
    <text class="name" x="10" y="18"
      >${l.name}${l.join ? html`<tspan class="join"> ${l.join.toUpperCase()}</tspan>` : null}</text
    >
    <text class="meta" x="10" y="34">${meta}</text>
    ${
      items
        ? html`<g
            data-map=${l.id}
            data-done=${items.done}
            data-failed=${items.failed}
            data-total=${items.total ?? ''}
            transform=${`translate(10,${l.height - 12})`}
          >
            <rect class="bar-bg" width=${w} height="5" rx="2" />
            <rect class="bar-done" width=${total > 0 ? (w * items.done) / total : 0} height="5" rx="2" />
            <rect
              class="bar-failed"
              x=${total > 0 ? (w * items.done) / total : 0}
              width=${total > 0 ? (w * items.failed) / total : 0}
              height="5"
            />
          </g>`
        : null
    }
    ${join ? html`<g data-join=${l.id} data-arrived=${join.arrived} data-expected=${join.expected} />` : null}
  </g>`;
}

function Edge({ e, taken }: { e: LayoutEdge; taken: EdgeTaken | undefined }) {
  const d = polyline(e.points);
  const mid = e.points[Math.floor(e.points.length / 2)]!;
  return html`<g
    class=${`edge e-${e.kind}${taken ? ' taken' : ''}`}
    data-edge=${e.id}
    data-taken=${taken?.count ?? 0}
  >
    <path d=${d} marker-end=${taken ? 'url(#arrow-taken)' : 'url(#arrow)'} />
    ${e.label ? html`<text x=${mid[0] + 4} y=${mid[1] - 4}>${e.label}</text>` : null}
  </g>`;
}

/** The plan graph with every node's state, map counters, joins, sub groups and the edges taken. */
export function GraphView({ state, layout }: { state: RunState; layout: PlanLayout | null }) {
  watch(state.viewTick);
  const selected = state.selected.value;
  if (!layout)
    return html`<p class="empty" data-graph="none">No graph: the pipeline of this run is not registered.</p>`;
  const taken = new Map(state.snap.view.edges.map((e) => [edgeKey(e.path, e.from, e.to), e]));
  const select = (id: string): void => {
    state.selected.value = state.selected.value === id ? null : id;
  };
  const groups = layout.nodes.filter((n) => n.kind === 'sub');
  const plain = layout.nodes.filter((n) => n.kind !== 'sub');
  const boxes = (list: readonly LayoutNode[]) =>
    list.map(
      (l) =>
        html`<${NodeBox}
          key=${l.id}
          l=${l}
          n=${state.node(l.id)}
          now=${state.snap.lastTime}
          selected=${selected === l.id}
          onSelect=${select}
        />`,
    );
  return html`<div class="graph-scroll">
    <${GraphSvg} layout=${layout} label="plan graph">
      ${boxes(groups)}
      ${layout.edges.map((e) => html`<${Edge} key=${e.id} e=${e} taken=${taken.get(e.id)} />`)}
      ${boxes(plain)}
    <//>
  </div>`;
}
