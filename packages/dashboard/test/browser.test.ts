// The dashboard in headless Chromium, driven by a stand-in server that runs the fixture pipelines
// with the engine: node states, map counters, joins, sub groups, switch edges, tokens in order, errors
// by code, Cancel and Resume through the buttons, keyboard use, the stream after going offline and
// back, no request off loopback, no console error. Screenshots go to test-output/.
import { mkdirSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, runBrowserSuite, type WatchedBrowser } from './support/browser.js';
import type {} from './support/window.js';
import { DashboardTestServer } from './support/dashboard-server.js';
import { bigMap, failing, loop, showcase, tokens, waits } from './fixtures/pipelines.js';

const OUT = new URL('../test-output/', import.meta.url);
mkdirSync(OUT, { recursive: true });
const shot = (page: Page, name: string): Promise<Buffer> =>
  page.screenshot({ path: new URL(name, OUT).pathname, fullPage: true });

const state = (page: Page, node: string): Promise<string | null> =>
  page.getAttribute(`[data-node="${node}"]`, 'data-state');

describe.runIf(runBrowserSuite)('dashboard in Chromium', () => {
  let server: DashboardTestServer;
  let browser: WatchedBrowser;

  beforeAll(async () => {
    server = await DashboardTestServer.start([showcase(), bigMap(), tokens(), failing(), waits(), loop()]);
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    // Nothing but loopback was asked for, and the page never logged an error.
    expect(browser?.blocked ?? []).toEqual([]);
    expect(browser?.requests.every((u) => u.startsWith(server.url))).toBe(true);
    expect(browser?.errors ?? []).toEqual([]);
  });

  it('shows a run: node states, map counters, join, sub, switch edge taken, tokens in order, errors by code; resumes through the button', async () => {
    const run = server.run('showcase', 200);
    await run.settled;
    expect(run.summary.status).toBe('suspended');
    const page = await browser.open(`${server.url}/ui/runs/${run.runId}`);
    await page.waitForFunction(() => window.__weft?.ready);
    expect(await page.getAttribute('[data-run-status]', 'data-run-status')).toBe('suspended');
    expect(await state(page, 'square')).toBe('succeeded');
    const map = page.locator('[data-map="square"]');
    expect(await map.getAttribute('data-done')).toBe('200');
    expect(await map.getAttribute('data-total')).toBe('200');
    expect(await map.getAttribute('data-failed')).toBe('0');
    expect(await page.getAttribute('[data-join="sum"]', 'data-arrived')).toBe('2');
    expect(await page.getAttribute('[data-join="sum"]', 'data-expected')).toBe('2');
    expect(await state(page, 'flaky')).toBe('succeeded');
    expect(await state(page, 'nested')).toBe('succeeded');
    expect(await state(page, 'nested/prepare')).toBe('succeeded');
    expect(await state(page, 'nested/finish')).toBe('succeeded');
    expect(await state(page, 'approve')).toBe('suspended');
    expect(await state(page, 'skipme')).toBe('skipped');
    expect(await state(page, 'done')).toBe('pending');
    expect(await page.getAttribute('[data-edge="route->approve"]', 'data-taken')).toBe('1');
    expect(await page.getAttribute('[data-edge="route->skipme"]', 'data-taken')).toBe('0');
    expect(await page.getAttribute('[data-edge="nested/prepare->nested/finish"]', 'data-taken')).toBe('1');
    expect(await page.textContent('[data-suspend-step="approve"]')).toContain('needs a person');

    // The inspector, by keyboard: focus the node, Enter.
    await page.focus('[data-node="flaky"]');
    await page.keyboard.press('Enter');
    await page.waitForSelector('[data-inspector="flaky"]');
    expect(await page.getAttribute('[data-inspector="flaky"] [data-attempts]', 'data-attempts')).toBe('3');
    expect(await page.textContent('[data-inspector="flaky"] [data-node-error]')).toContain(
      'not yet (attempt 2)',
    );
    expect(await page.locator('[data-spans-of="flaky"] tbody tr').count()).toBe(3);

    // Timeline: one span per attempt (load, square, describe, sum, flaky ×3, nested, prepare, finish, route, approve).
    expect(Number(await page.getAttribute('[data-timeline]', 'data-spans'))).toBe(12);
    await shot(page, 'run-page.png');

    // Tabs by keyboard: tokens, then errors.
    await page.focus('[data-tab="timeline"]');
    await page.keyboard.press('ArrowRight');
    expect(await page.textContent('[data-tokens="describe"]')).toBe('Weft maps 200 items in order.');
    expect(await page.getAttribute('[data-tokens="describe"]', 'data-count')).toBe('6');
    await page.keyboard.press('ArrowRight');
    expect(await page.getAttribute('[data-error-code="STEP_FAILED"]', 'data-count')).toBe('2');

    // The raw events, paged and filtered.
    await page.click('[data-tab="events"]');
    await page.waitForSelector('[data-seq="1"]');
    expect(await page.locator('tr[data-seq]').count()).toBe(100);
    await page.click('[data-filter="map"]'); // hide map events
    expect(await page.locator('tr[data-type="map.item"]').count()).toBe(0);
    await page.click('[data-page="next"]');
    await page.waitForSelector('[data-events-after="100"]');
    await page.click('[data-filter="map"]');
    await page.waitForSelector('[data-seq="101"]');

    // Resume through the button: the run goes on from the next seq, in the same page (timeline shown).
    await page.click('[data-tab="timeline"]');
    await page.waitForFunction(() => window.__weft.timeline.inView === 12);
    await page.fill('[data-input="resume"]', '"approved"');
    await page.click('[data-action="resume"]');
    await page.waitForSelector('[data-run-status="succeeded"]');
    expect(await state(page, 'approve')).toBe('succeeded');
    expect(await state(page, 'done')).toBe('succeeded');
    // The timeline keeps the whole run in view as it grows (nobody zoomed): the resumed spans too.
    await page.waitForFunction(() => window.__weft.timeline.spanCount === 14);
    await page.waitForFunction(() => window.__weft.timeline.inView === 14);
    const seen = await page.evaluate(() => window.__weft.seen);
    const snapshotSeq = await page.evaluate(() => window.__weft.snapshotSeq);
    expect(seen).toEqual(run.events.filter((e) => e.seq > snapshotSeq).map((e) => e.seq));
  });

  it('shows a failing step: retries marked, the error with its code and stack, grouped by code', async () => {
    const run = server.run('failing', 1);
    await run.settled;
    const page = await browser.open(`${server.url}/ui/runs/${run.runId}`);
    await page.waitForFunction(() => window.__weft?.ready);
    expect(await page.getAttribute('[data-run-status]', 'data-run-status')).toBe('failed');
    expect(await state(page, 'broken')).toBe('failed');
    expect(await page.getAttribute('[data-metrics] [data-worker-restarts]', 'data-worker-restarts')).toBe(
      '0',
    );
    await page.click('[data-node="broken"]');
    expect(await page.textContent('[data-inspector="broken"] .stack')).toContain('the disk is full');
    await page.click('[data-tab="errors"]');
    expect(await page.getAttribute('[data-error-code="STEP_FAILED"]', 'data-count')).toBe('3');
  });

  it('cancels a running run through the button, live', async () => {
    const run = server.run('waits', 1);
    const page = await browser.open(`${server.url}/ui/runs/${run.runId}`);
    await page.waitForFunction(() => window.__weft?.ready);
    await page.waitForSelector('[data-connection="live"]');
    expect(await state(page, 'wait')).toBe('running');
    await page.click('[data-action="cancel"]');
    await page.waitForSelector('[data-run-status="cancelled"]');
    expect(await state(page, 'wait')).toBe('cancelled');
    await run.settled;
    expect(run.summary.status).toBe('cancelled');
  });

  it('lists runs and adds a new one live, with no polling', async () => {
    const page = await browser.open(`${server.url}/ui/`);
    await page.waitForSelector('[data-connection="live"]');
    const before = await page.locator('tr[data-run]').count();
    expect(before).toBeGreaterThanOrEqual(3);
    const requests = browser.requests.length;
    const run = server.run('tokens', 50);
    await run.settled;
    await page.waitForSelector(`tr[data-run="${run.runId}"][data-status="succeeded"]`);
    expect(browser.requests.length).toBe(requests); // the row came down the open stream
    await page.selectOption('[data-filter="status"]', 'failed');
    expect(await page.locator('tr[data-run]').count()).toBe(1);
    await page.selectOption('[data-filter="status"]', '');
    // A run deleted from the store leaves the list, live.
    const doomed = server.run('tokens', 3);
    await doomed.settled;
    await page.waitForSelector(`tr[data-run="${doomed.runId}"][data-status="succeeded"]`);
    expect(await server.store.runs.delete(doomed.runId)).toBe(true);
    await page.waitForSelector(`tr[data-run="${doomed.runId}"]`, { state: 'detached' });
    expect(browser.requests.length).toBe(requests);
    await shot(page, 'runs-list.png');
    await page.click(`[data-run-link="${run.runId}"]`);
    await page.waitForURL(`**/ui/runs/${run.runId}`);
    await page.waitForFunction(() => window.__weft?.ready);
    await page.click('[data-tab="tokens"]');
    expect(await page.getAttribute('[data-tokens="speak"]', 'data-count')).toBe('50');
  });

  it("follows tokens live: the service's merged token frames, every token once and in order", async () => {
    const source = server.run('tokens', 400);
    await source.settled;
    const live = server.play('tokens', 'live-tokens', source.events, 4000);
    await live.opened;
    const page = await browser.open(`${server.url}/ui/runs/live-tokens`);
    await page.waitForSelector('[data-connection="live"]');
    await page.click('[data-tab="tokens"]');
    await live.start();
    await page.waitForSelector('[data-run-status="succeeded"]');
    const { seen, snapshotSeq, merged } = await page.evaluate(() => window.__weft);
    expect(seen).toEqual(live.run.events.filter((e) => e.seq > snapshotSeq).map((e) => e.seq));
    expect(merged).toBeGreaterThan(0);
    expect(await page.getAttribute('[data-tokens="speak"]', 'data-count')).toBe('400');
    expect(await page.textContent('[data-tokens="speak"]')).toBe(
      Array.from({ length: 400 }, (_, i) => `w${i} `).join(''),
    );
  });

  it('sees every event exactly once after going offline and back', async () => {
    const source = server.run('big-map', 3000);
    await source.settled;
    const live = server.play('big-map', 'replayed-offline', source.events, 2000);
    await live.opened;
    const page = await browser.open(`${server.url}/ui/runs/replayed-offline`);
    await page.waitForSelector('[data-connection="live"]');
    const errorsBefore = browser.errors.length;
    const total = source.events.length;
    expect(total).toBeGreaterThan(1200);
    const first = live.holdAt(500);
    const done = live.start();
    await first;
    // Offline, and the server drops the stream (as a proxy would): the page reconnects with Last-Event-ID.
    await browser.context.setOffline(true);
    try {
      server.dropStreams(live.run);
      // 600 more events are appended while the page is offline, then it comes back.
      await live.holdAt(1100);
    } finally {
      await browser.context.setOffline(false);
    }
    live.release();
    await done;
    await page.waitForSelector('[data-run-status="succeeded"]');
    const { seen, snapshotSeq, connections } = await page.evaluate(() => window.__weft);
    expect(seen).toEqual(live.run.events.filter((e) => e.seq > snapshotSeq).map((e) => e.seq));
    expect(await page.getAttribute('[data-map="square"]', 'data-done')).toBe('3000');
    expect(connections).toBeGreaterThanOrEqual(2);
    // The browser logs the cut stream and the failed reconnects while offline: the network's errors,
    // which this test caused, not the page's. Any other error stays and fails the suite.
    const expected = /net::ERR_(INTERNET_DISCONNECTED|INCOMPLETE_CHUNKED_ENCODING)\b/;
    const kept = browser.errors.filter((e, i) => i < errorsBefore || !expected.test(e));
    browser.errors.splice(0, browser.errors.length, ...kept);
  });

  it('shows the pipelines with their graphs and validates one', async () => {
    const page = await browser.open(`${server.url}/ui/pipelines`);
    expect(await page.locator('[data-pipeline]').count()).toBe(6);
    expect(await page.locator('[data-pipeline="showcase"] [data-node="nested/prepare"]').count()).toBe(1);
    await page.click('[data-pipeline="showcase"] [data-action="validate"]');
    expect(await page.getAttribute('[data-pipeline="showcase"] [data-verdict]', 'data-verdict')).toBe(
      'valid',
    );
    const workers = await browser.open(`${server.url}/ui/workers`);
    expect(await workers.getAttribute('[data-workers]', 'data-workers')).toBe('off');
  });
});
