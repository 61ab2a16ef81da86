// The auth matrix: every route Central registers × every kind of caller, asserting exactly the
// expected 2xx, 401 or 403. The expectations are written out here, not derived from the role
// table, and a route without an entry fails the test, so a new route must be placed in it.

import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { createCentral } from '../src/central/index.ts';
import type { Policy } from '../src/model/index.ts';
import { normaliseObject, parseManifestText } from '../src/k8s/index.ts';
import {
  createApiToken,
  createCluster,
  getWorkloadById,
  raiseAlert,
  createVulnerabilityException,
  revokeApiToken,
  saveImageScan,
  savePolicy,
  upsertWorkload,
  type Database,
} from '../src/store/index.ts';
import { databaseBackends as centralBackends } from './kit/backends.ts';
import { expandScanFixture } from './kit/image-scan-fixtures.ts';

type Role = 'Admin' | 'Analyst' | 'Continuous Integration' | 'Sensor';
type Caller =
  | Role
  | 'Sensor of another cluster'
  | 'no token'
  | 'malformed header'
  | 'unknown token'
  | 'expired token'
  | 'revoked token';

const callers: readonly Caller[] = [
  'Admin',
  'Analyst',
  'Continuous Integration',
  'Sensor',
  'Sensor of another cluster',
  'no token',
  'malformed header',
  'unknown token',
  'expired token',
  'revoked token',
];

interface Fixtures {
  readonly db: Database;
  readonly clusterId: string;
  readonly unique: () => string;
}

interface Sample {
  readonly method: string;
  readonly url: string;
  readonly body?: unknown;
}

interface MatrixEntry {
  /** 'public': every caller gets a 2xx; otherwise the roles that may call it. */
  readonly allowed: 'public' | readonly Role[];
  readonly sample: (fx: Fixtures) => Promise<Sample> | Sample;
  /** The success status when it is not 2xx (the docs UI redirects its index to /docs). */
  readonly success?: number;
}

function policy(name: string): Policy {
  return {
    id: name,
    name,
    severity: 'HIGH_SEVERITY',
    lifecycleStages: ['DEPLOY'],
    policyVersion: '1.1',
    policySections: [
      { policyGroups: [{ fieldName: 'Privileged Container', values: [{ value: 'true' }] }] },
    ],
  };
}

async function storedPolicy(fx: Fixtures): Promise<string> {
  return (await savePolicy(fx.db, policy(`matrix-${fx.unique()}`))).id;
}

async function storedWorkload(fx: Fixtures) {
  const name = `w-${fx.unique()}`;
  const [object] = parseManifestText(
    `apiVersion: apps/v1\nkind: Deployment\nmetadata: { name: ${name}, namespace: shop }\nspec:\n  template:\n    spec: { containers: [{ name: c, image: nginx:1.27 }] }\n`,
    'matrix.yaml',
  ).objects;
  const workload = object ? normaliseObject(object) : null;
  assert.ok(workload?.kind === 'Workload');
  return upsertWorkload(fx.db, fx.clusterId, workload);
}

async function storedAlert(fx: Fixtures, policyId = 'matrix'): Promise<string> {
  const workload = await storedWorkload(fx);
  const stored = await getWorkloadById(fx.db, workload.id);
  assert.ok(stored);
  const { alert } = await raiseAlert(fx.db, {
    policy: { id: policyId, name: policyId, severity: 'HIGH_SEVERITY' },
    clusterId: fx.clusterId,
    workload: { id: stored.id, namespace: stored.namespace, kind: stored.kind, name: stored.name },
    lifecycleStage: 'DEPLOY',
    violations: [],
  });
  return alert.id;
}

/** A stored scan of a fresh digest with one vulnerability; returns the digest and the CVE. */
async function storedImageScan(fx: Fixtures): Promise<{ digest: string; cve: string }> {
  const unique = randomBytes(8).toString('hex');
  const digest = `sha256:${unique.padEnd(64, '0')}`;
  const cve = `CVE-2024-${parseInt(unique.slice(0, 6), 16)}`;
  const scan = expandScanFixture(`matrix/${unique}:1`, {
    components: [{ name: 'openssl', version: '3.0.11' }],
    vulnerabilities: [{ id: cve, component: 'openssl', severity: 'IMPORTANT' }],
  });
  await saveImageScan(fx.db, `matrix/${unique}:1`, { ...scan, digest });
  return { digest, cve };
}

