// What the Sensor keeps of each object it reads, decided the moment the object arrives: secret
// values and config map values never get past here (only their key names and metadata), and
// objects Central does not store (pods and replica sets owned by a controller, nodes) are cut
// down to what enforcement and metrics need. Central's inventory model: docs/ingest.md.

import { isWorkloadKind } from '../k8s/index.ts';
import type { KubeObject } from './kube-client.ts';

const lastApplied = 'kubectl.kubernetes.io/last-applied-configuration';

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

/** A controller owns this object: it is part of another workload, not one of its own. */
function hasWorkloadController(metadata: Record<string, unknown> | undefined): boolean {
  const owners = metadata?.['ownerReferences'];
  if (!Array.isArray(owners)) return false;
  return owners.some((owner) => {
    const ref = record(owner);
    return (
      ref?.['controller'] === true && typeof ref['kind'] === 'string' && isWorkloadKind(ref['kind'])
    );
  });
}

/** Kinds Central stores (k8s normaliseObject reads them); Nodes and Events it does not. */
const storedKinds = new Set([
  'Namespace',
  'Service',
  'Ingress',
  'Route',
  'NetworkPolicy',
  'ServiceAccount',
  'Role',
  'ClusterRole',
  'RoleBinding',
  'ClusterRoleBinding',
  'ConfigMap',
  'Secret',
  'PodDisruptionBudget',
  'HorizontalPodAutoscaler',
]);

/**
 * True when the object goes to Central: a kind Central stores, and for workloads only the
 * top-level ones (a Deployment, not its ReplicaSets and Pods), as StackRox's deployments are.
 */
export function isForwarded(object: KubeObject): boolean {
  const kind = object.kind ?? '';
  if (isWorkloadKind(kind)) return !hasWorkloadController(record(object.metadata));
  return storedKinds.has(kind);
}

/** What a config map value becomes when it is not kept: "" stays "", anything else this. */
export const redactedValue = '<redacted by the Palisade Sensor>';

/**
 * Redacts every value of a string map, keeping the keys and whether each value was empty: the
 * Sensitive Data In ConfigMap policy still sees a credential-named key holding a value.
 */
function redactValues(value: unknown): Record<string, string> | undefined {
  const map = record(value);
  if (map === undefined) return undefined;
  return Object.fromEntries(
    Object.entries(map).map(([key, v]) => [key, v === '' || v === null ? '' : redactedValue]),
  );
}

export interface SanitizeOptions {
  /**
   * Keep config map values (`palisade cluster scan`, where nothing leaves the machine). The
   * Sensor redacts them: policies matching on values (credential-looking strings) run in scan
   * and check, not in Central.
   */
  readonly keepConfigMapValues?: boolean;
}

function withoutSecretsInMetadata(metadata: Record<string, unknown>): Record<string, unknown> {
  const rest = { ...metadata };
  delete rest['managedFields'];
  const annotations = record(rest['annotations']);
  if (annotations !== undefined && lastApplied in annotations) {
    const kept = { ...annotations };
    delete kept[lastApplied];
    rest['annotations'] = kept;
  }
  return rest;
}

/**
 * The object as the Sensor holds it. `kind` and `apiVersion` are set from the resource (watch
 * events and list items may omit them).
 */
export function sanitizeObject(
  raw: KubeObject,
  kind: string,
  apiVersion: string,
  options: SanitizeOptions = {},
): KubeObject {
  const object: KubeObject = { ...raw, apiVersion, kind };
  const metadata = record(object.metadata) ?? {};
  if (kind === 'Secret') {
    // Values never leave the API response: no data, stringData, or the last-applied copy.
    const rest = { ...object };
    delete rest['data'];
    delete rest['stringData'];
    return { ...rest, apiVersion, kind, metadata: withoutSecretsInMetadata(metadata) };
  }
  if (kind === 'ConfigMap' && options.keepConfigMapValues !== true) {
    const data = redactValues(object['data']);
    const binaryData = redactValues(object['binaryData']);
    const rest = { ...object };
    delete rest['data'];
    delete rest['binaryData'];
    return {
      ...rest,
      apiVersion,
      kind,
      metadata: withoutSecretsInMetadata(metadata),
      ...(data === undefined ? {} : { data }),
      ...(binaryData === undefined ? {} : { binaryData }),
    };
  }
  if (!isForwarded(object)) return slimObject(object, metadata);
  const kept = { ...metadata };
  delete kept['managedFields'];
  return { ...object, metadata: kept };
}

/**
 * What the Sensor itself needs of an object Central does not store (a controller's pods and
 * replica sets, nodes): its identity and version (relists compare versions), its labels (pod
 * enforcement selects by them), its controller (isForwarded), and of a pod where it runs and
 * its containers' IDs and state (issue 4: the runtime side maps container IDs to pods). Nothing
 * else of spec or status: at 20,000 pods every field kept costs megabytes (bench/sensor.ts).
 */
function slimObject(object: KubeObject, metadata: Record<string, unknown>): KubeObject {
  const kept = pick(metadata, [
    'name',
    'namespace',
    'uid',
    'resourceVersion',
    'labels',
    'deletionTimestamp',
  ]);
  const owners = metadata['ownerReferences'];
  if (Array.isArray(owners))
    kept['ownerReferences'] = owners.map((owner) =>
      pick(record(owner) ?? {}, ['kind', 'name', 'controller']),
    );
  const slim: KubeObject = {
    apiVersion: object.apiVersion ?? '',
    kind: object.kind ?? '',
    metadata: kept,
  };
  if (object.kind === 'Pod') {
    const spec = record(object['spec']);
    const status = record(object['status']);
    slim['spec'] = pick(spec ?? {}, ['nodeName']);
    const containers = Array.isArray(status?.['containerStatuses'])
      ? (status['containerStatuses'] as unknown[]).map((c) =>
          pick(record(c) ?? {}, ['name', 'containerID', 'ready']),
        )
      : [];
    slim['status'] = { ...pick(status ?? {}, ['phase', 'podIP']), containerStatuses: containers };
  }
  return slim;
}

function pick(source: Record<string, unknown>, keys: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of keys) if (source[key] !== undefined) out[key] = source[key];
  return out;
}
