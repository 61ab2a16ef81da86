// The resource types the simulated API server serves, one declarative definition each: what
// discovery says about it (names, scope, verbs, categories), which subresources it has, whether
// metadata.generation tracks its spec, and which fields a fieldSelector may name. Facts are the
// API server's: `kubectl api-resources` and pkg/registry/*/strategy.go (GetAttrs / ToSelectableFields).

import { isJsonObject, type JsonObject, type JsonValue } from './json-value.ts';

export type Verb =
  'create' | 'delete' | 'deletecollection' | 'get' | 'list' | 'patch' | 'update' | 'watch';

export type Subresource = 'status' | 'scale';

/** How metadata.name is validated (k8s.io/apimachinery/pkg/api/validation/path and ObjectMeta). */
export type NameRule = 'subdomain' | 'label' | 'path-segment';

export interface ResourceDefinition {
  readonly group: string;
  readonly version: string;
  /** Plural, lower case: the path segment. */
  readonly resource: string;
  readonly kind: string;
  readonly singular: string;
  readonly namespaced: boolean;
  readonly shortNames: readonly string[];
  readonly categories: readonly string[];
  readonly verbs: readonly Verb[];
  readonly subresources: readonly Subresource[];
  /** metadata.generation starts at 1 and grows on every change outside metadata and status. */
  readonly generation: boolean;
  readonly nameRule: NameRule;
  /** Field selector labels beyond metadata.name and metadata.namespace. */
  readonly selectableFields: Readonly<Record<string, (object: JsonObject) => string>>;
  /** Served only when the OpenShift API groups are switched on. */
  readonly openshift: boolean;
}

const allVerbs: readonly Verb[] = [
  'create',
  'delete',
  'deletecollection',
  'get',
  'list',
  'patch',
  'update',
  'watch',
];

/** The string a field selector compares for a dotted path (booleans and numbers as Go prints them). */
export function fieldText(object: JsonObject, path: string): string {
  let current: JsonValue | undefined = object;
  for (const part of path.split('.')) {
    if (!isJsonObject(current) || !Object.hasOwn(current, part)) return '';
    current = current[part];
  }
  if (typeof current === 'string') return current;
  if (typeof current === 'number' || typeof current === 'boolean') return String(current);
  return '';
}

function fields(
  ...paths: readonly (string | readonly [string, (object: JsonObject) => string])[]
): Readonly<Record<string, (object: JsonObject) => string>> {
  const out: Record<string, (object: JsonObject) => string> = {};
  for (const entry of paths) {
    if (typeof entry === 'string') out[entry] = (object) => fieldText(object, entry);
    else out[entry[0]] = entry[1];
  }
  return out;
}

/** Go's strconv.FormatBool of a possibly absent boolean field. */
function boolField(path: string): (object: JsonObject) => string {
  return (object) => (fieldText(object, path) === 'true' ? 'true' : 'false');
}

/** Go's int formatting of a possibly absent integer field. */
function intField(path: string): (object: JsonObject) => string {
  return (object) => {
    const text = fieldText(object, path);
    return text === '' ? '0' : text;
  };
}

interface DefinitionInput {
  readonly group?: string;
  readonly version: string;
  readonly resource: string;
  readonly kind: string;
  readonly namespaced: boolean;
  readonly shortNames?: readonly string[];
  readonly categories?: readonly string[];
  readonly verbs?: readonly Verb[];
  readonly subresources?: readonly Subresource[];
  readonly generation?: boolean;
  readonly nameRule?: NameRule;
  readonly selectableFields?: Readonly<Record<string, (object: JsonObject) => string>>;
  readonly openshift?: boolean;
}

function define(input: DefinitionInput): ResourceDefinition {
  return {
    group: input.group ?? '',
    version: input.version,
    resource: input.resource,
    kind: input.kind,
    singular: input.kind.toLowerCase(),
    namespaced: input.namespaced,
    shortNames: input.shortNames ?? [],
    categories: input.categories ?? [],
    verbs: input.verbs ?? allVerbs,
    subresources: input.subresources ?? [],
    generation: input.generation ?? false,
    nameRule: input.nameRule ?? 'subdomain',
    selectableFields: input.selectableFields ?? {},
    openshift: input.openshift ?? false,
  };
}

