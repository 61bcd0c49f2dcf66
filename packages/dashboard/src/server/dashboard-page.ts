import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Boot } from '../shared/boot.js';

/** The built page assets: the directory to serve under `/ui/assets/` and the hashed file names. */
export interface DashboardAssets {
  readonly dir: string;
  readonly js: string;
  readonly css: string;
}

let assets: DashboardAssets | null = null;

/**
 * The built assets of the page (`dist/ui`, written by the package's build). Serve `dir` under
 * `/ui/assets/` with long-lived caching: the names carry a content hash.
 * @example const { dir } = dashboardAssets(); // mount with @fastify/static at /ui/assets/
 */
export function dashboardAssets(): DashboardAssets {
  if (assets) return assets;
  const dir = fileURLToPath(new URL('../ui/', import.meta.url));
  const manifest = JSON.parse(readFileSync(`${dir}manifest.json`, 'utf8')) as { js: string; css: string };
  assets = { dir, js: manifest.js, css: manifest.css };
  return assets;
}

/**
 * The Content-Security-Policy of every dashboard page: scripts and styles from the same origin only
 * (the boot data is a JSON block, not a script), connections to the same origin, nothing framed.
 */
export const DASHBOARD_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "font-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** JSON safe inside a `<script>` element: no `<` that could close it. */
const inlineJson = (v: unknown): string =>
  JSON.stringify(v)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');

const TITLES: Record<Boot['page'], string> = {
  runs: 'Runs',
  run: 'Run',
  pipelines: 'Pipelines',
  workers: 'Workers',
  'not-found': 'Not found',
};

/**
 * The HTML of a dashboard page with its boot data inlined, and the headers to send with it.
 * @example
 * const page = renderDashboardPage({ page: 'runs', api: '/v1', ui: '/ui', runs });
 * reply.headers(page.headers).send(page.html);
 */
export function renderDashboardPage(boot: Boot): { html: string; headers: Record<string, string> } {
  const a = dashboardAssets();
  const title = boot.page === 'run' ? `Run ${boot.run.runId}` : TITLES[boot.page];
  const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · Weft</title>
<link rel="stylesheet" href="${boot.ui}/assets/${a.css}">
<script type="module" src="${boot.ui}/assets/${a.js}"></script>
</head>
<body>
<div id="app"></div>
<script type="application/json" id="boot">${inlineJson(boot)}</script>
</body>
</html>
`;
  return {
    html,
    headers: {
      'content-type': 'text/html; charset=utf-8',
      'content-security-policy': DASHBOARD_CSP,
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'cache-control': 'no-store',
    },
  };
}

const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
