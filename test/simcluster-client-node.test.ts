// @kubernetes/client-node 1.3 informers (list + watch) against the simulated API server: they
// see adds, updates and deletes, and recover from 410 Gone by listing again, as Sensor relies on.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as k8s from '@kubernetes/client-node';
import { startSimCluster, type SimCluster } from '../src/simcluster/index.ts';

function deployment(name: string, image: string): Record<string, unknown> {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: 'default', labels: { app: name } },
    spec: {
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'app', image }] },
      },
    },
  };
}

/** Records informer callbacks as "add one", "update one", … and waits for expected lines. */
class EventLog {
  readonly lines: string[] = [];
  readonly errors: unknown[] = [];

  async waitFor(line: string, timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.lines.includes(line)) {
      if (Date.now() > deadline)
        assert.fail(`no "${line}" event; saw ${JSON.stringify(this.lines)}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}

async function startInformer(cluster: SimCluster): Promise<{
  informer: k8s.Informer<k8s.V1Deployment> & k8s.ObjectCache<k8s.V1Deployment>;
  log: EventLog;
}> {
  const kc = new k8s.KubeConfig();
  kc.loadFromString(cluster.kubeconfig());
  const apps = kc.makeApiClient(k8s.AppsV1Api);
  // makeInformer returns a ListWatch, which is also the informer's ObjectCache (get, list).
  const informer = k8s.makeInformer(kc, '/apis/apps/v1/namespaces/default/deployments', () =>
    apps.listNamespacedDeployment({ namespace: 'default' }),
  ) as k8s.Informer<k8s.V1Deployment> & k8s.ObjectCache<k8s.V1Deployment>;
  const log = new EventLog();
  for (const verb of ['add', 'update', 'delete'] as const)
    informer.on(verb, (object) => log.lines.push(`${verb} ${object.metadata?.name ?? '?'}`));
  informer.on('error', (error) => log.errors.push(error));
  await informer.start();
  return { informer, log };
}

describe('@kubernetes/client-node informers', () => {
  it('see deployments added, updated and deleted', async () => {
    const cluster = await startSimCluster({ objects: [deployment('one', 'nginx:1.27')] });
    const { informer, log } = await startInformer(cluster);
    try {
      await log.waitFor('add one');
      cluster.apply([deployment('two', 'nginx:1.27')]);
      await log.waitFor('add two');
      cluster.apply([deployment('one', 'nginx:1.28')]);
      await log.waitFor('update one');
      const cached = informer.get('one', 'default');
      assert.equal(cached?.spec?.template.spec?.containers[0]?.image, 'nginx:1.28');
      assert.ok(cluster.delete({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'two' }));
      await log.waitFor('delete two');
      assert.deepEqual(
        informer.list('default').map((d) => d.metadata?.name),
        ['one'],
      );
      assert.deepEqual(log.errors, []);
    } finally {
      await informer.stop();
      await cluster.close();
    }
  });

  it('relists after 410 Gone when changes were missed beyond the event window', async () => {
    const cluster = await startSimCluster({
      eventWindow: 20,
      objects: [deployment('one', 'nginx:1.27')],
    });
    const { informer, log } = await startInformer(cluster);
    try {
      await log.waitFor('add one');
      // Drop the watch, then change more than the server remembers before the informer returns.
      cluster.disconnectWatches();
      cluster.apply([deployment('three', 'nginx:1.27')]);
      cluster.delete({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'one' });
      for (let i = 0; i < 25; i++)
        cluster.apply([
          {
            apiVersion: 'v1',
            kind: 'ConfigMap',
            metadata: { name: `filler-${i}`, namespace: 'default' },
          },
        ]);
      // Only a fresh list can tell the informer about these: the events are gone.
      await log.waitFor('add three');
      await log.waitFor('delete one');
      assert.deepEqual(
        informer.list('default').map((d) => d.metadata?.name),
        ['three'],
      );
      // And it keeps watching afterwards.
      cluster.apply([deployment('four', 'nginx:1.27')]);
      await log.waitFor('add four');
    } finally {
      await informer.stop();
      await cluster.close();
    }
  });
});
