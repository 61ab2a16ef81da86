// Derives what a workload's context says about it from the other objects in the same set:
// port exposure through Services, Ingresses and Routes; NetworkPolicy isolation; the RBAC level
// of its service account; PDB and HPA coverage; references to absent Secrets and ConfigMaps.

import type {
  BindingObject,
  ClusterObject,
  HorizontalPodAutoscalerObject,
  IngressObject,
  NetworkPolicyObject,
  PodDisruptionBudgetObject,
  PolicyRule,
  PortExposure,
  RbacLevel,
  RoleObject,
  ServiceAccountObject,
  ServiceObject,
  Workload,
  WorkloadContext,
} from '../model/index.ts';
import { firstMatchLabel, indexBySelector, mapSelectorMatches, selectorMatches } from './labels.ts';

/** Objects without a namespace in a manifest land in "default" when applied. */
export function effectiveNamespace(namespace: string): string {
  return namespace === '' ? 'default' : namespace;
}

function groupByNamespace<T extends { meta: { namespace: string } }>(
  items: readonly T[],
): Map<string, T[]> {
  const map = new Map<string, T[]>();
  for (const item of items) {
    const ns = effectiveNamespace(item.meta.namespace);
    const list = map.get(ns);
    if (list) list.push(item);
    else map.set(ns, [item]);
  }
  return map;
}

// Built-in ClusterRoles (k8s.io/kubernetes plugin/pkg/auth/authorizer/rbac/bootstrappolicy):
// cluster-admin grants everything; admin, edit and view grant namespaced access.
const wildcardRule: PolicyRule = {
  apiGroups: ['*'],
  resources: ['*'],
  verbs: ['*'],
  resourceNames: [],
  nonResourceURLs: [],
};
const builtinRoles: Record<string, readonly PolicyRule[]> = {
  'cluster-admin': [wildcardRule],
  admin: [
    {
      apiGroups: ['', 'apps'],
      resources: ['pods', 'secrets', 'deployments', 'roles', 'rolebindings'],
      verbs: ['*'],
      resourceNames: [],
      nonResourceURLs: [],
    },
  ],
  edit: [
    {
      apiGroups: ['', 'apps'],
      resources: ['pods', 'secrets', 'deployments'],
      verbs: ['*'],
      resourceNames: [],
      nonResourceURLs: [],
    },
  ],
  view: [
    {
      apiGroups: ['', 'apps'],
      resources: ['pods', 'deployments'],
      verbs: ['get', 'list', 'watch'],
      resourceNames: [],
      nonResourceURLs: [],
    },
  ],
};

export function grantsEverything(rules: readonly PolicyRule[]): boolean {
  return rules.some(
    (r) => r.verbs.includes('*') && r.resources.includes('*') && r.apiGroups.includes('*'),
  );
}

type SelectorLookup<T> = (labels: Readonly<Record<string, string>>) => T[];

function indexByNamespace<T extends { meta: { namespace: string } }>(
  items: readonly T[],
  requiredPair: (item: T) => readonly [string, string] | undefined,
): Map<string, SelectorLookup<T>> {
  const map = new Map<string, SelectorLookup<T>>();
  for (const [namespace, list] of groupByNamespace(items))
    map.set(namespace, indexBySelector(list, requiredPair));
  return map;
}

interface Inventory {
  readonly services: Map<string, SelectorLookup<ServiceObject>>;
  readonly ingresses: Map<string, IngressObject[]>;
  readonly networkPolicies: Map<string, SelectorLookup<NetworkPolicyObject>>;
  readonly serviceAccounts: Map<string, ServiceAccountObject>;
  readonly pdbs: Map<string, SelectorLookup<PodDisruptionBudgetObject>>;
  readonly hpas: Map<string, HorizontalPodAutoscalerObject[]>;
  readonly configs: Set<string>;
  readonly roles: Map<string, RoleObject>;
  /** Bindings by subject: "sa:<ns>/<name>" or "group:<name>"; avoids a scan per workload. */
  readonly bindingsBySubject: ReadonlyMap<string, readonly BindingObject[]>;
  readonly hasServiceAccounts: boolean;
  readonly hasConfigs: boolean;
}

