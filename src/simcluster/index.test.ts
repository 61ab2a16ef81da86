import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'yaml';
import { PalisadeError } from '../model/index.ts';
import { startSimCluster, type JsonObject } from './index.ts';

describe('SimCluster', () => {
  it('starts like a fresh cluster: namespaces, a node, the kubernetes Service and default service accounts', async () => {
    const cluster = await startSimCluster({ port: 0 });
    try {
      assert.match(cluster.url, /^http:\/\/127\.0\.0\.1:\d+$/);
      const names = (kind: string, apiVersion = 'v1'): unknown[] =>
        cluster.list(apiVersion, kind).map((o) => (o['metadata'] as JsonObject)['name']);
      assert.deepEqual(names('Namespace'), [
        'default',
        'kube-node-lease',
        'kube-public',
        'kube-system',
      ]);
      assert.deepEqual(names('Node'), ['sim-node-1']);
      assert.deepEqual(names('ServiceAccount'), ['default', 'default', 'default', 'default']);
      assert.equal(
        (
          cluster.get({ apiVersion: 'v1', kind: 'Service', name: 'kubernetes' })?.[
            'spec'
          ] as JsonObject
        )['clusterIP'],
        '10.96.0.1',
      );
      const kubeconfig = parse(cluster.kubeconfig()) as JsonObject;
      assert.equal(kubeconfig['current-context'], 'simcluster');
      assert.equal(JSON.stringify(kubeconfig).includes(cluster.token), true);
    } finally {
      await cluster.close();
    }
  });

  it('applies manifests with their status, unpacking Lists and creating namespaces first', async () => {
    const cluster = await startSimCluster({
      objects: [
        {
          apiVersion: 'v1',
          kind: 'List',
          items: [
            {
              apiVersion: 'v1',
              kind: 'Pod',
              metadata: { name: 'crashing', namespace: 'shop' },
              spec: { containers: [{ name: 'app', image: 'shop:1' }] },
              status: { phase: 'Failed' },
            },
            { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } },
          ],
        },
      ],
    });
    try {
      const pod = cluster.get({
        apiVersion: 'v1',
        kind: 'Pod',
        name: 'crashing',
        namespace: 'shop',
      });
      assert.equal((pod?.['status'] as JsonObject)['phase'], 'Failed');
      assert.equal((pod?.['spec'] as JsonObject)['nodeName'], 'sim-node-1');
      const before = cluster.resourceVersion;
      cluster.apply([{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } }]);
      assert.equal(cluster.resourceVersion, before, 'applying an unchanged object writes nothing');
      assert.equal(cluster.delete({ apiVersion: 'v1', kind: 'Namespace', name: 'shop' }), true);
      assert.equal(cluster.list('v1', 'Pod').length, 0);
      assert.equal(cluster.delete({ apiVersion: 'v1', kind: 'Namespace', name: 'shop' }), false);
    } finally {
      await cluster.close();
    }
  });

  it('says which manifest it could not load and why', async () => {
    await assert.rejects(
      startSimCluster({
        objects: [
          { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', namespace: 'missing' } },
        ],
      }),
      (error: unknown) =>
        error instanceof PalisadeError &&
        /ConfigMap missing\/x/.test(error.message) &&
        /namespaces "missing" not found/.test(error.message),
    );
    const cluster = await startSimCluster();
    try {
      assert.throws(
        () =>
          cluster.apply([
            { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } },
          ]),
        /no matches for kind "Widget"/,
      );
    } finally {
      await cluster.close();
    }
  });
});
