// The dashboard on the real `weft serve` (@weft/serve's startServer with dashboardRoutes mounted),
// in headless Chromium: a suspended run resumed through the button, a cancel, the runs list live,
// tokens, a live run followed through a cut stream (every event once, tokens in order: the service's
// merged token frames), pipelines and Validate, the workers a plugin lists.
import { mkdirSync } from 'node:fs';
import { memoryStore } from '@weft/store';
import { startServer, type WeftServer } from '@weft/serve';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pipeline, type Pipeline } from '@weft/core';
import type { WeftPlugin } from '@weft/core/plugin';
import { RunFeed, dashboardRoutes } from '../dist/index.js';
import { launchBrowser, runBrowserSuite, type WatchedBrowser } from './support/browser.js';
import type {} from './support/window.js';
import { showcase, tokens, waits, failing } from './fixtures/pipelines.js';

mkdirSync(new URL('../test-output/', import.meta.url), { recursive: true });

/** A step that streams tokens, stopping halfway until the test opens the gate. */
let openGate: () => void = () => {};
function gated(): Pipeline {
  return pipeline('gated')
    .step('speak', async function* (n: number) {
      for (let i = 0; i < n; i++) {
        if (i === n / 2) await new Promise<void>((r) => (openGate = r));
        yield `w${i} `;
        if (i % 50 === 0) await new Promise((r) => setImmediate(r));
      }
      return n;
    })
    .build();
}

/** A plugin whose distributed mode lists two workers (as bullmq lists its `weft worker`s). */
const fleet: WeftPlugin = {
  name: 'fleet',
  register(r) {
    r.workerSource?.({
      orchestrator: 'fleet',
      list: async () => [
        {
          id: 'w-1',
          name: 'alpha',
          host: 'h1',
          pid: 101,
          threads: 2,
          version: '9.9.9',
          startedAt: '2026-12-06T00:00:00.000Z',
        },
        { id: 'w-2', name: 'beta', host: 'h2', pid: 102, threads: 4 },
      ],
    });
  },
};

