import { describe, expect, it } from 'vitest';
import { DASHBOARD_CSP, dashboardAssets, renderDashboardPage } from '../dist/index.js';

describe('renderDashboardPage', () => {
  it('inlines the boot data as JSON that cannot close its script element, with a strict CSP', () => {
    const evil = '</script><script>alert(1)</script>\u2028';
    const page = renderDashboardPage({ api: '/v1', ui: '/ui', page: 'not-found', message: evil });
    expect(page.headers['content-security-policy']).toBe(DASHBOARD_CSP);
    expect(DASHBOARD_CSP).toContain("script-src 'self'");
    expect(DASHBOARD_CSP).not.toContain('unsafe');
    const scripts = page.html.match(/<script[^>]*>/g) ?? [];
    expect(scripts).toEqual([
      `<script type="module" src="/ui/assets/${dashboardAssets().js}">`,
      '<script type="application/json" id="boot">',
    ]);
    const block = page.html.slice(page.html.indexOf('id="boot">') + 10, page.html.lastIndexOf('</script>'));
    expect(block).not.toContain('<');
    expect(JSON.parse(block)).toEqual({ api: '/v1', ui: '/ui', page: 'not-found', message: evil });
  });

  it('escapes the run id in the title', () => {
    const page = renderDashboardPage({
      api: '/v1',
      ui: '/ui',
      page: 'run',
      run: {
        runId: '<b>&',
        pipeline: 'p',
        status: 'running',
        startedAt: 0,
        finishedAt: null,
        orchestrationMode: null,
        tenant: null,
        sessions: 1,
        lastSeq: 0,
        error: null,
      },
      plan: null,
      layout: null,
      snapshot: {
        view: null as never,
        timeline: null as never,
        errors: [],
        tokens: [],
        outputs: {},
        lastTime: null,
        metrics: null,
        missed: 0,
      },
    });
    expect(page.html).toContain('<title>Run &#60;b&#62;&#38; · Weft</title>');
  });
});
