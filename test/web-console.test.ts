// The web console end to end: real Central (PGlite, the demo cluster) serving the built console,
// driven in Debian's headless Chromium. Every page renders real data; filters narrow the tables
// and live in the URL; resolving removes a violation from the active list; the builder's dry run
// shows the policy's hits and saving it raises violations; disabling a policy resolves its alerts;
// import and export round-trip StackRox JSON; errors show a message and never a stack trace.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile, mkdtemp, rm } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import {
  browserMissing,
  hasStackTrace,
  launchChromium,
  screenshot,
  signInAs,
  startConsoleServer,
  type ConsoleServer,
} from './kit/browser.ts';
import { consoleOutput } from '../web/build.ts';

interface PageOf<T> {
  items: T[];
  total: number;
}

describe('the web console', { skip: browserMissing }, () => {
  let server: ConsoleServer;
  let browser: Browser;
  let context: BrowserContext | undefined;
  let scratch: string;

  const api = async <T>(
    path: string,
    init: { method?: string; body?: unknown } = {},
  ): Promise<T> => {
    const response = await fetch(`${server.url}${path}`, {
      method: init.method ?? 'GET',
      headers: {
        authorization: `Bearer ${server.adminToken}`,
        ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
    });
    assert.ok(response.ok, `${path}: ${response.status} ${await response.clone().text()}`);
    return (await response.json()) as T;
  };

  const newPage = async (): Promise<Page> => {
    await context?.close();
    context = await browser.newContext({
      viewport: { width: 1400, height: 1000 },
      acceptDownloads: true,
    });
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    return page;
  };

  // PatternFly tables take role="grid": find them by their accessible label.
  const table = (page: Page, name: string) => page.locator(`table[aria-label="${name}"]`);

  const assertNoStackTrace = async (page: Page) => {
    const text = await page.locator('body').innerText();
    assert.equal(hasStackTrace(text), false, `a stack trace is shown:\n${text.slice(0, 2000)}`);
  };

  before(async () => {
    [server, browser] = await Promise.all([startConsoleServer(), launchChromium()]);
    scratch = await mkdtemp(join(tmpdir(), 'palisade-web-'));
  });
  after(async () => {
    await context?.close();
    await browser?.close();
    await server?.close();
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  it('serves the console with immutable hashed assets, a no-cache page, and the SPA fallback', async () => {
    const index = await fetch(`${server.url}/violations?q=State:ACTIVE`);
    assert.equal(index.status, 200);
    assert.equal(index.headers.get('cache-control'), 'no-cache');
    assert.match(index.headers.get('content-security-policy') ?? '', /script-src 'self'/);
    const html = await index.text();
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    assert.ok(script, 'index.html loads a hashed script');
    const asset = await fetch(`${server.url}${script}`, { headers: { 'accept-encoding': 'gzip' } });
    assert.equal(asset.status, 200);
    assert.equal(asset.headers.get('cache-control'), 'public, max-age=31536000, immutable');
    assert.match(asset.headers.get('content-type') ?? '', /javascript/);
    const missingApi = await fetch(`${server.url}/api/v1/no-such-thing`);
    assert.equal(missingApi.status, 404);
    assert.equal(
      ((await missingApi.json()) as { error: { code: string } }).error.code,
      'route-not-found',
    );
    const traversal = await fetch(`${server.url}/assets/..%2f..%2fpackage.json`);
    assert.equal(traversal.status, 404);
  });

  it('keeps the initial JavaScript under 600 kB gzipped', async () => {
    const html = await readFile(join(consoleOutput, 'index.html'), 'utf8');
    const initial = [...html.matchAll(/(?:src|href)="\/(assets\/[^"]+\.js)"/g)].map(
      (m) => m[1] ?? '',
    );
    assert.ok(initial.length > 0);
    let total = 0;
    for (const file of initial) total += (await readFile(join(consoleOutput, `${file}.gz`))).length;
    // The .gz files are what Central sends; they must decompress to the originals.
    const first = initial[0] ?? '';
    assert.deepEqual(
      gunzipSync(await readFile(join(consoleOutput, `${first}.gz`))),
      await readFile(join(consoleOutput, first)),
    );
    assert.ok(total < 600 * 1024, `initial JavaScript is ${total} bytes gzipped`);
  });

  it('refuses a wrong token at sign-in and shows the dashboard with real counts', async () => {
    const page = await newPage();
    await page.goto(server.url);
    await page.getByLabel('API token').fill('pal_wrong-token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('the API token is not valid').waitFor();
    await signInAs(page, server, server.adminToken);
    const summary = await api<{ deployments: number; activeAlerts: number; clusters: number }>(
      '/api/v1/summary',
    );
    await page.getByRole('link', { name: `${summary.deployments} deployments` }).waitFor();
    await page.getByRole('link', { name: `${summary.activeAlerts} active violations` }).waitFor();
    await table(page, 'Riskiest deployments').getByRole('row').nth(10).waitFor();
    await page
      .getByRole('navigation', { name: 'Violations by category' })
      .getByRole('link')
      .first()
      .waitFor();
    await page.locator('svg').first().waitFor();
    await screenshot(page, 'dashboard', { docs: true });
    await assertNoStackTrace(page);
    // A severity link opens the filtered list behind it.
    const high = await api<PageOf<unknown>>(
      '/api/v1/alerts?query=State:ACTIVE%2BSeverity:HIGH&limit=1',
    );
    await page
      .getByRole('navigation', { name: 'Violations by severity' })
      .getByRole('link', { name: /High/ })
      .click();
    await page
      .getByTestId('violations-total')
      .filter({ hasText: `${high.total} violations` })
      .waitFor();
    assert.match(decodeURIComponent(page.url()), /q=State:ACTIVE\+Severity:HIGH/);
  });

  it('narrows the violations table with the filter, kept in the URL', async () => {
    const page = await newPage();
    await signInAs(page, server, server.adminToken, '/violations?q=State%3AACTIVE');
    const all = await api<PageOf<unknown>>('/api/v1/alerts?query=State:ACTIVE&limit=1');
    await page
      .getByTestId('violations-total')
      .filter({ hasText: `${all.total} violations` })
      .waitFor();
    await page.getByLabel('Filter attribute').selectOption('Namespace');
    await page.getByLabel('Filter value').fill('payments');
    await page.getByRole('button', { name: 'Add filter' }).click();
    const payments = await api<PageOf<{ namespace: string }>>(
      '/api/v1/alerts?query=State:ACTIVE%2BNamespace:payments&limit=1000',
    );
    assert.ok(payments.total > 0 && payments.total < all.total);
    await page
      .getByTestId('violations-total')
      .filter({ hasText: `${payments.total} violations` })
      .waitFor();
    assert.match(decodeURIComponent(page.url()), /q=State:ACTIVE\+Namespace:payments/);
    const namespaces = await table(page, 'Violations')
      .locator('td[data-label="Namespace"]')
      .allInnerTexts();
    assert.ok(
      namespaces.length > 0 && namespaces.every((n) => n === 'payments'),
      namespaces.join(','),
    );
    await screenshot(page, 'violations-filtered', { docs: true });
    // The linked URL reproduces the view in a fresh tab (which signs in first: the token is per tab).
    const linked = new URL(page.url());
    const second = await context!.newPage();
    await signInAs(second, server, server.adminToken, `${linked.pathname}${linked.search}`);
    await second
      .getByTestId('violations-total')
      .filter({ hasText: `${payments.total} violations` })
      .waitFor();
    await second.close();
  });

  it('resolves a violation from the drawer, and bulk-resolves with a count', async () => {
    const page = await newPage();
    await signInAs(page, server, server.adminToken, '/violations?q=State%3AACTIVE');
    const before = await api<PageOf<{ id: string; policyName: string }>>(
      '/api/v1/alerts?query=State:ACTIVE&limit=1',
    );
    await page
      .getByTestId('violations-total')
      .filter({ hasText: `${before.total} violations` })
      .waitFor();
    await page.getByTestId('violation-row').first().getByRole('button').first().click();
    const drawer = page.getByLabel('Violation detail');
    await drawer
      .getByRole('list', { name: 'Violation messages' })
      .getByRole('listitem')
      .first()
      .waitFor();
    await screenshot(page, 'violation-drawer', { docs: true });
    const id = /\/violations\/([0-9a-f-]{36})/.exec(page.url())?.[1];
    assert.ok(id);
    await drawer.getByRole('button', { name: 'Resolve', exact: true }).click();
    await drawer.getByText('Violation resolved.').waitFor();
    await page
      .getByTestId('violations-total')
      .filter({ hasText: `${before.total - 1} violations` })
      .waitFor();
    const resolved = await api<{ state: string }>(`/api/v1/alerts/${id}`);
    assert.equal(resolved.state, 'RESOLVED');
    const ids = await page.locator(`[data-testid="violation-row"]`).count();
    assert.ok(ids > 0);

    await page.getByLabel('Close the violation detail').click();
    const rows = page.getByTestId('violation-row');
    await rows.nth(0).getByRole('checkbox').check();
    await rows.nth(1).getByRole('checkbox').check();
    await page.getByRole('button', { name: 'Resolve (2)' }).click();
    await page.getByText('Resolved 2 violations.').waitFor();
    await page
      .getByTestId('violations-total')
      .filter({ hasText: `${before.total - 3} violations` })
      .waitFor();
    await assertNoStackTrace(page);
  });

  it('ranks deployments by risk and explains one: factors, containers, exposure, RBAC, violations', async () => {
    const page = await newPage();
    await signInAs(page, server, server.adminToken, '/risk');
    const ranking =
      await api<PageOf<{ workloadName: string; workloadId: string }>>('/api/v1/risk?limit=5');
    const top = ranking.items[0];
    assert.ok(top);
    await page.getByTestId('risk-row').first().filter({ hasText: top.workloadName }).waitFor();
    await screenshot(page, 'risk');
    await page.getByTestId('risk-row').first().getByRole('link').click();
    await table(page, 'Risk factors').getByText('Policy Violations').waitFor();
    await table(page, 'Containers').getByRole('row').nth(1).waitFor();
    const detail = await api<{ workload: { context: { rbacLevel: string } }; alerts: unknown[] }>(
      `/api/v1/deployments/${top.workloadId}`,
    );
    await page
      .getByTestId('rbac-level')
      .filter({ hasText: detail.workload.context.rbacLevel })
      .waitFor();
    await page.getByText(`Active violations (${detail.alerts.length})`).waitFor();
    await screenshot(page, 'risk-detail', { docs: true });
    await assertNoStackTrace(page);
  });

  it('builds a policy in the criteria builder, dry-runs it, and saving it raises violations', async () => {
    const page = await newPage();
    await signInAs(page, server, server.adminToken, '/policies/new');
    await page.locator('#policy-name').fill('Console Latest Tag');
    await page.getByLabel('Field of section 1 criterion 1').selectOption('Image Tag');
    const value = page.getByLabel('Value 1 of section 1 criterion 1');
    // An invalid regex is refused by the field's own syntax before anything is saved.
    await value.fill('(unclosed');
    await page.getByText(/invalid regex/i).waitFor();
    await value.fill('latest');
    const expected = await api<{ total: number }>('/api/v1/console/dry-run', {
      method: 'POST',
      body: {
        policy: {
          name: 'Console Latest Tag',
          severity: 'MEDIUM_SEVERITY',
          lifecycleStages: ['DEPLOY'],
          policySections: [
            { policyGroups: [{ fieldName: 'Image Tag', values: [{ value: 'latest' }] }] },
          ],
        },
      },
    });
    assert.ok(expected.total > 0, 'the demo has deployments with latest tags');
    await page.getByRole('button', { name: 'Dry run' }).click();
    await page
      .getByTestId('dry-run-result')
      .getByText(`Dry run: ${expected.total} deployment`)
      .waitFor();
    assert.equal(await page.getByTestId('dry-run-hit').count(), expected.total);
    await screenshot(page, 'policy-builder', { docs: true });
    await page.getByRole('button', { name: 'Create policy' }).click();
    await page.getByLabel('Policy detail').getByText('Image Tag is latest').waitFor();
    await server.app.jobs.idle();
    const raised = await api<PageOf<unknown>>(
      `/api/v1/alerts?query=${encodeURIComponent('State:ACTIVE+Policy:"console-latest-tag"')}&limit=1`,
    );
    assert.equal(raised.total, expected.total);
    await assertNoStackTrace(page);
  });

  it('toggling a policy off resolves its alerts', async () => {
    const page = await newPage();
    const counts = await api<{
      byPolicy: { policyId: string; policyName: string; count: number }[];
    }>('/api/v1/console/alert-counts');
    const target = counts.byPolicy.find((p) => p.count > 0 && p.policyId !== 'console-latest-tag');
    assert.ok(target);
    await signInAs(
      page,
      server,
      server.adminToken,
      `/policies?q=${encodeURIComponent(`Policy:"${target.policyName}"`)}`,
    );
    const toggle = page.getByLabel(`${target.policyName} enabled`);
    await toggle.waitFor();
    assert.equal(await toggle.isChecked(), true);
    await screenshot(page, 'policies');
    await toggle.click({ force: true });
    await page.getByTestId('policies-notice').filter({ hasText: 'disabled' }).waitFor();
    await server.app.jobs.idle();
    const left = await api<PageOf<unknown>>(
      `/api/v1/alerts?query=${encodeURIComponent(`State:ACTIVE+Policy:"${target.policyId}"`)}&limit=1`,
    );
    assert.equal(left.total, 0);
  });

  it('imports a StackRox policy file and exports it again unchanged', async () => {
    const page = await newPage();
    await signInAs(page, server, server.adminToken, '/policies');
    const policy = {
      id: 'console-import-host-ipc',
      name: 'Console Import Host IPC',
      severity: 'HIGH_SEVERITY',
      lifecycleStages: ['DEPLOY'],
      categories: ['Privileges'],
      policyVersion: '1.1',
      policySections: [
        {
          sectionName: 'ipc',
          policyGroups: [{ fieldName: 'Host IPC', values: [{ value: 'true' }] }],
        },
      ],
    };
    const file = join(scratch, 'policy.json');
    await writeFile(file, JSON.stringify({ policies: [policy] }));
    await page.getByLabel('Policy file to import').setInputFiles(file);
    await page
      .getByTestId('policies-notice')
      .filter({ hasText: 'Imported 1 policy: Console Import Host IPC' })
      .waitFor();
    await page.goto(`${server.url}/policies/console-import-host-ipc`);
    const download = page.waitForEvent('download');
    await page.getByLabel('Policy detail').getByRole('button', { name: 'Export JSON' }).click();
    const saved = join(scratch, 'exported.json');
    await (await download).saveAs(saved);
    const exported = JSON.parse(await readFile(saved, 'utf8')) as {
      policies: Record<string, unknown>[];
    };
    const [round] = exported.policies;
    assert.ok(round);
    for (const [key, value] of Object.entries(policy)) assert.deepEqual(round[key], value, key);
  });

  it('shows cluster health and adds a cluster, showing its Sensor token once', async () => {
    const page = await newPage();
    await signInAs(page, server, server.adminToken, '/clusters');
    const row = page.getByTestId('cluster-row').filter({ hasText: 'demo' });
    await row.getByText('Healthy').waitFor();
    await screenshot(page, 'clusters', { docs: true });
    await page.getByRole('button', { name: 'Add cluster' }).click();
    await page.getByLabel('Cluster name').fill('staging-east');
    await page.getByRole('dialog').getByRole('button', { name: 'Add cluster' }).click();
    await page.getByText("Cluster 'staging-east' added").waitFor();
    const token = await page.getByTestId('sensor-token').locator('input').inputValue();
    assert.ok(token.length > 20);
    await page.getByRole('button', { name: 'Done' }).click();
    await page
      .getByTestId('cluster-row')
      .filter({ hasText: 'staging-east' })
      .getByText('Never contacted')
      .waitFor();
  });

  it('shows an error state, not a stack trace, when the API fails', async () => {
    const page = await newPage();
    // A query Central refuses (400 with its message).
    await signInAs(
      page,
      server,
      server.adminToken,
      `/violations?q=${encodeURIComponent('Severity:SEVERE')}`,
    );
    await page
      .getByTestId('error-state')
      .getByText(/unknown severity/i)
      .waitFor();
    await assertNoStackTrace(page);
    // Central unreachable for the risk list: the page says so and offers a retry.
    await page.route('**/api/v1/risk?**', (route) => route.abort('connectionrefused'));
    await page.getByRole('link', { name: 'Risk', exact: true }).click();
    await page
      .getByTestId('error-state')
      .getByText('Central did not answer')
      .waitFor({ timeout: 20_000 });
    await page.getByRole('button', { name: 'Try again' }).waitFor();
    await screenshot(page, 'error-state');
    await assertNoStackTrace(page);
  });

  it('hides write actions from an Analyst and switches to the dark theme', async () => {
    const page = await newPage();
    await signInAs(page, server, server.analystToken, '/violations?q=State%3AACTIVE');
    await page.getByTestId('violation-row').first().waitFor();
    assert.equal(await page.getByRole('checkbox').count(), 0);
    await page.getByTestId('violation-row').first().getByRole('button').first().click();
    await page
      .getByLabel('Violation detail')
      .getByRole('list', { name: 'Violation messages' })
      .waitFor();
    assert.equal(await page.getByRole('button', { name: 'Resolve', exact: true }).count(), 0);
    await page.getByRole('link', { name: 'Policies', exact: true }).click();
    await page.getByTestId('policy-row').first().waitFor();
    assert.equal(await page.getByRole('button', { name: 'Create policy' }).count(), 0);
    assert.equal(
      await page.getByTestId('policy-row').first().getByRole('switch').isDisabled(),
      true,
    );
    await page.getByLabel('Dark theme').check({ force: true });
    assert.match((await page.locator('html').getAttribute('class')) ?? '', /pf-v6-theme-dark/);
    await screenshot(page, 'policies-dark', { docs: true });
    await page.getByRole('link', { name: 'Dashboard', exact: true }).click();
    await table(page, 'Riskiest deployments').getByRole('row').nth(10).waitFor();
    await page.locator('svg').first().waitFor();
    await screenshot(page, 'dashboard-dark', { docs: true });
  });
});
