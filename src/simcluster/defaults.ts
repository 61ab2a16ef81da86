// Server-side defaulting of the fields Palisade reads, as the API server applies it on every
// write (pkg/apis/*/v1/defaults.go: SetDefaults_PodSpec, SetDefaults_Container,
// SetDefaults_Deployment, …). Allocations that need cluster state (Service IPs, node ports) and
// admission plugins (ServiceAccount, Priority) live in the server, not here; this is pure.

import { parseImageRef } from '../k8s/index.ts';
import {
  arrayAt,
  ensureObject,
  hasField,
  isJsonObject,
  objectAt,
  setDefault,
  setField,
  stringAt,
  type JsonObject,
  type JsonValue,
} from './json-value.ts';

type Defaulter = (object: JsonObject) => void;

/** Defaults an object of the given kind in place. Unknown kinds are left alone. */
export function applyDefaults(kind: string, object: JsonObject): void {
  defaulters[kind]?.(object);
}

const defaulters: Readonly<Record<string, Defaulter>> = {
  Pod: (pod) => {
    const spec = ensureObject(pod, 'spec');
    defaultPodSpec(spec);
    // SetDefaults_Pod: enableServiceLinks defaults to true on Pods (not on templates).
    setDefault(spec, 'enableServiceLinks', true);
    for (const container of containersOf(spec)) {
      // SetDefaults_Pod: requests default to limits when only limits are given.
      const resources = objectAt(container, 'resources');
      const limits = objectAt(resources, 'limits');
      if (resources !== undefined && limits !== undefined) {
        const requests = ensureObject(resources, 'requests');
        for (const [name, quantity] of Object.entries(limits)) setDefault(requests, name, quantity);
      }
    }
  },
  ReplicationController: (rc) => {
    const spec = ensureObject(rc, 'spec');
    setDefault(spec, 'replicas', 1);
    setDefault(spec, 'minReadySeconds', 0);
    const template = objectAt(spec, 'template');
    // SetDefaults_ReplicationController: selector and labels default from the template's labels.
    const templateLabels = objectAt(objectAt(template, 'metadata'), 'labels');
    if (templateLabels !== undefined) {
      setDefault(spec, 'selector', structuredClone(templateLabels));
      const metadata = ensureObject(rc, 'metadata');
      setDefault(metadata, 'labels', structuredClone(templateLabels));
    }
    defaultTemplate(template);
  },
  Deployment: (deployment) => {
    const spec = ensureObject(deployment, 'spec');
    setDefault(spec, 'replicas', 1);
    const strategy = ensureObject(spec, 'strategy');
    setDefault(strategy, 'type', 'RollingUpdate');
    if (strategy['type'] === 'RollingUpdate') {
      const rolling = ensureObject(strategy, 'rollingUpdate');
      setDefault(rolling, 'maxUnavailable', '25%');
      setDefault(rolling, 'maxSurge', '25%');
    }
    setDefault(spec, 'revisionHistoryLimit', 10);
    setDefault(spec, 'progressDeadlineSeconds', 600);
    defaultTemplate(objectAt(spec, 'template'));
  },
  ReplicaSet: (replicaSet) => {
    const spec = ensureObject(replicaSet, 'spec');
    setDefault(spec, 'replicas', 1);
    defaultTemplate(objectAt(spec, 'template'));
  },
  StatefulSet: (statefulSet) => {
    const spec = ensureObject(statefulSet, 'spec');
    setDefault(spec, 'replicas', 1);
    setDefault(spec, 'podManagementPolicy', 'OrderedReady');
    const strategy = ensureObject(spec, 'updateStrategy');
    setDefault(strategy, 'type', 'RollingUpdate');
    if (strategy['type'] === 'RollingUpdate')
      setDefault(ensureObject(strategy, 'rollingUpdate'), 'partition', 0);
    setDefault(spec, 'revisionHistoryLimit', 10);
    const retention = ensureObject(spec, 'persistentVolumeClaimRetentionPolicy');
    setDefault(retention, 'whenDeleted', 'Retain');
    setDefault(retention, 'whenScaled', 'Retain');
    defaultTemplate(objectAt(spec, 'template'));
  },
  DaemonSet: (daemonSet) => {
    const spec = ensureObject(daemonSet, 'spec');
    const strategy = ensureObject(spec, 'updateStrategy');
    setDefault(strategy, 'type', 'RollingUpdate');
    if (strategy['type'] === 'RollingUpdate') {
      const rolling = ensureObject(strategy, 'rollingUpdate');
      setDefault(rolling, 'maxUnavailable', 1);
      setDefault(rolling, 'maxSurge', 0);
    }
    setDefault(spec, 'revisionHistoryLimit', 10);
    defaultTemplate(objectAt(spec, 'template'));
  },
  Job: (job) => defaultJobSpec(ensureObject(job, 'spec')),
  CronJob: (cronJob) => {
    const spec = ensureObject(cronJob, 'spec');
    setDefault(spec, 'concurrencyPolicy', 'Allow');
    setDefault(spec, 'suspend', false);
    setDefault(spec, 'successfulJobsHistoryLimit', 3);
    setDefault(spec, 'failedJobsHistoryLimit', 1);
    const jobSpec = objectAt(objectAt(spec, 'jobTemplate'), 'spec');
    if (jobSpec !== undefined) defaultJobSpec(jobSpec);
  },
  Service: (service) => {
    const spec = ensureObject(service, 'spec');
    setDefault(spec, 'type', 'ClusterIP');
    setDefault(spec, 'sessionAffinity', 'None');
    const type = stringAt(spec, 'type');
    for (const port of objectsIn(arrayAt(spec, 'ports'))) {
      setDefault(port, 'protocol', 'TCP');
      // SetDefaults_Service: targetPort defaults to port.
      if (!hasField(port, 'targetPort') && hasField(port, 'port'))
        setField(port, 'targetPort', port['port'] ?? null);
    }
    if (type !== 'ExternalName') setDefault(spec, 'internalTrafficPolicy', 'Cluster');
    if (type === 'NodePort' || type === 'LoadBalancer')
      setDefault(spec, 'externalTrafficPolicy', 'Cluster');
    if (type === 'LoadBalancer') setDefault(spec, 'allocateLoadBalancerNodePorts', true);
  },
  Namespace: (namespace) => {
    const metadata = ensureObject(namespace, 'metadata');
    const name = stringAt(metadata, 'name');
    // The NamespaceDefaultLabelName feature: every namespace carries its name as a label.
    if (name !== undefined) ensureObject(metadata, 'labels')['kubernetes.io/metadata.name'] = name;
    const spec = ensureObject(namespace, 'spec');
    setDefault(spec, 'finalizers', ['kubernetes']);
    setDefault(ensureObject(namespace, 'status'), 'phase', 'Active');
  },
  Secret: (secret) => {
    setDefault(secret, 'type', 'Opaque');
    // stringData is write-only: it is merged into data, base64-encoded, and never stored.
    const stringData = objectAt(secret, 'stringData');
    if (stringData !== undefined) {
      const data = ensureObject(secret, 'data');
      for (const [key, value] of Object.entries(stringData))
        if (typeof value === 'string')
          setField(data, key, Buffer.from(value, 'utf8').toString('base64'));
      delete secret['stringData'];
    }
  },
  NetworkPolicy: (policy) => {
    const spec = ensureObject(policy, 'spec');
    // SetDefaults_NetworkPolicy: Ingress always, Egress when egress rules are given.
    if (!hasField(spec, 'policyTypes')) {
      const types: JsonValue[] = ['Ingress'];
      if (hasField(spec, 'egress')) types.push('Egress');
      setField(spec, 'policyTypes', types);
    }
    for (const direction of ['ingress', 'egress'])
      for (const rule of objectsIn(arrayAt(spec, direction)))
        for (const port of objectsIn(arrayAt(rule, 'ports'))) setDefault(port, 'protocol', 'TCP');
  },
  HorizontalPodAutoscaler: (hpa) => {
    const spec = ensureObject(hpa, 'spec');
    setDefault(spec, 'minReplicas', 1);
    // autoscaling/v2 SetDefaults_HorizontalPodAutoscaler: 80% average CPU when no metrics are given.
    const metrics = arrayAt(spec, 'metrics');
    if (metrics === undefined || metrics.length === 0)
      setField(spec, 'metrics', [
        {
          type: 'Resource',
          resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } },
        },
      ]);
  },
  DeploymentConfig: (config) => {
    const spec = ensureObject(config, 'spec');
    setDefault(spec, 'replicas', 1);
    defaultTemplate(objectAt(spec, 'template'));
  },
};

