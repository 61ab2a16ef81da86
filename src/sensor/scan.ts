// The list phase of the Sensor's informers, once, for `palisade cluster scan`: every watched
// kind the cluster serves, sanitised as the Sensor holds it (but with config map values, since
// nothing leaves the machine), and of those the objects the Sensor would send to Central
// (top-level workloads and the objects policies read).

import { Informer } from './informer.ts';
import type { KubeClient, KubeObject } from './kube-client.ts';
import { discoverResources } from './resources.ts';
import { isForwarded } from './sanitize.ts';

export interface ClusterListing {
  /** The API server listed. */
  readonly server: string;
  /** The objects the Sensor would send to Central, in kind, namespace, name order. */
  readonly objects: readonly KubeObject[];
  /** Objects listed per kind (all of them, sent or not). */
  readonly counts: Readonly<Record<string, number>>;
}

export async function listCluster(client: KubeClient): Promise<ClusterListing> {
  const resources = await discoverResources(client);
  const ignore = () => undefined;
  const handler = { upsert: ignore, remove: ignore, listed: ignore, error: ignore };
  const informers = resources.map(
    (resource) => new Informer(client, resource, handler, { keepConfigMapValues: true }),
  );
  await Promise.all(informers.map((informer) => informer.listOnce()));
  const objects: KubeObject[] = [];
  const counts: Record<string, number> = {};
  for (const informer of informers) {
    counts[informer.resource.kind] = informer.cache.size;
    const keys = [...informer.cache.keys()].sort();
    for (const key of keys) {
      const object = informer.cache.get(key);
      if (object !== undefined && isForwarded(object)) objects.push(object);
    }
  }
  return { server: client.server, objects, counts };
}