const podTemplateKinds = { generation: true, subresources: ['status'] } as const;

export const resourceDefinitions: readonly ResourceDefinition[] = [
  // core/v1
  define({
    version: 'v1',
    resource: 'pods',
    kind: 'Pod',
    namespaced: true,
    shortNames: ['po'],
    categories: ['all'],
    subresources: ['status'],
    // Pods carry a generation since 1.33 (PodObservedGenerationTracking).
    generation: true,
    selectableFields: fields(
      'spec.nodeName',
      'spec.restartPolicy',
      'spec.schedulerName',
      'spec.serviceAccountName',
      ['spec.hostNetwork', boolField('spec.hostNetwork')],
      'status.phase',
      'status.podIP',
      'status.nominatedNodeName',
    ),
  }),
  define({
    version: 'v1',
    resource: 'services',
    kind: 'Service',
    namespaced: true,
    shortNames: ['svc'],
    categories: ['all'],
    subresources: ['status'],
    nameRule: 'label',
    selectableFields: fields('spec.clusterIP', 'spec.type'),
  }),
  define({
    version: 'v1',
    resource: 'namespaces',
    kind: 'Namespace',
    namespaced: false,
    shortNames: ['ns'],
    verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
    subresources: ['status'],
    nameRule: 'label',
    selectableFields: fields('status.phase'),
  }),
  define({
    version: 'v1',
    resource: 'nodes',
    kind: 'Node',
    namespaced: false,
    shortNames: ['no'],
    subresources: ['status'],
    selectableFields: fields(['spec.unschedulable', boolField('spec.unschedulable')]),
  }),
  define({
    version: 'v1',
    resource: 'serviceaccounts',
    kind: 'ServiceAccount',
    namespaced: true,
    shortNames: ['sa'],
  }),
  define({
    version: 'v1',
    resource: 'secrets',
    kind: 'Secret',
    namespaced: true,
    selectableFields: fields('type'),
  }),
  define({
    version: 'v1',
    resource: 'configmaps',
    kind: 'ConfigMap',
    namespaced: true,
    shortNames: ['cm'],
  }),
  define({
    version: 'v1',
    resource: 'replicationcontrollers',
    kind: 'ReplicationController',
    namespaced: true,
    shortNames: ['rc'],
    categories: ['all'],
    subresources: ['status', 'scale'],
    generation: true,
    selectableFields: fields(['status.replicas', intField('status.replicas')]),
  }),
  define({
    version: 'v1',
    resource: 'events',
    kind: 'Event',
    namespaced: true,
    shortNames: ['ev'],
    nameRule: 'path-segment',
    selectableFields: fields(
      'involvedObject.kind',
      'involvedObject.namespace',
      'involvedObject.name',
      'involvedObject.uid',
      'involvedObject.apiVersion',
      'involvedObject.resourceVersion',
      'involvedObject.fieldPath',
      'reason',
      'reportingComponent',
      'source',
      'type',
    ),
  }),
  // apps/v1
  define({
    group: 'apps',
    version: 'v1',
    resource: 'deployments',
    kind: 'Deployment',
    namespaced: true,
    shortNames: ['deploy'],
    categories: ['all'],
    ...podTemplateKinds,
    subresources: ['status', 'scale'],
  }),
  define({
    group: 'apps',
    version: 'v1',
    resource: 'replicasets',
    kind: 'ReplicaSet',
    namespaced: true,
    shortNames: ['rs'],
    categories: ['all'],
    ...podTemplateKinds,
    subresources: ['status', 'scale'],
    selectableFields: fields(['status.replicas', intField('status.replicas')]),
  }),
  define({
    group: 'apps',
    version: 'v1',
    resource: 'statefulsets',
    kind: 'StatefulSet',
    namespaced: true,
    shortNames: ['sts'],
    categories: ['all'],
    ...podTemplateKinds,
    subresources: ['status', 'scale'],
  }),
  define({
    group: 'apps',
    version: 'v1',
    resource: 'daemonsets',
    kind: 'DaemonSet',
    namespaced: true,
    shortNames: ['ds'],
    categories: ['all'],
    ...podTemplateKinds,
  }),
  // batch/v1
  define({
    group: 'batch',
    version: 'v1',
    resource: 'jobs',
    kind: 'Job',
    namespaced: true,
    categories: ['all'],
    ...podTemplateKinds,
    selectableFields: fields(['status.successful', intField('status.successful')]),
  }),
  define({
    group: 'batch',
    version: 'v1',
    resource: 'cronjobs',
    kind: 'CronJob',
    namespaced: true,
    shortNames: ['cj'],
    categories: ['all'],
    ...podTemplateKinds,
  }),
  // networking.k8s.io/v1
  define({
    group: 'networking.k8s.io',
    version: 'v1',
    resource: 'networkpolicies',
    kind: 'NetworkPolicy',
    namespaced: true,
    shortNames: ['netpol'],
    generation: true,
  }),
  define({
    group: 'networking.k8s.io',
    version: 'v1',
    resource: 'ingresses',
    kind: 'Ingress',
    namespaced: true,
    shortNames: ['ing'],
    subresources: ['status'],
    generation: true,
  }),
  // rbac.authorization.k8s.io/v1: names are path segments (pkg/apis/rbac/validation).
  ...(
    [
      ['roles', 'Role', true],
      ['rolebindings', 'RoleBinding', true],
      ['clusterroles', 'ClusterRole', false],
      ['clusterrolebindings', 'ClusterRoleBinding', false],
    ] as const
  ).map(([resource, kind, namespaced]) =>
    define({
      group: 'rbac.authorization.k8s.io',
      version: 'v1',
      resource,
      kind,
      namespaced,
      nameRule: 'path-segment',
    }),
  ),
  // policy/v1, autoscaling/v2
  define({
    group: 'policy',
    version: 'v1',
    resource: 'poddisruptionbudgets',
    kind: 'PodDisruptionBudget',
    namespaced: true,
    shortNames: ['pdb'],
    subresources: ['status'],
    generation: true,
  }),
  define({
    group: 'autoscaling',
    version: 'v2',
    resource: 'horizontalpodautoscalers',
    kind: 'HorizontalPodAutoscaler',
    namespaced: true,
    shortNames: ['hpa'],
    categories: ['all'],
    subresources: ['status'],
  }),
  // OpenShift (route.openshift.io/v1, apps.openshift.io/v1), off unless asked for.
  define({
    group: 'route.openshift.io',
    version: 'v1',
    resource: 'routes',
    kind: 'Route',
    namespaced: true,
    subresources: ['status'],
    openshift: true,
  }),
  define({
    group: 'apps.openshift.io',
    version: 'v1',
    resource: 'deploymentconfigs',
    kind: 'DeploymentConfig',
    namespaced: true,
    shortNames: ['dc'],
    categories: ['all'],
    subresources: ['status', 'scale'],
    generation: true,
    openshift: true,
  }),
];

