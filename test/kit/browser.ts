// Headless Chromium for the console's end-to-end tests: Debian's /usr/bin/chromium driven by
// playwright-core (no browser download), and a real Central with the demo loaded and the console
// built, listening on a free port. Everything started here is stopped by close().

import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { chromium, type Browser, type Page } from 'playwright-core';
import { createCentral, enabledPolicies, loadDemo } from '../../src/central/index.ts';
import { createApiToken, openDatabase, type Database } from '../../src/store/index.ts';
import { buildConsole } from '../../web/build.ts';

export const chromiumPath = '/usr/bin/chromium';
/** Why browser tests skip, or false when they can run (.ci/run installs Debian's chromium). */
export const browserMissing = existsSync(chromiumPath)
  ? false
  : `no ${chromiumPath}: install it with "apt-get install -y chromium" to run the console tests`;

export const screenshotDirectory = fileURLToPath(
  new URL('../../dist/screenshots', import.meta.url),
);

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath,
    args: [
      '--no-sandbox',
      '--headless',
      '--disable-gpu',
      '--disable-background-networking',
      '--no-first-run',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

export interface ConsoleServer {
  readonly app: FastifyInstance;
  readonly db: Database;
  readonly url: string;
  readonly adminToken: string;
  readonly analystToken: string;
  close(): Promise<void>;
}

/** Central over in-memory PGlite with the demo cluster, serving the (re)built console. */
export async function startConsoleServer(): Promise<ConsoleServer> {
  await buildConsole({ ifStale: true });
  const db = await openDatabase();
  const adminToken = 'console-test-admin-token-0123456789';
  let app: FastifyInstance | undefined;
  try {
    app = await createCentral({ db, adminToken });
    await loadDemo(db, await enabledPolicies(db));
    const analyst = await createApiToken(db, { name: 'analyst', role: 'Analyst' });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = app.server.address() as AddressInfo;
    const started = app;
    return {
      app: started,
      db,
      url: `http://127.0.0.1:${port}`,
      adminToken,
      analystToken: analyst.plainToken,
      close: async () => {
        try {
          await started.close();
        } finally {
          await db.close();
        }
      },
    };
  } catch (error) {
    await app?.close();
    await db.close();
    throw error;
  }
}

/** Signs in through the sign-in page and waits for the shell. */
export async function signInAs(page: Page, server: ConsoleServer, token: string, path = '/') {
  await page.goto(`${server.url}${path}`);
  await page.getByLabel('API token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByTestId('identity').waitFor();
}

/** docs/console.md's pictures: written only with UPDATE_SCREENSHOTS=1 (like UPDATE_GOLDEN). */
export const docsScreenshotDirectory = fileURLToPath(
  new URL('../../docs/screenshots', import.meta.url),
);
const docsViewport = { width: 1280, height: 800 };

/**
 * Saves the whole page under dist/screenshots; with `docs` and UPDATE_SCREENSHOTS=1 also the
 * 1280x800 viewport under docs/screenshots, the size the docs show (and small enough to commit).
 */
export async function screenshot(
  page: Page,
  name: string,
  options: { readonly docs?: boolean } = {},
): Promise<void> {
  await mkdir(screenshotDirectory, { recursive: true });
  await page.screenshot({ path: join(screenshotDirectory, `${name}.png`), fullPage: true });
  if (options.docs !== true || process.env['UPDATE_SCREENSHOTS'] !== '1') return;
  const original = page.viewportSize();
  await page.setViewportSize(docsViewport);
  // Two frames: charts and tables re-measure themselves after a resize (ResizeObserver).
  await page.evaluate(
    'new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))',
  );
  await mkdir(docsScreenshotDirectory, { recursive: true });
  await page.screenshot({
    path: join(docsScreenshotDirectory, `${name}.png`),
    animations: 'disabled',
    caret: 'hide',
  });
  if (original !== null) await page.setViewportSize(original);
}

/** Text a stack trace leaves on a page ("at fn (file.js:1:2)", "Error: … at"). */
export function hasStackTrace(text: string): boolean {
  return (
    /\n\s*at\s+\S+.*\(?\S+:\d+:\d+\)?/.test(text) ||
    /\bat\s+\S+\s+\(\S+\.(js|ts|tsx):\d+/.test(text)
  );
}