function defaultJobSpec(spec: JsonObject): void {
  // SetDefaults_Job: both unset → 1 and 1; only parallelism unset → 1.
  if (!hasField(spec, 'completions') && !hasField(spec, 'parallelism')) {
    setField(spec, 'completions', 1);
    setField(spec, 'parallelism', 1);
  }
  setDefault(spec, 'parallelism', 1);
  setDefault(spec, 'backoffLimit', 6);
  setDefault(spec, 'completionMode', 'NonIndexed');
  setDefault(spec, 'suspend', false);
  setDefault(spec, 'podReplacementPolicy', 'TerminatingOrFailed');
  setDefault(spec, 'manualSelector', false);
  defaultTemplate(objectAt(spec, 'template'));
}

function defaultTemplate(template: JsonObject | undefined): void {
  if (template === undefined) return;
  defaultPodSpec(ensureObject(template, 'spec'));
}

function objectsIn(list: readonly JsonValue[] | undefined): JsonObject[] {
  return (list ?? []).filter(isJsonObject);
}

function containersOf(spec: JsonObject): JsonObject[] {
  return [
    ...objectsIn(arrayAt(spec, 'initContainers')),
    ...objectsIn(arrayAt(spec, 'containers')),
    ...objectsIn(arrayAt(spec, 'ephemeralContainers')),
  ];
}

