// The repository contract: every repository behaviour, run once on embedded PGlite and once on
// a real PostgreSQL 15 server (test/kit/postgres.ts), so the one SQL dialect holds on both.

import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type {
  ClusterObject,
  ManifestObject,
  NamespaceObject,
  Policy,
  Violation,
  Workload,
} from '../model/index.ts';
import { PalisadeError } from '../model/index.ts';
import { normaliseObject } from '../k8s/index.ts';
import { databaseBackends, truncateAll } from '../../test/kit/backends.ts';
import {
  appendAudit,
  createApiToken,
  createCluster,
  deleteCluster,
  deleteObject,
  deletePolicy,
  deleteWorkload,
  findApiToken,
  getAlert,
  getCluster,
  getClusterByName,
  getObject,
  getPolicy,
  getRiskScore,
  getWorkload,
  listAlerts,
  listApiTokens,
  listAudit,
  listClusters,
  listNamespaces,
  listObjects,
  listPolicies,
  listRiskRanking,
  listWorkloads,
  raiseAlert,
  recordClusterContact,
  resolveAlert,
  resolveWorkloadAlerts,
  revokeApiToken,
  saveRiskScore,
  savePolicy,
  setPolicyDisabled,
  upsertNamespace,
  upsertObject,
  upsertWorkload,
  type CheckObject,
  type Database,
} from './index.ts';

function normalise(apiVersion: string, kind: string, body: Record<string, unknown>): ClusterObject {
  const manifest: ManifestObject = {
    apiVersion,
    kind,
    body: { apiVersion, kind, ...body },
    source: { file: 'test.yaml', line: 1 },
  };
  const object = normaliseObject(manifest);
  assert.ok(object, `${kind} was not normalised`);
  return object;
}

function deployment(
  name: string,
  options: { namespace?: string; resourceVersion?: string; image?: string } = {},
): Workload {
  const object = normalise('apps/v1', 'Deployment', {
    metadata: {
      name,
      namespace: options.namespace ?? 'shop',
      uid: `uid-${name}`,
      ...(options.resourceVersion === undefined
        ? {}
        : { resourceVersion: options.resourceVersion }),
    },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'app', image: options.image ?? 'nginx:1.27' }] },
      },
    },
  });
  assert.equal(object.kind, 'Workload');
  return object;
}

function namespaceObject(name: string, resourceVersion: string): NamespaceObject {
  const object = normalise('v1', 'Namespace', {
    metadata: { name, resourceVersion, labels: { team: 'web' } },
  });
  assert.equal(object.kind, 'Namespace');
  return object;
}

function checkObject(kind: string, body: Record<string, unknown>, apiVersion = 'v1'): CheckObject {
  const object = normalise(apiVersion, kind, body);
  assert.ok(object.kind !== 'Workload' && object.kind !== 'Namespace');
  return object;
}

function policy(id: string, overrides: Partial<Policy> = {}): Policy {
  return {
    id,
    name: `Policy ${id}`,
    severity: 'HIGH_SEVERITY',
    lifecycleStages: ['DEPLOY'],
    policyVersion: '1.1',
    policySections: [
      { policyGroups: [{ fieldName: 'Privileged Container', values: [{ value: 'true' }] }] },
    ],
    ...overrides,
  };
}

function violation(policyId: string, message: string): Violation {
  return {
    policy: { id: policyId, name: `Policy ${policyId}`, severity: 'HIGH_SEVERITY' },
    object: { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'shop', name: 'web' },
    message,
  };
}

async function rejectsWith(promise: Promise<unknown>, code: string, status: number): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof PalisadeError, `expected a PalisadeError, got ${String(error)}`);
    assert.equal(error.code, code);
    assert.equal(error.status, status);
    return true;
  });
}

/** Empties every table but the migration record, so each test starts from a fresh schema. */

export interface ContractBackend {
  readonly db: Database;
  readonly close: () => Promise<void>;
}

