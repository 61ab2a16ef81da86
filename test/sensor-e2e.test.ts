// The Sensor end to end, as issue 4 describes it: the simulated API server, Central and the
// Sensor as three processes, changed with real kubectl. A privileged deployment's alert is in
// Central within 5 s; patched safe it resolves; deleted it is gone; changes made while Central
// is down are there exactly once it is back; watches cut with their history expired (410) are
// relisted and Central still converges. The Sensor never sends secret or config map values, and
// its token cannot write another cluster.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { kubeBinaries } from './kit/kube-binaries.ts';
import {
  RecordingRelay,
  root,
  selfSignedCertificate,
  startCentralProcess,
  startChild,
  startSimProcess,
  waitFor,
  type CentralProcess,
  type Child,
  type SimProcess,
} from './kit/processes.ts';

const run = promisify(execFile);
const adminToken = 'pal_sensor-e2e-admin-token';
const secretValue = 'hunter2-never-leaves-the-sensor';
const configValue = 'config-value-stays-in-the-cluster';

interface AlertSummary {
  readonly id: string;
  readonly policyId: string;
  readonly workloadName: string;
  readonly namespace: string;
  readonly state: string;
}

function deployment(name: string, privileged: boolean, namespace = 'shop'): string {
  return `apiVersion: apps/v1
kind: Deployment
metadata: { name: ${name}, namespace: ${namespace}, labels: { app: ${name} } }
spec:
  replicas: 2
  selector: { matchLabels: { app: ${name} } }
  template:
    metadata: { labels: { app: ${name} } }
    spec:
      containers:
        - name: app
          image: registry.example.com/${name}:1.0
          securityContext: { privileged: ${privileged} }
`;
}

