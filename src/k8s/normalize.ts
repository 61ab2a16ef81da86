// Turns raw Kubernetes objects into the normalised model: every workload kind into one Workload,
// and the objects cross-object checks need (RBAC, Services, NetworkPolicies, …).
// It reads one object at a time; relations between objects are derived in derive.ts.

import type {
  Capabilities,
  ClusterObject,
  ConfigObject,
  Container,
  ContainerPort,
  ContainerType,
  EnvFrom,
  EnvVar,
  LabelSelector,
  LabelSelectorOperator,
  ManifestObject,
  ObjectMeta,
  PodSecurityContext,
  PolicyRule,
  Probe,
  ProfileRef,
  Resources,
  SecurityContext,
  SeLinuxOptions,
  Volume,
  VolumeMount,
  Workload,
  WorkloadContext,
  WorkloadKind,
} from '../model/index.ts';
import { parseImageRef } from './image-ref.ts';
import { parseQuantity } from './quantity.ts';
import {
  asArray,
  asOptionalBoolean,
  asOptionalNumber,
  asRecord,
  asString,
  asStringArray,
  asStringMap,
  isPresent,
} from './untyped.ts';
import type { UntypedRecord } from './untyped.ts';

export const emptyWorkloadContext: WorkloadContext = {
  exposure: [],
  hasIngressNetworkPolicy: false,
  hasEgressNetworkPolicy: false,
  rbacLevel: 'DEFAULT',
  serviceAccountExists: null,
  serviceAccountAutomount: undefined,
  hasPodDisruptionBudget: false,
  targetedByHpa: false,
  danglingReferences: [],
};

const clusterScopedKinds = new Set([
  'Namespace',
  'ClusterRole',
  'ClusterRoleBinding',
  'Node',
  'PersistentVolume',
]);

export function readMeta(object: ManifestObject): ObjectMeta {
  const metadata = asRecord(object.body.metadata);
  const namespace = clusterScopedKinds.has(object.kind) ? '' : asString(metadata.namespace);
  const meta: { -readonly [K in keyof ObjectMeta]: ObjectMeta[K] } = {
    apiVersion: object.apiVersion,
    kind: object.kind,
    name: asString(metadata.name) || asString(metadata.generateName),
    namespace,
    labels: asStringMap(metadata.labels),
    annotations: asStringMap(metadata.annotations),
    ownerKinds: asArray(metadata.ownerReferences).map((ref) => asString(asRecord(ref).kind)),
  };
  const uid = asString(metadata.uid);
  const resourceVersion = asString(metadata.resourceVersion);
  if (uid) meta.uid = uid;
  if (resourceVersion) meta.resourceVersion = resourceVersion;
  return meta;
}

export function readLabelSelector(value: unknown): LabelSelector {
  const selector = asRecord(value);
  return {
    matchLabels: asStringMap(selector.matchLabels),
    matchExpressions: asArray(selector.matchExpressions).map((expression) => {
      const e = asRecord(expression);
      return {
        key: asString(e.key),
        operator: (asString(e.operator) || 'Exists') as LabelSelectorOperator,
        values: asStringArray(e.values),
      };
    }),
  };
}

function readProfile(value: unknown): ProfileRef | undefined {
  const profile = asRecord(value);
  if (!isPresent(value) || !isPresent(profile.type)) return undefined;
  const localhostProfile = asString(profile.localhostProfile);
  return { type: asString(profile.type), ...(localhostProfile ? { localhostProfile } : {}) };
}

function readSeLinux(value: unknown): SeLinuxOptions | undefined {
  if (!isPresent(value)) return undefined;
  const options = asRecord(value);
  const out: { type?: string; user?: string; role?: string; level?: string } = {};
  for (const key of ['type', 'user', 'role', 'level'] as const) {
    if (isPresent(options[key])) out[key] = asString(options[key]);
  }
  return out;
}