function buildInventory(objects: readonly ClusterObject[]): Inventory {
  // One pass over the objects, however many kinds are asked for.
  const kinds = new Map<ClusterObject['kind'], ClusterObject[]>();
  for (const object of objects) {
    const list = kinds.get(object.kind);
    if (list) list.push(object);
    else kinds.set(object.kind, [object]);
  }
  const byKind = <K extends ClusterObject['kind']>(kind: K) =>
    (kinds.get(kind) ?? []) as Extract<ClusterObject, { kind: K }>[];
  const serviceAccounts = new Map<string, ServiceAccountObject>();
  for (const sa of byKind('ServiceAccount'))
    serviceAccounts.set(`${effectiveNamespace(sa.meta.namespace)}/${sa.meta.name}`, sa);
  const configs = new Set<string>();
  for (const c of byKind('Config'))
    configs.add(`${effectiveNamespace(c.meta.namespace)}/${c.flavour}/${c.meta.name}`);
  const roles = new Map<string, RoleObject>();
  for (const role of byKind('Role')) {
    roles.set(
      role.clusterScoped
        ? `ClusterRole//${role.meta.name}`
        : `Role/${effectiveNamespace(role.meta.namespace)}/${role.meta.name}`,
      role,
    );
  }
  return {
    services: indexByNamespace(byKind('Service'), (s) => {
      for (const key in s.selector) return [key, s.selector[key] ?? ''] as const;
      return undefined;
    }),
    ingresses: groupByNamespace(byKind('Ingress')),
    networkPolicies: indexByNamespace(byKind('NetworkPolicy'), (p) =>
      firstMatchLabel(p.podSelector),
    ),
    serviceAccounts,
    pdbs: indexByNamespace(byKind('PodDisruptionBudget'), (p) => firstMatchLabel(p.selector)),
    hpas: groupByNamespace(byKind('HorizontalPodAutoscaler')),
    configs,
    roles,
    bindingsBySubject: indexBindings(byKind('Binding')),
    hasServiceAccounts: serviceAccounts.size > 0,
    hasConfigs: configs.size > 0,
  };
}

function exposureOf(workload: Workload, namespace: string, inventory: Inventory): PortExposure[] {
  const exposure: PortExposure[] = [];
  for (const container of workload.containers) {
    for (const port of container.ports) {
      if (port.hostPort > 0) {
        exposure.push({
          containerPort: port.containerPort,
          protocol: port.protocol,
          level: 'HOST',
          nodePort: port.hostPort,
          via: 'hostPort',
        });
      }
    }
  }
  if (workload.hostNetwork) {
    for (const container of workload.containers) {
      for (const port of container.ports) {
        exposure.push({
          containerPort: port.containerPort,
          protocol: port.protocol,
          level: 'HOST',
          nodePort: port.containerPort,
          via: 'hostNetwork',
        });
      }
    }
  }
  const ingresses = inventory.ingresses.get(namespace) ?? [];
  for (const service of inventory.services.get(namespace)?.(workload.podLabels) ?? []) {
    if (!mapSelectorMatches(service.selector, workload.podLabels)) continue;
    const routedBy = ingresses.filter((i) => i.backendServices.includes(service.meta.name));
    for (const servicePort of service.ports) {
      const containerPort = resolveTargetPort(workload, servicePort.targetPort);
      const protocol = servicePort.protocol;
      const via = `Service ${service.meta.name}`;
      const level =
        service.type === 'LoadBalancer'
          ? 'EXTERNAL'
          : service.type === 'NodePort'
            ? 'NODE'
            : 'INTERNAL';
      exposure.push({ containerPort, protocol, level, nodePort: servicePort.nodePort, via });
      if (service.externalIPs.length > 0) {
        exposure.push({
          containerPort,
          protocol,
          level: 'EXTERNAL',
          nodePort: 0,
          via: `${via} externalIPs`,
        });
      }
      for (const ingress of routedBy) {
        exposure.push({
          containerPort,
          protocol,
          level: ingress.flavour === 'Route' ? 'ROUTE' : 'EXTERNAL',
          nodePort: 0,
          via: `${ingress.flavour} ${ingress.meta.name}`,
        });
      }
    }
  }
  for (const container of workload.containers) {
    for (const port of container.ports) {
      if (
        !exposure.some(
          (e) => e.containerPort === port.containerPort && e.protocol === port.protocol,
        )
      ) {
        exposure.push({
          containerPort: port.containerPort,
          protocol: port.protocol,
          level: 'UNSET',
          nodePort: 0,
          via: '',
        });
      }
    }
  }
  return exposure;
}