const manifests = `apiVersion: v1
kind: Pod
metadata: { name: p, namespace: default }
spec: { containers: [{ name: c, image: nginx:1.27, securityContext: { privileged: true } }] }
`;

const get = (url: string) => (): Sample => ({ method: 'GET', url });
const read: readonly Role[] = ['Admin', 'Analyst'];
const admin: readonly Role[] = ['Admin'];

const matrix: Readonly<Record<string, MatrixEntry>> = {
  'GET /docs': { allowed: 'public', sample: get('/docs') },
  'GET /docs/static/index.html': {
    allowed: 'public',
    sample: get('/docs/static/index.html'),
    success: 302,
  },
  'GET /docs/static/swagger-initializer.js': {
    allowed: 'public',
    sample: get('/docs/static/swagger-initializer.js'),
  },
  'GET /docs/json': { allowed: 'public', sample: get('/docs/json') },
  'GET /docs/yaml': { allowed: 'public', sample: get('/docs/yaml') },
  'GET /docs/static/*': { allowed: 'public', sample: get('/docs/static/swagger-ui.css') },
  'HEAD /docs/static/*': {
    allowed: 'public',
    sample: () => ({ method: 'HEAD', url: '/docs/static/swagger-ui.css' }),
  },
  'GET /healthz': { allowed: 'public', sample: get('/healthz') },
  'GET /readyz': { allowed: 'public', sample: get('/readyz') },
  'GET /metrics': { allowed: 'public', sample: get('/metrics') },
  'GET /openapi.json': { allowed: 'public', sample: get('/openapi.json') },
  'GET /api/v1/audit': { allowed: read, sample: get('/api/v1/audit') },
  'GET /api/v1/policies': { allowed: read, sample: get('/api/v1/policies?limit=5') },
  'GET /api/v1/policies/export': { allowed: read, sample: get('/api/v1/policies/export') },
  'GET /api/v1/policies/:id': {
    allowed: read,
    sample: async (fx) => ({ method: 'GET', url: `/api/v1/policies/${await storedPolicy(fx)}` }),
  },
  'POST /api/v1/policies': {
    allowed: admin,
    sample: (fx) => ({
      method: 'POST',
      url: '/api/v1/policies',
      body: policy(`new-${fx.unique()}`),
    }),
  },
  'PUT /api/v1/policies/:id': {
    allowed: admin,
    sample: async (fx) => {
      const id = await storedPolicy(fx);
      return {
        method: 'PUT',
        url: `/api/v1/policies/${id}`,
        body: { ...policy(id), severity: 'LOW_SEVERITY' },
      };
    },
  },
  'DELETE /api/v1/policies/:id': {
    allowed: admin,
    sample: async (fx) => ({ method: 'DELETE', url: `/api/v1/policies/${await storedPolicy(fx)}` }),
  },
  'POST /api/v1/policies/:id/enable': {
    allowed: admin,
    sample: async (fx) => ({
      method: 'POST',
      url: `/api/v1/policies/${await storedPolicy(fx)}/enable`,
    }),
  },
  'POST /api/v1/policies/:id/disable': {
    allowed: admin,
    sample: async (fx) => ({
      method: 'POST',
      url: `/api/v1/policies/${await storedPolicy(fx)}/disable`,
    }),
  },
  'POST /api/v1/policies/import': {
    allowed: admin,
    sample: (fx) => ({
      method: 'POST',
      url: '/api/v1/policies/import',
      body: { policies: [policy(`imported-${fx.unique()}`)] },
    }),
  },
  'POST /api/v1/policies/dry-run': {
    allowed: read,
    sample: () => ({
      method: 'POST',
      url: '/api/v1/policies/dry-run',
      body: { policy: policy('draft'), manifests },
    }),
  },
  'POST /api/v1/check': {
    allowed: ['Admin', 'Continuous Integration'],
    sample: () => ({ method: 'POST', url: '/api/v1/check', body: { manifests } }),
  },
  'GET /api/v1/clusters': { allowed: read, sample: get('/api/v1/clusters') },
  'GET /api/v1/clusters/:id': {
    allowed: read,
    sample: (fx) => ({ method: 'GET', url: `/api/v1/clusters/${fx.clusterId}` }),
  },
  'POST /api/v1/clusters': {
    allowed: admin,
    sample: (fx) => ({
      method: 'POST',
      url: '/api/v1/clusters',
      body: { name: `c-${fx.unique()}` },
    }),
  },
  'DELETE /api/v1/clusters/:id': {
    allowed: admin,
    sample: async (fx) => {
      const cluster = await createCluster(fx.db, { name: `doomed-${fx.unique()}` });
      return { method: 'DELETE', url: `/api/v1/clusters/${cluster.id}` };
    },
  },
  'POST /api/v1/clusters/:id/heartbeat': {
    allowed: ['Admin', 'Sensor'],
    sample: (fx) => ({
      method: 'POST',
      url: `/api/v1/clusters/${fx.clusterId}/heartbeat`,
      body: { sensorVersion: '0.1.0' },
    }),
  },
  'POST /api/v1/clusters/:id/snapshot': {
    allowed: ['Admin', 'Sensor'],
    sample: (fx) => ({
      method: 'POST',
      url: `/api/v1/clusters/${fx.clusterId}/snapshot`,
      body: { objects: [] },
    }),
  },
  'POST /api/v1/clusters/:id/deltas': {
    allowed: ['Admin', 'Sensor'],
    sample: (fx) => ({
      method: 'POST',
      url: `/api/v1/clusters/${fx.clusterId}/deltas`,
      body: { events: [{ type: 'DELETE', kind: 'Deployment', namespace: 'x', name: 'gone' }] },
    }),
  },
  'GET /api/v1/clusters/:id/enforcement/pending': {
    allowed: ['Admin', 'Sensor'],
    sample: (fx) => ({
      method: 'GET',
      url: `/api/v1/clusters/${fx.clusterId}/enforcement/pending`,
    }),
  },
  'POST /api/v1/clusters/:id/enforcement': {
    allowed: ['Admin', 'Sensor'],
    sample: async (fx) => ({
      method: 'POST',
      url: `/api/v1/clusters/${fx.clusterId}/enforcement`,
      body: {
        alertId: await storedAlert(fx),
        action: 'SCALE_TO_ZERO_ENFORCEMENT',
        outcome: 'SUCCEEDED',
      },
    }),
  },
  'GET /api/v1/clusters/:id/alerts/:alertId/enforcement': {
    allowed: read,
    sample: async (fx) => ({
      method: 'GET',
      url: `/api/v1/clusters/${fx.clusterId}/alerts/${await storedAlert(fx)}/enforcement`,
    }),
  },
  'GET /api/v1/deployments': { allowed: read, sample: get('/api/v1/deployments') },
  'GET /api/v1/deployments/:id': {
    allowed: read,
    sample: async (fx) => ({
      method: 'GET',
      url: `/api/v1/deployments/${(await storedWorkload(fx)).id}`,
    }),
  },
  'GET /api/v1/risk': { allowed: read, sample: get('/api/v1/risk') },
  'GET /api/v1/alerts': { allowed: read, sample: get('/api/v1/alerts?query=State:ACTIVE') },
  'POST /api/v1/alerts/:id/exclude': {
    allowed: admin,
    sample: async (fx) => ({
      method: 'POST',
      url: `/api/v1/alerts/${await storedAlert(fx, await storedPolicy(fx))}/exclude`,
      body: { reason: 'accepted risk' },
    }),
  },
  'GET /api/v1/namespaces': { allowed: read, sample: get('/api/v1/namespaces') },
  'GET /api/v1/images': { allowed: read, sample: get('/api/v1/images?fixable=false') },
  'GET /api/v1/images/:digest': {
    allowed: read,
    sample: async (fx) => ({
      method: 'GET',
      url: `/api/v1/images/${(await storedImageScan(fx)).digest}`,
    }),
  },
  'POST /api/v1/images/rematch': {
    allowed: admin,
    sample: () => ({ method: 'POST', url: '/api/v1/images/rematch' }),
  },
  'GET /api/v1/vulnerabilities': {
    allowed: read,
    sample: get('/api/v1/vulnerabilities?severity=HIGH&cvssMin=1'),
  },
  'GET /api/v1/vulnerabilities/:cve': {
    allowed: read,
    sample: async (fx) => ({
      method: 'GET',
      url: `/api/v1/vulnerabilities/${(await storedImageScan(fx)).cve}`,
    }),
  },
  'GET /api/v1/components': { allowed: read, sample: get('/api/v1/components') },
  'GET /api/v1/vulnerability-exceptions': {
    allowed: read,
    sample: get('/api/v1/vulnerability-exceptions?active=true'),
  },
  'POST /api/v1/vulnerabilities/:cve/exceptions': {
    allowed: admin,
    sample: async (fx) => ({
      method: 'POST',
      url: `/api/v1/vulnerabilities/${(await storedImageScan(fx)).cve}/exceptions`,
      body: { kind: 'DEFERRAL', reason: 'no fix in our release yet' },
    }),
  },
  'DELETE /api/v1/vulnerability-exceptions/:id': {
    allowed: admin,
    sample: async (fx) => {
      const exception = await createVulnerabilityException(fx.db, {
        cve: (await storedImageScan(fx)).cve,
        kind: 'FALSE_POSITIVE',
        reason: 'not reachable',
        createdBy: 'matrix',
      });
      return { method: 'DELETE', url: `/api/v1/vulnerability-exceptions/${exception.id}` };
    },
  },
  'GET /api/v1/alerts/:id': {
    allowed: read,
    sample: async (fx) => ({ method: 'GET', url: `/api/v1/alerts/${await storedAlert(fx)}` }),
  },
  'POST /api/v1/alerts/resolve': {
    allowed: admin,
    sample: async (fx) => ({
      method: 'POST',
      url: '/api/v1/alerts/resolve',
      body: { ids: [await storedAlert(fx)] },
    }),
  },
  'POST /api/v1/alerts/:id/resolve': {
    allowed: admin,
    sample: async (fx) => ({
      method: 'POST',
      url: `/api/v1/alerts/${await storedAlert(fx)}/resolve`,
    }),
  },
  'GET /api/v1/summary': { allowed: read, sample: get('/api/v1/summary') },
  // The web console: its static files are public (src/central/console-assets.ts); its reads
  // (src/central/routes/console.ts) are for the roles that may use the console.
  'GET /': { allowed: 'public', sample: get('/') },
  'GET /*': { allowed: 'public', sample: get('/violations') },
  'GET /assets/*': {
    allowed: 'public',
    sample: get('/assets/not-built.js'),
    // No such asset: answered 404 (not 401) whoever asks.
    success: 404,
  },
  'GET /api/v1/console/whoami': { allowed: read, sample: get('/api/v1/console/whoami') },
  'GET /api/v1/console/policy-fields': {
    allowed: read,
    sample: get('/api/v1/console/policy-fields'),
  },
  'POST /api/v1/console/policy-fields/check': {
    allowed: read,
    sample: () => ({
      method: 'POST',
      url: '/api/v1/console/policy-fields/check',
      body: { field: 'Privileged Container', value: 'true' },
    }),
  },
  'POST /api/v1/console/dry-run': {
    allowed: read,
    sample: () => ({
      method: 'POST',
      url: '/api/v1/console/dry-run',
      body: { policy: policy('draft') },
    }),
  },
  'GET /api/v1/console/alert-counts': {
    allowed: read,
    sample: get('/api/v1/console/alert-counts'),
  },
  'GET /api/v1/console/alert-timeline': {
    allowed: read,
    sample: get('/api/v1/console/alert-timeline?days=7'),
  },
  'GET /api/v1/console/namespaces': { allowed: read, sample: get('/api/v1/console/namespaces') },
  'GET /api/v1/console/cluster-counts': {
    allowed: read,
    sample: get('/api/v1/console/cluster-counts'),
  },
  'POST /api/v1/tokens': {
    allowed: admin,
    sample: (fx) => ({
      method: 'POST',
      url: '/api/v1/tokens',
      body: { name: `ci-${fx.unique()}`, role: 'Continuous Integration' },
    }),
  },
  'GET /api/v1/tokens': { allowed: read, sample: get('/api/v1/tokens') },
  'POST /api/v1/tokens/:id/revoke': {
    allowed: admin,
    sample: async (fx) => {
      const { token } = await createApiToken(fx.db, {
        name: `victim-${fx.unique()}`,
        role: 'Analyst',
      });
      return { method: 'POST', url: `/api/v1/tokens/${token.id}/revoke` };
    },
  },
};

