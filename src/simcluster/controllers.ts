// Just enough controller behaviour for a cluster that looks alive: new Pods are scheduled to a
// node and reported Running (scheduler + kubelet), workloads report their desired replicas as
// ready (deployment, replicaset, statefulset, daemonset controllers), and every namespace gets
// its "default" ServiceAccount (serviceaccounts controller). Each reaction is a separate write,
// so watchers see ADDED then MODIFIED as on a real cluster. No Pods are created for workloads.

import { randomBytes } from 'node:crypto';
import {
  arrayAt,
  isJsonObject,
  jsonEqual,
  objectAt,
  stringAt,
  type JsonObject,
  type JsonValue,
} from './json-value.ts';
import type { ObjectRegistry } from './registry.ts';
import type { ResourceDefinition } from './resources.ts';
import { objectKey } from './store.ts';

function now(): string {
  return new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function numberAt(object: JsonObject | undefined, key: string): number {
  const value = object?.[key];
  return typeof value === 'number' ? value : 0;
}

/** Drops zero counts, as the status types' `omitempty` integers are dropped on the wire. */
function counts(
  values: Readonly<Record<string, number>>,
  alwaysKept: readonly string[] = [],
): JsonObject {
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(values))
    if (value !== 0 || alwaysKept.includes(key)) out[key] = value;
  return out;
}