export function apiVersionOf(definition: ResourceDefinition): string {
  return definition.group === '' ? definition.version : `${definition.group}/${definition.version}`;
}

/** Looks resources up by group/version/plural and by apiVersion/kind. */
export class ResourceCatalog {
  readonly definitions: readonly ResourceDefinition[];
  private readonly byPath = new Map<string, ResourceDefinition>();
  private readonly byKind = new Map<string, ResourceDefinition>();

  constructor(options: { readonly openshift: boolean }) {
    this.definitions = resourceDefinitions.filter((d) => options.openshift || !d.openshift);
    for (const definition of this.definitions) {
      this.byPath.set(
        `${definition.group}/${definition.version}/${definition.resource}`,
        definition,
      );
      this.byKind.set(`${apiVersionOf(definition)}/${definition.kind}`, definition);
    }
  }

  byResource(group: string, version: string, resource: string): ResourceDefinition | undefined {
    return this.byPath.get(`${group}/${version}/${resource}`);
  }

  byApiVersionKind(apiVersion: string, kind: string): ResourceDefinition | undefined {
    return this.byKind.get(`${apiVersion}/${kind}`);
  }

  /** Group → served versions, in the order definitions list them. */
  groups(): Map<string, string[]> {
    const out = new Map<string, string[]>();
    for (const d of this.definitions) {
      const versions = out.get(d.group) ?? [];
      if (!versions.includes(d.version)) versions.push(d.version);
      out.set(d.group, versions);
    }
    return out;
  }
}
