// Shapes of Central's JSON answers as the console reads them (src/central/routes/*.ts).

export type Severity = 'LOW_SEVERITY' | 'MEDIUM_SEVERITY' | 'HIGH_SEVERITY' | 'CRITICAL_SEVERITY';
export type AlertState = 'ACTIVE' | 'RESOLVED' | 'ATTEMPTED';
export type LifecycleStage = 'BUILD' | 'DEPLOY' | 'RUNTIME';
export type Role = 'Admin' | 'Analyst' | 'Continuous Integration' | 'Sensor';

export interface Page<T> {
  readonly items: readonly T[];
  readonly total: number;
  readonly limit: number;
  readonly offset: number;
}

export interface Summary {
  readonly clusters: number;
  readonly namespaces: number;
  readonly deployments: number;
  readonly activeAlerts: number;
  readonly activeAlertsBySeverity: Readonly<Record<Severity, number>>;
}

export interface AlertSummary {
  readonly id: string;
  readonly policyId: string;
  readonly policyName: string;
  readonly clusterId: string;
  readonly namespace: string;
  readonly workloadId: string | null;
  readonly workloadKind: string;
  readonly workloadName: string;
  readonly state: AlertState;
  readonly severity: Severity;
  readonly lifecycleStage: LifecycleStage;
  readonly violationCount: number;
  readonly firstSeen: string;
  readonly lastSeen: string;
  readonly resolvedAt: string | null;
}

export interface Violation {
  readonly message: string;
  readonly container?: string;
  readonly remediation?: string;
  readonly file?: string;
}

export interface Alert extends AlertSummary {
  readonly violations: readonly Violation[];
  readonly enforcement?: unknown;
}

export interface Cluster {
  readonly id: string;
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly createdAt: string;
  readonly lastContactAt: string | null;
  readonly sensorVersion: string | null;
}

export interface RiskFactor {
  readonly name: string;
  readonly reasons: readonly string[];
  readonly multiplier: number;
}

export interface RiskScore {
  readonly workloadId: string;
  readonly clusterId: string;
  readonly namespace: string;
  readonly workloadKind: string;
  readonly workloadName: string;
  readonly score: number;
  readonly factors: readonly RiskFactor[];
  readonly computedAt: string;
}

export interface ImageRef {
  readonly fullName: string;
  readonly registry: string;
  readonly remote: string;
  readonly tag: string;
  readonly digest: string;
}

export interface Container {
  readonly name: string;
  readonly type: string;
  readonly image: ImageRef;
  readonly ports: readonly {
    name?: string;
    containerPort: number;
    protocol: string;
    hostPort?: number;
  }[];
  readonly securityContext: {
    readonly privileged?: boolean;
    readonly readOnlyRootFilesystem?: boolean;
    readonly runAsNonRoot?: boolean;
    readonly capabilities?: { readonly add: readonly string[]; readonly drop: readonly string[] };
  };
  readonly mounts: readonly { name: string; mountPath: string; readOnly: boolean }[];
}

export interface Exposure {
  readonly via: string;
  readonly level: string;
  readonly protocol: string;
  readonly containerPort: number;
  readonly nodePort: number;
}

export interface Workload {
  readonly meta: {
    readonly name: string;
    readonly namespace: string;
    readonly labels: Readonly<Record<string, string>>;
  };
  readonly containers: readonly Container[];
  readonly serviceAccountName?: string;
  readonly hostNetwork?: boolean;
  readonly hostPID?: boolean;
  readonly hostIPC?: boolean;
  readonly replicas?: number | null;
  readonly context: {
    readonly exposure: readonly Exposure[];
    readonly rbacLevel?: string;
    readonly hasIngressNetworkPolicy?: boolean;
    readonly hasEgressNetworkPolicy?: boolean;
  };
}

export interface DeploymentRecord {
  readonly id: string;
  readonly clusterId: string;
  readonly namespace: string;
  readonly kind: string;
  readonly name: string;
  readonly workload: Workload;
  readonly updatedAt: string;
}

export interface DeploymentDetail extends DeploymentRecord {
  readonly risk: RiskScore | null;
  readonly alerts: readonly AlertSummary[];
}

export interface PolicyValue {
  readonly value: string;
}
export interface PolicyGroup {
  readonly fieldName: string;
  readonly booleanOperator?: 'OR' | 'AND';
  readonly negate?: boolean;
  readonly values: readonly PolicyValue[];
}
export interface PolicySection {
  readonly sectionName?: string;
  readonly policyGroups: readonly PolicyGroup[];
}
export interface PolicyScope {
  readonly cluster?: string;
  readonly namespace?: string;
  readonly label?: { readonly key: string; readonly value: string } | null;
}
export interface PolicyExclusion {
  readonly name?: string;
  readonly deployment?: { readonly name?: string; readonly scope?: PolicyScope | null } | null;
  readonly image?: { readonly name: string } | null;
}

export interface Policy {
  readonly id: string;
  readonly name: string;
  readonly description?: string;
  readonly rationale?: string;
  readonly remediation?: string;
  readonly disabled?: boolean;
  readonly categories?: readonly string[];
  readonly lifecycleStages: readonly LifecycleStage[];
  readonly severity: Severity;
  readonly enforcementActions?: readonly string[];
  readonly policyVersion: string;
  readonly policySections: readonly PolicySection[];
  readonly scope?: readonly PolicyScope[];
  readonly exclusions?: readonly PolicyExclusion[];
  readonly references?: readonly string[];
  readonly [key: string]: unknown;
}

export interface PolicyRecord {
  readonly id: string;
  readonly name: string;
  readonly policy: Policy;
  readonly disabled: boolean;
  readonly severity: Severity;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface PolicyField {
  readonly name: string;
  readonly description: string;
  readonly stages: readonly LifecycleStage[];
  readonly subjects: readonly string[];
  readonly syntax: string;
  readonly options: readonly string[] | null;
  readonly negatable: boolean;
  readonly multiple: boolean;
  readonly runtimeOnly: boolean;
  readonly needsImage: boolean;
  readonly extension: boolean;
}

export interface DryRunHit {
  readonly clusterId: string;
  readonly clusterName: string;
  readonly namespace: string;
  readonly workloadId: string | null;
  readonly workloadKind: string;
  readonly workloadName: string;
  readonly messages: readonly string[];
}

export interface DryRunResult {
  readonly policyId: string;
  readonly evaluated: number;
  readonly total: number;
  readonly hits: readonly DryRunHit[];
}

export interface AlertCounts {
  readonly byPolicy: readonly {
    policyId: string;
    policyName: string;
    severity: Severity;
    categories: readonly string[];
    count: number;
  }[];
  readonly byCategory: readonly { category: string; count: number }[];
  readonly byNamespace: readonly { clusterId: string; namespace: string; count: number }[];
}

export interface TimelineDay {
  readonly day: string;
  readonly active: Readonly<Record<Severity, number>>;
  readonly raised: number;
  readonly resolved: number;
}

export interface NamespaceInfo {
  readonly clusterId: string;
  readonly clusterName: string;
  readonly name: string;
  readonly deployments: number;
  readonly activeAlerts: number;
}

export interface ClusterCounts {
  readonly clusterId: string;
  readonly namespaces: number;
  readonly deployments: number;
  readonly activeAlerts: number;
}

export interface Whoami {
  readonly name: string;
  readonly role: Role;
}
