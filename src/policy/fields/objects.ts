// Criteria fields for the objects beyond workloads (Palisade extensions): RBAC roles and
// bindings, Services, Ingresses and Routes, ServiceAccounts, ConfigMaps and Secrets, Namespaces,
// PodDisruptionBudgets and HorizontalPodAutoscalers. A policy using them states its subject.

import type { ObjectMeta, PolicyRule } from '../../model/index.ts';
import { defineField, pair, triple } from '../field.ts';
import type { FieldDefinition, LevelScopes } from '../field.ts';
import type { ValuePredicate, ValueSyntax } from '../values.ts';
import { booleanSyntax, keyValueSyntax, numberSyntax, regexSyntax } from '../values.ts';
import { compileValueRegex } from '../regex.ts';
import type { ValueRegex } from '../regex.ts';
import { isValidPortName } from './workload.ts';

// API groups of the resources policies name (kubectl api-resources on Kubernetes 1.30), with the
// subresources a "<resource>/*" rule grants. A rule grants a resource only within its apiGroups.
const resourceGroups: Readonly<Record<string, readonly string[]>> = {
  pods: [''],
  secrets: [''],
  configmaps: [''],
  services: [''],
  endpoints: [''],
  serviceaccounts: [''],
  nodes: [''],
  namespaces: [''],
  persistentvolumes: [''],
  persistentvolumeclaims: [''],
  replicationcontrollers: [''],
  events: ['', 'events.k8s.io'],
  users: [''],
  groups: [''],
  uids: ['authentication.k8s.io'],
  userextras: ['authentication.k8s.io'],
  deployments: ['apps', 'extensions'],
  replicasets: ['apps', 'extensions'],
  statefulsets: ['apps'],
  daemonsets: ['apps', 'extensions'],
  jobs: ['batch'],
  cronjobs: ['batch'],
  roles: ['rbac.authorization.k8s.io'],
  clusterroles: ['rbac.authorization.k8s.io'],
  rolebindings: ['rbac.authorization.k8s.io'],
  clusterrolebindings: ['rbac.authorization.k8s.io'],
  ingresses: ['networking.k8s.io', 'extensions'],
  networkpolicies: ['networking.k8s.io', 'extensions'],
  endpointslices: ['discovery.k8s.io'],
  validatingwebhookconfigurations: ['admissionregistration.k8s.io'],
  mutatingwebhookconfigurations: ['admissionregistration.k8s.io'],
  certificatesigningrequests: ['certificates.k8s.io'],
  signers: ['certificates.k8s.io'],
};

const subresources: Readonly<Record<string, readonly string[]>> = {
  pods: [
    'exec',
    'attach',
    'portforward',
    'proxy',
    'log',
    'status',
    'eviction',
    'binding',
    'ephemeralcontainers',
  ],
  nodes: ['proxy', 'status'],
  services: ['proxy', 'status'],
  serviceaccounts: ['token'],
  certificatesigningrequests: ['approval', 'status'],
  deployments: ['scale', 'status'],
  statefulsets: ['scale', 'status'],
  replicasets: ['scale', 'status'],
};

/** Every known resource and subresource name in the given API groups ("*" is all of them). */
function knownResourcesIn(groups: readonly string[]): string[] {
  const all = groups.includes('*');
  return Object.entries(resourceGroups)
    .filter(([, g]) => all || g.some((group) => groups.includes(group)))
    .flatMap(([name]) => [name, ...(subresources[name] ?? []).map((sub) => `${name}/${sub}`)]);
}

/** Whether a rule's resource entry, within its API groups, covers a resource the regex names. */
function ruleCovers(resource: string, groups: readonly string[], named: ValueRegex): boolean {
  if (resource === '*') return knownResourcesIn(groups).some((r) => named.test(r));
  const base = resource.split('/')[0] ?? resource;
  const known = resourceGroups[base];
  const inGroup =
    known === undefined || groups.includes('*') || known.some((g) => groups.includes(g));
  if (!inGroup) return false;
  if (resource.endsWith('/*'))
    return (subresources[base] ?? []).some((sub) => named.test(`${base}/${sub}`));
  return named.test(resource);
}

/**
 * verb=resource, each a regex. A rule grants what the RBAC authorizer would allow
 * (k8s.io/apiserver rbac VerbMatches/ResourceMatches): "*" verbs grant any verb; "*" or
 * "<resource>/*" resources grant the known (sub)resources of the rule's apiGroups.
 */
