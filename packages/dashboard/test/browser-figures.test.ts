// The figures, measured in headless Chromium on this machine and printed (never asserted:
// the machine is shared, timings are noisy): the run page of a finished 100,000-event run (ten
// 10,000-item maps) ready from navigation; live-update latency while a run emits 5,000 events/s and
// the long tasks meanwhile; 10,000 timeline spans panned and zoomed (frame times). The bundle size is
// checked (it does not depend on load). Figures go to test-output/figures.json.
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dashboardAssets } from '../dist/index.js';
import { launchBrowser, runBrowserSuite, type WatchedBrowser } from './support/browser.js';
import { DashboardTestServer, type ServedRun } from './support/dashboard-server.js';
import type {} from './support/window.js';
import { loop, tenMaps } from './fixtures/pipelines.js';

const OUT = new URL('../test-output/', import.meta.url);
mkdirSync(OUT, { recursive: true });
const figures: Record<string, unknown> = {
  loadavg: loadavg()
    .map((x) => x.toFixed(2))
    .join(' '),
};

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0
    ? NaN
    : s.length % 2
      ? s[(s.length - 1) / 2]!
      : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const pct = (xs: readonly number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
};
const round = (x: number): number => Math.round(x * 10) / 10;

const markAt = (page: Page, name: string): Promise<number> =>
  page.evaluate((n) => performance.getEntriesByName(n, 'mark')[0]?.startTime ?? NaN, name);

