// The Sensor's Kubernetes manifest: namespace, service account, a least-privilege ClusterRole
// (list and watch of exactly the kinds the informers read; the enforcement verbs only when
// enforcement is on), the token Secret, the cluster config and the Deployment. deploy/sensor.yaml
// is this rendered with placeholders; `palisade cluster add` renders it with real values.

import { stringify } from 'yaml';
import { enforcementActions } from './enforce.ts';
import { watchedResources } from './resources.ts';

export interface SensorManifestOptions {
  readonly centralUrl: string;
  readonly clusterId: string;
  readonly token: string;
  readonly clusterName: string;
  readonly image?: string;
  readonly namespace?: string;
  /** Allow enforcement: the cluster config enables it and the ClusterRole grants its verbs. */
  readonly enforce?: boolean;
}

const name = 'palisade-sensor';

/**
 * V8 heap settings for the Sensor container, besides keeping little (sanitize.ts) and streaming
 * lists and snapshots (list-reader.ts, central-client.ts): an old space that collects hard
 * before the 512Mi limit would kill the pod, and a young generation of 2 × 8 MB instead of
 * 2 × 16 MB, which the list phase's burst of short-lived objects otherwise grows to
 * (bench/sensor.ts launches the Sensor with these too).
 */
export const sensorNodeOptions = '--max-old-space-size=384 --max-semi-space-size=8';

/** list/watch on the watched kinds, one rule per API group. */
function readRules(): Record<string, unknown>[] {
  const byGroup = new Map<string, string[]>();
  for (const resource of watchedResources) {
    const list = byGroup.get(resource.group) ?? [];
    list.push(resource.resource);
    byGroup.set(resource.group, list);
  }
  return [...byGroup].map(([group, resources]) => ({
    apiGroups: [group],
    resources,
    verbs: ['list', 'watch'],
  }));
}

/** What enforce.ts does, and nothing more. */
const enforcementRules: Record<string, unknown>[] = [
  // SCALE_TO_ZERO_ENFORCEMENT
  {
    apiGroups: ['apps'],
    resources: ['deployments/scale', 'statefulsets/scale', 'replicasets/scale'],
    verbs: ['patch'],
  },
  { apiGroups: [''], resources: ['replicationcontrollers/scale'], verbs: ['patch'] },
  { apiGroups: ['apps.openshift.io'], resources: ['deploymentconfigs/scale'], verbs: ['patch'] },
  // UNSATISFIABLE_NODE_CONSTRAINT_ENFORCEMENT: the pod template's nodeSelector
  {
    apiGroups: ['apps'],
    resources: ['deployments', 'statefulsets', 'daemonsets', 'replicasets'],
    verbs: ['patch'],
  },
  { apiGroups: ['batch'], resources: ['cronjobs'], verbs: ['patch'] },
  { apiGroups: [''], resources: ['replicationcontrollers'], verbs: ['patch'] },
  // KILL_POD_ENFORCEMENT
  { apiGroups: [''], resources: ['pods'], verbs: ['delete'] },
  // NETWORK_ISOLATION_ENFORCEMENT
  { apiGroups: ['networking.k8s.io'], resources: ['networkpolicies'], verbs: ['create'] },
];

