import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startSimCluster, type SimCluster } from '../simcluster/index.ts';
import { Informer } from './informer.ts';
import { KubeClient } from './kube-client.ts';
import { resourceOfKind, type WatchedResource } from './resources.ts';

function resource(kind: string): WatchedResource {
  const found = resourceOfKind(kind);
  assert.ok(found, kind);
  return found;
}

const ignore = () => undefined;
const handler = { upsert: ignore, remove: ignore, listed: ignore, error: ignore };

describe('Informer list phase', () => {
  let sim: SimCluster | undefined;
  let client: KubeClient | undefined;
  const paths: string[] = [];

  before(async () => {
    const objects: unknown[] = [
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } },
    ];
    for (let i = 0; i < 7; i++) {
      objects.push({
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: `secret-${i}`, namespace: 'shop' },
        stringData: { password: `hunter${i}` },
      });
      objects.push({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: {
          name: `web-abc-${i}`,
          namespace: 'shop',
          labels: { app: 'web' },
          ownerReferences: [
            {
              apiVersion: 'apps/v1',
              kind: 'ReplicaSet',
              name: 'web-abc',
              uid: 'u',
              controller: true,
            },
          ],
        },
        spec: {
          nodeName: 'node-1',
          containers: [{ name: 'app', image: 'registry.example.com/web:1' }],
        },
        status: {
          phase: 'Running',
          podIP: '10.0.0.7',
          hostIP: '192.168.0.1',
          containerStatuses: [
            { name: 'app', containerID: `containerd://c${i}`, ready: true, restartCount: 0 },
          ],
        },
      });
    }
    sim = await startSimCluster({ objects });
    client = KubeClient.fromKubeconfigText(sim.kubeconfig());
    const list = client.list.bind(client);
    client.list = (path, onItem, options) => {
      paths.push(path);
      return list(path, onItem, options);
    };
  });

  after(async () => {
    await sim?.close();
  });

  it('lists in pages of pageSize, following continue tokens, and caches every object', async () => {
    assert.ok(client);
    paths.length = 0;
    const informer = new Informer(client, resource('Secret'), handler, { pageSize: 3 });
    await informer.listOnce();
    assert.deepEqual(
      [...informer.cache.keys()].sort(),
      Array.from({ length: 7 }, (_, i) => `shop/secret-${i}`),
    );
    assert.equal(paths.length, 3);
    assert.ok(paths.every((p) => p.startsWith('/api/v1/secrets?limit=3')));
    assert.ok(!paths[0]?.includes('continue='));
    assert.ok(paths.slice(1).every((p) => p.includes('continue=')));
    assert.match(informer.resourceVersion, /^\d+$/);
    // Sanitised as they arrived: no value of any secret is held.
    assert.ok(!JSON.stringify([...informer.cache.values()]).includes('hunter'));
  });

  it("keeps of a controller's pods identity, version, labels, controller, node and container IDs", async () => {
    assert.ok(client);
    const informer = new Informer(client, resource('Pod'), handler, { pageSize: 5 });
    await informer.listOnce();
    const pod = informer.cache.get('shop/web-abc-0');
    assert.ok(pod);
    assert.deepEqual(Object.keys(pod).sort(), ['apiVersion', 'kind', 'metadata', 'spec', 'status']);
    // Where it runs and its containers' IDs, for mapping runtime events; nothing else.
    assert.deepEqual(pod['spec'], { nodeName: 'node-1' });
    assert.deepEqual(pod['status'], {
      phase: 'Running',
      podIP: '10.0.0.7',
      containerStatuses: [{ name: 'app', containerID: 'containerd://c0', ready: true }],
    });
    assert.deepEqual(Object.keys(pod.metadata ?? {}).sort(), [
      'labels',
      'name',
      'namespace',
      'ownerReferences',
      'resourceVersion',
      'uid',
    ]);
    assert.deepEqual(pod.metadata?.['ownerReferences'], [
      { kind: 'ReplicaSet', name: 'web-abc', controller: true },
    ]);
  });
});
