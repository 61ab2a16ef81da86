// Benchmark for the web console: a real Central (PGlite) holding 10,000 deployments and about
// 50,000 active alerts, the built console, and Debian's headless Chromium. Measures the time to
// a usable Violations page and to apply a filter, in the browser, beside the API time of the same
// /api/v1/alerts requests in the same run. Medians over BENCH_REPS repetitions, never asserted.

import { parseAllDocuments } from 'yaml';
import type { Browser, Page } from 'playwright-core';
import { createCentral } from '../src/central/index.ts';
import { createCluster, openDatabase, setPolicyDisabled } from '../src/store/index.ts';
import type { Database } from '../src/store/index.ts';
import { browserMissing, launchChromium } from '../test/kit/browser.ts';
import { buildConsole } from '../web/build.ts';
import { benchManifest } from './check.ts';

// Each of these fires on every bench workload (bench/check.ts gives every container the same
// probes and resources): off, the 10,000 workloads raise ~48,000 alerts instead of ~97,000,
// the 50,000.
const trimmedPolicies = [
  'cpu-request-missing',
  'memory-request-missing',
  'liveness-probe-missing',
  'readiness-probe-missing',
  'net-raw-not-dropped',
];

const tokenKey = 'palisade.token'; // web/src/api/session.ts
const rowSelector = 'table[aria-label="Violations"] [data-testid="violation-row"]';

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

const ms = (value: number) => value.toFixed(0);

interface RequestTiming {
  readonly url: string;
  readonly ms: number;
}

// Code that runs in the page is JavaScript text: this project's tsconfig has no DOM types.

/** The API requests the page made so far, with their durations as the browser saw them. */
const apiRequestsScript = `performance.getEntriesByType('resource')
  .filter((entry) => new URL(entry.name).pathname.startsWith('/api/'))
  .map((entry) => ({ url: entry.name, ms: entry.duration }))`;

const apiRequestsOf = (page: Page) => page.evaluate<RequestTiming[]>(apiRequestsScript);

/** Signed in as the sign-in page leaves the tab; stamps the frame after the first row appears. */
const firstRowScript = (token: string) => `
  try {
    sessionStorage.setItem(${JSON.stringify(tokenKey)}, ${JSON.stringify(token)});
  } catch {
    // about:blank has no storage; the console's origin does.
  }
  const observer = new MutationObserver(() => {
    if (document.querySelector(${JSON.stringify(rowSelector)}) === null) return;
    observer.disconnect();
    requestAnimationFrame(() => { window.firstRowAt = performance.now(); });
  });
  observer.observe(document, { childList: true, subtree: true });`;

/**
 * Clicks Add on the filter bar and resolves with the time from the click to the frame after every
 * row of the table is in the namespace.
 */
const filterScript = (namespace: string) => `new Promise((resolve, reject) => {
  const ns = ${JSON.stringify(namespace)};
  const button = document.querySelector('button[aria-label="Add filter"]');
  const filtered = () => {
    const cells = [...document.querySelectorAll('table[aria-label="Violations"] td[data-label="Namespace"]')];
    return cells.length > 0 && cells.every((cell) => cell.textContent === ns);
  };
  const timeout = setTimeout(() => reject(new Error('no rows of ' + ns + ' in 60 s')), 60000);
  const start = performance.now();
  const observer = new MutationObserver(() => {
    if (!filtered()) return;
    observer.disconnect();
    clearTimeout(timeout);
    requestAnimationFrame(() => resolve(performance.now() - start));
  });
  observer.observe(document.body, { childList: true, subtree: true, characterData: true });
  button.click();
})`;

interface PageLoad {
  /** Navigation start to the first data row in the table, painted (the page's own clock). */
  readonly usableMs: number;
  /** goto() to Playwright seeing the row (includes the driver's round trips). */
  readonly wallMs: number;
  readonly requests: RequestTiming[];
}

async function loadViolations(browser: Browser, base: string, token: string) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  page.setDefaultTimeout(60_000);
  await page.addInitScript(firstRowScript(token));
  const start = performance.now();
  await page.goto(`${base}/violations?q=${encodeURIComponent('State:ACTIVE')}`, {
    waitUntil: 'commit',
  });
  await page.locator(rowSelector).first().waitFor();
  const wallMs = performance.now() - start;
  await page.waitForFunction(`'firstRowAt' in window`);
  const usableMs = await page.evaluate<number>('window.firstRowAt');
  const load: PageLoad = { usableMs, wallMs, requests: await apiRequestsOf(page) };
  return { page, load, close: () => context.close() };
}

/** Adds `Namespace:<namespace>` with the filter bar; the time from Add to the filtered table. */
async function applyNamespaceFilter(page: Page, namespace: string): Promise<number> {
  await page.getByLabel('Filter attribute').selectOption('Namespace');
  await page.getByLabel('Filter value').fill(namespace);
  return page.evaluate<number>(filterScript(namespace));
}

/** One GET as the console sends it; with `cold`, after a write tick so the read cache misses. */
async function timeApi(db: Database, url: string, token: string, cold: boolean): Promise<number> {
  if (cold) db.writes.tick();
  const start = performance.now();
  const response = await fetch(url, {
    headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
    signal: AbortSignal.timeout(60_000),
  });
  await response.arrayBuffer();
  if (!response.ok) throw new Error(`${url}: ${response.status}`);
  return performance.now() - start;
}

const alertsRequest = (requests: readonly RequestTiming[], namespace?: string) =>
  requests.find(
    (r) =>
      new URL(r.url).pathname === '/api/v1/alerts' &&
      (namespace === undefined
        ? !r.url.includes('Namespace')
        : decodeURIComponent(r.url).includes(`Namespace:${namespace}`)),
  );

