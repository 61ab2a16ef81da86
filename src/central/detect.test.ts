import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { databaseBackends, truncateAll } from '../../test/kit/backends.ts';
import { deploymentYaml, yamlObjects } from '../../test/kit/manifests.ts';
import type { TestBackend } from '../../test/kit/backends.ts';
import { compilePolicy, loadBuiltinPolicies } from '../policy/index.ts';
import type { CompiledPolicy } from '../policy/index.ts';
import {
  createCluster,
  getAlert,
  getWorkload,
  listAlerts,
  listRiskRanking,
  listWorkloads,
} from '../store/index.ts';
import { detectCluster } from './detect.ts';
import { ingestDeltas, ingestSnapshot, parseIngestBody, snapshotBody } from './ingest.ts';

const pick = (ids: string[]): CompiledPolicy[] =>
  loadBuiltinPolicies()
    .filter((p) => ids.includes(p.id))
    .map((p) => compilePolicy(p));

const objects = yamlObjects;

const deployment = (name: string, rv: string, privileged: boolean, namespace = 'shop') =>
  deploymentYaml({ name, resourceVersion: rv, privileged, namespace, image: `example/${name}:1` });

const service = `apiVersion: v1
kind: Service
metadata: { name: web, namespace: shop, resourceVersion: "5" }
spec:
  type: LoadBalancer
  selector: { app: web }
  ports: [{ port: 80, targetPort: 8080 }]
`;

for (const backend of databaseBackends) {
  describe(`ingest and detection on ${backend.name}`, () => {
    let opened: TestBackend | undefined;
    let clusterId = '';
    const db = () => {
      assert.ok(opened);
      return opened.db;
    };
    const policies = pick(['privileged-container', 'host-network']);
    const active = async () =>
      (await listAlerts(db(), { clusterId, state: 'ACTIVE' }, { limit: 100 })).items;

    before(async () => {
      opened = await backend.open();
    });
    after(async () => {
      await opened?.close();
    });
    beforeEach(async () => {
      await truncateAll(db());
      clusterId = (await createCluster(db(), { name: 'prod' })).id;
    });

    it('a snapshot stores the cluster and detection raises one alert per violated policy and workload', async () => {
      await ingestSnapshot(db(), clusterId, {
        objects: objects(
          [deployment('web', '10', true), deployment('api', '11', false), service].join('---\n'),
        ),
      });
      const result = await detectCluster(db(), clusterId, policies);
      assert.equal(result.workloads, 2);
      const alerts = await active();
      assert.deepEqual(
        alerts.map((a) => `${a.policyId}/${a.workloadName}`),
        ['privileged-container/web'],
      );
      assert.equal(alerts[0]?.violationCount, 1);
      const alert = await getAlert(db(), alerts[0]?.id ?? '');
      assert.match(alert?.violations[0]?.message ?? '', /container 'app' is privileged/);
    });

    it('stores the derived context and a risk score that explains itself', async () => {
      await ingestSnapshot(db(), clusterId, {
        objects: objects([deployment('web', '10', true), service].join('---\n')),
      });
      await detectCluster(db(), clusterId, policies);
      const web = await getWorkload(db(), {
        clusterId,
        namespace: 'shop',
        kind: 'Deployment',
        name: 'web',
      });
      assert.deepEqual(
        web?.workload.context.exposure.map((e) => e.level),
        ['EXTERNAL'],
      );
      const ranking = (await listRiskRanking(db(), { clusterId })).items;
      assert.equal(ranking[0]?.workloadName, 'web');
      assert.ok((ranking[0]?.score ?? 0) > 1);
      assert.ok(ranking[0]?.factors.some((f) => f.name === 'Service Reachability'));
    });

    it('re-running detection on an unchanged cluster changes nothing (idempotent)', async () => {
      const body = { objects: objects(deployment('web', '10', true)) };
      await ingestSnapshot(db(), clusterId, body);
      await detectCluster(db(), clusterId, policies);
      const [first] = await active();
      await ingestSnapshot(db(), clusterId, body);
      const again = await detectCluster(db(), clusterId, policies);
      assert.equal(again.raised, 0);
      assert.equal(again.resolved, 0);
      // The unchanged alert is not rewritten: its last change stays its last-seen time.
      assert.deepEqual(await active(), [first]);
    });

    it('a fix resolves the alert and keeps it as history; an older delta does not undo the fix', async () => {
      await ingestSnapshot(db(), clusterId, { objects: objects(deployment('web', '10', true)) });
      await detectCluster(db(), clusterId, policies);
      await ingestDeltas(db(), clusterId, {
        events: [{ type: 'UPSERT', object: objects(deployment('web', '12', false))[0]! }],
      });
      const fixed = await detectCluster(db(), clusterId, policies);
      assert.equal(fixed.resolved, 1);
      assert.deepEqual(await active(), []);
      const resolved = (await listAlerts(db(), { clusterId, state: 'RESOLVED' })).items;
      assert.equal(resolved.length, 1);
      await ingestDeltas(db(), clusterId, {
        events: [{ type: 'UPSERT', object: objects(deployment('web', '11', true))[0]! }],
      });
      await detectCluster(db(), clusterId, policies);
      assert.deepEqual(await active(), []);
    });

    it('deleting a workload resolves its alerts; a snapshot without it deletes it', async () => {
      await ingestSnapshot(db(), clusterId, {
        objects: objects(
          [deployment('web', '10', true), deployment('db', '3', true)].join('---\n'),
        ),
      });
      await detectCluster(db(), clusterId, policies);
      assert.equal((await active()).length, 2);
      await ingestDeltas(db(), clusterId, {
        events: [{ type: 'DELETE', kind: 'Deployment', namespace: 'shop', name: 'db' }],
      });
      assert.deepEqual(
        (await active()).map((a) => a.workloadName),
        ['web'],
      );
      const pruned = await ingestSnapshot(db(), clusterId, { objects: [] });
      assert.equal(pruned.deleted, 1);
      assert.equal((await listWorkloads(db(), { clusterId })).total, 0);
      assert.deepEqual(await active(), []);
    });

    it('re-evaluating one policy leaves the alerts of other policies alone', async () => {
      await ingestSnapshot(db(), clusterId, {
        objects: objects(
          deployment('web', '10', true).replace(
            'spec:\n      containers',
            'spec:\n      hostNetwork: true\n      containers',
          ),
        ),
      });
      await detectCluster(db(), clusterId, policies);
      assert.equal((await active()).length, 2);
      await detectCluster(db(), clusterId, pick(['privileged-container']));
      assert.equal((await active()).length, 2);
    });

    it('rejects a malformed snapshot with a 400 naming the field, writing nothing', () => {
      assert.throws(
        () =>
          parseIngestBody(
            snapshotBody,
            { objects: [{ apiVersion: 'v1', kind: 'Pod', metadata: {} }] },
            'snapshot',
          ),
        (error: unknown) =>
          error instanceof Error && /snapshot: objects\.0\.metadata\.name/.test(error.message),
      );
    });
  });
}