/** SetDefaults_PodSpec plus the defaults of everything a pod spec contains. */
export function defaultPodSpec(spec: JsonObject): void {
  setDefault(spec, 'restartPolicy', 'Always');
  setDefault(spec, 'dnsPolicy', 'ClusterFirst');
  setDefault(spec, 'terminationGracePeriodSeconds', 30);
  setDefault(spec, 'schedulerName', 'default-scheduler');
  setDefault(spec, 'securityContext', {});
  // The deprecated serviceAccount mirrors serviceAccountName (pkg/apis/core/v1/conversion).
  const account = stringAt(spec, 'serviceAccountName') ?? stringAt(spec, 'serviceAccount');
  if (account !== undefined && account !== '') {
    setDefault(spec, 'serviceAccountName', account);
    setDefault(spec, 'serviceAccount', account);
  }
  for (const container of containersOf(spec)) defaultContainer(container);
  for (const volume of objectsIn(arrayAt(spec, 'volumes'))) defaultVolume(volume);
}

/** SetDefaults_Container and the defaults of probes, ports and env sources. */
export function defaultContainer(container: JsonObject): void {
  if (!hasField(container, 'imagePullPolicy')) {
    // A "latest" tag, written or implied, is pulled Always; anything else IfNotPresent.
    const image = stringAt(container, 'image') ?? '';
    const tag = parseImageRef(image).tag;
    setField(container, 'imagePullPolicy', tag === 'latest' ? 'Always' : 'IfNotPresent');
  }
  setDefault(container, 'terminationMessagePath', '/dev/termination-log');
  setDefault(container, 'terminationMessagePolicy', 'File');
  setDefault(container, 'resources', {});
  for (const port of objectsIn(arrayAt(container, 'ports'))) setDefault(port, 'protocol', 'TCP');
  for (const probeName of ['livenessProbe', 'readinessProbe', 'startupProbe']) {
    const probe = objectAt(container, probeName);
    if (probe === undefined) continue;
    setDefault(probe, 'timeoutSeconds', 1);
    setDefault(probe, 'periodSeconds', 10);
    setDefault(probe, 'successThreshold', 1);
    setDefault(probe, 'failureThreshold', 3);
    const httpGet = objectAt(probe, 'httpGet');
    if (httpGet !== undefined) {
      setDefault(httpGet, 'path', '/');
      setDefault(httpGet, 'scheme', 'HTTP');
    }
  }
  for (const env of objectsIn(arrayAt(container, 'env'))) {
    const fieldRef = objectAt(objectAt(env, 'valueFrom'), 'fieldRef');
    if (fieldRef !== undefined) setDefault(fieldRef, 'apiVersion', 'v1');
  }
}

function defaultVolume(volume: JsonObject): void {
  // SetDefaults_SecretVolumeSource / ConfigMapVolumeSource / ...: mode 0644.
  for (const source of ['secret', 'configMap', 'downwardAPI', 'projected']) {
    const value = objectAt(volume, source);
    if (value !== undefined) setDefault(value, 'defaultMode', 420);
  }
  const hostPath = objectAt(volume, 'hostPath');
  if (hostPath !== undefined) setDefault(hostPath, 'type', '');
  const emptyDirOnly = Object.keys(volume).length === 1 && hasField(volume, 'name');
  // A volume with no source is an emptyDir (SetDefaults_Volume).
  if (emptyDirOnly) setField(volume, 'emptyDir', {});
}