function readPodSecurityContext(
  spec: UntypedRecord,
  annotations: Readonly<Record<string, string>>,
): PodSecurityContext {
  const sc = asRecord(spec.securityContext);
  // Legacy seccomp annotation (removed in 1.27 but still honoured by PSA's baseline check).
  const legacySeccomp = annotations['seccomp.security.alpha.kubernetes.io/pod'];
  let seccompProfile = readProfile(sc.seccompProfile);
  if (!seccompProfile && legacySeccomp !== undefined)
    seccompProfile = legacySeccompProfile(legacySeccomp);
  return {
    runAsNonRoot: asOptionalBoolean(sc.runAsNonRoot),
    runAsUser: asOptionalNumber(sc.runAsUser),
    runAsGroup: asOptionalNumber(sc.runAsGroup),
    fsGroup: asOptionalNumber(sc.fsGroup),
    supplementalGroups: asArray(sc.supplementalGroups).map((g) => asOptionalNumber(g) ?? -1),
    seccompProfile,
    appArmorProfile: readProfile(sc.appArmorProfile),
    seLinuxOptions: readSeLinux(sc.seLinuxOptions),
    sysctls: asArray(sc.sysctls).map((s) => ({
      name: asString(asRecord(s).name),
      value: asString(asRecord(s).value),
    })),
    windowsHostProcess: asOptionalBoolean(asRecord(sc.windowsOptions).hostProcess),
  };
}

/** Maps the legacy seccomp annotation values onto the securityContext profile types. */
function legacySeccompProfile(value: string): ProfileRef {
  if (value === 'runtime/default' || value === 'docker/default') return { type: 'RuntimeDefault' };
  if (value === 'unconfined') return { type: 'Unconfined' };
  if (value.startsWith('localhost/'))
    return { type: 'Localhost', localhostProfile: value.slice('localhost/'.length) };
  return { type: value };
}

function legacyAppArmorProfile(value: string): ProfileRef {
  if (value === 'runtime/default') return { type: 'RuntimeDefault' };
  if (value === 'unconfined') return { type: 'Unconfined' };
  if (value.startsWith('localhost/'))
    return { type: 'Localhost', localhostProfile: value.slice('localhost/'.length) };
  return { type: value };
}

function readCapabilities(value: unknown): Capabilities {
  const caps = asRecord(value);
  return { add: asStringArray(caps.add), drop: asStringArray(caps.drop) };
}

/** Container settings over pod settings, for the fields Kubernetes inherits (PodSecurityContext docs). */
function resolveSecurityContext(
  container: UntypedRecord,
  pod: PodSecurityContext,
  annotations: Readonly<Record<string, string>>,
  name: string,
): SecurityContext {
  const sc = asRecord(container.securityContext);
  let seccomp = readProfile(sc.seccompProfile);
  const legacySeccomp = annotations[`container.seccomp.security.alpha.kubernetes.io/${name}`];
  if (!seccomp && legacySeccomp !== undefined) seccomp = legacySeccompProfile(legacySeccomp);
  let appArmor = readProfile(sc.appArmorProfile);
  const legacyAppArmor = annotations[`container.apparmor.security.beta.kubernetes.io/${name}`];
  if (!appArmor && legacyAppArmor !== undefined && legacyAppArmor !== '')
    appArmor = legacyAppArmorProfile(legacyAppArmor);
  return {
    privileged: asOptionalBoolean(sc.privileged),
    allowPrivilegeEscalation: asOptionalBoolean(sc.allowPrivilegeEscalation),
    readOnlyRootFilesystem: asOptionalBoolean(sc.readOnlyRootFilesystem),
    runAsNonRoot: asOptionalBoolean(sc.runAsNonRoot) ?? pod.runAsNonRoot,
    runAsUser: asOptionalNumber(sc.runAsUser) ?? pod.runAsUser,
    runAsGroup: asOptionalNumber(sc.runAsGroup) ?? pod.runAsGroup,
    capabilities: readCapabilities(sc.capabilities),
    seccompProfile: seccomp ?? pod.seccompProfile,
    appArmorProfile: appArmor ?? pod.appArmorProfile,
    seLinuxOptions: readSeLinux(sc.seLinuxOptions) ?? pod.seLinuxOptions,
    procMount: isPresent(sc.procMount) ? asString(sc.procMount) : undefined,
    windowsHostProcess:
      asOptionalBoolean(asRecord(sc.windowsOptions).hostProcess) ?? pod.windowsHostProcess,
  };
}