export function runRepositoryContract(name: string, open: () => Promise<ContractBackend>): void {
  describe(`store repositories on ${name}`, () => {
    let backend: ContractBackend | undefined;
    const db = (): Database => {
      assert.ok(backend, 'database did not open');
      return backend.db;
    };
    let clusterId = '';

    before(async () => {
      backend = await open();
    });
    after(async () => {
      await backend?.close();
    });
    beforeEach(async () => {
      await truncateAll(db());
      clusterId = (await createCluster(db(), { name: 'prod', labels: { env: 'prod' } })).id;
    });

    describe('clusters and namespaces', () => {
      it('a cluster is found by id and by name, and a second cluster of the same name is refused', async () => {
        const found = await getCluster(db(), clusterId);
        assert.equal(found?.name, 'prod');
        assert.deepEqual(found.labels, { env: 'prod' });
        assert.equal(found.lastContactAt, null);
        assert.equal((await getClusterByName(db(), 'prod'))?.id, clusterId);
        assert.equal(await getCluster(db(), 'not-a-uuid'), null);
        await rejectsWith(createCluster(db(), { name: 'prod' }), 'cluster-exists', 409);
        assert.equal((await listClusters(db())).total, 1);
      });

      it('recording a contact stores when and which sensor version', async () => {
        const at = new Date('2025-01-02T03:04:05.000Z');
        assert.equal(
          await recordClusterContact(db(), clusterId, { at, sensorVersion: '0.1.0' }),
          true,
        );
        const found = await getCluster(db(), clusterId);
        assert.equal(found?.lastContactAt, at.toISOString());
        assert.equal(found.sensorVersion, '0.1.0');
      });

      it('deleting a cluster removes its namespaces, workloads, objects and tokens', async () => {
        await upsertNamespace(db(), clusterId, namespaceObject('shop', '1'));
        await upsertWorkload(db(), clusterId, deployment('web'));
        await upsertObject(
          db(),
          clusterId,
          checkObject('ServiceAccount', { metadata: { name: 'sa', namespace: 'shop' } }),
        );
        await createApiToken(db(), { name: 'sensor', role: 'Sensor', clusterId });
        assert.equal(await deleteCluster(db(), clusterId), true);
        assert.equal((await listNamespaces(db())).total, 0);
        assert.equal((await listWorkloads(db())).total, 0);
        assert.equal((await listObjects(db())).total, 0);
        assert.equal((await listApiTokens(db())).total, 0);
        assert.equal(await deleteCluster(db(), clusterId), false);
      });

      it('a namespace with an older resourceVersion does not replace a newer one', async () => {
        assert.equal(await upsertNamespace(db(), clusterId, namespaceObject('shop', '10')), true);
        assert.equal(await upsertNamespace(db(), clusterId, namespaceObject('shop', '9')), false);
        const page = await listNamespaces(db(), { clusterId });
        assert.equal(page.total, 1);
        assert.equal(page.items[0]?.resourceVersion, '10');
        assert.deepEqual(page.items[0]?.labels, { team: 'web' });
      });
    });

    describe('workloads', () => {
      it('a stored workload reads back as normalised (absent and undefined properties alike)', async () => {
        const web = deployment('web', { resourceVersion: '5' });
        const outcome = await upsertWorkload(db(), clusterId, web);
        assert.equal(outcome.applied, true);
        const stored = await getWorkload(db(), {
          clusterId,
          namespace: 'shop',
          kind: 'Deployment',
          name: 'web',
        });
        assert.equal(stored?.id, outcome.id);
        // JSON, and so jsonb, has no undefined: such properties come back absent.
        assert.deepEqual(stored.workload, JSON.parse(JSON.stringify(web)));
        assert.equal(stored.resourceVersion, '5');
        assert.equal(stored.uid, 'uid-web');
      });

      it('an older resourceVersion is ignored, compared as numbers (9 is older than 10)', async () => {
        await upsertWorkload(
          db(),
          clusterId,
          deployment('web', { resourceVersion: '10', image: 'nginx:new' }),
        );
        const stale = await upsertWorkload(
          db(),
          clusterId,
          deployment('web', { resourceVersion: '9', image: 'nginx:old' }),
        );
        assert.equal(stale.applied, false);
        const stored = await getWorkload(db(), {
          clusterId,
          namespace: 'shop',
          kind: 'Deployment',
          name: 'web',
        });
        assert.equal(stored?.workload.containers[0]?.image.fullName, 'nginx:new');
        assert.equal(stale.id, stored.id);
        const newer = await upsertWorkload(
          db(),
          clusterId,
          deployment('web', { resourceVersion: '11', image: 'nginx:newer' }),
        );
        assert.equal(newer.applied, true);
        assert.equal(newer.id, stored.id);
      });

      it('replaying the same resourceVersion is idempotent and a non-numeric one always applies', async () => {
        await upsertWorkload(db(), clusterId, deployment('web', { resourceVersion: '7' }));
        await upsertWorkload(db(), clusterId, deployment('web', { resourceVersion: '7' }));
        await upsertWorkload(db(), clusterId, deployment('web', { resourceVersion: 'opaque-a' }));
        const stored = await getWorkload(db(), {
          clusterId,
          namespace: 'shop',
          kind: 'Deployment',
          name: 'web',
        });
        assert.equal(stored?.resourceVersion, 'opaque-a');
        assert.equal((await listWorkloads(db())).total, 1);
      });

      it('a delete older than the stored object keeps it; a current delete removes it', async () => {
        const key = { clusterId, namespace: 'shop', kind: 'Deployment', name: 'web' } as const;
        await upsertWorkload(db(), clusterId, deployment('web', { resourceVersion: '20' }));
        assert.equal(await deleteWorkload(db(), key, '19'), false);
        assert.ok(await getWorkload(db(), key));
        assert.equal(await deleteWorkload(db(), key, '21'), true);
        assert.equal(await getWorkload(db(), key), null);
        assert.equal(await deleteWorkload(db(), key), false);
      });

      it('lists filter by cluster, namespace, kind, name and image, with pages and a total', async () => {
        const other = (await createCluster(db(), { name: 'staging' })).id;
        for (let i = 0; i < 5; i++) await upsertWorkload(db(), clusterId, deployment(`api-${i}`));
        await upsertWorkload(
          db(),
          clusterId,
          deployment('db', { namespace: 'data', image: 'postgres:15' }),
        );
        await upsertWorkload(db(), other, deployment('api-0'));

        const first = await listWorkloads(db(), { clusterId, namespace: 'shop' }, { limit: 2 });
        assert.equal(first.total, 5);
        assert.deepEqual(
          first.items.map((w) => w.name),
          ['api-0', 'api-1'],
        );
        const last = await listWorkloads(
          db(),
          { clusterId, namespace: 'shop' },
          { limit: 2, offset: 4 },
        );
        assert.deepEqual(
          last.items.map((w) => w.name),
          ['api-4'],
        );
        assert.equal(last.total, 5);
        assert.equal((await listWorkloads(db(), { name: 'api-0' })).total, 2);
        assert.equal((await listWorkloads(db(), { kind: 'DaemonSet' })).total, 0);
        const byImage = await listWorkloads(db(), { image: 'postgres:15' });
        assert.deepEqual(
          byImage.items.map((w) => w.name),
          ['db'],
        );
        assert.equal((await listWorkloads(db(), { clusterId: 'nonsense' })).total, 0);
        await rejectsWith(listWorkloads(db(), {}, { limit: 0 }), 'page-invalid', 400);
        await rejectsWith(listWorkloads(db(), {}, { offset: -1 }), 'page-invalid', 400);
      });
    });

    describe('kubernetes objects', () => {
      it('a Secret is stored with its keys but without values or the last-applied copy', async () => {
        const secret = checkObject('Secret', {
          metadata: {
            name: 'db-credentials',
            namespace: 'shop',
            annotations: {
              'kubectl.kubernetes.io/last-applied-configuration':
                '{"data":{"password":"aHVudGVyMg=="}}',
              owner: 'team-a',
            },
          },
          type: 'Opaque',
          data: { password: 'aHVudGVyMg==' },
        });
        // The normaliser already drops values; a crafted object with data must not keep them.
        const crafted = { ...secret, data: { password: 'hunter2' } } as CheckObject;
        await upsertObject(db(), clusterId, crafted);
        const stored = await getObject(db(), {
          clusterId,
          kind: 'Secret',
          namespace: 'shop',
          name: 'db-credentials',
        });
        assert.ok(stored && stored.object.kind === 'Config');
        assert.deepEqual(stored.object.keys, ['password']);
        assert.deepEqual(stored.object.data, {});
        assert.deepEqual(stored.object.meta.annotations, { owner: 'team-a' });
        const raw = await db().query<{ text: string }>('SELECT object::text AS text FROM objects');
        assert.ok(!raw.some((r) => r.text.includes('hunter2') || r.text.includes('aHVudGVyMg')));
      });

      it('objects list by cluster, namespace and kinds; older versions and deletes are ignored', async () => {
        const service = (rv: string, port: number) =>
          checkObject('Service', {
            metadata: { name: 'web', namespace: 'shop', resourceVersion: rv },
            spec: { type: 'LoadBalancer', selector: { app: 'web' }, ports: [{ port }] },
          });
        await upsertObject(db(), clusterId, service('100', 443));
        assert.equal((await upsertObject(db(), clusterId, service('99', 80))).applied, false);
        await upsertObject(
          db(),
          clusterId,
          checkObject(
            'ClusterRole',
            { metadata: { name: 'admin-ish' }, rules: [] },
            'rbac.authorization.k8s.io/v1',
          ),
        );
        await upsertObject(
          db(),
          clusterId,
          checkObject('ServiceAccount', { metadata: { name: 'web', namespace: 'shop' } }),
        );

        const services = await listObjects(db(), { clusterId, kind: 'Service' });
        assert.equal(services.total, 1);
        const stored = services.items[0]?.object;
        assert.ok(stored?.kind === 'Service');
        assert.equal(stored.ports[0]?.port, 443);
        assert.equal(
          (await listObjects(db(), { kind: ['Service', 'ServiceAccount'], namespace: 'shop' }))
            .total,
          2,
        );
        const clusterScoped = await listObjects(db(), { namespace: '' });
        assert.deepEqual(
          clusterScoped.items.map((o) => o.kind),
          ['ClusterRole'],
        );

        const key = { clusterId, kind: 'Service', namespace: 'shop', name: 'web' };
        assert.equal(await deleteObject(db(), key, '50'), false);
        assert.equal(await deleteObject(db(), key, '101'), true);
        assert.equal(await getObject(db(), key), null);
      });
    });

    describe('policies', () => {
      it('a policy round-trips whole, unknown keys included', async () => {
        const original = policy('privileged', {
          description: 'no',
          customVendorKey: { a: [1, 2] },
        });
        const saved = await savePolicy(db(), original);
        assert.equal(saved.disabled, false);
        assert.equal(saved.severity, 'HIGH_SEVERITY');
        assert.deepEqual((await getPolicy(db(), 'privileged'))?.policy, original);
      });

      it('saving again by id replaces it, and a name held by another policy is refused', async () => {
        await savePolicy(db(), policy('a'));
        await savePolicy(db(), policy('a', { severity: 'LOW_SEVERITY' }));
        assert.equal((await getPolicy(db(), 'a'))?.severity, 'LOW_SEVERITY');
        await rejectsWith(
          savePolicy(db(), policy('b', { name: 'Policy a' })),
          'policy-name-taken',
          409,
        );
      });

      it('disabling a policy updates both the filter column and the body', async () => {
        await savePolicy(db(), policy('a'));
        await savePolicy(db(), policy('b', { severity: 'CRITICAL_SEVERITY' }));
        const disabled = await setPolicyDisabled(db(), 'a', true);
        assert.equal(disabled?.disabled, true);
        assert.equal(disabled.policy.disabled, true);
        assert.deepEqual(
          (await listPolicies(db(), { disabled: false })).items.map((p) => p.id),
          ['b'],
        );
        assert.deepEqual(
          (await listPolicies(db(), { severity: ['CRITICAL_SEVERITY'] })).items.map((p) => p.id),
          ['b'],
        );
        assert.equal(await setPolicyDisabled(db(), 'missing', true), null);
        assert.equal(await deletePolicy(db(), 'a'), true);
        assert.equal(await getPolicy(db(), 'a'), null);
      });
    });

    describe('alerts', () => {
      const web = { namespace: 'shop', kind: 'Deployment', name: 'web' } as const;
      const input = (
        policyId: string,
        at: string,
        severity: Policy['severity'] = 'HIGH_SEVERITY',
      ) => ({
        policy: { id: policyId, name: `Policy ${policyId}`, severity },
        clusterId,
        workload: web,
        lifecycleStage: 'DEPLOY' as const,
        violations: [violation(policyId, `seen at ${at}`)],
        at: new Date(at),
      });

      it('raising the same violation again updates the one ACTIVE alert', async () => {
        const first = await raiseAlert(db(), input('p1', '2025-01-01T00:00:00Z'));
        assert.equal(first.created, true);
        assert.equal(first.alert.state, 'ACTIVE');
        const again = await raiseAlert(
          db(),
          input('p1', '2025-01-02T00:00:00Z', 'CRITICAL_SEVERITY'),
        );
        assert.equal(again.created, false);
        assert.equal(again.alert.id, first.alert.id);
        assert.equal(again.alert.firstSeen, '2025-01-01T00:00:00.000Z');
        assert.equal(again.alert.lastSeen, '2025-01-02T00:00:00.000Z');
        assert.equal(again.alert.severity, 'CRITICAL_SEVERITY');
        assert.equal(again.alert.violations[0]?.message, 'seen at 2025-01-02T00:00:00Z');
      });

      it('a resolved alert stays as history, cannot be resolved twice, and a new violation opens a new alert', async () => {
        const { alert } = await raiseAlert(db(), input('p1', '2025-01-01T00:00:00Z'));
        const resolved = await resolveAlert(db(), alert.id, new Date('2025-01-03T00:00:00Z'));
        assert.equal(resolved.state, 'RESOLVED');
        assert.equal(resolved.resolvedAt, '2025-01-03T00:00:00.000Z');
        await rejectsWith(resolveAlert(db(), alert.id), 'alert-already-resolved', 409);
        await rejectsWith(
          resolveAlert(db(), '00000000-0000-0000-0000-000000000000'),
          'alert-not-found',
          404,
        );
        await rejectsWith(resolveAlert(db(), 'bogus'), 'alert-not-found', 404);
        const reopened = await raiseAlert(db(), input('p1', '2025-01-04T00:00:00Z'));
        assert.equal(reopened.created, true);
        assert.notEqual(reopened.alert.id, alert.id);
        assert.equal((await getAlert(db(), alert.id))?.state, 'RESOLVED');
      });

      it('each denied admission is its own ATTEMPTED alert, which can be resolved', async () => {
        const a = await raiseAlert(db(), {
          ...input('p1', '2025-01-01T00:00:00Z'),
          state: 'ATTEMPTED',
        });
        const b = await raiseAlert(db(), {
          ...input('p1', '2025-01-01T00:00:00Z'),
          state: 'ATTEMPTED',
        });
        assert.equal(a.created && b.created, true);
        assert.notEqual(a.alert.id, b.alert.id);
        assert.equal((await resolveAlert(db(), a.alert.id)).state, 'RESOLVED');
      });

      it("resolving a workload's alerts keeps the policies it still violates", async () => {
        await raiseAlert(db(), input('p1', '2025-01-01T00:00:00Z'));
        await raiseAlert(db(), input('p2', '2025-01-01T00:00:00Z'));
        const resolved = await resolveWorkloadAlerts(db(), clusterId, web, {
          keepPolicyIds: ['p2'],
        });
        assert.deepEqual(
          resolved.map((a) => a.policyId),
          ['p1'],
        );
        const active = await listAlerts(db(), { state: 'ACTIVE' });
        assert.deepEqual(
          active.items.map((a) => a.policyId),
          ['p2'],
        );
      });

      it('deleting a workload leaves its alerts as history without the workload link', async () => {
        const { id } = await upsertWorkload(db(), clusterId, deployment('web'));
        const { alert } = await raiseAlert(db(), {
          ...input('p1', '2025-01-01T00:00:00Z'),
          workload: { ...web, id },
        });
        assert.equal(alert.workloadId, id);
        await deleteWorkload(db(), { clusterId, ...web });
        await resolveWorkloadAlerts(db(), clusterId, web);
        const after = await getAlert(db(), alert.id);
        assert.equal(after?.workloadId, null);
        assert.equal(after.state, 'RESOLVED');
        assert.equal(after.workloadName, 'web');
      });

      it('alerts list by state, severity, policy, cluster, namespace and time, newest first', async () => {
        await raiseAlert(db(), input('p1', '2025-01-01T00:00:00Z', 'LOW_SEVERITY'));
        await raiseAlert(db(), input('p2', '2025-01-02T00:00:00Z'));
        await raiseAlert(db(), {
          ...input('p3', '2025-01-03T00:00:00Z'),
          workload: { ...web, namespace: 'payments' },
        });
        const { alert } = await raiseAlert(db(), input('p4', '2025-01-04T00:00:00Z'));
        await resolveAlert(db(), alert.id);

        const ids = (page: { items: readonly { policyId: string }[] }) =>
          page.items.map((a) => a.policyId);
        assert.deepEqual(ids(await listAlerts(db())), ['p4', 'p3', 'p2', 'p1']);
        assert.deepEqual(
          ids(await listAlerts(db(), { state: 'ACTIVE', severity: 'HIGH_SEVERITY' })),
          ['p3', 'p2'],
        );
        assert.deepEqual(ids(await listAlerts(db(), { policyId: 'p1' })), ['p1']);
        assert.deepEqual(ids(await listAlerts(db(), { clusterId, namespace: 'payments' })), ['p3']);
        assert.deepEqual(
          ids(
            await listAlerts(db(), {
              since: new Date('2025-01-02T00:00:00Z'),
              until: new Date('2025-01-03T00:00:00Z'),
            }),
          ),
          ['p3', 'p2'],
        );
        const page = await listAlerts(
          db(),
          { state: ['ACTIVE', 'RESOLVED'] },
          { limit: 1, offset: 1 },
        );
        assert.deepEqual(ids(page), ['p3']);
        assert.equal(page.total, 4);
      });
    });

    describe('risk scores', () => {
      it('scores rank riskiest first per cluster and namespace and go with their workload', async () => {
        const a = await upsertWorkload(db(), clusterId, deployment('a'));
        const b = await upsertWorkload(db(), clusterId, deployment('b'));
        const c = await upsertWorkload(db(), clusterId, deployment('c', { namespace: 'data' }));
        const factors = [{ name: 'Policy Violations', multiplier: 2.5, reasons: ['3 high'] }];
        assert.equal(await saveRiskScore(db(), a.id, 1.5, []), true);
        assert.equal(await saveRiskScore(db(), b.id, 4, factors), true);
        assert.equal(await saveRiskScore(db(), c.id, 9, []), true);
        assert.equal(await saveRiskScore(db(), a.id, 2, []), true);

        const shop = await listRiskRanking(db(), { clusterId, namespace: 'shop' });
        assert.deepEqual(
          shop.items.map((r) => [r.workloadName, r.score]),
          [
            ['b', 4],
            ['a', 2],
          ],
        );
        assert.deepEqual(shop.items[0]?.factors, factors);
        assert.equal((await listRiskRanking(db(), { clusterId })).items[0]?.workloadName, 'c');

        await deleteWorkload(db(), { clusterId, namespace: 'data', kind: 'Deployment', name: 'c' });
        assert.equal(await getRiskScore(db(), c.id), null);
        assert.equal(await saveRiskScore(db(), c.id, 1, []), false);
      });
    });

    describe('api tokens', () => {
      it('only the SHA-256 of a token is stored, and the plain token finds it', async () => {
        const { plainToken, token } = await createApiToken(db(), {
          name: 'ci',
          role: 'Continuous Integration',
        });
        assert.match(plainToken, /^pal_[A-Za-z0-9_-]{43}$/);
        const rows = await db().query<{ text: string }>(
          'SELECT row_to_json(t)::text AS text FROM api_tokens t',
        );
        assert.equal(rows.length, 1);
        assert.ok(!rows[0]?.text.includes(plainToken.slice(4)));
        const found = await findApiToken(db(), plainToken);
        assert.equal(found.status, 'valid');
        assert.equal(found.status === 'valid' ? found.token.id : '', token.id);
        assert.deepEqual(await findApiToken(db(), `${plainToken}x`), { status: 'unknown' });
        assert.deepEqual(await findApiToken(db(), ''), { status: 'unknown' });
      });

      it('revoked and expired tokens are reported as such, and a Sensor token names its cluster', async () => {
        const sensor = await createApiToken(db(), { name: 'sensor', role: 'Sensor', clusterId });
        assert.equal(sensor.token.clusterId, clusterId);
        const expiring = await createApiToken(db(), {
          name: 'short',
          role: 'Analyst',
          expiresAt: new Date('2030-01-01T00:00:00Z'),
        });
        assert.equal(
          (await findApiToken(db(), expiring.plainToken, new Date('2029-12-31T00:00:00Z'))).status,
          'valid',
        );
        assert.equal(
          (await findApiToken(db(), expiring.plainToken, new Date('2030-01-01T00:00:00Z'))).status,
          'expired',
        );
        assert.equal(await revokeApiToken(db(), sensor.token.id), true);
        assert.equal(await revokeApiToken(db(), sensor.token.id), false);
        assert.equal((await findApiToken(db(), sensor.plainToken)).status, 'revoked');
        assert.deepEqual(
          (await listApiTokens(db(), { role: 'Sensor' })).items.map((t) => t.name),
          ['sensor'],
        );
        await rejectsWith(
          createApiToken(db(), { name: 'x', role: 'Sensor', clusterId: 'nope' }),
          'cluster-not-found',
          404,
        );
      });
    });

    describe('audit log', () => {
      it('entries are appended and listed newest first, filtered by actor and action', async () => {
        await appendAudit(db(), {
          actor: 'admin',
          action: 'policy-update',
          target: 'p1',
          at: new Date('2025-01-01T00:00:00Z'),
        });
        await appendAudit(db(), {
          actor: 'admin',
          action: 'token-create',
          target: 'ci',
          details: { role: 'Analyst' },
          at: new Date('2025-01-02T00:00:00Z'),
        });
        await appendAudit(db(), {
          actor: 'alice',
          action: 'policy-update',
          target: 'p2',
          at: new Date('2025-01-03T00:00:00Z'),
        });
        const all = await listAudit(db());
        assert.deepEqual(
          all.items.map((e) => e.target),
          ['p2', 'ci', 'p1'],
        );
        assert.deepEqual(all.items[1]?.details, { role: 'Analyst' });
        assert.equal(typeof all.items[0]?.id, 'string');
        assert.equal((await listAudit(db(), { actor: 'admin', action: 'policy-update' })).total, 1);
        assert.equal((await listAudit(db(), { since: new Date('2025-01-02T00:00:00Z') })).total, 2);
      });
    });

    describe('transactions and hostile input', () => {
      it('a transaction that throws leaves nothing written', async () => {
        await assert.rejects(
          db().transaction(async (tx) => {
            await upsertWorkload(tx, clusterId, deployment('web'));
            await savePolicy(tx, policy('p'));
            throw new Error('ingest failed half way');
          }),
          /half way/,
        );
        assert.equal((await listWorkloads(db())).total, 0);
        assert.equal(await getPolicy(db(), 'p'), null);
        const committed = await db().transaction(
          async (tx) => (await upsertWorkload(tx, clusterId, deployment('web'))).id,
        );
        assert.equal((await listWorkloads(db())).items[0]?.id, committed);
      });

      it('SQL-looking names and values are stored and matched literally', async () => {
        const hostile = [
          "x'; DROP TABLE workloads; --",
          'Robert"); DELETE FROM clusters;--',
          "$1 ' OR '1'='1",
          'back\\slash \u0000nul'.replace('\u0000', ''),
          'ünïcødé 🚀',
        ];
        for (const name of hostile) {
          await createCluster(db(), { name, labels: { [name]: name } });
          await upsertWorkload(db(), clusterId, deployment('web', { namespace: name }));
          await savePolicy(db(), policy(name, { name }));
          await appendAudit(db(), { actor: name, action: name, target: name, details: { name } });
        }
        for (const name of hostile) {
          assert.deepEqual((await getClusterByName(db(), name))?.labels, { [name]: name });
          assert.equal((await listWorkloads(db(), { namespace: name })).total, 1);
          assert.equal((await getPolicy(db(), name))?.name, name);
          assert.equal((await listAudit(db(), { actor: name })).items[0]?.target, name);
        }
        assert.equal((await listClusters(db())).total, hostile.length + 1);
        assert.equal((await listWorkloads(db(), { namespace: "' OR '1'='1" })).total, 0);
        assert.equal(
          (await listAlerts(db(), { policyId: "' OR 1=1 --", clusterId: "'; --" })).total,
          0,
        );
      });
    });
  });
}

for (const backend of databaseBackends) runRepositoryContract(backend.name, () => backend.open());
