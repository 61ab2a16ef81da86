// Kubernetes objects after normalisation: the shapes every engine reads.
// Plain readonly data; no I/O and no behaviour live here.

export interface SourceLocation {
  readonly file: string;
  readonly line: number;
}

export interface ObjectRef {
  readonly apiVersion: string;
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
}

export interface ObjectMeta extends ObjectRef {
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  readonly uid?: string;
  readonly resourceVersion?: string;
  readonly ownerKinds: readonly string[];
}

/** One object as read from a manifest or the API, before normalisation. */
export interface ManifestObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly body: Record<string, unknown>;
  readonly source: SourceLocation;
}

export type LabelSelectorOperator = 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';

export interface LabelSelector {
  readonly matchLabels: Readonly<Record<string, string>>;
  readonly matchExpressions: readonly {
    readonly key: string;
    readonly operator: LabelSelectorOperator;
    readonly values: readonly string[];
  }[];
}

export interface ImageRef {
  /** The reference exactly as written in the manifest. */
  readonly fullName: string;
  readonly registry: string;
  readonly remote: string;
  readonly tag: string;
  readonly digest: string;
}

export type ContainerType = 'regular' | 'init' | 'ephemeral';

export interface Capabilities {
  readonly add: readonly string[];
  readonly drop: readonly string[];
}

export interface SeLinuxOptions {
  readonly type?: string | undefined;
  readonly user?: string | undefined;
  readonly role?: string | undefined;
  readonly level?: string | undefined;
}

/** A profile reference as Kubernetes spells it (seccompProfile, appArmorProfile). */
export interface ProfileRef {
  readonly type: string;
  readonly localhostProfile?: string;
}

export interface SecurityContext {
  readonly privileged?: boolean | undefined;
  readonly allowPrivilegeEscalation?: boolean | undefined;
  readonly readOnlyRootFilesystem?: boolean | undefined;
  readonly runAsNonRoot?: boolean | undefined;
  readonly runAsUser?: number | undefined;
  readonly runAsGroup?: number | undefined;
  readonly capabilities: Capabilities;
  readonly seccompProfile?: ProfileRef | undefined;
  readonly appArmorProfile?: ProfileRef | undefined;
  readonly seLinuxOptions?: SeLinuxOptions | undefined;
  readonly procMount?: string | undefined;
  readonly windowsHostProcess?: boolean | undefined;
}

export interface PodSecurityContext {
  readonly runAsNonRoot?: boolean | undefined;
  readonly runAsUser?: number | undefined;
  readonly runAsGroup?: number | undefined;
  readonly fsGroup?: number | undefined;
  readonly supplementalGroups: readonly number[];
  readonly seccompProfile?: ProfileRef | undefined;
  readonly appArmorProfile?: ProfileRef | undefined;
  readonly seLinuxOptions?: SeLinuxOptions | undefined;
  readonly sysctls: readonly { readonly name: string; readonly value: string }[];
  readonly windowsHostProcess?: boolean | undefined;
}

export type EnvSource =
  'UNSET' | 'RAW' | 'SECRET_KEY' | 'CONFIG_MAP_KEY' | 'FIELD' | 'RESOURCE_FIELD' | 'UNKNOWN';

export interface EnvVar {
  readonly name: string;
  readonly value: string;
  readonly source: EnvSource;
  /** Name of the Secret or ConfigMap referred to, for SECRET_KEY / CONFIG_MAP_KEY. */
  readonly refName?: string;
  readonly refKey?: string;
}

export interface EnvFrom {
  readonly kind: 'Secret' | 'ConfigMap';
  readonly name: string;
}

export interface ContainerPort {
  readonly name: string;
  readonly containerPort: number;
  readonly hostPort: number;
  readonly protocol: string;
}

export interface Probe {
  readonly handler: 'httpGet' | 'tcpSocket' | 'exec' | 'grpc' | 'none';
  /** httpGet.host or tcpSocket.host; PSA hostProbesAndHostLifecycle. */
  readonly host: string;
  readonly port: string;
  readonly fingerprint: string;
}

/** CPU in cores, memory in bytes; null when not set. */
export interface Resources {
  readonly cpuRequest: number | null;
  readonly cpuLimit: number | null;
  readonly memoryRequest: number | null;
  readonly memoryLimit: number | null;
  readonly ephemeralStorageRequest: number | null;
  readonly ephemeralStorageLimit: number | null;
}

export type VolumeType = string;

