// The kinds the Sensor (and `palisade cluster scan`) reads from a cluster, and which of them the
// API server actually serves (discovery): routes and deploymentconfigs exist only on OpenShift.
// deploy/sensor.yaml's ClusterRole grants list/watch on exactly these.

import { KubeApiError, type KubeClient } from './kube-client.ts';

export interface WatchedResource {
  readonly group: string;
  readonly version: string;
  /** The plural resource name in the API path. */
  readonly resource: string;
  readonly kind: string;
  readonly namespaced: boolean;
  /** Served only by some clusters: skipped when discovery lacks it. */
  readonly optional: boolean;
}

function resource(
  groupVersion: string,
  resource: string,
  kind: string,
  namespaced = true,
  optional = false,
): WatchedResource {
  const [group, version] = groupVersion.includes('/')
    ? (groupVersion.split('/') as [string, string])
    : ['', groupVersion];
  return { group, version, resource, kind, namespaced, optional };
}

export const watchedResources: readonly WatchedResource[] = [
  resource('v1', 'namespaces', 'Namespace', false),
  resource('v1', 'nodes', 'Node', false),
  resource('v1', 'pods', 'Pod'),
  resource('v1', 'services', 'Service'),
  resource('v1', 'serviceaccounts', 'ServiceAccount'),
  // Secrets: metadata and key names only; sanitize.ts strips the values on arrival.
  resource('v1', 'secrets', 'Secret'),
  // Config maps: key names only.
  resource('v1', 'configmaps', 'ConfigMap'),
  resource('v1', 'replicationcontrollers', 'ReplicationController'),
  resource('apps/v1', 'deployments', 'Deployment'),
  resource('apps/v1', 'replicasets', 'ReplicaSet'),
  resource('apps/v1', 'statefulsets', 'StatefulSet'),
  resource('apps/v1', 'daemonsets', 'DaemonSet'),
  resource('batch/v1', 'jobs', 'Job'),
  resource('batch/v1', 'cronjobs', 'CronJob'),
  resource('networking.k8s.io/v1', 'ingresses', 'Ingress'),
  resource('networking.k8s.io/v1', 'networkpolicies', 'NetworkPolicy'),
  resource('rbac.authorization.k8s.io/v1', 'roles', 'Role'),
  resource('rbac.authorization.k8s.io/v1', 'rolebindings', 'RoleBinding'),
  resource('rbac.authorization.k8s.io/v1', 'clusterroles', 'ClusterRole', false),
  resource('rbac.authorization.k8s.io/v1', 'clusterrolebindings', 'ClusterRoleBinding', false),
  resource('policy/v1', 'poddisruptionbudgets', 'PodDisruptionBudget', true, true),
  resource('autoscaling/v2', 'horizontalpodautoscalers', 'HorizontalPodAutoscaler', true, true),
  resource('route.openshift.io/v1', 'routes', 'Route', true, true),
  resource('apps.openshift.io/v1', 'deploymentconfigs', 'DeploymentConfig', true, true),
];

export function apiVersionOf(resource: WatchedResource): string {
  return resource.group === '' ? resource.version : `${resource.group}/${resource.version}`;
}

/** The collection path, e.g. /apis/apps/v1/deployments (all namespaces). */
export function collectionPath(resource: WatchedResource, namespace?: string): string {
  const base =
    resource.group === '' ? `/api/${resource.version}` : `/apis/${apiVersionOf(resource)}`;
  return namespace !== undefined && resource.namespaced
    ? `${base}/namespaces/${encodeURIComponent(namespace)}/${resource.resource}`
    : `${base}/${resource.resource}`;
}

/** The path of one object. */
export function objectPath(resource: WatchedResource, namespace: string, name: string): string {
  return `${collectionPath(resource, resource.namespaced ? namespace : undefined)}/${encodeURIComponent(name)}`;
}

export function resourceOfKind(kind: string): WatchedResource | undefined {
  return watchedResources.find((r) => r.kind === kind);
}

/**
 * The watched resources this API server serves. A required one that discovery lacks is kept
 * (its list will fail loudly); an optional one is dropped.
 */
export async function discoverResources(
  client: KubeClient,
  signal?: AbortSignal,
): Promise<WatchedResource[]> {
  const served = new Map<string, Set<string>>();
  const groupVersions = [...new Set(watchedResources.map(apiVersionOf))];
  await Promise.all(
    groupVersions.map(async (groupVersion) => {
      const path = groupVersion.includes('/') ? `/apis/${groupVersion}` : `/api/${groupVersion}`;
      try {
        const list = (await client.request('GET', path, {
          timeoutMs: 15_000,
          ...(signal === undefined ? {} : { signal }),
        })) as { resources?: { name?: string }[] } | null;
        served.set(groupVersion, new Set((list?.resources ?? []).map((r) => r.name ?? '')));
      } catch (error) {
        if (error instanceof KubeApiError && error.statusCode === 404) {
          served.set(groupVersion, new Set());
          return;
        }
        throw error;
      }
    }),
  );
  return watchedResources.filter(
    (r) => !r.optional || (served.get(apiVersionOf(r))?.has(r.resource) ?? false),
  );
}