function expectedStatus(entry: MatrixEntry, caller: Caller): '2xx' | 401 | 403 {
  if (entry.allowed === 'public') return '2xx';
  switch (caller) {
    case 'no token':
    case 'malformed header':
    case 'unknown token':
    case 'expired token':
    case 'revoked token':
      return 401;
    case 'Sensor of another cluster':
      return 403;
    case 'Admin':
    case 'Analyst':
    case 'Continuous Integration':
    case 'Sensor':
      return entry.allowed.includes(caller) ? '2xx' : 403;
  }
}

for (const backend of centralBackends) {
  describe(`the auth matrix on ${backend.name}`, () => {
    let opened: Awaited<ReturnType<typeof backend.open>> | undefined;
    let app: FastifyInstance | undefined;
    const headers = new Map<Caller, Record<string, string>>();
    let fixtures: Fixtures | undefined;

    before(async () => {
      opened = await backend.open();
      const db = opened.db;
      app = await createCentral({ db, seedBuiltinPolicies: false });
      const own = await createCluster(db, { name: 'own' });
      const other = await createCluster(db, { name: 'other' });
      const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
      for (const role of ['Admin', 'Analyst', 'Continuous Integration'] as const) {
        headers.set(role, bearer((await createApiToken(db, { name: role, role })).plainToken));
      }
      headers.set(
        'Sensor',
        bearer(
          (await createApiToken(db, { name: 's', role: 'Sensor', clusterId: own.id })).plainToken,
        ),
      );
      headers.set(
        'Sensor of another cluster',
        bearer(
          (await createApiToken(db, { name: 'o', role: 'Sensor', clusterId: other.id })).plainToken,
        ),
      );
      headers.set('no token', {});
      headers.set('malformed header', { authorization: 'Basic YWRtaW46YWRtaW4=' });
      headers.set('unknown token', bearer('pal_not-a-real-token'));
      const expired = await createApiToken(db, {
        name: 'expired',
        role: 'Admin',
        expiresAt: new Date(Date.now() - 60_000),
      });
      headers.set('expired token', bearer(expired.plainToken));
      const revoked = await createApiToken(db, { name: 'revoked', role: 'Admin' });
      await revokeApiToken(db, revoked.token.id);
      headers.set('revoked token', bearer(revoked.plainToken));
      let counter = 0;
      fixtures = { db, clusterId: own.id, unique: () => `${Date.now().toString(36)}-${counter++}` };
    });
    after(async () => {
      await app?.close();
      await opened?.close();
    });

    it('every registered route has a matrix entry, and every entry is a registered route', () => {
      assert.ok(app);
      const registered = app.routeTable.map((r) => `${r.method} ${r.url}`).sort();
      assert.deepEqual(registered, Object.keys(matrix).sort());
    });

    it('each caller gets exactly the expected 2xx, 401 or 403 on every route', async () => {
      assert.ok(app && fixtures);
      const failures: string[] = [];
      for (const [route, entry] of Object.entries(matrix)) {
        for (const caller of callers) {
          const sample = await entry.sample(fixtures);
          const response = await app.inject({
            method: sample.method as 'GET',
            url: sample.url,
            headers: headers.get(caller) ?? {},
            ...(sample.body === undefined ? {} : { payload: sample.body as object }),
          });
          const expected = expectedStatus(entry, caller);
          const ok =
            expected === '2xx'
              ? entry.success !== undefined
                ? response.statusCode === entry.success
                : response.statusCode >= 200 && response.statusCode < 300
              : response.statusCode === expected;
          if (!ok) {
            failures.push(
              `${route} as ${caller}: expected ${expected}, got ${response.statusCode} ${response.body.slice(0, 200)}`,
            );
          } else if (expected !== '2xx') {
            const body = response.json<{ error: { code: string; message: string } }>();
            if (body.error.code !== (expected === 401 ? 'unauthorized' : 'forbidden')) {
              failures.push(`${route} as ${caller}: wrong error code ${body.error.code}`);
            }
          }
        }
      }
      assert.deepEqual(failures, []);
    });

    it('a 401 says whether the token was missing, unknown, expired or revoked', async () => {
      assert.ok(app);
      const messageFor = async (caller: Caller) =>
        (
          await app!.inject({
            method: 'GET',
            url: '/api/v1/policies',
            headers: headers.get(caller) ?? {},
          })
        ).json<{ error: { message: string } }>().error.message;
      assert.match(await messageFor('no token'), /API token is required/);
      assert.match(await messageFor('malformed header'), /Bearer <token>/);
      assert.match(await messageFor('unknown token'), /not valid/);
      assert.match(await messageFor('expired token'), /expired at/);
      assert.match(await messageFor('revoked token'), /was revoked/);
    });
  });
}