function readEnv(container: UntypedRecord): EnvVar[] {
  return asArray(container.env).map((item) => {
    const env = asRecord(item);
    const name = asString(env.name);
    if (!isPresent(env.valueFrom)) {
      return { name, value: asString(env.value), source: isPresent(env.value) ? 'RAW' : 'UNSET' };
    }
    const from = asRecord(env.valueFrom);
    if (isPresent(from.secretKeyRef)) {
      const ref = asRecord(from.secretKeyRef);
      return {
        name,
        value: '',
        source: 'SECRET_KEY',
        refName: asString(ref.name),
        refKey: asString(ref.key),
      };
    }
    if (isPresent(from.configMapKeyRef)) {
      const ref = asRecord(from.configMapKeyRef);
      return {
        name,
        value: '',
        source: 'CONFIG_MAP_KEY',
        refName: asString(ref.name),
        refKey: asString(ref.key),
      };
    }
    if (isPresent(from.fieldRef))
      return { name, value: asString(asRecord(from.fieldRef).fieldPath), source: 'FIELD' };
    if (isPresent(from.resourceFieldRef)) {
      return {
        name,
        value: asString(asRecord(from.resourceFieldRef).resource),
        source: 'RESOURCE_FIELD',
      };
    }
    return { name, value: '', source: 'UNKNOWN' };
  });
}

function readEnvFrom(container: UntypedRecord): EnvFrom[] {
  const out: EnvFrom[] = [];
  for (const item of asArray(container.envFrom)) {
    const from = asRecord(item);
    if (isPresent(from.secretRef))
      out.push({ kind: 'Secret', name: asString(asRecord(from.secretRef).name) });
    if (isPresent(from.configMapRef))
      out.push({ kind: 'ConfigMap', name: asString(asRecord(from.configMapRef).name) });
  }
  return out;
}

function readPorts(container: UntypedRecord): ContainerPort[] {
  return asArray(container.ports).map((item) => {
    const port = asRecord(item);
    return {
      name: asString(port.name),
      containerPort: asOptionalNumber(port.containerPort) ?? 0,
      hostPort: asOptionalNumber(port.hostPort) ?? 0,
      protocol: (asString(port.protocol) || 'TCP').toUpperCase(),
    };
  });
}

function readHandler(value: UntypedRecord): Pick<Probe, 'handler' | 'host' | 'port'> {
  if (isPresent(value.httpGet)) {
    const h = asRecord(value.httpGet);
    return { handler: 'httpGet', host: asString(h.host), port: asString(h.port) };
  }
  if (isPresent(value.tcpSocket)) {
    const t = asRecord(value.tcpSocket);
    return { handler: 'tcpSocket', host: asString(t.host), port: asString(t.port) };
  }
  if (isPresent(value.grpc))
    return { handler: 'grpc', host: '', port: asString(asRecord(value.grpc).port) };
  if (isPresent(value.exec)) return { handler: 'exec', host: '', port: '' };
  return { handler: 'none', host: '', port: '' };
}

function readProbe(value: unknown): Probe | undefined {
  if (!isPresent(value)) return undefined;
  const probe = asRecord(value);
  const handler = readHandler(probe);
  // Two probes are the same check when their handler and its settings are the same.
  const settings = handler.handler === 'none' ? undefined : probe[handler.handler];
  return { ...handler, fingerprint: `${handler.handler} ${JSON.stringify(settings) ?? ''}` };
}

function readResources(container: UntypedRecord): Resources {
  const resources = asRecord(container.resources);
  const requests = asRecord(resources.requests);
  const limits = asRecord(resources.limits);
  return {
    cpuRequest: parseQuantity(requests.cpu),
    cpuLimit: parseQuantity(limits.cpu),
    memoryRequest: parseQuantity(requests.memory),
    memoryLimit: parseQuantity(limits.memory),
    ephemeralStorageRequest: parseQuantity(requests['ephemeral-storage']),
    ephemeralStorageLimit: parseQuantity(limits['ephemeral-storage']),
  };
}

/** The volume source keys of corev1.VolumeSource; the first present names the volume's type. */
function readVolume(value: unknown): Volume {
  const volume = asRecord(value);
  const name = asString(volume.name);
  for (const [key, body] of Object.entries(volume)) {
    if (key === 'name' || !isPresent(body)) continue;
    const source = asRecord(body);
    const sourceName =
      asString(source.path) ||
      asString(source.secretName) ||
      asString(source.name) ||
      asString(source.claimName) ||
      asString(source.server) ||
      asString(source.repository) ||
      '';
    return { name, type: key, source: sourceName };
  }
  return { name, type: '', source: '' };
}

