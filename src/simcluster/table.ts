// Server-side printing: the meta.k8s.io/v1 Table kubectl asks for (Accept "…;as=Table;…") so
// `kubectl get` shows the usual columns. Columns follow pkg/printers/internalversion/printers.go
// for the kinds people look at most; every other kind gets Name and Age, as for custom resources.

import {
  arrayAt,
  isJsonObject,
  objectAt,
  stringAt,
  type JsonObject,
  type JsonValue,
} from './json-value.ts';
import type { ResourceDefinition } from './resources.ts';
import { formatLabelSelector } from './selectors.ts';

interface Column {
  readonly name: string;
  readonly type: 'string' | 'integer' | 'date';
  readonly format?: 'name';
  /** 0 is shown by default, 1 only with -o wide. */
  readonly priority: 0 | 1;
  readonly cell: (object: JsonObject, now: number) => JsonValue;
}

/** Whether an Accept header asks for a Table (application/json;as=Table;v=v1;g=meta.k8s.io). */
export function wantsTable(accept: string | undefined): boolean {
  return (accept ?? '')
    .split(',')
    .some((part) => /;\s*as=Table\b/.test(part) && /;\s*g=meta\.k8s\.io\b/.test(part));
}

/** duration.HumanDuration of k8s.io/apimachinery: "45s", "3m20s", "5h", "12d". */
export function humanDuration(milliseconds: number): string {
  const seconds = Math.floor(milliseconds / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 10) return seconds % 60 === 0 ? `${minutes}m` : `${minutes}m${seconds % 60}s`;
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 8) return minutes % 60 === 0 ? `${hours}h` : `${hours}h${minutes % 60}m`;
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8)
    return hours % 24 === 0
      ? `${Math.floor(hours / 24)}d`
      : `${Math.floor(hours / 24)}d${hours % 24}h`;
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24)}d`;
  const days = Math.floor(hours / 24);
  if (hours < 24 * 365 * 8)
    return days % 365 === 0
      ? `${Math.floor(days / 365)}y`
      : `${Math.floor(days / 365)}y${days % 365}d`;
  return `${Math.floor(days / 365)}y`;
}

const text = (value: JsonValue | undefined): string =>
  typeof value === 'string'
    ? value
    : typeof value === 'number' || typeof value === 'boolean'
      ? String(value)
      : '';
const count = (value: JsonValue | undefined): number => (typeof value === 'number' ? value : 0);
const spec = (o: JsonObject): JsonObject => objectAt(o, 'spec') ?? {};
const status = (o: JsonObject): JsonObject => objectAt(o, 'status') ?? {};

const nameColumn: Column = {
  name: 'Name',
  type: 'string',
  format: 'name',
  priority: 0,
  cell: (o) => stringAt(objectAt(o, 'metadata'), 'name') ?? '',
};
const ageColumn: Column = {
  name: 'Age',
  type: 'string',
  priority: 0,
  cell: (o, now) => {
    const created = Date.parse(stringAt(objectAt(o, 'metadata'), 'creationTimestamp') ?? '');
    return Number.isNaN(created) ? '<unknown>' : humanDuration(now - created);
  },
};

function podTemplateContainers(o: JsonObject): JsonObject[] {
  return (arrayAt(objectAt(objectAt(spec(o), 'template'), 'spec'), 'containers') ?? []).filter(
    isJsonObject,
  );
}
const containersColumn: Column = {
  name: 'Containers',
  type: 'string',
  priority: 1,
  cell: (o) =>
    podTemplateContainers(o)
      .map((c) => text(c['name']))
      .join(','),
};
const imagesColumn: Column = {
  name: 'Images',
  type: 'string',
  priority: 1,
  cell: (o) =>
    podTemplateContainers(o)
      .map((c) => text(c['image']))
      .join(','),
};
const selectorColumn: Column = {
  name: 'Selector',
  type: 'string',
  priority: 1,
  cell: (o) => formatLabelSelector(objectAt(spec(o), 'selector')),
};

function int(name: string, read: (o: JsonObject) => number): Column {
  return { name, type: 'integer', priority: 0, cell: read };
}
function str(name: string, read: (o: JsonObject) => string, priority: 0 | 1 = 0): Column {
  return { name, type: 'string', priority, cell: read };
}

function servicePorts(o: JsonObject): string {
  const ports = (arrayAt(spec(o), 'ports') ?? []).filter(isJsonObject);
  if (ports.length === 0) return '<none>';
  return ports
    .map(
      (p) =>
        `${text(p['port'])}${p['nodePort'] === undefined ? '' : `:${text(p['nodePort'])}`}/${text(p['protocol'])}`,
    )
    .join(',');
}

function serviceExternalIp(o: JsonObject): string {
  const type = stringAt(spec(o), 'type');
  if (type === 'ExternalName') return stringAt(spec(o), 'externalName') ?? '<none>';
  const external = (arrayAt(spec(o), 'externalIPs') ?? []).map(text);
  if (type === 'LoadBalancer') {
    const ingress = (arrayAt(objectAt(status(o), 'loadBalancer'), 'ingress') ?? []).filter(
      isJsonObject,
    );
    const addresses = [...ingress.map((i) => text(i['ip'] ?? i['hostname'])), ...external].filter(
      (a) => a !== '',
    );
    return addresses.length > 0 ? addresses.join(',') : '<pending>';
  }
  return external.length > 0 ? external.join(',') : '<none>';
}

function podReady(o: JsonObject): string {
  const containers = arrayAt(spec(o), 'containers') ?? [];
  const ready = (arrayAt(status(o), 'containerStatuses') ?? []).filter(
    (c) => isJsonObject(c) && c['ready'] === true,
  );
  return `${ready.length}/${containers.length}`;
}

function podStatus(o: JsonObject): string {
  if (stringAt(objectAt(o, 'metadata'), 'deletionTimestamp') !== undefined) return 'Terminating';
  for (const c of (arrayAt(status(o), 'containerStatuses') ?? []).filter(isJsonObject)) {
    const waiting = objectAt(objectAt(c, 'state'), 'waiting');
    if (waiting !== undefined && stringAt(waiting, 'reason') !== undefined)
      return stringAt(waiting, 'reason') ?? '';
  }
  return stringAt(status(o), 'reason') ?? stringAt(status(o), 'phase') ?? 'Unknown';
}

const columnsByKind: Readonly<Record<string, readonly Column[]>> = {
  Pod: [
    nameColumn,
    str('Ready', podReady),
    str('Status', podStatus),
    int('Restarts', (o) =>
      (arrayAt(status(o), 'containerStatuses') ?? []).reduce<number>(
        (sum, c) => sum + (isJsonObject(c) ? count(c['restartCount']) : 0),
        0,
      ),
    ),
    ageColumn,
    str('IP', (o) => stringAt(status(o), 'podIP') ?? '<none>', 1),
    str('Node', (o) => stringAt(spec(o), 'nodeName') ?? '<none>', 1),
  ],
  Service: [
    nameColumn,
    str('Type', (o) => stringAt(spec(o), 'type') ?? ''),
    str('Cluster-IP', (o) => stringAt(spec(o), 'clusterIP') ?? '<none>'),
    str('External-IP', serviceExternalIp),
    str('Port(s)', servicePorts),
    ageColumn,
    str(
      'Selector',
      (o) => {
        const selector = objectAt(spec(o), 'selector');
        return selector === undefined ? '<none>' : formatLabelSelector({ matchLabels: selector });
      },
      1,
    ),
  ],
  Deployment: [
    nameColumn,
    str('Ready', (o) => `${count(status(o)['readyReplicas'])}/${count(spec(o)['replicas'])}`),
    int('Up-to-date', (o) => count(status(o)['updatedReplicas'])),
    int('Available', (o) => count(status(o)['availableReplicas'])),
    ageColumn,
    containersColumn,
    imagesColumn,
    selectorColumn,
  ],
  ReplicaSet: [
    nameColumn,
    int('Desired', (o) => count(spec(o)['replicas'])),
    int('Current', (o) => count(status(o)['replicas'])),
    int('Ready', (o) => count(status(o)['readyReplicas'])),
    ageColumn,
    containersColumn,
    imagesColumn,
    selectorColumn,
  ],
  StatefulSet: [
    nameColumn,
    str('Ready', (o) => `${count(status(o)['readyReplicas'])}/${count(spec(o)['replicas'])}`),
    ageColumn,
    containersColumn,
    imagesColumn,
  ],
  DaemonSet: [
    nameColumn,
    int('Desired', (o) => count(status(o)['desiredNumberScheduled'])),
    int('Current', (o) => count(status(o)['currentNumberScheduled'])),
    int('Ready', (o) => count(status(o)['numberReady'])),
    int('Up-to-date', (o) => count(status(o)['updatedNumberScheduled'])),
    int('Available', (o) => count(status(o)['numberAvailable'])),
    str('Node Selector', (o) => {
      const selector = objectAt(objectAt(objectAt(spec(o), 'template'), 'spec'), 'nodeSelector');
      return selector === undefined ? '<none>' : formatLabelSelector({ matchLabels: selector });
    }),
    ageColumn,
    containersColumn,
    imagesColumn,
    selectorColumn,
  ],
  Namespace: [nameColumn, str('Status', (o) => stringAt(status(o), 'phase') ?? ''), ageColumn],
  Node: [
    nameColumn,
    str('Status', (o) => {
      const ready = (arrayAt(status(o), 'conditions') ?? []).find(
        (c) => isJsonObject(c) && c['type'] === 'Ready',
      );
      return isJsonObject(ready) && ready['status'] === 'True' ? 'Ready' : 'NotReady';
    }),
    str('Roles', (o) => {
      const labels = objectAt(objectAt(o, 'metadata'), 'labels') ?? {};
      const roles = Object.keys(labels)
        .filter((k) => k.startsWith('node-role.kubernetes.io/'))
        .map((k) => k.slice('node-role.kubernetes.io/'.length));
      return roles.length > 0 ? roles.join(',') : '<none>';
    }),
    ageColumn,
    str('Version', (o) => stringAt(objectAt(status(o), 'nodeInfo'), 'kubeletVersion') ?? ''),
  ],
  ConfigMap: [
    nameColumn,
    int(
      'Data',
      (o) =>
        Object.keys(objectAt(o, 'data') ?? {}).length +
        Object.keys(objectAt(o, 'binaryData') ?? {}).length,
    ),
    ageColumn,
  ],
  Secret: [
    nameColumn,
    str('Type', (o) => stringAt(o, 'type') ?? ''),
    int('Data', (o) => Object.keys(objectAt(o, 'data') ?? {}).length),
    ageColumn,
  ],
  NetworkPolicy: [
    nameColumn,
    str('Pod-Selector', (o) => {
      const selector = formatLabelSelector(objectAt(spec(o), 'podSelector'));
      return selector === '' ? '<none>' : selector;
    }),
    ageColumn,
  ],
  Job: [
    nameColumn,
    str('Status', (o) => {
      const conditions = (arrayAt(status(o), 'conditions') ?? []).filter(isJsonObject);
      const done = conditions.find(
        (c) => c['status'] === 'True' && (c['type'] === 'Complete' || c['type'] === 'Failed'),
      );
      return done === undefined ? 'Running' : text(done['type']);
    }),
    str('Completions', (o) => `${count(status(o)['succeeded'])}/${count(spec(o)['completions'])}`),
    ageColumn,
  ],
  CronJob: [
    nameColumn,
    str('Schedule', (o) => stringAt(spec(o), 'schedule') ?? ''),
    str('Suspend', (o) => text(spec(o)['suspend'] ?? false)),
    int('Active', (o) => (arrayAt(status(o), 'active') ?? []).length),
    ageColumn,
  ],
  HorizontalPodAutoscaler: [
    nameColumn,
    str('Reference', (o) => {
      const ref = objectAt(spec(o), 'scaleTargetRef');
      return `${stringAt(ref, 'kind') ?? ''}/${stringAt(ref, 'name') ?? ''}`;
    }),
    int('MinPods', (o) => count(spec(o)['minReplicas'])),
    int('MaxPods', (o) => count(spec(o)['maxReplicas'])),
    int('Replicas', (o) => count(status(o)['currentReplicas'])),
    ageColumn,
  ],
};

function columnsFor(definition: ResourceDefinition): readonly Column[] {
  return columnsByKind[definition.kind] ?? [nameColumn, ageColumn];
}

export type IncludeObject = 'None' | 'Metadata' | 'Object';

/** A Table of objects; rows carry the object as PartialObjectMetadata unless told otherwise. */
export function toTable(
  definition: ResourceDefinition,
  objects: readonly JsonObject[],
  options: { readonly includeObject: IncludeObject; readonly listMetadata: JsonObject },
): JsonObject {
  const now = Date.now();
  const columns = columnsFor(definition);
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: options.listMetadata,
    columnDefinitions: columns.map((c) => ({
      name: c.name,
      type: c.type,
      format: c.format ?? '',
      description: '',
      priority: c.priority,
    })),
    rows: objects.map((object) => {
      const row: JsonObject = { cells: columns.map((c) => c.cell(object, now)) };
      if (options.includeObject === 'Object') row['object'] = object;
      else if (options.includeObject === 'Metadata')
        row['object'] = {
          kind: 'PartialObjectMetadata',
          apiVersion: 'meta.k8s.io/v1',
          metadata: objectAt(object, 'metadata') ?? {},
        };
      return row;
    }),
  };
}