export interface Volume {
  readonly name: string;
  /** The volume source key as in the pod spec: hostPath, secret, configMap, emptyDir, … */
  readonly type: VolumeType;
  /** hostPath path, Secret/ConfigMap/PVC name; empty when the type has none. */
  readonly source: string;
}

export interface VolumeMount {
  readonly name: string;
  readonly mountPath: string;
  readonly readOnly: boolean;
  readonly mountPropagation: string;
  /** The pod volume this mount uses, when it exists. */
  readonly volume?: Volume;
}

export interface Container {
  readonly name: string;
  readonly type: ContainerType;
  readonly image: ImageRef;
  readonly imagePullPolicy: string;
  /** Effective settings: container values over pod values, as the kubelet resolves them. */
  readonly securityContext: SecurityContext;
  /** Whether the container spec has a securityContext of its own. */
  readonly hasSecurityContext: boolean;
  readonly ports: readonly ContainerPort[];
  readonly env: readonly EnvVar[];
  readonly envFrom: readonly EnvFrom[];
  readonly mounts: readonly VolumeMount[];
  readonly resources: Resources;
  readonly livenessProbe?: Probe;
  readonly readinessProbe?: Probe;
  readonly startupProbe?: Probe;
  readonly lifecycleHosts: readonly string[];
  readonly command: readonly string[];
  readonly args: readonly string[];
}

export type WorkloadKind =
  | 'Pod'
  | 'Deployment'
  | 'ReplicaSet'
  | 'ReplicationController'
  | 'StatefulSet'
  | 'DaemonSet'
  | 'Job'
  | 'CronJob'
  | 'DeploymentConfig';

export type PortExposureLevel = 'UNSET' | 'INTERNAL' | 'HOST' | 'NODE' | 'EXTERNAL' | 'ROUTE';

export interface PortExposure {
  readonly containerPort: number;
  readonly protocol: string;
  readonly level: PortExposureLevel;
  readonly nodePort: number;
  readonly via: string;
}

export type RbacLevel =
  'DEFAULT' | 'ELEVATED_IN_NAMESPACE' | 'ELEVATED_CLUSTER_WIDE' | 'CLUSTER_ADMIN';

export interface WorkloadContext {
  readonly exposure: readonly PortExposure[];
  readonly hasIngressNetworkPolicy: boolean;
  readonly hasEgressNetworkPolicy: boolean;
  readonly rbacLevel: RbacLevel;
  /** Whether the bundle holds the ServiceAccount the workload names (null: unknown). */
  readonly serviceAccountExists: boolean | null;
  /** The ServiceAccount's own automountServiceAccountToken, when the bundle holds it. */
  readonly serviceAccountAutomount: boolean | undefined;
  readonly hasPodDisruptionBudget: boolean;
  readonly targetedByHpa: boolean;
  /** Env and envFrom references to Secrets/ConfigMaps absent from the bundle. */
  readonly danglingReferences: readonly string[];
}

export interface Workload {
  readonly kind: 'Workload';
  readonly meta: ObjectMeta;
  readonly source: SourceLocation;
  readonly workloadKind: WorkloadKind;
  readonly replicas: number | null;
  /** Whether spec.replicas is written (an omitted count is often left to an autoscaler). */
  readonly replicasSet: boolean;
  readonly selector: LabelSelector | null;
  readonly podLabels: Readonly<Record<string, string>>;
  readonly podAnnotations: Readonly<Record<string, string>>;
  readonly serviceAccountName: string;
  /** The deprecated spec.serviceAccount field, when set. */
  readonly deprecatedServiceAccount: string;
  readonly automountServiceAccountToken: boolean | undefined;
  readonly hostNetwork: boolean;
  readonly hostPID: boolean;
  readonly hostIPC: boolean;
  readonly hostUsers: boolean | undefined;
  readonly podSecurityContext: PodSecurityContext;
  readonly containers: readonly Container[];
  readonly volumes: readonly Volume[];
  readonly priorityClassName: string;
  readonly runtimeClassName: string;
  readonly osName: string;
  readonly hostAliases: boolean;
  readonly hasHostnameAntiAffinity: boolean;
  readonly hasNodeAffinity: boolean;
  readonly topologySpreadConstraints: number;
  readonly strategyType: string;
  readonly restartPolicy: string;
  readonly ttlSecondsAfterFinished: number | null;
  readonly startingDeadlineSeconds: number | null;
  /** The pod-spec path inside the object, for messages ("spec.template.spec"). */
  readonly podSpecPath: string;
  readonly context: WorkloadContext;
}