function readContainer(
  value: unknown,
  type: ContainerType,
  pod: PodSecurityContext,
  annotations: Readonly<Record<string, string>>,
  volumes: ReadonlyMap<string, Volume>,
): Container {
  const container = asRecord(value);
  const name = asString(container.name);
  const mounts: VolumeMount[] = asArray(container.volumeMounts).map((item) => {
    const mount = asRecord(item);
    const mountName = asString(mount.name);
    const volume = volumes.get(mountName);
    return {
      name: mountName,
      mountPath: asString(mount.mountPath),
      readOnly: asOptionalBoolean(mount.readOnly) ?? false,
      mountPropagation: asString(mount.mountPropagation) || 'None',
      ...(volume ? { volume } : {}),
    };
  });
  const lifecycle = asRecord(container.lifecycle);
  const lifecycleHosts = [lifecycle.postStart, lifecycle.preStop]
    .filter(isPresent)
    .map((hook) => readHandler(asRecord(hook)).host);
  const livenessProbe = readProbe(container.livenessProbe);
  const readinessProbe = readProbe(container.readinessProbe);
  const startupProbe = readProbe(container.startupProbe);
  return {
    name,
    type,
    image: parseImageRef(asString(container.image)),
    imagePullPolicy: asString(container.imagePullPolicy),
    securityContext: resolveSecurityContext(container, pod, annotations, name),
    hasSecurityContext: isPresent(container.securityContext),
    ports: readPorts(container),
    env: readEnv(container),
    envFrom: readEnvFrom(container),
    mounts,
    resources: readResources(container),
    ...(livenessProbe ? { livenessProbe } : {}),
    ...(readinessProbe ? { readinessProbe } : {}),
    ...(startupProbe ? { startupProbe } : {}),
    lifecycleHosts,
    command: asStringArray(container.command),
    args: asStringArray(container.args),
  };
}

interface PodTemplateLocation {
  readonly template: UntypedRecord;
  readonly spec: UntypedRecord;
  readonly path: string;
}

function podTemplateOf(kind: WorkloadKind, body: UntypedRecord): PodTemplateLocation {
  const spec = asRecord(body.spec);
  switch (kind) {
    case 'Pod':
      return { template: body, spec, path: 'spec' };
    case 'CronJob': {
      const template = asRecord(asRecord(asRecord(spec.jobTemplate).spec).template);
      return {
        template,
        spec: asRecord(template.spec),
        path: 'spec.jobTemplate.spec.template.spec',
      };
    }
    case 'Deployment':
    case 'ReplicaSet':
    case 'ReplicationController':
    case 'StatefulSet':
    case 'DaemonSet':
    case 'Job':
    case 'DeploymentConfig': {
      const template = asRecord(spec.template);
      return { template, spec: asRecord(template.spec), path: 'spec.template.spec' };
    }
  }
}

const workloadKinds = new Set<string>([
  'Pod',
  'Deployment',
  'ReplicaSet',
  'ReplicationController',
  'StatefulSet',
  'DaemonSet',
  'Job',
  'CronJob',
  'DeploymentConfig',
]);

export function isWorkloadKind(kind: string): kind is WorkloadKind {
  return workloadKinds.has(kind);
}

function hasHostnameAntiAffinity(affinity: UntypedRecord): boolean {
  const anti = asRecord(affinity.podAntiAffinity);
  const required = asArray(anti.requiredDuringSchedulingIgnoredDuringExecution);
  const preferred = asArray(anti.preferredDuringSchedulingIgnoredDuringExecution).map(
    (p) => asRecord(p).podAffinityTerm,
  );
  return [...required, ...preferred].some(
    (term) => asString(asRecord(term).topologyKey) === 'kubernetes.io/hostname',
  );
}

function replicasOf(kind: WorkloadKind, spec: UntypedRecord): number | null {
  switch (kind) {
    case 'Deployment':
    case 'ReplicaSet':
    case 'ReplicationController':
    case 'StatefulSet':
    case 'DeploymentConfig':
      // The API server defaults replicas to 1 (apps/v1 defaults).
      return asOptionalNumber(spec.replicas) ?? 1;
    case 'Pod':
    case 'DaemonSet':
    case 'Job':
    case 'CronJob':
      return null;
  }
}

