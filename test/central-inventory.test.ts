// Central's inventory API end to end through fastify's inject: a Sensor's snapshot and deltas,
// the alerts they raise and resolve, deployments with context and risk, the search syntax and
// the dashboard summary. Runs on PGlite and on a real PostgreSQL server.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { createCentral } from '../src/central/index.ts';
import { createApiToken, createCluster, listWorkloads, type Database } from '../src/store/index.ts';
import { databaseBackends } from './kit/backends.ts';
import { deploymentYaml, yamlObjects } from './kit/manifests.ts';

const docs = yamlObjects;

const deployment = (name: string, rv: string, privileged: boolean) =>
  deploymentYaml({
    name,
    resourceVersion: rv,
    privileged,
    namespace: 'payments',
    image: `registry.example.com/${name}:1.0`,
  });

const loadBalancer = `apiVersion: v1
kind: Service
metadata: { name: web, namespace: payments, resourceVersion: "3" }
spec: { type: LoadBalancer, selector: { app: web }, ports: [{ port: 443, targetPort: 8080 }] }
`;

interface Page<T> {
  items: T[];
  total: number;
}
interface Alert {
  id: string;
  policyId: string;
  workloadName: string;
  severity: string;
  state: string;
}

for (const backend of databaseBackends) {
  describe(`Central inventory API on ${backend.name}`, () => {
    let opened: Awaited<ReturnType<typeof backend.open>> | undefined;
    let app: FastifyInstance | undefined;
    let db: Database | undefined;
    let clusterId = '';
    let admin = '';
    let sensor = '';

    const call = async (options: InjectOptions & { token?: string }) => {
      assert.ok(app);
      const { token, ...rest } = options;
      return app.inject({ ...rest, headers: { authorization: `Bearer ${token ?? admin}` } });
    };
    const alerts = async (query: string) =>
      (
        await call({
          method: 'GET',
          url: `/api/v1/alerts?query=${encodeURIComponent(query)}&limit=1000`,
        })
      ).json<Page<Alert>>();

    before(async () => {
      opened = await backend.open();
      db = opened.db;
      app = await createCentral({ db });
      clusterId = (await createCluster(db, { name: 'prod' })).id;
      admin = (await createApiToken(db, { name: 'admin', role: 'Admin' })).plainToken;
      sensor = (await createApiToken(db, { name: 'sensor', role: 'Sensor', clusterId })).plainToken;
    });
    after(async () => {
      await app?.close();
      await opened?.close();
    });

    it('a Sensor snapshot stores the cluster and raises alerts that the query syntax filters', async () => {
      const response = await call({
        method: 'POST',
        url: `/api/v1/clusters/${clusterId}/snapshot`,
        token: sensor,
        payload: {
          sensorVersion: '0.1.0',
          objects: docs(
            [deployment('web', '10', true), deployment('api', '11', false), loadBalancer].join(
              '---\n',
            ),
          ),
        },
      });
      assert.equal(response.statusCode, 200, response.body);
      assert.ok(response.json<{ detection: { raised: number } }>().detection.raised > 0);
      const high = await alerts('Namespace:payments+Severity:HIGH,CRITICAL+State:ACTIVE');
      assert.ok(
        high.items.some((a) => a.policyId === 'privileged-container' && a.workloadName === 'web'),
      );
      assert.ok(
        high.items.every(
          (a) => a.severity === 'HIGH_SEVERITY' || a.severity === 'CRITICAL_SEVERITY',
        ),
      );
      const all = await alerts('State:ACTIVE');
      assert.ok(all.total >= high.total);
      assert.equal((await alerts('Namespace:elsewhere')).total, 0);
    });

    it('the query takes prefixes, exact values, regexes and negations; time and sort parameters apply', async () => {
      const names = async (query: string) =>
        [...new Set((await alerts(query)).items.map((a) => a.workloadName))].sort();
      assert.deepEqual(await names('Deployment:we'), ['web']);
      assert.deepEqual(await names('Deployment:"we"'), []);
      assert.deepEqual(await names('Deployment:r/(web|api)'), ['api', 'web']);
      assert.deepEqual(await names('Deployment:!web'), ['api']);
      assert.deepEqual(await names('Cluster:pro+Namespace:"payments"'), ['api', 'web']);
      assert.deepEqual(await names('Cluster:elsewhere'), []);
      assert.deepEqual(await names('Policy:Privileged Container'), ['web']);
      const notLow = await alerts('Severity:!LOW');
      assert.ok(notLow.total > 0 && notLow.items.every((a) => a.severity !== 'LOW_SEVERITY'));
      const sorted = (
        await call({ method: 'GET', url: '/api/v1/alerts?sort=-severity&limit=1000' })
      ).json<Page<Alert>>();
      const rank = ['LOW_SEVERITY', 'MEDIUM_SEVERITY', 'HIGH_SEVERITY', 'CRITICAL_SEVERITY'];
      const ranks = sorted.items.map((a) => rank.indexOf(a.severity));
      assert.deepEqual(
        ranks,
        [...ranks].sort((a, b) => b - a),
      );
      const future = new Date(Date.now() + 3_600_000).toISOString();
      const none = await call({
        method: 'GET',
        url: `/api/v1/alerts?since=${encodeURIComponent(future)}`,
      });
      assert.equal(none.json<Page<Alert>>().total, 0);
      const bad = await call({
        method: 'GET',
        url: `/api/v1/alerts?query=${encodeURIComponent('Deployment:r/(unclosed')}`,
      });
      assert.equal(bad.statusCode, 400);
      assert.match(bad.json<{ error: { message: string } }>().error.message, /not a valid regex/);
    });

    it('a dry run without manifests evaluates the stored inventory and writes nothing', async () => {
      const before = (await alerts('')).total;
      const response = await call({
        method: 'POST',
        url: '/api/v1/policies/dry-run',
        payload: {
          policy: {
            id: 'draft-privileged',
            name: 'Draft Privileged',
            severity: 'LOW_SEVERITY',
            lifecycleStages: ['DEPLOY'],
            policyVersion: '1.1',
            policySections: [
              {
                policyGroups: [{ fieldName: 'Privileged Container', values: [{ value: 'true' }] }],
              },
            ],
          },
        },
      });
      assert.equal(response.statusCode, 200, response.body);
      const result = response.json<{
        violations: { object: { name: string }; cluster: { name: string } }[];
        checked: number;
      }>();
      assert.equal(result.checked, 2);
      assert.deepEqual(
        result.violations.map((v) => `${v.cluster.name}/${v.object.name}`),
        ['prod/web'],
      );
      assert.equal((await alerts('')).total, before);
    });

    it('a deployment shows its exposure, risk factors and active alerts; the riskiest comes first', async () => {
      assert.ok(db);
      const page = await call({ method: 'GET', url: '/api/v1/risk?limit=5' });
      const ranking =
        page.json<Page<{ workloadId: string; workloadName: string; score: number }>>();
      assert.equal(ranking.items[0]?.workloadName, 'web');
      const detail = await call({
        method: 'GET',
        url: `/api/v1/deployments/${ranking.items[0]?.workloadId ?? ''}`,
      });
      const body = detail.json<{
        workload: { context: { exposure: { level: string }[] } };
        risk: { factors: { name: string }[] };
        alerts: Alert[];
      }>();
      assert.deepEqual(
        body.workload.context.exposure.map((e) => e.level),
        ['EXTERNAL'],
      );
      assert.ok(body.risk.factors.some((f) => f.name === 'Service Reachability'));
      assert.ok(body.alerts.some((a) => a.policyId === 'privileged-container'));
      assert.equal((await listWorkloads(db, { clusterId })).total, 2);
    });

    it('a delta fixing the workload resolves its alert; resolving by hand removes one from the active list', async () => {
      const fix = await call({
        method: 'POST',
        url: `/api/v1/clusters/${clusterId}/deltas`,
        token: sensor,
        payload: { events: [{ type: 'UPSERT', object: docs(deployment('web', '12', false))[0] }] },
      });
      assert.equal(fix.statusCode, 200, fix.body);
      assert.ok(
        !(await alerts('State:ACTIVE')).items.some((a) => a.policyId === 'privileged-container'),
      );
      const before = await alerts('State:ACTIVE');
      const target = before.items[0];
      assert.ok(target);
      const resolved = await call({ method: 'POST', url: `/api/v1/alerts/${target.id}/resolve` });
      assert.equal(resolved.statusCode, 200, resolved.body);
      assert.equal((await alerts('State:ACTIVE')).total, before.total - 1);
      const again = await call({ method: 'POST', url: `/api/v1/alerts/${target.id}/resolve` });
      assert.equal(again.statusCode, 409);
    });

    it('disabling a policy resolves its alerts in the background; enabling it raises them again', async () => {
      assert.ok(app);
      const count = async () => (await alerts('Policy:latest-image-tag+State:ACTIVE')).total;
      await call({
        method: 'POST',
        url: `/api/v1/clusters/${clusterId}/deltas`,
        token: sensor,
        payload: {
          events: [
            {
              type: 'UPSERT',
              object: docs(deployment('web', '13', false).replace(':1.0', ':latest'))[0],
            },
          ],
        },
      });
      assert.equal(await count(), 1);
      assert.equal(
        (await call({ method: 'POST', url: '/api/v1/policies/latest-image-tag/disable' }))
          .statusCode,
        200,
      );
      await app.jobs.idle();
      assert.equal(await count(), 0);
      assert.equal(
        (await call({ method: 'POST', url: '/api/v1/policies/latest-image-tag/enable' }))
          .statusCode,
        200,
      );
      await app.jobs.idle();
      assert.equal(await count(), 1);
    });

    it('a new policy is evaluated over the stored inventory and raises alerts', async () => {
      assert.ok(app);
      const created = await call({
        method: 'POST',
        url: '/api/v1/policies',
        payload: {
          id: 'payments-registry',
          name: 'Payments Images From The Example Registry',
          severity: 'LOW_SEVERITY',
          lifecycleStages: ['DEPLOY'],
          policyVersion: '1.1',
          policySections: [
            {
              policyGroups: [
                { fieldName: 'Image Registry', values: [{ value: 'registry.example.com' }] },
              ],
            },
          ],
        },
      });
      assert.equal(created.statusCode, 201, created.body);
      await app.jobs.idle();
      assert.equal((await alerts('Policy:payments-registry+State:ACTIVE')).total, 2);
    });

    it('namespaces list their deployments, active alerts and risk', async () => {
      const page = (await call({ method: 'GET', url: '/api/v1/namespaces' })).json<
        Page<{
          clusterName: string;
          name: string;
          deployments: number;
          activeAlerts: number;
          riskScore: number;
        }>
      >();
      const payments = page.items.find((n) => n.name === 'payments');
      assert.ok(payments);
      assert.equal(payments.clusterName, 'prod');
      assert.equal(payments.deployments, 2);
      assert.equal(
        payments.activeAlerts,
        (await alerts('Namespace:"payments"+State:ACTIVE')).total,
      );
      assert.ok(payments.riskScore > 2);
    });

    it("excluding an alert's deployment resolves it, and re-detection keeps it resolved", async () => {
      assert.ok(app);
      const [target] = (await alerts('Policy:latest-image-tag+State:ACTIVE')).items;
      assert.ok(target);
      const response = await call({
        method: 'POST',
        url: `/api/v1/alerts/${target.id}/exclude`,
        payload: { reason: 'web pins by digest at deploy time' },
      });
      assert.equal(response.statusCode, 200, response.body);
      assert.equal(response.json<{ alert: { state: string } }>().alert.state, 'RESOLVED');
      await app.jobs.idle();
      await call({
        method: 'POST',
        url: `/api/v1/clusters/${clusterId}/deltas`,
        token: sensor,
        payload: {
          events: [
            {
              type: 'UPSERT',
              object: docs(deployment('web', '14', false).replace(':1.0', ':latest'))[0],
            },
          ],
        },
      });
      assert.equal((await alerts('Policy:latest-image-tag+State:ACTIVE')).total, 0);
      const policy = (
        await call({ method: 'GET', url: '/api/v1/policies/latest-image-tag' })
      ).json<{ policy: { exclusions: { name: string }[] } }>();
      assert.ok(
        policy.policy.exclusions.some((e) => e.name === 'web pins by digest at deploy time'),
      );
      const again = await call({ method: 'POST', url: `/api/v1/alerts/${target.id}/exclude` });
      assert.equal(again.statusCode, 200, again.body);
    });

    it('the summary counts clusters, deployments and active alerts by severity', async () => {
      const summary = (await call({ method: 'GET', url: '/api/v1/summary' })).json<{
        clusters: number;
        deployments: number;
        activeAlerts: number;
      }>();
      assert.equal(summary.clusters, 1);
      assert.equal(summary.deployments, 2);
      assert.equal(summary.activeAlerts, (await alerts('State:ACTIVE')).total);
    });

    it('a malformed snapshot is a 400 naming the field, and nothing is written', async () => {
      assert.ok(db);
      const response = await call({
        method: 'POST',
        url: `/api/v1/clusters/${clusterId}/snapshot`,
        token: sensor,
        payload: { objects: [{ apiVersion: 'v1', kind: 'Pod', metadata: { namespace: 'x' } }] },
      });
      assert.equal(response.statusCode, 400);
      assert.match(
        response.json<{ error: { message: string } }>().error.message,
        /objects\.0\.metadata\.name/,
      );
      assert.equal((await listWorkloads(db, { clusterId })).total, 2);
    });

    it('a snapshot may exceed the default body limit; deltas may not', async () => {
      const big = 'x'.repeat(11 * 1024 * 1024);
      const configMap = {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'big', namespace: 'payments' },
        data: { blob: big },
      };
      const current = docs(
        [
          deployment('web', '13', false).replace(':1.0', ':latest'),
          deployment('api', '11', false),
          loadBalancer,
        ].join('---\n'),
      );
      const snapshot = await call({
        method: 'POST',
        url: `/api/v1/clusters/${clusterId}/snapshot`,
        token: sensor,
        payload: { objects: [...current, configMap] },
      });
      assert.equal(snapshot.statusCode, 200, snapshot.body.slice(0, 200));
      const deltas = await call({
        method: 'POST',
        url: `/api/v1/clusters/${clusterId}/deltas`,
        token: sensor,
        payload: { events: [{ type: 'UPSERT', object: configMap }] },
      });
      assert.equal(deltas.statusCode, 413);
    });

    it('re-sending an unchanged snapshot writes nothing and raises nothing', async () => {
      const current = docs(
        [
          deployment('web', '13', false).replace(':1.0', ':latest'),
          deployment('api', '11', false),
          loadBalancer,
        ].join('---\n'),
      );
      const send = () =>
        call({
          method: 'POST',
          url: `/api/v1/clusters/${clusterId}/snapshot`,
          token: sensor,
          payload: { objects: current },
        });
      assert.equal((await send()).statusCode, 200);
      const again = (await send()).json<{
        upserted: number;
        deleted: number;
        detection: { workloads: number; raised: number; resolved: number };
      }>();
      assert.equal(again.upserted, 0);
      assert.equal(again.deleted, 0);
      assert.equal(again.detection.workloads, 0);
    });

    it('a snapshot without the LoadBalancer re-detects its namespace: the port is no longer exposed', async () => {
      const exposure = async () => {
        const ranking = (await call({ method: 'GET', url: '/api/v1/risk?limit=10' })).json<
          Page<{ workloadId: string; workloadName: string }>
        >();
        const web = ranking.items.find((r) => r.workloadName === 'web');
        assert.ok(web);
        const detail = await call({ method: 'GET', url: `/api/v1/deployments/${web.workloadId}` });
        return detail
          .json<{ workload: { context: { exposure: { level: string }[] } } }>()
          .workload.context.exposure.map((e) => e.level);
      };
      assert.deepEqual(await exposure(), ['EXTERNAL']);
      const snapshot = await call({
        method: 'POST',
        url: `/api/v1/clusters/${clusterId}/snapshot`,
        token: sensor,
        payload: {
          objects: docs(
            [
              deployment('web', '13', false).replace(':1.0', ':latest'),
              deployment('api', '11', false),
            ].join('---\n'),
          ),
        },
      });
      assert.equal(snapshot.statusCode, 200, snapshot.body);
      assert.equal(snapshot.json<{ deleted: number }>().deleted, 1);
      // The container port stays, reachable by nothing: UNSET, as StackRox says.
      assert.deepEqual(await exposure(), ['UNSET']);
    });

    it('resolves many alerts at once, by query or by ids, and says how many', async () => {
      const open = await alerts('Namespace:"payments"+State:ACTIVE+Severity:LOW');
      assert.ok(open.total > 0);
      const response = await call({
        method: 'POST',
        url: '/api/v1/alerts/resolve',
        payload: { query: 'Namespace:"payments"+Severity:LOW' },
      });
      assert.equal(response.statusCode, 200, response.body);
      assert.equal(response.json<{ resolved: number }>().resolved, open.total);
      assert.equal((await alerts('Namespace:"payments"+State:ACTIVE+Severity:LOW')).total, 0);
      const [one] = (await alerts('State:ACTIVE')).items;
      assert.ok(one);
      const byId = await call({
        method: 'POST',
        url: '/api/v1/alerts/resolve',
        payload: { ids: [one.id, one.id] },
      });
      assert.equal(byId.json<{ resolved: number }>().resolved, 1);
      const empty = await call({ method: 'POST', url: '/api/v1/alerts/resolve', payload: {} });
      assert.equal(empty.statusCode, 400);
    });

    it('a bad query is a 400 with a clear message', async () => {
      const response = await call({ method: 'GET', url: '/api/v1/alerts?query=Color:red' });
      assert.equal(response.statusCode, 400);
      assert.match(
        response.json<{ error: { message: string } }>().error.message,
        /unknown field 'Color'/,
      );
    });
  });
}
