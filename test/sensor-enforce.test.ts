// Enforcement through the Sensor: Central (in memory), the simulated API server and a Sensor with
// enforcement allowed. The built-in Privileged Container policy carries SCALE_TO_ZERO, so a
// privileged deployment is scaled to 0; a policy with the other actions kills its pods, pins it
// to a node that cannot exist and isolates it with a NetworkPolicy; every action is recorded on
// its alert; a namespace the cluster config excludes is left alone.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { createCentral } from '../src/central/index.ts';
import { KubeClient, Sensor, unsatisfiableNodeLabel } from '../src/sensor/index.ts';
import { startSimCluster, type SimCluster } from '../src/simcluster/index.ts';
import { openDatabase, type Database } from '../src/store/index.ts';
import { waitFor } from './kit/processes.ts';
import { centralApi } from './kit/central-api.ts';

const adminToken = 'pal_sensor-enforce-admin';

function privilegedDeployment(name: string, namespace: string) {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace },
    spec: {
      replicas: 3,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          containers: [
            { name: 'c', image: 'example.com/miner:1', securityContext: { privileged: true } },
          ],
        },
      },
    },
  };
}

describe('Sensor enforcement against the simulated cluster', () => {
  let db: Database | undefined;
  let app: FastifyInstance | undefined;
  let sim: SimCluster | undefined;
  let sensor: Sensor | undefined;
  let centralUrl = '';
  let clusterId = '';

  const api = centralApi(() => centralUrl, adminToken);

  before(async () => {
    db = await openDatabase();
    app = await createCentral({ db, adminToken });
    await app.listen({ port: 0, host: '127.0.0.1' });
    centralUrl = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    const created = await api<{ cluster: { id: string }; sensorToken: string }>(
      '/api/v1/clusters',
      {
        method: 'POST',
        body: JSON.stringify({ name: 'enforced' }),
      },
    );
    clusterId = created.cluster.id;
    await api('/api/v1/policies', {
      method: 'POST',
      body: JSON.stringify({
        id: 'contain-privileged',
        name: 'Contain privileged workloads',
        severity: 'HIGH_SEVERITY',
        lifecycleStages: ['DEPLOY'],
        policyVersion: '1.1',
        enforcementActions: [
          'KILL_POD_ENFORCEMENT',
          'UNSATISFIABLE_NODE_CONSTRAINT_ENFORCEMENT',
          'NETWORK_ISOLATION_ENFORCEMENT',
        ],
        policySections: [
          { policyGroups: [{ fieldName: 'Privileged Container', values: [{ value: 'true' }] }] },
        ],
      }),
    });
    sim = await startSimCluster({
      objects: [
        { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'quiet' } },
        privilegedDeployment('quiet-miner', 'quiet'),
      ],
    });
    sensor = await Sensor.start({
      kube: KubeClient.fromKubeconfigText(sim.kubeconfig()),
      central: { url: centralUrl, token: created.sensorToken, clusterId },
      sensorVersion: 'test',
      enforcement: { enabled: true, excludedNamespaces: ['quiet'] },
      enforcementIntervalMs: 300,
    });
  });

  after(async () => {
    await sensor?.stop();
    await sim?.close();
    await app?.close();
    await db?.close();
  });

  it('scales a privileged deployment to zero and records the action on its alert', async () => {
    assert.ok(sim);
    sim.apply([
      privilegedDeployment('miner', 'default'),
      {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'miner-7d9f-abcde', namespace: 'default', labels: { app: 'miner' } },
        spec: { containers: [{ name: 'c', image: 'example.com/miner:1' }] },
      },
    ]);
    const deploymentOf = () =>
      sim?.get({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'default', name: 'miner' });
    await waitFor(
      'scaled to 0',
      () =>
        deploymentOf()?.['spec'] !== undefined &&
        (deploymentOf()?.['spec'] as { replicas?: number }).replicas === 0,
      10_000,
    );
    const { items } = await api<{
      items: { id: string; policyId: string; workloadName: string; state: string }[];
    }>(`/api/v1/alerts?query=${encodeURIComponent('Deployment:"miner"')}`);
    const alert = items.find(
      (a) =>
        a.policyId === 'privileged-container' && a.workloadName === 'miner' && a.state === 'ACTIVE',
    );
    assert.ok(alert, 'the privileged-container alert is active');
    const recorded = await waitFor(
      'recorded',
      async () => {
        const body = await api<{ items: { action: string; outcome: string; message: string }[] }>(
          `/api/v1/clusters/${clusterId}/alerts/${alert.id}/enforcement`,
        );
        return body.items.length > 0 ? body.items : undefined;
      },
      5000,
    );
    assert.deepEqual(
      recorded.map((r) => [r.action, r.outcome]),
      [['SCALE_TO_ZERO_ENFORCEMENT', 'SUCCEEDED']],
    );
  });

  it('kills the pods, adds an unsatisfiable node constraint and isolates the workload', async () => {
    assert.ok(sim);
    const cluster = sim;
    await waitFor(
      'pod deleted',
      () =>
        cluster.get({
          apiVersion: 'v1',
          kind: 'Pod',
          namespace: 'default',
          name: 'miner-7d9f-abcde',
        }) === undefined,
      10_000,
    );
    const isolation = await waitFor(
      'network policy',
      () =>
        cluster.get({
          apiVersion: 'networking.k8s.io/v1',
          kind: 'NetworkPolicy',
          namespace: 'default',
          name: 'palisade-isolate-miner',
        }),
      10_000,
    );
    assert.deepEqual((isolation['spec'] as { podSelector: unknown }).podSelector, {
      matchLabels: { app: 'miner' },
    });
    assert.deepEqual((isolation['spec'] as { policyTypes: unknown }).policyTypes, [
      'Ingress',
      'Egress',
    ]);
    const nodeSelector = await waitFor(
      'node constraint',
      () => {
        const deployment = cluster.get({
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          namespace: 'default',
          name: 'miner',
        });
        const spec = deployment?.['spec'] as
          { template?: { spec?: { nodeSelector?: Record<string, string> } } } | undefined;
        return spec?.template?.spec?.nodeSelector;
      },
      10_000,
    );
    assert.ok(unsatisfiableNodeLabel in nodeSelector);
    const nodes = cluster.list('v1', 'Node');
    assert.ok(
      nodes.every(
        (n) => !(unsatisfiableNodeLabel in ((n['metadata'] as { labels?: object }).labels ?? {})),
      ),
    );
  });

  it('leaves a namespace the cluster config excludes alone', async () => {
    assert.ok(sim && sensor);
    // Several enforcement passes have run since the quiet deployment was seen.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const quiet = sim.get({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      namespace: 'quiet',
      name: 'quiet-miner',
    });
    assert.equal((quiet?.['spec'] as { replicas?: number }).replicas, 3);
    const pending = await api<{ items: { workload: { name: string } }[] }>(
      `/api/v1/clusters/${clusterId}/enforcement/pending`,
    );
    assert.ok(
      pending.items.some((p) => p.workload.name === 'quiet-miner'),
      'still pending, not dropped',
    );
  });
});