export function normaliseWorkload(object: ManifestObject, kind: WorkloadKind): Workload {
  const meta = readMeta(object);
  const body = object.body;
  const spec = asRecord(body.spec);
  const { template, spec: podSpec, path } = podTemplateOf(kind, body);
  const templateMeta = asRecord(template.metadata);
  const podLabels = kind === 'Pod' ? meta.labels : asStringMap(templateMeta.labels);
  const podAnnotations = kind === 'Pod' ? meta.annotations : asStringMap(templateMeta.annotations);
  const podSecurityContext = readPodSecurityContext(podSpec, podAnnotations);
  const volumes = asArray(podSpec.volumes).map(readVolume);
  const volumesByName = new Map(volumes.map((v) => [v.name, v]));
  const containers = [
    ...asArray(podSpec.initContainers).map((c) =>
      readContainer(c, 'init', podSecurityContext, podAnnotations, volumesByName),
    ),
    ...asArray(podSpec.containers).map((c) =>
      readContainer(c, 'regular', podSecurityContext, podAnnotations, volumesByName),
    ),
    ...asArray(podSpec.ephemeralContainers).map((c) =>
      readContainer(c, 'ephemeral', podSecurityContext, podAnnotations, volumesByName),
    ),
  ];
  const selectorValue =
    kind === 'ReplicationController' || kind === 'DeploymentConfig'
      ? isPresent(spec.selector)
        ? { matchLabels: spec.selector }
        : undefined
      : kind === 'CronJob'
        ? asRecord(asRecord(spec.jobTemplate).spec).selector
        : spec.selector;
  const affinity = asRecord(podSpec.affinity);
  const deprecatedServiceAccount = asString(podSpec.serviceAccount);
  const jobSpec = kind === 'CronJob' ? asRecord(asRecord(spec.jobTemplate).spec) : spec;
  return {
    kind: 'Workload',
    meta,
    source: object.source,
    workloadKind: kind,
    replicas: replicasOf(kind, spec),
    replicasSet: isPresent(spec.replicas),
    selector: isPresent(selectorValue) ? readLabelSelector(selectorValue) : null,
    podLabels,
    podAnnotations,
    serviceAccountName:
      asString(podSpec.serviceAccountName) || deprecatedServiceAccount || 'default',
    deprecatedServiceAccount,
    automountServiceAccountToken: asOptionalBoolean(podSpec.automountServiceAccountToken),
    hostNetwork: asOptionalBoolean(podSpec.hostNetwork) ?? false,
    hostPID: asOptionalBoolean(podSpec.hostPID) ?? false,
    hostIPC: asOptionalBoolean(podSpec.hostIPC) ?? false,
    hostUsers: asOptionalBoolean(podSpec.hostUsers),
    podSecurityContext,
    containers,
    volumes,
    priorityClassName: asString(podSpec.priorityClassName),
    runtimeClassName: asString(podSpec.runtimeClassName),
    osName: asString(asRecord(podSpec.os).name),
    hostAliases: asArray(podSpec.hostAliases).length > 0,
    hasHostnameAntiAffinity: hasHostnameAntiAffinity(affinity),
    hasNodeAffinity: isPresent(affinity.nodeAffinity),
    topologySpreadConstraints: asArray(podSpec.topologySpreadConstraints).length,
    strategyType: asString(
      asRecord(kind === 'StatefulSet' || kind === 'DaemonSet' ? spec.updateStrategy : spec.strategy)
        .type,
    ),
    restartPolicy: asString(podSpec.restartPolicy),
    ttlSecondsAfterFinished: asOptionalNumber(jobSpec.ttlSecondsAfterFinished) ?? null,
    startingDeadlineSeconds:
      kind === 'CronJob' ? (asOptionalNumber(spec.startingDeadlineSeconds) ?? null) : null,
    podSpecPath: path,
    context: emptyWorkloadContext,
  };
}

function readRules(value: unknown): PolicyRule[] {
  return asArray(value).map((item) => {
    const rule = asRecord(item);
    return {
      apiGroups: asStringArray(rule.apiGroups),
      resources: asStringArray(rule.resources),
      verbs: asStringArray(rule.verbs),
      resourceNames: asStringArray(rule.resourceNames),
      nonResourceURLs: asStringArray(rule.nonResourceURLs),
    };
  });
}