export function renderSensorManifest(options: SensorManifestOptions): string {
  const namespace = options.namespace ?? 'palisade';
  const image = options.image ?? 'ghcr.io/palisade-dev/palisade:0.1.0';
  const enforce = options.enforce ?? false;
  const labels = { 'app.kubernetes.io/name': name, 'app.kubernetes.io/part-of': 'palisade' };
  const clusterConfig = stringify({
    clusterId: options.clusterId,
    enforcement: { enabled: enforce, ...(enforce ? { actions: [...enforcementActions] } : {}) },
  });
  const documents: Record<string, unknown>[] = [
    {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: {
        name: namespace,
        labels: {
          'pod-security.kubernetes.io/enforce': 'restricted',
          'pod-security.kubernetes.io/enforce-version': 'latest',
        },
      },
    },
    {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name, namespace, labels },
      automountServiceAccountToken: false,
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: {
        name,
        labels,
        // list/watch of secrets is how their metadata is read; sanitize.ts drops the values
        // on arrival (RBAC cannot grant metadata alone).
        annotations: { 'palisade.dev/ignore': 'secret-read-access' },
      },
      rules: [...readRules(), ...(enforce ? enforcementRules : [])],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name, labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name },
      subjects: [{ kind: 'ServiceAccount', name, namespace }],
    },
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name, namespace, labels },
      type: 'Opaque',
      stringData: { token: options.token },
    },
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: `${name}-config`, namespace, labels },
      data: { 'cluster.yaml': clusterConfig },
    },
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name, namespace, labels },
      spec: {
        podSelector: { matchLabels: { 'app.kubernetes.io/name': name } },
        // Only the metrics and health port is reachable; the Sensor itself calls out
        // (API server, Central).
        ingress: [{ ports: [{ protocol: 'TCP', port: 9090 }] }],
        policyTypes: ['Ingress'],
      },
    },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: {
        name,
        namespace,
        labels: { ...labels, 'palisade.dev/cluster': options.clusterName },
      },
      spec: {
        replicas: 1,
        // One Sensor per cluster: never two during a rollout.
        strategy: { type: 'Recreate' },
        selector: { matchLabels: { 'app.kubernetes.io/name': name } },
        template: {
          metadata: { labels },
          spec: {
            serviceAccountName: name,
            // The API token is mounted explicitly below (projected, short-lived).
            automountServiceAccountToken: false,
            securityContext: {
              runAsNonRoot: true,
              runAsUser: 65532,
              runAsGroup: 65532,
              seccompProfile: { type: 'RuntimeDefault' },
            },
            containers: [
              {
                name: 'sensor',
                image,
                imagePullPolicy: 'IfNotPresent',
                args: [
                  'sensor',
                  '--central',
                  options.centralUrl,
                  '--cluster-config',
                  '/etc/palisade/cluster.yaml',
                  '--listen',
                  ':9090',
                ],
                env: [
                  {
                    name: 'PALISADE_SENSOR_TOKEN',
                    valueFrom: { secretKeyRef: { name, key: 'token' } },
                  },
                  { name: 'NODE_OPTIONS', value: sensorNodeOptions },
                ],
                ports: [{ name: 'metrics', containerPort: 9090, protocol: 'TCP' }],
                livenessProbe: {
                  httpGet: { path: '/healthz', port: 'metrics' },
                  periodSeconds: 20,
                  timeoutSeconds: 2,
                },
                readinessProbe: {
                  httpGet: { path: '/readyz', port: 'metrics' },
                  periodSeconds: 10,
                  timeoutSeconds: 2,
                },
                resources: {
                  requests: { cpu: '100m', memory: '256Mi' },
                  limits: { cpu: '1', memory: '512Mi' },
                },
                securityContext: {
                  allowPrivilegeEscalation: false,
                  readOnlyRootFilesystem: true,
                  runAsNonRoot: true,
                  capabilities: { drop: ['ALL'] },
                },
                volumeMounts: [
                  { name: 'config', mountPath: '/etc/palisade', readOnly: true },
                  {
                    name: 'api-token',
                    mountPath: '/var/run/secrets/kubernetes.io/serviceaccount',
                    readOnly: true,
                  },
                ],
              },
            ],
            volumes: [
              { name: 'config', configMap: { name: `${name}-config` } },
              {
                name: 'api-token',
                projected: {
                  sources: [
                    { serviceAccountToken: { path: 'token', expirationSeconds: 3600 } },
                    {
                      configMap: {
                        name: 'kube-root-ca.crt',
                        items: [{ key: 'ca.crt', path: 'ca.crt' }],
                      },
                    },
                    {
                      downwardAPI: {
                        items: [
                          { path: 'namespace', fieldRef: { fieldPath: 'metadata.namespace' } },
                        ],
                      },
                    },
                  ],
                },
              },
            ],
          },
        },
      },
    },
  ];
  const header =
    '# Palisade Sensor: watches this cluster and keeps Central current (palisade sensor).\n' +
    '# Rendered by `palisade cluster add`; the ClusterRole grants list/watch of what it reads' +
    (enforce ? ' and the enforcement verbs.\n' : ' (no enforcement verbs: enforcement is off).\n');
  return header + documents.map((d) => stringify(d, { lineWidth: 0 })).join('---\n');
}