describe('Sensor end to end (API server, Central and Sensor as processes)', () => {
  let dir = '';
  let kubeconfigFile = '';
  let kubectlPath = '';
  let sim: SimProcess | undefined;
  let central: CentralProcess | undefined;
  let sensor: Child | undefined;
  let sensorHealth = '';
  const relay = new RecordingRelay();
  let clusterId = '';
  let otherClusterId = '';
  let sensorToken = '';

  const api = async <T>(
    path: string,
    init: RequestInit = {},
  ): Promise<{ status: number; body: T }> => {
    assert.ok(central);
    const response = await fetch(`${central.url}${path}`, {
      ...init,
      headers: {
        authorization: `Bearer ${adminToken}`,
        'content-type': 'application/json',
        ...(init.headers as Record<string, string> | undefined),
      },
      signal: AbortSignal.timeout(10_000),
    });
    return { status: response.status, body: (await response.json()) as T };
  };

  const kubectl = async (...args: string[]): Promise<string> => {
    const { stdout } = await run(
      kubectlPath,
      ['--kubeconfig', kubeconfigFile, '--cache-dir', join(dir, 'kube-cache'), ...args],
      { env: { PATH: process.env['PATH'] ?? '', HOME: dir }, timeout: 20_000 },
    );
    return stdout;
  };

  const apply = async (name: string, text: string): Promise<void> => {
    const file = join(dir, `${name}.yaml`);
    await writeFile(file, text);
    await kubectl('apply', '-f', file);
  };

  const alertsOf = async (workload: string): Promise<AlertSummary[]> => {
    const { body } = await api<{ items: AlertSummary[] }>(
      `/api/v1/alerts?query=${encodeURIComponent(`Deployment:"${workload}"`)}&limit=1000`,
    );
    return body.items.filter((a) => a.workloadName === workload);
  };

  const activePrivileged = async (workload: string) =>
    (await alertsOf(workload)).find(
      (a) => a.policyId === 'privileged-container' && a.state === 'ACTIVE',
    );

  /** Top-level workloads Central holds for the cluster, as "namespace/kind/name". */
  const centralWorkloads = async (): Promise<string[]> => {
    const { body } = await api<{ items: { namespace: string; kind: string; name: string }[] }>(
      `/api/v1/deployments?cluster=${clusterId}&limit=1000`,
    );
    return body.items.map((w) => `${w.namespace}/${w.kind}/${w.name}`).sort();
  };

  /** Top-level workloads in the cluster, read with kubectl. */
  const clusterWorkloads = async (): Promise<string[]> => {
    const list = JSON.parse(
      await kubectl(
        'get',
        'deployments,statefulsets,daemonsets,jobs,cronjobs,pods,replicasets',
        '-A',
        '-o',
        'json',
      ),
    ) as {
      items: {
        kind: string;
        metadata: { namespace: string; name: string; ownerReferences?: { controller?: boolean }[] };
      }[];
    };
    return list.items
      .filter((o) => !(o.metadata.ownerReferences ?? []).some((r) => r.controller === true))
      .map((o) => `${o.metadata.namespace}/${o.kind}/${o.metadata.name}`)
      .sort();
  };

  const metric = async (name: string): Promise<number> => {
    const text = await (await fetch(`${sensorHealth}/metrics`)).text();
    let total = 0;
    for (const line of text.split('\n'))
      if (line.startsWith(name)) total += Number(line.split(' ').pop());
    return total;
  };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'palisade-sensor-e2e-'));
    kubectlPath = (await kubeBinaries()).kubectl;
    const tls = await selfSignedCertificate(dir);
    const [simStarted, centralStarted] = await Promise.all([
      startSimProcess({ ...tls, token: 'sim-token-e2e', eventWindow: 60 }),
      startCentralProcess(join(dir, 'central'), adminToken),
      relay.start(),
    ]);
    sim = simStarted;
    central = centralStarted;
    relay.target = central.url;
    kubeconfigFile = join(dir, 'kubeconfig');
    await writeFile(kubeconfigFile, sim.kubeconfig);
    const created = await api<{ cluster: { id: string }; sensorToken: string }>(
      '/api/v1/clusters',
      {
        method: 'POST',
        body: JSON.stringify({ name: 'e2e' }),
      },
    );
    assert.equal(created.status, 201);
    clusterId = created.body.cluster.id;
    sensorToken = created.body.sensorToken;
    const other = await api<{ cluster: { id: string } }>('/api/v1/clusters', {
      method: 'POST',
      body: JSON.stringify({ name: 'someone-else' }),
    });
    otherClusterId = other.body.cluster.id;
    // Things the Sensor must never send on: a secret's value and a config map's values.
    await apply(
      'base',
      `apiVersion: v1
kind: Namespace
metadata: { name: shop }
---
apiVersion: v1
kind: Secret
metadata: { name: db-password, namespace: shop }
stringData: { password: ${secretValue} }
---
apiVersion: v1
kind: ConfigMap
metadata: { name: settings, namespace: shop }
data: { mode: ${configValue} }
---
${deployment('keep-me', true)}---
${deployment('stable', false)}`,
    );
    sensor = startChild([
      join(root, 'bin', 'palisade'),
      'sensor',
      '--central',
      relay.url,
      '--token',
      sensorToken,
      '--cluster-id',
      clusterId,
      '--kubeconfig',
      kubeconfigFile,
      '--listen',
      '127.0.0.1:0',
      '--max-backoff',
      '1000',
    ]);
    const line = await sensor.out.next((l) => /health on http/.test(l), 30_000, 'Sensor start');
    sensorHealth = /health on (http:\/\/\S+)/.exec(line)?.[1] ?? '';
    await waitFor('Sensor ready', async () => (await fetch(`${sensorHealth}/readyz`)).ok, 30_000);
  });

  after(async () => {
    await sensor?.kill();
    await central?.kill();
    await sim?.kill();
    await relay.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('a privileged deployment applied with kubectl is an alert in Central within 5 s', async () => {
    const started = Date.now();
    await apply('priv', deployment('priv-app', true));
    const alert = await waitFor('privileged alert', () => activePrivileged('priv-app'), 5000);
    assert.equal(alert.namespace, 'shop');
    assert.ok(Date.now() - started < 5000);
    // The workload's ReplicaSets and Pods are not workloads of their own in Central.
    assert.deepEqual(await centralWorkloads(), await clusterWorkloads());
  });

  it('patched to be safe, its alert resolves; deleted, the deployment is gone from Central', async () => {
    await kubectl(
      'patch',
      'deployment',
      'priv-app',
      '-n',
      'shop',
      '--type=json',
      '-p',
      '[{"op":"replace","path":"/spec/template/spec/containers/0/securityContext/privileged","value":false}]',
    );
    await waitFor(
      'alert resolved',
      async () => (await activePrivileged('priv-app')) === undefined,
      5000,
    );
    assert.ok(
      (await alertsOf('priv-app')).some(
        (a) => a.policyId === 'privileged-container' && a.state === 'RESOLVED',
      ),
    );
    await kubectl('delete', 'deployment', 'priv-app', '-n', 'shop');
    await waitFor(
      'deployment gone',
      async () => !(await centralWorkloads()).includes('shop/Deployment/priv-app'),
      5000,
    );
  });

  it('changes made while Central is down are in Central, exactly, after it restarts', async () => {
    assert.ok(central);
    assert.ok(await activePrivileged('keep-me'));
    await central.kill('SIGKILL');
    relay.target = undefined;
    await apply('outage', deployment('during-outage', true));
    await kubectl('delete', 'deployment', 'keep-me', '-n', 'shop');
    await kubectl('label', 'deployment', 'stable', '-n', 'shop', 'changed=during-outage');
    // The Sensor notices Central is away (its sends fail) and is not ready meanwhile.
    await waitFor(
      'Sensor not ready',
      async () => !(await fetch(`${sensorHealth}/readyz`)).ok,
      10_000,
    );
    central = await startCentralProcess(join(dir, 'central'), adminToken);
    relay.target = central.url;
    await waitFor(
      'Sensor ready again',
      async () => (await fetch(`${sensorHealth}/readyz`)).ok,
      20_000,
    );
    assert.deepEqual(await centralWorkloads(), await clusterWorkloads());
    assert.ok(await activePrivileged('during-outage'));
    assert.equal(
      await activePrivileged('keep-me'),
      undefined,
      'the deleted deployment left no active alert',
    );
    assert.ok((await metric('palisade_sensor_resyncs_total{reason="central-error"}')) >= 1);
  });

  it('watches cut after their history expired (410 Gone) are relisted and Central converges', async () => {
    assert.ok(sim);
    const before = await metric('palisade_sensor_relists_total');
    // More changes than the server keeps (eventWindow 60), all in one kind: the other kinds'
    // informers now hold a resourceVersion the server has forgotten.
    const objects = Array.from({ length: 80 }, (_, i) => ({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: `churn-${i}`, namespace: 'shop' },
      data: { n: String(i) },
    }));
    await sim.command({ op: 'apply', objects });
    await sim.command({ op: 'disconnectWatches' });
    await apply('after-cut', deployment('after-cut', true));
    await waitFor(
      'relisted',
      async () => (await metric('palisade_sensor_relists_total')) > before,
      10_000,
    );
    await waitFor('after-cut alert', () => activePrivileged('after-cut'), 10_000);
    await waitFor(
      'converged',
      async () =>
        JSON.stringify(await centralWorkloads()) === JSON.stringify(await clusterWorkloads()),
      10_000,
    );
  });

  it('never sends a secret value or a config map value to Central', () => {
    const sent = relay.bodies.join('\n');
    assert.ok(sent.includes('db-password'), 'the secret itself (its metadata) was sent');
    assert.ok(sent.includes('settings'), 'the config map itself was sent');
    for (const forbidden of [secretValue, Buffer.from(secretValue).toString('base64'), configValue])
      assert.ok(!sent.includes(forbidden), `the Sensor sent '${forbidden}'`);
  });

  it("a Sensor token cannot write another cluster's inventory", async () => {
    assert.ok(central);
    const response = await fetch(`${central.url}/api/v1/clusters/${otherClusterId}/snapshot`, {
      method: 'POST',
      headers: { authorization: `Bearer ${sensorToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ objects: [] }),
    });
    assert.equal(response.status, 403);
    const own = await fetch(`${central.url}/api/v1/clusters/${clusterId}/heartbeat`, {
      method: 'POST',
      headers: { authorization: `Bearer ${sensorToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ sensorVersion: 'test' }),
    });
    assert.equal(own.status, 204);
  });
});