/** Normalises one object; returns null for kinds Palisade does not model. */
export function normaliseObject(object: ManifestObject): ClusterObject | null {
  const { kind, body } = object;
  if (isWorkloadKind(kind)) return normaliseWorkload(object, kind);
  const meta = readMeta(object);
  const source = object.source;
  const spec = asRecord(body.spec);
  switch (kind) {
    case 'Role':
    case 'ClusterRole':
      return {
        kind: 'Role',
        meta,
        source,
        clusterScoped: kind === 'ClusterRole',
        rules: readRules(body.rules),
        aggregated: isPresent(body.aggregationRule),
      };
    case 'RoleBinding':
    case 'ClusterRoleBinding': {
      const roleRef = asRecord(body.roleRef);
      return {
        kind: 'Binding',
        meta,
        source,
        clusterScoped: kind === 'ClusterRoleBinding',
        roleRef: { kind: asString(roleRef.kind), name: asString(roleRef.name) },
        subjects: asArray(body.subjects).map((s) => {
          const subject = asRecord(s);
          return {
            kind: asString(subject.kind),
            name: asString(subject.name),
            namespace:
              asString(subject.namespace) ||
              (subject.kind === 'ServiceAccount' ? meta.namespace : ''),
          };
        }),
        roleRules: null,
      };
    }
    case 'Service':
      return {
        kind: 'Service',
        meta,
        source,
        type: asString(spec.type) || 'ClusterIP',
        selector: asStringMap(spec.selector),
        ports: asArray(spec.ports).map((p) => {
          const port = asRecord(p);
          const number = asOptionalNumber(port.port) ?? 0;
          return {
            name: asString(port.name),
            port: number,
            targetPort: isPresent(port.targetPort) ? asString(port.targetPort) : String(number),
            nodePort: asOptionalNumber(port.nodePort) ?? 0,
            protocol: (asString(port.protocol) || 'TCP').toUpperCase(),
          };
        }),
        externalIPs: asStringArray(spec.externalIPs),
      };
    case 'Ingress': {
      const backends: string[] = [];
      const addBackend = (backend: unknown): void => {
        const b = asRecord(backend);
        const name = asString(asRecord(b.service).name) || asString(b.serviceName);
        if (name) backends.push(name);
      };
      addBackend(spec.defaultBackend ?? spec.backend);
      for (const rule of asArray(spec.rules)) {
        for (const path of asArray(asRecord(asRecord(rule).http).paths))
          addBackend(asRecord(path).backend);
      }
      return {
        kind: 'Ingress',
        meta,
        source,
        flavour: 'Ingress',
        backendServices: backends,
        tls: asArray(spec.tls).length > 0,
      };
    }
    case 'Route': {
      const to = asString(asRecord(spec.to).name);
      return {
        kind: 'Ingress',
        meta,
        source,
        flavour: 'Route',
        backendServices: to ? [to] : [],
        tls: isPresent(spec.tls),
      };
    }
    case 'NetworkPolicy': {
      const explicit = asStringArray(spec.policyTypes).filter(
        (t): t is 'Ingress' | 'Egress' => t === 'Ingress' || t === 'Egress',
      );
      // networking/v1 default: Ingress always, Egress when egress rules are present.
      const policyTypes: ('Ingress' | 'Egress')[] =
        explicit.length > 0
          ? explicit
          : isPresent(spec.egress)
            ? ['Ingress', 'Egress']
            : ['Ingress'];
      return {
        kind: 'NetworkPolicy',
        meta,
        source,
        podSelector: readLabelSelector(spec.podSelector),
        policyTypes,
      };
    }
    case 'ServiceAccount':
      return {
        kind: 'ServiceAccount',
        meta,
        source,
        automountServiceAccountToken: asOptionalBoolean(body.automountServiceAccountToken),
      };
    case 'ConfigMap':
    case 'Secret': {
      const data = asStringMap(body.data);
      const stringData = asStringMap(body.stringData);
      const keys = [
        ...new Set([
          ...Object.keys(data),
          ...Object.keys(stringData),
          ...Object.keys(asRecord(body.binaryData)),
        ]),
      ];
      return {
        kind: 'Config',
        meta,
        source,
        flavour: kind,
        secretType: kind === 'Secret' ? asString(body.type) || 'Opaque' : '',
        keys,
        data: kind === 'ConfigMap' ? data : {},
      } satisfies ConfigObject;
    }
    case 'Namespace':
      return { kind: 'Namespace', meta, source };
    case 'PodDisruptionBudget':
      return {
        kind: 'PodDisruptionBudget',
        meta,
        source,
        selector: readLabelSelector(spec.selector),
        minAvailable: isPresent(spec.minAvailable) ? asString(spec.minAvailable) : null,
        maxUnavailable: isPresent(spec.maxUnavailable) ? asString(spec.maxUnavailable) : null,
        unhealthyPodEvictionPolicy: asString(spec.unhealthyPodEvictionPolicy),
      };
    case 'HorizontalPodAutoscaler': {
      const target = asRecord(spec.scaleTargetRef);
      return {
        kind: 'HorizontalPodAutoscaler',
        meta,
        source,
        targetKind: asString(target.kind),
        targetName: asString(target.name),
        minReplicas: asOptionalNumber(spec.minReplicas) ?? 1,
        maxReplicas: asOptionalNumber(spec.maxReplicas) ?? 0,
      };
    }
    default:
      return null;
  }
}