export async function runWebBench(): Promise<string> {
  if (browserMissing) {
    console.log(`web: skipped: ${browserMissing}`);
    return 'bench web: skipped=1';
  }
  const workloads = Number(process.env.BENCH_WORKLOADS ?? 10_000);
  const repetitions = Number(process.env.BENCH_REPS ?? 5);
  const buildStart = performance.now();
  const built = await buildConsole({ ifStale: true });
  console.log(
    built
      ? `web: console built in ${((performance.now() - buildStart) / 1000).toFixed(1)} s`
      : 'web: console build is current',
  );

  const token = 'bench-web-admin-token-0123456789abcdef';
  const db = await openDatabase();
  let browser: Browser | undefined;
  try {
    const app = await createCentral({ db, adminToken: token });
    try {
      for (const id of trimmedPolicies) await setPolicyDisabled(db, id, true);
      const cluster = await createCluster(db, { name: 'bench' });
      const base = await app.listen({ port: 0, host: '127.0.0.1' });
      const objects = parseAllDocuments(benchManifest(workloads)).map((d) => d.toJS() as unknown);
      const ingestStart = performance.now();
      const response = await fetch(`${base}/api/v1/clusters/${cluster.id}/snapshot`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ objects }),
        signal: AbortSignal.timeout(900_000),
      });
      const ingested = (await response.json()) as { detection?: { raised: number } };
      if (!response.ok) throw new Error(`snapshot failed: ${JSON.stringify(ingested)}`);
      const alerts = ingested.detection?.raised ?? 0;
      console.log(
        `web: ${workloads} deployments, ${alerts} active alerts (${trimmedPolicies.length} always-firing policies off) loaded in ${((performance.now() - ingestStart) / 1000).toFixed(1)} s`,
      );

      browser = await launchChromium();
      const usable: number[] = [];
      const wall: number[] = [];
      const filter: number[] = [];
      const apiPage: number[] = [];
      const apiFilter: number[] = [];
      const apiPageWarm: number[] = [];
      const browserApiPage: number[] = [];
      const browserApiFilter: number[] = [];
      // Repetition 0 warms Chromium and the database's plans; it is printed, not counted.
      for (let rep = 0; rep <= repetitions; rep++) {
        db.writes.tick(); // every repetition starts with Central's read cache stale
        const { page, load, close } = await loadViolations(browser, base, token);
        try {
          // team-5 … team-9: no other namespace starts with these (the query matches prefixes).
          const namespace = `team-${5 + (rep % 5)}`;
          db.writes.tick();
          const filterMs = await applyNamespaceFilter(page, namespace);
          const requests = await apiRequestsOf(page);
          const pageRequest = alertsRequest(requests);
          const filterRequest = alertsRequest(requests, namespace);
          if (pageRequest === undefined || filterRequest === undefined)
            throw new Error(`the console made no /api/v1/alerts request it was expected to make`);
          const apiPageMs = await timeApi(db, pageRequest.url, token, true);
          const apiPageWarmMs = await timeApi(db, pageRequest.url, token, false);
          const apiFilterMs = await timeApi(db, filterRequest.url, token, true);
          console.log(
            `web: rep ${rep}${rep === 0 ? ' (warm-up)' : ''}: page usable ${ms(load.usableMs)} ms (wall ${ms(load.wallMs)} ms), filter ${ms(filterMs)} ms; API ${ms(apiPageMs)} ms (cached ${ms(apiPageWarmMs)} ms), filtered ${ms(apiFilterMs)} ms`,
          );
          if (rep === 1) {
            console.log('web: API requests of the page load, as the browser timed them:');
            for (const r of load.requests)
              console.log(
                `web:   ${ms(r.ms).padStart(6)} ms  ${decodeURI(r.url.slice(base.length))}`,
              );
          }
          if (rep === 0) continue;
          usable.push(load.usableMs);
          wall.push(load.wallMs);
          filter.push(filterMs);
          apiPage.push(apiPageMs);
          apiPageWarm.push(apiPageWarmMs);
          apiFilter.push(apiFilterMs);
          browserApiPage.push(pageRequest.ms);
          browserApiFilter.push(filterRequest.ms);
        } finally {
          await close();
        }
      }
      const figures = {
        usable: median(usable),
        filter: median(filter),
        apiPage: median(apiPage),
        apiFilter: median(apiFilter),
      };
      console.log(
        `web: medians of ${repetitions}: Violations page usable ${ms(figures.usable)} ms (target 1500; wall ${ms(median(wall))} ms), filter applied ${ms(figures.filter)} ms (target 300)`,
      );
      console.log(
        `web: medians of ${repetitions}: API ${ms(figures.apiPage)} ms for the page's alerts (cached ${ms(median(apiPageWarm))} ms; in the browser ${ms(median(browserApiPage))} ms), ${ms(figures.apiFilter)} ms filtered (in the browser ${ms(median(browserApiFilter))} ms)`,
      );
      return `bench web: workloads=${workloads} alerts=${alerts} reps=${repetitions} page_usable_ms=${ms(figures.usable)} page_wall_ms=${ms(median(wall))} filter_ms=${ms(figures.filter)} api_page_ms=${ms(figures.apiPage)} api_page_cached_ms=${ms(median(apiPageWarm))} api_filter_ms=${ms(figures.apiFilter)}`;
    } finally {
      await app.close();
    }
  } finally {
    await browser?.close();
    await db.close();
  }
}
