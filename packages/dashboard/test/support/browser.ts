// Headless Chromium for the browser suite: Debian's `chromium` driven by playwright-core (which
// downloads no browser), an empty profile, the network locked to loopback (anything else is aborted
// and recorded), console errors and page errors collected.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

/** The browser binary (WEFT_CHROMIUM overrides). */
export const CHROMIUM = process.env['WEFT_CHROMIUM'] ?? '/usr/bin/chromium';

/** Whether the browser is here; under CI a missing browser is a failure, never a skip. */
export const browserAvailable = existsSync(CHROMIUM);

/** Run the suite: the browser is here, or CI wants the failure. */
export const runBrowserSuite = browserAvailable || process.env['CI'] === 'true' || process.env['CI'] === '1';

if (!runBrowserSuite)
  console.warn(
    `browser suite skipped: no Chromium at ${CHROMIUM} (apt-get install -y chromium, or set WEFT_CHROMIUM)`,
  );

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** A browser with one empty profile, its requests and its console watched. */
export interface WatchedBrowser {
  readonly context: BrowserContext;
  /** The --user-data-dir (it names the browser's processes). */
  readonly profile: string;
  /** CPU time (user + system, ms) used so far by the browser's renderer processes (Linux /proc). */
  rendererCpuMs(): number;
  /** Every URL requested. */
  readonly requests: string[];
  /** Requests to anything but loopback (aborted). */
  readonly blocked: string[];
  /** console.error messages and uncaught page errors. */
  readonly errors: string[];
  open(url: string): Promise<Page>;
  close(): Promise<void>;
}

/** Launches Chromium with an empty --user-data-dir, the network locked to loopback. */
export async function launchBrowser(): Promise<WatchedBrowser> {
  if (!browserAvailable)
    throw new Error(
      `no Chromium at ${CHROMIUM}: install it with apt-get install -y chromium (or set WEFT_CHROMIUM)`,
    );
  const profile = mkdtempSync(join(tmpdir(), 'weft-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ARGS,
    viewport: { width: 1400, height: 900 },
  });
  const requests: string[] = [];
  const blocked: string[] = [];
  const errors: string[] = [];
  await context.route('**/*', async (route) => {
    const url = route.request().url();
    requests.push(url);
    const u = new URL(url);
    if ((u.protocol === 'http:' || u.protocol === 'https:') && LOOPBACK.has(u.hostname))
      await route.continue();
    else {
      blocked.push(url);
      await route.abort('blockedbyclient');
    }
  });
  const watch = (page: Page): void => {
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(`console: ${m.text()}`);
    });
    page.on('pageerror', (e) => errors.push(`page: ${e.message}`));
  };
  context.on('page', watch);
  for (const p of context.pages()) watch(p);
  return {
    context,
    profile,
    rendererCpuMs: () => rendererCpuMs(profile),
    requests,
    blocked,
    errors,
    async open(url) {
      const page = context.pages()[0] ?? (await context.newPage());
      await page.goto(url);
      return page;
    },
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Sums utime + stime of the renderer processes descending from the browser started with `profile`. */
function rendererCpuMs(profile: string): number {
  const procs = new Map<number, { ppid: number; cmd: string; cpu: number }>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const cmd = readFileSync(`/proc/${d}/cmdline`, 'utf8').replace(/\0/g, ' ');
      procs.set(Number(d), { ppid: Number(fields[1]), cmd, cpu: Number(fields[11]) + Number(fields[12]) });
    } catch {
      // The process ended while we looked.
    }
  }
  const roots = [...procs]
    .filter(([, p]) => p.cmd.includes(`--user-data-dir=${profile}`) && !p.cmd.includes('--type='))
    .map(([pid]) => pid);
  const under = (pid: number): boolean => {
    for (let p = procs.get(pid); p; p = procs.get(p.ppid)) if (roots.includes(p.ppid)) return true;
    return false;
  };
  let ticks = 0;
  for (const [pid, p] of procs) if (p.cmd.includes('--type=renderer') && under(pid)) ticks += p.cpu;
  return (ticks * 1000) / 100; // USER_HZ is 100 on Linux
}
