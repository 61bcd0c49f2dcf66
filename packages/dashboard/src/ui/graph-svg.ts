import type { ComponentChildren } from 'preact';
import type { PlanLayout } from '../shared/plan-layout.js';
import { html } from './html.js';

const PAD = 12;

/** An arrow head for edges (`taken`: the darker one of edges a run followed). */
const arrow = (id: string, cls: string) =>
  html`<marker
    id=${id}
    viewBox="0 0 10 10"
    refX="9"
    refY="5"
    markerWidth="7"
    markerHeight="7"
    orient="auto-start-reverse"
  >
    <path d="M0,0 L10,5 L0,10 z" class=${cls} />
  </marker>`;

/** The SVG of a plan's drawing, sized to its layout, with the arrow heads its edges use. */
export function GraphSvg({
  layout,
  label,
  children,
}: {
  layout: PlanLayout;
  label: string;
  children: ComponentChildren;
}) {
  const w = layout.width + PAD * 2;
  const h = layout.height + PAD * 2;
  return html`<svg
    class="graph"
    data-graph=${layout.engine}
    width=${w}
    height=${h}
    viewBox=${`${-PAD} ${-PAD} ${w} ${h}`}
    role="group"
    aria-label=${label}
  >
    <defs>${arrow('arrow', 'arrow')}${arrow('arrow-taken', 'arrow taken')}</defs>
    ${children}
  </svg>`;
}

/** An SVG path through `points`. */
export const polyline = (points: readonly (readonly [number, number])[]): string =>
  points.map(([x, y], i) => `${i === 0 ? 'M' : 'L'}${x.toFixed(1)},${y.toFixed(1)}`).join(' ');