function resolveTargetPort(workload: Workload, targetPort: string): number {
  const number = Number(targetPort);
  if (Number.isInteger(number) && targetPort !== '') return number;
  for (const container of workload.containers) {
    const named = container.ports.find((p) => p.name === targetPort);
    if (named) return named.containerPort;
  }
  return 0;
}

function subjectIsServiceAccount(binding: BindingObject, namespace: string, name: string): boolean {
  return binding.subjects.some(
    (s) =>
      (s.kind === 'ServiceAccount' &&
        s.name === name &&
        effectiveNamespace(s.namespace || binding.meta.namespace) === namespace) ||
      (s.kind === 'Group' &&
        (s.name === 'system:serviceaccounts' || s.name === `system:serviceaccounts:${namespace}`)),
  );
}

function resolveRoleRules(
  binding: BindingObject,
  inventory: Inventory,
): readonly PolicyRule[] | null {
  const { kind, name } = binding.roleRef;
  if (kind === 'ClusterRole')
    return inventory.roles.get(`ClusterRole//${name}`)?.rules ?? builtinRoles[name] ?? null;
  return (
    inventory.roles.get(`Role/${effectiveNamespace(binding.meta.namespace)}/${name}`)?.rules ?? null
  );
}

function rulesOfRoleRef(binding: BindingObject, inventory: Inventory): readonly PolicyRule[] {
  const { kind, name } = binding.roleRef;
  if (kind === 'ClusterRole')
    return inventory.roles.get(`ClusterRole//${name}`)?.rules ?? builtinRoles[name] ?? [];
  return (
    inventory.roles.get(`Role/${effectiveNamespace(binding.meta.namespace)}/${name}`)?.rules ?? []
  );
}

/**
 * The service account's permission level, after StackRox's PermissionLevel: CLUSTER_ADMIN when a
 * cluster-wide binding grants every verb on every resource; ELEVATED_CLUSTER_WIDE for any other
 * cluster-wide grant; ELEVATED_IN_NAMESPACE for grants within the namespace; DEFAULT otherwise.
 */
function indexBindings(bindings: readonly BindingObject[]): Map<string, BindingObject[]> {
  const index = new Map<string, BindingObject[]>();
  for (const binding of bindings) {
    const keys = new Set<string>();
    for (const s of binding.subjects) {
      if (s.kind === 'ServiceAccount')
        keys.add(`sa:${effectiveNamespace(s.namespace || binding.meta.namespace)}/${s.name}`);
      else if (s.kind === 'Group') keys.add(`group:${s.name}`);
    }
    for (const key of keys) {
      const list = index.get(key);
      if (list) list.push(binding);
      else index.set(key, [binding]);
    }
  }
  return index;
}

export function rbacLevelOf(
  namespace: string,
  serviceAccount: string,
  inventory: Inventory,
): RbacLevel {
  let level: RbacLevel = 'DEFAULT';
  const bySubject = inventory.bindingsBySubject;
  const lists = [
    bySubject.get(`sa:${namespace}/${serviceAccount}`),
    bySubject.get('group:system:serviceaccounts'),
    bySubject.get(`group:system:serviceaccounts:${namespace}`),
  ].filter((list) => list !== undefined);
  // Usually one list of one binding; a binding naming the account and a group is in two.
  const candidates = lists.length === 1 ? (lists[0] ?? []) : new Set(lists.flat());
  for (const binding of candidates) {
    if (!subjectIsServiceAccount(binding, namespace, serviceAccount)) continue;
    if (!binding.clusterScoped && effectiveNamespace(binding.meta.namespace) !== namespace)
      continue;
    const rules = rulesOfRoleRef(binding, inventory);
    if (rules.length === 0) continue;
    if (binding.clusterScoped) {
      if (grantsEverything(rules)) return 'CLUSTER_ADMIN';
      level = 'ELEVATED_CLUSTER_WIDE';
    } else if (level === 'DEFAULT') {
      level = 'ELEVATED_IN_NAMESPACE';
    }
  }
  return level;
}