export const grantSyntax: ValueSyntax = {
  describe:
    'verb=resource (each a regex; a rule with * grants any verb, or any resource of its apiGroups)',
  parse(raw): ValuePredicate {
    const eq = raw.indexOf('=');
    if (eq < 0) throw new Error(`expected verb=resource, got '${raw}'`);
    const verbRe = compileValueRegex(raw.slice(0, eq) || '.*');
    const resourceRe = compileValueRegex(raw.slice(eq + 1) || '.*');
    return (v) => {
      if (!Array.isArray(v) || v.length !== 3) return false;
      const [verb, resource, groups] = v as readonly [string, string, string];
      return (
        (verb === '*' || verbRe.test(verb)) && ruleCovers(resource, groups.split(','), resourceRe)
      );
    };
  },
};

const grantsCache = new WeakMap<PolicyRule, readonly (readonly [string, string, string])[]>();

/** verb × resource grants of a rule, computed once per rule (many policies read them). */
function grantsOf(rule: PolicyRule): readonly (readonly [string, string, string])[] {
  let grants = grantsCache.get(rule);
  if (!grants) {
    const groups = rule.apiGroups.join(',');
    grants = rule.verbs.flatMap((verb) =>
      rule.resources.map((resource) => triple(verb, resource, groups)),
    );
    grantsCache.set(rule, grants);
  }
  return grants;
}

const ruleLevels = ['roleRule', 'bindingRule'] as const;

// Verbs that, granted together on every resource, amount to cluster-admin (as Polaris counts it).
const everyVerb = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'];

function metaOf(scope: Partial<Record<string, unknown>>): ObjectMeta {
  for (const key of [
    'role',
    'binding',
    'service',
    'ingress',
    'networkPolicy',
    'serviceAccount',
    'config',
    'namespace',
    'pdb',
    'hpa',
  ]) {
    const object = scope[key] as { meta?: ObjectMeta } | undefined;
    if (object?.meta) return object.meta;
  }
  throw new Error('no object in scope');
}

const nonWorkloadRoots = [
  'role',
  'binding',
  'service',
  'ingress',
  'networkPolicy',
  'serviceAccount',
  'config',
  'namespace',
  'pdb',
  'hpa',
] as const;

/** The namespace an object is in; a Namespace (whose metadata.namespace is always '') is in itself. */
function namespaceOf(scope: Partial<Record<string, unknown>>): string {
  const meta = metaOf(scope);
  return scope.namespace !== undefined ? meta.name : meta.namespace;
}

const label = (meta: ObjectMeta) => `${meta.kind} '${meta.name}'`;

function percentOrNumber(value: string | null): { percent: boolean; n: number } | null {
  if (value === null) return null;
  const percent = value.endsWith('%');
  const n = Number(percent ? value.slice(0, -1) : value);
  return Number.isFinite(n) ? { percent, n } : null;
}

type RootScope = LevelScopes[(typeof nonWorkloadRoots)[number]];