describe.runIf(runBrowserSuite)('dashboard figures in Chromium', () => {
  let server: DashboardTestServer;
  let browser: WatchedBrowser;
  let big: ServedRun;

  beforeAll(async () => {
    server = await DashboardTestServer.start([tenMaps(), loop()]);
    browser = await launchBrowser();
    big = server.run('ten-maps', 10_000);
    await big.settled;
    expect(big.summary.status).toBe('succeeded');
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    figures['measuredAt'] = new Date().toISOString();
    writeFileSync(new URL('figures.json', OUT), JSON.stringify(figures, null, 2) + '\n');
    console.log(
      `dashboard figures (load average at start ${figures['loadavg']}):\n${JSON.stringify(figures, null, 2)}`,
    );
    expect(browser?.blocked ?? []).toEqual([]);
    expect(browser?.errors ?? []).toEqual([]);
  });

  it('main bundle gzip size', () => {
    const a = dashboardAssets();
    const js = gzipSync(readFileSync(join(a.dir, a.js)), { level: 9 }).length;
    const css = gzipSync(readFileSync(join(a.dir, a.css)), { level: 9 }).length;
    figures['bundle'] = { jsGzipKB: round(js / 1024), cssGzipKB: round(css / 1024) };
    expect(js).toBeLessThanOrEqual(60 * 1024);
  });

  it('the run page of a finished 100,000-event run: ready from navigation', async () => {
    expect(big.events.length).toBeGreaterThanOrEqual(100_000);
    const ready: number[] = [];
    const firstPaint: number[] = [];
    const html: number[] = [];
    for (let i = 0; i < 7; i++) {
      const page = await browser.open(`${server.url}/ui/runs/${big.runId}`);
      await page.waitForFunction(() => window.__weft?.ready);
      ready.push(await markAt(page, 'weft:ready'));
      firstPaint.push(await markAt(page, 'weft:first-paint'));
      html.push(
        await page.evaluate(
          () => (performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming).responseEnd,
        ),
      );
      for (let m = 0; m < 10; m++)
        expect(await page.getAttribute(`[data-map="m${m}"]`, 'data-done')).toBe('10000');
      expect(await page.getAttribute('[data-run-status]', 'data-run-status')).toBe('succeeded');
      expect(await page.getAttribute('[data-events]', 'data-events')).toBe(String(big.events.length));
      expect(await page.locator('[data-missed]').count()).toBe(0);
    }
    figures['finishedRun'] = {
      events: big.events.length,
      runs: ready.length,
      readyMsMedian: round(median(ready)),
      readyMsFirst: round(ready[0]!),
      readyMsMax: round(Math.max(...ready)),
      firstPaintMsMedian: round(median(firstPaint)),
      htmlResponseEndMsMedian: round(median(html)),
    };
  });

  it('live updates while a run emits 5,000 events/s: latency to the frame that shows them, long tasks', async () => {
    const source = big.events.slice(0, 30_000);
    const live = server.play('ten-maps', 'live-5k', source, 5000);
    await live.opened;
    const page = await browser.open(`${server.url}/ui/runs/live-5k`);
    await page.waitForSelector('[data-connection="live"]');
    const readyAt = await markAt(page, 'weft:ready');
    const cpu0 = browser.rendererCpuMs();
    const t0 = performance.now();
    await live.start();
    const seconds = (performance.now() - t0) / 1000;
    const cpuMsPerSecond = (browser.rendererCpuMs() - cpu0) / seconds;
    const last = live.run.events.at(-1)!.seq;
    await page.waitForFunction((seq) => window.__weft.seen.at(-1) === seq, last);
    const { latencies, longTasks, seen, snapshotSeq } = await page.evaluate(() => window.__weft);
    expect(seen).toEqual(live.run.events.filter((e) => e.seq > snapshotSeq).map((e) => e.seq));
    const tasks = longTasks.filter((t) => t.start >= readyAt);
    figures['live5k'] = {
      events: source.length,
      eventsMeasured: latencies.length,
      latencyMsP50: round(pct(latencies, 50)),
      latencyMsP95: round(pct(latencies, 95)),
      latencyMsMax: round(Math.max(...latencies)),
      longTasksOver50ms: tasks.length,
      longestTaskMs: round(Math.max(0, ...tasks.map((t) => t.duration))),
      seconds: round(seconds),
      rendererCpuMsPerSecond: round(cpuMsPerSecond),
    };
    expect(latencies.length).toBeGreaterThan(source.length / 2);
  });

  it('10,000 timeline spans: pan and zoom frame times', async () => {
    const run = server.run('loop', 10_000, { maxSteps: 20_000 });
    await run.settled;
    expect(run.summary.status).toBe('succeeded');
    const page = await browser.open(`${server.url}/ui/runs/${run.runId}`);
    await page.waitForFunction(() => window.__weft?.ready);
    const spans = Number(await page.getAttribute('[data-timeline]', 'data-spans'));
    expect(spans).toBe(10_001);
    await page.click('[data-mode-button="lane"]');
    await page.click('[data-mode-button="node"]');
    const box = (await page.locator('[data-gantt]').boundingBox())!;
    // Frame intervals and long tasks while interacting.
    await page.evaluate(() => {
      const w = window as unknown as { __frames: number[]; __stop: boolean };
      w.__frames = [];
      w.__stop = false;
      let prev = performance.now();
      const tick = (t: number): void => {
        w.__frames.push(t - prev);
        prev = t;
        if (!w.__stop) requestAnimationFrame(tick);
      };
      requestAnimationFrame(tick);
      window.__weft.timeline.frames.length = 0;
    });
    const start = await page.evaluate(() => performance.now());
    const cx = box.x + box.width / 2;
    const cy = box.y + box.height / 2;
    await page.mouse.move(cx, cy);
    for (let i = 0; i < 20; i++) await page.mouse.wheel(0, -120); // zoom in around the pointer
    for (let i = 0; i < 20; i++) {
      await page.mouse.down();
      await page.mouse.move(cx - 40, cy + 10, { steps: 4 });
      await page.mouse.up();
      await page.mouse.move(cx, cy);
    }
    await page.focus('[data-gantt]');
    for (let i = 0; i < 10; i++) await page.keyboard.press('ArrowLeft');
    for (let i = 0; i < 20; i++) await page.mouse.wheel(0, 120); // zoom out
    await page.keyboard.press('0');
    const r = await page.evaluate((since) => {
      const w = window as unknown as { __frames: number[]; __stop: boolean };
      w.__stop = true;
      return {
        intervals: w.__frames.slice(1),
        draws: [...window.__weft.timeline.frames],
        tasks: window.__weft.longTasks.filter((t) => t.start >= since),
      };
    }, start);
    expect(r.draws.length).toBeGreaterThan(20);
    figures['timeline10k'] = {
      spans,
      draws: r.draws.length,
      drawMsP50: round(pct(r.draws, 50)),
      drawMsP95: round(pct(r.draws, 95)),
      drawMsMax: round(Math.max(...r.draws)),
      frameIntervalMsP95: round(pct(r.intervals, 95)),
      frameIntervalMsMax: round(Math.max(...r.intervals)),
      longTasksOver50ms: r.tasks.length,
      longestTaskMs: round(Math.max(0, ...r.tasks.map((t) => t.duration))),
    };
    await page.screenshot({ path: new URL('timeline-10k.png', OUT).pathname });
  });
});