export function installControllers(registry: ObjectRegistry): void {
  let podIndex = 0;
  const nodeOfPods = (): { name: string; ip: string } | undefined => {
    const nodes = registry.catalog.byResource('', 'v1', 'nodes');
    const first = nodes === undefined ? undefined : registry.store.list(nodes, undefined)[0];
    if (first === undefined) return undefined;
    const addresses = arrayAt(objectAt(first, 'status'), 'addresses') ?? [];
    const internal = addresses.find((a) => isJsonObject(a) && a['type'] === 'InternalIP');
    return {
      name: stringAt(objectAt(first, 'metadata'), 'name') ?? '',
      ip: isJsonObject(internal) ? (stringAt(internal, 'address') ?? '') : '',
    };
  };

  const reconcilePod = (definition: ResourceDefinition, pod: JsonObject): void => {
    const status = objectAt(pod, 'status');
    if (stringAt(status, 'phase') !== 'Pending' || arrayAt(status, 'conditions') !== undefined)
      return;
    const spec = objectAt(pod, 'spec') ?? {};
    const node = nodeOfPods();
    const nodeName = stringAt(spec, 'nodeName') ?? node?.name;
    if (nodeName === undefined) return;
    const started = now();
    podIndex++;
    const podIp = `10.244.${(podIndex >> 8) & 255}.${podIndex & 255}`;
    const containerStatuses = (arrayAt(spec, 'containers') ?? [])
      .filter(isJsonObject)
      .map((container) => ({
        name: stringAt(container, 'name') ?? '',
        image: stringAt(container, 'image') ?? '',
        imageID: '',
        containerID: `containerd://${randomBytes(32).toString('hex')}`,
        ready: true,
        started: true,
        restartCount: 0,
        state: { running: { startedAt: started } },
      }));
    const conditions = [
      'PodReadyToStartContainers',
      'Initialized',
      'Ready',
      'ContainersReady',
      'PodScheduled',
    ].map((type) => ({ type, status: 'True', lastProbeTime: null, lastTransitionTime: started }));
    const nextStatus: JsonObject = {
      ...status,
      phase: 'Running',
      conditions,
      hostIP: node?.ip ?? '',
      podIP: podIp,
      podIPs: [{ ip: podIp }],
      startTime: started,
      containerStatuses,
    };
    registry.writeStatus(definition, pod, nextStatus, { ...spec, nodeName });
  };

  const reconcileWorkload = (definition: ResourceDefinition, object: JsonObject): void => {
    const spec = objectAt(object, 'spec');
    const status = objectAt(object, 'status') ?? {};
    const generation = numberAt(objectAt(object, 'metadata'), 'generation');
    let desired: JsonObject;
    switch (definition.kind) {
      case 'Deployment': {
        const replicas = numberAt(spec, 'replicas');
        desired = counts({
          observedGeneration: generation,
          replicas,
          updatedReplicas: replicas,
          readyReplicas: replicas,
          availableReplicas: replicas,
        });
        break;
      }
      case 'ReplicaSet':
      case 'ReplicationController': {
        const replicas = numberAt(spec, 'replicas');
        desired = counts(
          {
            replicas,
            fullyLabeledReplicas: replicas,
            readyReplicas: replicas,
            availableReplicas: replicas,
            observedGeneration: generation,
          },
          ['replicas'],
        );
        break;
      }
      case 'StatefulSet': {
        const replicas = numberAt(spec, 'replicas');
        desired = counts(
          {
            observedGeneration: generation,
            replicas,
            readyReplicas: replicas,
            currentReplicas: replicas,
            updatedReplicas: replicas,
            availableReplicas: replicas,
          },
          ['replicas', 'availableReplicas'],
        );
        break;
      }
      case 'DaemonSet': {
        const nodes = registry.catalog.byResource('', 'v1', 'nodes');
        const count = nodes === undefined ? 0 : registry.store.list(nodes, undefined).length;
        desired = counts(
          {
            currentNumberScheduled: count,
            numberMisscheduled: 0,
            desiredNumberScheduled: count,
            numberReady: count,
            observedGeneration: generation,
            updatedNumberScheduled: count,
            numberAvailable: count,
          },
          ['currentNumberScheduled', 'numberMisscheduled', 'desiredNumberScheduled', 'numberReady'],
        );
        break;
      }
      default:
        return;
    }
    const current: JsonObject = {};
    for (const key of Object.keys(desired))
      if (Object.hasOwn(status, key)) current[key] = status[key] ?? null;
    const stale = Object.keys(status).some(
      (key) =>
        key !== 'conditions' && !Object.hasOwn(desired, key) && typeof status[key] === 'number',
    );
    if (jsonEqual(current, desired) && !stale) return;
    const next: JsonObject = { ...desired };
    if (definition.kind === 'Deployment')
      next['conditions'] = deploymentConditions(
        stringAt(objectAt(object, 'metadata'), 'name') ?? '',
      );
    registry.writeStatus(definition, object, next);
  };

  const ensureDefaultServiceAccount = (namespace: JsonObject): void => {
    const name = stringAt(objectAt(namespace, 'metadata'), 'name') ?? '';
    const accounts = registry.catalog.byResource('', 'v1', 'serviceaccounts');
    if (accounts === undefined || stringAt(objectAt(namespace, 'status'), 'phase') !== 'Active')
      return;
    if (registry.store.get(accounts, objectKey(name, 'default')) !== undefined) return;
    registry.create(accounts, name, { metadata: { name: 'default' } });
  };

  registry.onWrite((definition, object, deleted) => {
    if (deleted || definition.group.endsWith('openshift.io')) return;
    if (definition.kind === 'Pod') reconcilePod(definition, object);
    else if (definition.kind === 'Namespace') ensureDefaultServiceAccount(object);
    else reconcileWorkload(definition, object);
  });
}

function deploymentConditions(name: string): JsonValue {
  const time = now();
  return [
    {
      type: 'Available',
      status: 'True',
      lastUpdateTime: time,
      lastTransitionTime: time,
      reason: 'MinimumReplicasAvailable',
      message: 'Deployment has minimum availability.',
    },
    {
      type: 'Progressing',
      status: 'True',
      lastUpdateTime: time,
      lastTransitionTime: time,
      reason: 'NewReplicaSetAvailable',
      message: `ReplicaSet "${name}" has successfully progressed.`,
    },
  ];
}