function danglingReferencesOf(
  workload: Workload,
  namespace: string,
  inventory: Inventory,
): string[] {
  if (!inventory.hasConfigs) return [];
  const missing = new Set<string>();
  for (const container of workload.containers) {
    for (const env of container.env) {
      if (
        env.source === 'SECRET_KEY' &&
        env.refName &&
        !inventory.configs.has(`${namespace}/Secret/${env.refName}`)
      ) {
        missing.add(`Secret ${env.refName}`);
      }
      if (
        env.source === 'CONFIG_MAP_KEY' &&
        env.refName &&
        !inventory.configs.has(`${namespace}/ConfigMap/${env.refName}`)
      ) {
        missing.add(`ConfigMap ${env.refName}`);
      }
    }
    for (const from of container.envFrom) {
      if (!inventory.configs.has(`${namespace}/${from.kind}/${from.name}`))
        missing.add(`${from.kind} ${from.name}`);
    }
  }
  return [...missing];
}

function contextOf(workload: Workload, inventory: Inventory): WorkloadContext {
  const namespace = effectiveNamespace(workload.meta.namespace);
  const policies = (inventory.networkPolicies.get(namespace)?.(workload.podLabels) ?? []).filter(
    (p) => selectorMatches(p.podSelector, workload.podLabels),
  );
  const serviceAccount = inventory.serviceAccounts.get(
    `${namespace}/${workload.serviceAccountName}`,
  );
  const serviceAccountExists =
    workload.serviceAccountName === 'default' || !inventory.hasServiceAccounts
      ? serviceAccount
        ? true
        : null
      : Boolean(serviceAccount);
  return {
    exposure: exposureOf(workload, namespace, inventory),
    hasIngressNetworkPolicy: policies.some((p) => p.policyTypes.includes('Ingress')),
    hasEgressNetworkPolicy: policies.some((p) => p.policyTypes.includes('Egress')),
    rbacLevel: rbacLevelOf(namespace, workload.serviceAccountName, inventory),
    serviceAccountExists,
    serviceAccountAutomount: serviceAccount?.automountServiceAccountToken,
    hasPodDisruptionBudget: (inventory.pdbs.get(namespace)?.(workload.podLabels) ?? []).some(
      (pdb) =>
        pdb.selector.matchExpressions.length + Object.keys(pdb.selector.matchLabels).length > 0 &&
        selectorMatches(pdb.selector, workload.podLabels),
    ),
    targetedByHpa: (inventory.hpas.get(namespace) ?? []).some(
      (hpa) => hpa.targetKind === workload.workloadKind && hpa.targetName === workload.meta.name,
    ),
    danglingReferences: danglingReferencesOf(workload, namespace, inventory),
  };
}

/** Returns the objects with every workload's context filled in from the rest of the set. */
export function deriveContexts(objects: readonly ClusterObject[]): ClusterObject[] {
  const inventory = buildInventory(objects);
  return objects.map((object) => {
    if (object.kind === 'Workload') return { ...object, context: contextOf(object, inventory) };
    if (object.kind === 'Binding')
      return { ...object, roleRules: resolveRoleRules(object, inventory) };
    return object;
  });
}

/**
 * deriveContexts for objects the caller has just made and nobody else holds (normaliseAll):
 * fills them in place instead of copying 10,000s of objects.
 */
export function deriveContextsInPlace(objects: ClusterObject[]): ClusterObject[] {
  const inventory = buildInventory(objects);
  for (const object of objects) {
    if (object.kind === 'Workload')
      (object as { context: WorkloadContext }).context = contextOf(object, inventory);
    else if (object.kind === 'Binding')
      (object as { roleRules?: readonly PolicyRule[] | null }).roleRules = resolveRoleRules(
        object,
        inventory,
      );
  }
  return objects;
}