describe.runIf(runBrowserSuite)('dashboard on weft serve', () => {
  let server: WeftServer;
  let browser: WatchedBrowser;
  let url: string;
  const feed = new RunFeed();
  const post = async (path: string, body: unknown) => {
    const r = await fetch(url + path, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: r.status, body: (await r.json()) as Record<string, unknown> };
  };
  /** Every event of a run, paged from GET /v1/runs/{id}/events (JSON). */
  const allEvents = async (id: string) => {
    const out: { seq: number; type: string }[] = [];
    for (let after: number | null = 0; after !== null;) {
      const page = (await (await fetch(`${url}/v1/runs/${id}/events?after=${after}`)).json()) as {
        events: { seq: number; type: string }[];
        next: number | null;
      };
      out.push(...page.events);
      after = page.next;
    }
    return out;
  };
  const result = async (id: string) => {
    for (;;) {
      const r = await fetch(`${url}/v1/runs/${id}/result?waitMs=5000`);
      if (r.status === 200) return (await r.json()) as { status: string };
    }
  };

  beforeAll(async () => {
    server = await startServer({
      config: { orchestrationMode: 'direct', listen: { host: '127.0.0.1', port: 0 }, plugins: ['fleet'] },
      importPlugin: async () => ({ default: fleet }),
      pipelines: [showcase(), tokens(), waits(), failing(), gated()],
      store: feed.watch(memoryStore({ maxEventsPerRun: 1_000_000 })),
      routes: [dashboardRoutes({ feed })],
    });
    url = server.url!;
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    expect(browser?.blocked ?? []).toEqual([]);
    expect(browser?.errors ?? []).toEqual([]);
  });

  it('shows a suspended run and resumes it through the button', async () => {
    const s = await post('/v1/start', { pipeline: 'showcase', input: 200, runId: 'sc-1' });
    expect(s.status).toBe(202);
    expect((await result('sc-1')).status).toBe('suspended');
    const page = await browser.open(`${url}/ui/runs/sc-1`);
    await page.waitForFunction(() => window.__weft?.ready);
    expect(await page.getAttribute('[data-run-status]', 'data-run-status')).toBe('suspended');
    expect(await page.getAttribute('[data-map="square"]', 'data-done')).toBe('200');
    expect(await page.getAttribute('[data-node="approve"]', 'data-state')).toBe('suspended');
    await page.fill('[data-input="resume"]', '"approved"');
    await page.click('[data-action="resume"]');
    await page.waitForSelector('[data-run-status="succeeded"]');
    const { seen, snapshotSeq } = await page.evaluate(() => window.__weft);
    const log = { events: await allEvents('sc-1') };
    expect(seen).toEqual(log.events.filter((e) => e.seq > snapshotSeq).map((e) => e.seq));
    await page.screenshot({
      path: new URL('../test-output/serve-run-page.png', import.meta.url).pathname,
      fullPage: true,
    });
  });

  it('cancels through the button', async () => {
    await post('/v1/start', { pipeline: 'waits', input: 1, runId: 'w-1' });
    const page = await browser.open(`${url}/ui/runs/w-1`);
    await page.waitForSelector('[data-connection="live"]');
    await page.click('[data-action="cancel"]');
    await page.waitForSelector('[data-run-status="cancelled"]');
  });

  it('lists runs live and shows tokens', async () => {
    const page = await browser.open(`${url}/ui/`);
    await page.waitForSelector('[data-connection="live"]');
    const n = browser.requests.length;
    await post('/v1/start', { pipeline: 'tokens', input: 300, runId: 't-1' });
    await page.waitForSelector('tr[data-run="t-1"][data-status="succeeded"]');
    expect(browser.requests.length).toBe(n);
    await page.screenshot({
      path: new URL('../test-output/serve-runs-list.png', import.meta.url).pathname,
      fullPage: true,
    });
    const run = await browser.open(`${url}/ui/runs/t-1`);
    await run.waitForFunction(() => window.__weft?.ready);
    await run.click('[data-tab="tokens"]');
    expect(await run.getAttribute('[data-tokens="speak"]', 'data-count')).toBe('300');
  });

  it('follows a live run through going offline and back: every event once, tokens in order', async () => {
    const streams: import('node:net').Socket[] = [];
    server.app.server.on('request', (req: import('node:http').IncomingMessage) => {
      if (req.url?.startsWith('/v1/runs/g-1/events')) streams.push(req.socket);
    });
    await post('/v1/start', { pipeline: 'gated', input: 4000, runId: 'g-1' });
    const page = await browser.open(`${url}/ui/runs/g-1`);
    await page.waitForSelector('[data-connection="live"]');
    await page.click('[data-tab="tokens"]');
    const errorsBefore = browser.errors.length;
    await browser.context.setOffline(true);
    expect(streams.length).toBe(1);
    for (const s of streams) s.destroy(); // the stream is cut, as a proxy would
    openGate();
    expect((await result('g-1')).status).toBe('succeeded');
    await browser.context.setOffline(false);
    await page.waitForSelector('[data-run-status="succeeded"]');
    const { seen, snapshotSeq, merged, connections } = await page.evaluate(() => window.__weft);
    const log = { events: await allEvents('g-1') };
    expect(seen).toEqual(log.events.filter((e) => e.seq > snapshotSeq).map((e) => e.seq));
    expect(connections).toBeGreaterThanOrEqual(2);
    expect(merged).toBeGreaterThan(0);
    expect(await page.getAttribute('[data-tokens="speak"]', 'data-count')).toBe('4000');
    expect(await page.textContent('[data-tokens="speak"]')).toBe(
      Array.from({ length: 4000 }, (_, i) => `w${i} `).join(''),
    );
    const expected = /net::ERR_(INTERNET_DISCONNECTED|INCOMPLETE_CHUNKED_ENCODING|NETWORK_CHANGED)\b/;
    const kept = browser.errors.filter((e, i) => i < errorsBefore || !expected.test(e));
    browser.errors.splice(0, browser.errors.length, ...kept);
  });

  it('pipelines and validate', async () => {
    const page = await browser.open(`${url}/ui/pipelines`);
    await page.click('[data-pipeline="showcase"] [data-action="validate"]');
    await page.waitForSelector('[data-pipeline="showcase"] [data-verdict]');
    expect(await page.getAttribute('[data-pipeline="showcase"] [data-verdict]', 'data-verdict')).toBe(
      'valid',
    );
  });

  it("shows the plugins' live workers on the workers page", async () => {
    const page = await browser.open(`${url}/ui/workers`);
    expect(await page.getAttribute('[data-workers]', 'data-workers')).toBe('2');
    expect(await page.getAttribute('[data-sources]', 'data-sources')).toBe('fleet');
    expect(await page.getAttribute('[data-worker="w-1"]', 'data-threads')).toBe('2');
    expect(await page.getAttribute('[data-worker="w-2"]', 'data-threads')).toBe('4');
    expect(await page.textContent('[data-worker="w-1"]')).toContain('alpha');
  });
});