export const objectFields: FieldDefinition[] = [
  // Shared metadata fields on every non-workload subject (the workload versions live in workload.ts).
  defineField<(typeof nonWorkloadRoots)[number]>({
    name: 'Namespace',
    levels: nonWorkloadRoots,
    syntax: regexSyntax,
    negatable: true,
    description:
      "The object's namespace (a Namespace's own name; '' for other cluster-scoped objects and when unset).",
    extract: (scope: RootScope) => namespaceOf(scope),
    describe: (scope: RootScope) =>
      `${label(metaOf(scope))} is in namespace '${namespaceOf(scope) || 'default'}'`,
  }),
  defineField<(typeof nonWorkloadRoots)[number]>({
    name: 'Object Name',
    levels: nonWorkloadRoots,
    syntax: regexSyntax,
    negatable: true,
    extension: true,
    description: 'metadata.name of the object.',
    extract: (scope: RootScope) => metaOf(scope).name,
    describe: (scope: RootScope) => `${label(metaOf(scope))} matches by name`,
  }),
  defineField<(typeof nonWorkloadRoots)[number]>({
    name: 'Required Label',
    levels: nonWorkloadRoots,
    syntax: keyValueSyntax,
    required: true,
    description: 'Violates when no label of the object matches key=value.',
    extract: (scope: RootScope) => Object.entries(metaOf(scope).labels).map(([k, v]) => pair(k, v)),
    describe: (scope: RootScope) => `${label(metaOf(scope))} is missing a required label`,
  }),
  defineField<(typeof nonWorkloadRoots)[number]>({
    name: 'Disallowed Annotation',
    levels: nonWorkloadRoots,
    syntax: keyValueSyntax,
    description: 'Violates when an annotation of the object matches key=value.',
    extract: (scope: RootScope) =>
      Object.entries(metaOf(scope).annotations).map(([k, v]) => pair(k, v)),
    describe: (scope: RootScope, values) =>
      `${label(metaOf(scope))} has annotation(s) ${values.map((v) => (Array.isArray(v) ? String(v[0]) : String(v))).join(', ')}`,
  }),
  defineField<(typeof nonWorkloadRoots)[number]>({
    name: 'API Version',
    levels: nonWorkloadRoots,
    syntax: regexSyntax,
    negatable: true,
    extension: true,
    description: 'apiVersion of the object as written (networking.k8s.io/v1, policy/v1beta1, …).',
    extract: (scope: RootScope) => metaOf(scope).apiVersion,
    describe: (scope: RootScope) =>
      `${label(metaOf(scope))} uses apiVersion '${metaOf(scope).apiVersion}', which is deprecated or removed; move to the stable apiVersion`,
  }),
  // RBAC rules (of a Role/ClusterRole, or of the role a binding references).
  defineField<(typeof ruleLevels)[number]>({
    name: 'RBAC Grant',
    levels: ruleLevels,
    syntax: grantSyntax,
    extension: true,
    description: 'verb=resource pairs a rule grants; * in the rule grants any verb or resource.',
    extract: ({ rule }) => grantsOf(rule),
    describe: (scope, values) => {
      const meta = metaOf(scope);
      const grants = values
        .map((v) => (Array.isArray(v) ? `${String(v[0])} ${String(v[1])}` : String(v)))
        .join(', ');
      return `${label(meta)} grants ${grants}`;
    },
  }),
  defineField<(typeof ruleLevels)[number]>({
    name: 'RBAC API Group',
    levels: ruleLevels,
    syntax: regexSyntax,
    extension: true,
    description: "apiGroups of a rule ('' is the core group).",
    extract: ({ rule }) => rule.apiGroups,
    describe: (scope, values) =>
      `${label(metaOf(scope))} has a rule on API group(s) ${values.map((v) => (v === '' ? "'' (core)" : String(v))).join(', ')}`,
  }),
  defineField<(typeof ruleLevels)[number]>({
    name: 'RBAC Verb',
    levels: ruleLevels,
    syntax: regexSyntax,
    extension: true,
    description: 'Verbs of a rule, as written.',
    extract: ({ rule }) => rule.verbs,
    describe: (scope, values) =>
      `${label(metaOf(scope))} has a rule with verb(s) ${values.join(', ')}`,
  }),
  defineField<(typeof ruleLevels)[number]>({
    name: 'RBAC Resource',
    levels: ruleLevels,
    syntax: regexSyntax,
    extension: true,
    description: 'Resources of a rule, as written (pods, pods/exec, *).',
    extract: ({ rule }) => rule.resources,
    describe: (scope, values) =>
      `${label(metaOf(scope))} has a rule on resource(s) ${values.join(', ')}`,
  }),
  defineField({
    name: 'Cluster Scoped',
    levels: ['role', 'binding'],
    syntax: booleanSyntax,
    multiple: false,
    extension: true,
    description: 'Whether the role or binding is cluster-wide (ClusterRole, ClusterRoleBinding).',
    extract: (scope: LevelScopes['role' | 'binding']) =>
      'role' in scope ? scope.role.clusterScoped : scope.binding.clusterScoped,
    describe: (scope: LevelScopes['role' | 'binding']) => {
      const object = 'role' in scope ? scope.role : scope.binding;
      return `${label(object.meta)} is ${object.clusterScoped ? 'cluster-wide' : 'namespaced'}`;
    },
  }),
  defineField({
    name: 'Role Reference',
    levels: ['binding'],
    syntax: regexSyntax,
    negatable: true,
    extension: true,
    description: 'roleRef.name of a binding.',
    extract: ({ binding }) => binding.roleRef.name,
    describe: ({ binding }) =>
      `${label(binding.meta)} binds ${binding.roleRef.kind} '${binding.roleRef.name}'`,
  }),
  defineField({
    name: 'Role Reference Kind',
    levels: ['binding'],
    syntax: regexSyntax,
    negatable: true,
    extension: true,
    description: 'roleRef.kind of a binding (Role or ClusterRole).',
    extract: ({ binding }) => binding.roleRef.kind,
  }),
  defineField({
    name: 'Binding Grants Everything',
    levels: ['binding'],
    syntax: booleanSyntax,
    multiple: false,
    extension: true,
    description:
      'Whether the referenced role grants every verb (* or all of get, list, watch, create, update, patch and delete) on every resource (cluster-admin or equivalent).',
    extract: ({ binding }) =>
      binding.roleRef.name === 'cluster-admin' ||
      (binding.roleRules ?? []).some(
        (r) =>
          r.resources.includes('*') &&
          r.apiGroups.includes('*') &&
          (r.verbs.includes('*') || everyVerb.every((verb) => r.verbs.includes(verb))),
      ),
    describe: ({ binding }) =>
      `${label(binding.meta)} grants every permission (${binding.roleRef.kind} '${binding.roleRef.name}')`,
  }),
  defineField({
    name: 'Role Reference Found',
    levels: ['binding'],
    syntax: booleanSyntax,
    multiple: false,
    extension: true,
    description:
      "Whether the binding's roleRef resolves to a Role or ClusterRole in the same set (or a built-in ClusterRole: cluster-admin, admin, edit, view).",
    extract: ({ binding }) => binding.roleRules !== null,
    describe: ({ binding }) =>
      binding.roleRules === null
        ? `${label(binding.meta)} binds ${binding.roleRef.kind} '${binding.roleRef.name}', which is not in the input, so its permissions cannot be checked`
        : `${label(binding.meta)} binds ${binding.roleRef.kind} '${binding.roleRef.name}', which is in the input`,
  }),
  defineField({
    name: 'Binding Subject',
    levels: ['bindingSubject'],
    syntax: keyValueSyntax,
    extension: true,
    description: 'kind=name of a binding subject (User, Group, ServiceAccount).',
    extract: ({ subject }) => [pair(subject.kind, subject.name)],
    describe: ({ binding, subject }) =>
      `${label(binding.meta)} binds ${subject.kind} '${subject.name}'`,
  }),
  // Services.
  defineField({
    name: 'Service Type',
    levels: ['service'],
    syntax: regexSyntax,
    negatable: true,
    extension: true,
    description: 'spec.type of a Service (ClusterIP when unset).',
    extract: ({ service }) => service.type,
    describe: ({ service }) => `Service '${service.meta.name}' is of type ${service.type}`,
  }),
  defineField({
    name: 'Service Port',
    levels: ['servicePort'],
    syntax: numberSyntax,
    negatable: true,
    extension: true,
    description: 'port of a Service port.',
    extract: ({ servicePort }) => servicePort.port,
    describe: ({ service, servicePort }) =>
      `Service '${service.meta.name}' exposes port ${servicePort.port}/${servicePort.protocol}`,
  }),
  defineField({
    name: 'Service External IPs',
    levels: ['service'],
    syntax: booleanSyntax,
    multiple: false,
    extension: true,
    description: 'Whether spec.externalIPs is set (CVE-2020-8554).',
    extract: ({ service }) => service.externalIPs.length > 0,
    describe: ({ service }) =>
      `Service '${service.meta.name}' sets externalIPs ${service.externalIPs.join(', ')}`,
  }),
  defineField({
    name: 'Invalid Target Port Name',
    levels: ['servicePort'],
    syntax: booleanSyntax,
    multiple: false,
    extension: true,
    description:
      'Whether targetPort is a name that is not a valid IANA service name, so it can never match a container port.',
    extract: ({ servicePort }) =>
      !/^[0-9]+$/.test(servicePort.targetPort) && !isValidPortName(servicePort.targetPort),
    describe: ({ service, servicePort }) =>
      `Service '${service.meta.name}' port ${servicePort.port} targets '${servicePort.targetPort}', which is not a valid port name; use the container port's number or a name of at most 15 lowercase letters, digits and hyphens`,
  }),
  // Ingresses and Routes.
  defineField({
    name: 'Ingress TLS',
    levels: ['ingress'],
    syntax: booleanSyntax,
    multiple: false,
    extension: true,
    description: 'Whether the Ingress (spec.tls) or Route (spec.tls) terminates TLS.',
    extract: ({ ingress }) => ingress.tls,
    describe: ({ ingress }) => `${ingress.flavour} '${ingress.meta.name}' has no TLS; add spec.tls`,
  }),
  // ServiceAccounts.
  defineField({
    name: 'Automount Service Account Token',
    levels: ['serviceAccount'],
    syntax: booleanSyntax,
    multiple: false,
    description: 'automountServiceAccountToken of a ServiceAccount (true when unset).',
    extract: ({ serviceAccount }) => serviceAccount.automountServiceAccountToken ?? true,
    describe: ({ serviceAccount }) =>
      `ServiceAccount '${serviceAccount.meta.name}' automounts its token; set automountServiceAccountToken: false`,
  }),
  // ConfigMaps and Secrets.
  defineField({
    name: 'Config Kind',
    levels: ['config'],
    syntax: regexSyntax,
    extension: true,
    description: 'ConfigMap or Secret.',
    extract: ({ config }) => config.flavour,
    describe: ({ config }) => `${config.flavour} '${config.meta.name}' is a ${config.flavour}`,
  }),
  defineField({
    name: 'Config Key',
    levels: ['configEntry'],
    syntax: regexSyntax,
    negatable: true,
    extension: true,
    description: 'A data key of a ConfigMap or Secret.',
    extract: ({ entry }) => entry[0],
    describe: ({ config, entry }) =>
      `${config.flavour} '${config.meta.name}' has key '${entry[0]}'`,
  }),
  defineField({
    name: 'Config Value',
    levels: ['configEntry'],
    syntax: regexSyntax,
    extension: true,
    description: 'A data value of a ConfigMap (Secret values are never read).',
    extract: ({ entry }) => entry[1],
    describe: ({ config, entry }) =>
      `${config.flavour} '${config.meta.name}' key '${entry[0]}' holds a value that looks like a secret`,
  }),
  // PodDisruptionBudgets.
  defineField({
    name: 'PDB Blocks Evictions',
    levels: ['pdb'],
    syntax: booleanSyntax,
    multiple: false,
    extension: true,
    description:
      'Whether maxUnavailable is 0 (or 0%) or minAvailable is 100%, so no voluntary eviction can proceed.',
    extract: ({ pdb }) => {
      const max = percentOrNumber(pdb.maxUnavailable);
      const min = percentOrNumber(pdb.minAvailable);
      return (max !== null && max.n === 0) || (min !== null && min.percent && min.n >= 100);
    },
    describe: ({ pdb }) =>
      `PodDisruptionBudget '${pdb.meta.name}' allows no disruptions (maxUnavailable ${pdb.maxUnavailable ?? 'unset'}, minAvailable ${pdb.minAvailable ?? 'unset'})`,
  }),
  defineField({
    name: 'PDB Unhealthy Pod Eviction Policy',
    levels: ['pdb'],
    syntax: regexSyntax,
    negatable: true,
    extension: true,
    description: "spec.unhealthyPodEvictionPolicy ('' when unset).",
    extract: ({ pdb }) => pdb.unhealthyPodEvictionPolicy,
    describe: ({ pdb }) =>
      `PodDisruptionBudget '${pdb.meta.name}' sets no unhealthyPodEvictionPolicy`,
  }),
  // HorizontalPodAutoscalers.
  defineField({
    name: 'HPA Min Replicas',
    levels: ['hpa'],
    syntax: numberSyntax,
    extension: true,
    description: 'spec.minReplicas (1 when unset).',
    extract: ({ hpa }) => hpa.minReplicas,
    describe: ({ hpa }) =>
      `HorizontalPodAutoscaler '${hpa.meta.name}' allows as few as ${hpa.minReplicas} replica(s)`,
  }),
  defineField({
    name: 'HPA Max Equals Min',
    levels: ['hpa'],
    syntax: booleanSyntax,
    multiple: false,
    extension: true,
    description: 'Whether maxReplicas equals minReplicas, so the autoscaler cannot scale.',
    extract: ({ hpa }) => hpa.maxReplicas <= hpa.minReplicas,
    describe: ({ hpa }) =>
      `HorizontalPodAutoscaler '${hpa.meta.name}' has maxReplicas ${hpa.maxReplicas} not above minReplicas ${hpa.minReplicas}`,
  }),
];
