// deploy/sensor.yaml: it is the rendered Sensor manifest (placeholders for the token and cluster
// id), real kubectl accepts it with a server-side dry run and then applies it to the simulated
// cluster, `palisade check` passes it at --fail-on low, and its ClusterRole grants list/watch of
// exactly the kinds the Sensor reads, adding the enforcement verbs only when enforcement is on.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';
import { runCli } from '../src/cli/main.ts';
import { renderSensorManifest, watchedResources } from '../src/sensor/index.ts';
import { startSimCluster, type SimCluster } from '../src/simcluster/index.ts';
import { kubeBinaries } from './kit/kube-binaries.ts';
import { root, selfSignedCertificate } from './kit/processes.ts';
import { PassThrough } from 'node:stream';

const run = promisify(execFile);
const placeholders = {
  centralUrl: 'https://central.palisade.svc:8443',
  clusterId: '00000000-0000-0000-0000-000000000000',
  token: 'REPLACE-WITH-THE-SENSOR-TOKEN',
  clusterName: 'my-cluster',
};

interface Rule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
}

function clusterRoleRules(text: string): Rule[] {
  const role = parseAllDocuments(text)
    .map((d) => d.toJS() as { kind?: string; rules?: Rule[] })
    .find((d) => d.kind === 'ClusterRole');
  assert.ok(role?.rules);
  return role.rules;
}

describe('the Sensor manifest (deploy/sensor.yaml)', () => {
  let sim: SimCluster | undefined;
  let dir = '';
  let kubeconfig = '';
  let kubectlPath = '';

  const kubectl = async (...args: string[]) =>
    run(kubectlPath, ['--kubeconfig', kubeconfig, '--cache-dir', join(dir, 'cache'), ...args], {
      env: { PATH: process.env['PATH'] ?? '', HOME: dir },
      timeout: 30_000,
    });

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'palisade-deploy-'));
    kubectlPath = (await kubeBinaries()).kubectl;
    const { certFile, keyFile } = await selfSignedCertificate(dir);
    sim = await startSimCluster({
      token: 'deploy-test-token',
      tls: { cert: await readFile(certFile), key: await readFile(keyFile) },
    });
    kubeconfig = join(dir, 'kubeconfig');
    await writeFile(kubeconfig, sim.kubeconfig());
  });

  after(async () => {
    await sim?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('is the rendered manifest with placeholders (regenerate it from renderSensorManifest)', async () => {
    const file = await readFile(join(root, 'deploy', 'sensor.yaml'), 'utf8');
    assert.equal(file, renderSensorManifest(placeholders));
  });

  it('passes a server-side dry run and applies to the simulated cluster with real kubectl', async () => {
    assert.ok(sim);
    const enforcing = join(dir, 'enforcing.yaml');
    await writeFile(enforcing, renderSensorManifest({ ...placeholders, enforce: true }));
    // As on a real API server, a dry run does not create the namespace the other objects need.
    await kubectl('create', 'namespace', 'palisade');
    for (const file of [join(root, 'deploy', 'sensor.yaml'), enforcing]) {
      const dry = await kubectl('apply', '--dry-run=server', '-f', file);
      assert.match(dry.stdout, /deployment\.apps\/palisade-sensor created \(server dry run\)/);
    }
    assert.equal(
      sim.get({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        namespace: 'palisade',
        name: 'palisade-sensor',
      }),
      undefined,
    );
    await kubectl('apply', '-f', join(root, 'deploy', 'sensor.yaml'));
    const stored = sim.get({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      name: 'palisade-sensor',
    });
    assert.ok(stored);
  });

  it('passes palisade check at --fail-on low', async () => {
    const stdout = new PassThrough();
    let out = '';
    stdout.on('data', (c: Buffer) => (out += c.toString()));
    const code = await runCli(
      ['check', join(root, 'deploy', 'sensor.yaml'), '--fail-on', 'low', '--no-config'],
      {
        cwd: root,
        stdin: new PassThrough(),
        stdout,
        stderr: new PassThrough(),
        color: false,
      },
    );
    assert.equal(code, 0, out);
  });

  it('grants list and watch of exactly what the Sensor reads, and nothing else without enforcement', () => {
    const rules = clusterRoleRules(renderSensorManifest(placeholders));
    assert.ok(rules.every((r) => r.verbs.join() === 'list,watch'));
    const granted = rules
      .flatMap((r) => r.resources.map((res) => `${r.apiGroups[0] ?? ''}/${res}`))
      .sort();
    assert.deepEqual(granted, watchedResources.map((r) => `${r.group}/${r.resource}`).sort());
    const enforcing = clusterRoleRules(renderSensorManifest({ ...placeholders, enforce: true }));
    const writes = enforcing.filter((r) => r.verbs.join() !== 'list,watch');
    assert.deepEqual([...new Set(writes.flatMap((r) => r.verbs))].sort(), [
      'create',
      'delete',
      'patch',
    ]);
    assert.ok(writes.some((r) => r.resources.includes('deployments/scale')));
    assert.ok(writes.some((r) => r.resources.includes('pods') && r.verbs.join() === 'delete'));
    assert.ok(
      writes.some((r) => r.resources.includes('networkpolicies') && r.verbs.join() === 'create'),
    );
  });
});