export interface PolicyRule {
  readonly apiGroups: readonly string[];
  readonly resources: readonly string[];
  readonly verbs: readonly string[];
  readonly resourceNames: readonly string[];
  readonly nonResourceURLs: readonly string[];
}

export interface RoleObject {
  readonly kind: 'Role';
  readonly meta: ObjectMeta;
  readonly source: SourceLocation;
  readonly clusterScoped: boolean;
  readonly rules: readonly PolicyRule[];
  readonly aggregated: boolean;
}

export interface Subject {
  readonly kind: string;
  readonly name: string;
  readonly namespace: string;
}

export interface BindingObject {
  readonly kind: 'Binding';
  readonly meta: ObjectMeta;
  readonly source: SourceLocation;
  readonly clusterScoped: boolean;
  readonly roleRef: { readonly kind: string; readonly name: string };
  readonly subjects: readonly Subject[];
  /** Rules of the referenced role when the set (or the built-in roles) holds it; derived. */
  readonly roleRules: readonly PolicyRule[] | null;
}

export interface ServicePort {
  readonly name: string;
  readonly port: number;
  readonly targetPort: string;
  readonly nodePort: number;
  readonly protocol: string;
}

export interface ServiceObject {
  readonly kind: 'Service';
  readonly meta: ObjectMeta;
  readonly source: SourceLocation;
  readonly type: string;
  readonly selector: Readonly<Record<string, string>>;
  readonly ports: readonly ServicePort[];
  readonly externalIPs: readonly string[];
}

export interface IngressObject {
  readonly kind: 'Ingress';
  readonly meta: ObjectMeta;
  readonly source: SourceLocation;
  /** Ingress or an OpenShift Route. */
  readonly flavour: 'Ingress' | 'Route';
  readonly backendServices: readonly string[];
  readonly tls: boolean;
}

export interface NetworkPolicyObject {
  readonly kind: 'NetworkPolicy';
  readonly meta: ObjectMeta;
  readonly source: SourceLocation;
  readonly podSelector: LabelSelector;
  readonly policyTypes: readonly ('Ingress' | 'Egress')[];
}

export interface ServiceAccountObject {
  readonly kind: 'ServiceAccount';
  readonly meta: ObjectMeta;
  readonly source: SourceLocation;
  readonly automountServiceAccountToken: boolean | undefined;
}

/** ConfigMaps and Secrets. Secret values are never kept: only keys and their sensitivity. */
export interface ConfigObject {
  readonly kind: 'Config';
  readonly meta: ObjectMeta;
  readonly source: SourceLocation;
  readonly flavour: 'ConfigMap' | 'Secret';
  readonly secretType: string;
  readonly keys: readonly string[];
  /** ConfigMap data (values are not secret by contract); empty for Secrets. */
  readonly data: Readonly<Record<string, string>>;
}

export interface NamespaceObject {
  readonly kind: 'Namespace';
  readonly meta: ObjectMeta;
  readonly source: SourceLocation;
}

export interface PodDisruptionBudgetObject {
  readonly kind: 'PodDisruptionBudget';
  readonly meta: ObjectMeta;
  readonly source: SourceLocation;
  readonly selector: LabelSelector;
  readonly minAvailable: string | null;
  readonly maxUnavailable: string | null;
  readonly unhealthyPodEvictionPolicy: string;
}

export interface HorizontalPodAutoscalerObject {
  readonly kind: 'HorizontalPodAutoscaler';
  readonly meta: ObjectMeta;
  readonly source: SourceLocation;
  readonly targetKind: string;
  readonly targetName: string;
  readonly minReplicas: number;
  readonly maxReplicas: number;
}

/** Every normalised object a policy can take as its subject. */
export type ClusterObject =
  | Workload
  | RoleObject
  | BindingObject
  | ServiceObject
  | IngressObject
  | NetworkPolicyObject
  | ServiceAccountObject
  | ConfigObject
  | NamespaceObject
  | PodDisruptionBudgetObject
  | HorizontalPodAutoscalerObject;

export type SubjectKind = ClusterObject['kind'];

/** A problem with the input itself (not a policy result): bad YAML, a skipped document, … */
export interface InputProblem {
  readonly level: 'error' | 'note';
  readonly code: string;
  readonly message: string;
  readonly file: string;
  readonly line: number;
}
