// Criteria fields about a workload as a whole: pod-level settings, metadata, and derived context
// (network policies, RBAC level, PDB/HPA coverage). StackRox names where StackRox has the field.

import type { Workload } from '../../model/index.ts';
import { defineField, pair } from '../field.ts';
import type { FieldDefinition } from '../field.ts';
import { booleanSyntax, enumSyntax, keyValueSyntax, numberSyntax, regexSyntax } from '../values.ts';

const w = (text: string, workload: Workload) =>
  `${workload.workloadKind.toLowerCase()} '${workload.meta.name}' ${text}`;

function labels(map: Readonly<Record<string, string>>) {
  return Object.entries(map).map(([k, v]) => pair(k, v));
}

/** Effective token automount: the pod's setting, else its service account's, else true. */
export function effectiveAutomount(workload: Workload): boolean {
  return workload.automountServiceAccountToken ?? workload.context.serviceAccountAutomount ?? true;
}

// PSS sysctls check v1.0 safe set plus later additions (shared/corpora/CHECKS.md §1b).
export const safeSysctls = new Set([
  'kernel.shm_rmid_forced',
  'net.ipv4.ip_local_port_range',
  'net.ipv4.tcp_syncookies',
  'net.ipv4.ping_group_range',
  'net.ipv4.ip_unprivileged_port_start',
  'net.ipv4.ip_local_reserved_ports',
  'net.ipv4.tcp_keepalive_time',
  'net.ipv4.tcp_fin_timeout',
  'net.ipv4.tcp_keepalive_intvl',
  'net.ipv4.tcp_keepalive_probes',
  'net.ipv4.tcp_rmem',
  'net.ipv4.tcp_wmem',
]);

/**
 * Whether a port name is a valid IANA_SVC_NAME (RFC 6335), as Kubernetes validates container port
 * names and Service targetPort names (k8s.io/apimachinery validation IsValidPortName): 1 to 15
 * lowercase letters, digits and single inner hyphens, with at least one letter.
 */
export function isValidPortName(name: string): boolean {
  return name.length <= 15 && /^[a-z0-9]+(-[a-z0-9]+)*$/.test(name) && /[a-z]/.test(name);
}

export const workloadFields: FieldDefinition[] = [
  defineField({
    name: 'Namespace',
    levels: ['workload'],
    syntax: regexSyntax,
    negatable: true,
    description: "The workload's namespace ('' when the manifest sets none).",
    extract: ({ workload }) => workload.meta.namespace,
    describe: ({ workload }) =>
      workload.meta.namespace
        ? w(`is in namespace '${workload.meta.namespace}'`, workload)
        : w('sets no metadata.namespace, so it lands in the default namespace', workload),
  }),
  defineField({
    name: 'Replicas',
    levels: ['workload'],
    syntax: numberSyntax,
    negatable: true,
    description:
      'Desired replicas of a Deployment, StatefulSet, ReplicaSet or controller (1 when unset).',
    extract: ({ workload }) => workload.replicas ?? undefined,
    describe: ({ workload }) => w(`has ${workload.replicas ?? 0} replica(s)`, workload),
  }),
  defineField({
    name: 'Replicas Set',
    levels: ['workload'],
    syntax: booleanSyntax,
    multiple: false,
    extension: true,
    description:
      'Whether spec.replicas is written in the manifest (an omitted count defaults to 1, but is often left to a HorizontalPodAutoscaler).',
    extract: ({ workload }) => workload.replicasSet,
    describe: ({ workload }) =>
      w(
        workload.replicasSet
          ? `sets replicas to ${workload.replicas ?? 0}`
          : 'leaves replicas unset',
        workload,
      ),
  }),
  defineField({
    name: 'Required Label',
    levels: ['workload'],
    syntax: keyValueSyntax,
    required: true,
    description: 'Violates when no label of the workload matches key=value.',
    extract: ({ workload }) => labels(workload.meta.labels),
    describe: ({ workload }) => w('is missing a required label', workload),
  }),
  defineField({
    name: 'Required Annotation',
    levels: ['workload'],
    syntax: keyValueSyntax,
    required: true,
    description: 'Violates when no annotation of the workload matches key=value.',
    extract: ({ workload }) => labels(workload.meta.annotations),
    describe: ({ workload }) => w('is missing a required annotation', workload),
  }),
  defineField({
    name: 'Disallowed Annotation',
    levels: ['workload'],
    syntax: keyValueSyntax,
    description:
      'Violates when an annotation of the workload or its pod template matches key=value.',
    extract: ({ workload }) => labels({ ...workload.meta.annotations, ...workload.podAnnotations }),
    describe: ({ workload }, values) =>
      w(
        `has disallowed annotation ${values.map((v) => (Array.isArray(v) ? `${String(v[0])}=${String(v[1])}` : String(v))).join(', ')}`,
        workload,
      ),
  }),
  defineField({
    name: 'Host Network',
    levels: ['workload'],
    syntax: booleanSyntax,
    multiple: false,
    description: 'spec.hostNetwork.',
    extract: ({ workload }) => workload.hostNetwork,
    describe: ({ workload }) => w('uses the host network namespace (hostNetwork: true)', workload),
  }),
  defineField({
    name: 'Host PID',
    levels: ['workload'],
    syntax: booleanSyntax,
    multiple: false,
    description: 'spec.hostPID.',
    extract: ({ workload }) => workload.hostPID,
    describe: ({ workload }) => w('shares the host process ID namespace (hostPID: true)', workload),
  }),
  defineField({
    name: 'Host IPC',
    levels: ['workload'],
    syntax: booleanSyntax,
    multiple: false,
    description: 'spec.hostIPC.',
    extract: ({ workload }) => workload.hostIPC,
    describe: ({ workload }) => w('shares the host IPC namespace (hostIPC: true)', workload),
  }),
  defineField({
    name: 'Service Account',
    levels: ['workload'],
    syntax: regexSyntax,
    negatable: true,
    description: "The pod's service account name ('default' when unset).",
    extract: ({ workload }) => workload.serviceAccountName,
    describe: ({ workload }) =>
      w(`runs as service account '${workload.serviceAccountName}'`, workload),
  }),
  defineField({
    name: 'Automount Service Account Token',
    levels: ['workload'],
    syntax: booleanSyntax,
    multiple: false,
    description:
      "Effective token automount: the pod's setting, else its ServiceAccount's, else true.",
    extract: ({ workload }) => effectiveAutomount(workload),
    describe: ({ workload }) =>
      w(
        'mounts its service account token automatically; set automountServiceAccountToken: false',
        workload,
      ),
  }),
  defineField({
    name: 'Minimum RBAC Permissions',
    levels: ['workload'],
    syntax: enumSyntax([
      'DEFAULT',
      'ELEVATED_IN_NAMESPACE',
      'ELEVATED_CLUSTER_WIDE',
      'CLUSTER_ADMIN',
    ]),
    negatable: true,
    multiple: false,
    description: "Matches when the service account's permission level is at least the value.",
    extract: ({ workload }) => {
      const order = ['DEFAULT', 'ELEVATED_IN_NAMESPACE', 'ELEVATED_CLUSTER_WIDE', 'CLUSTER_ADMIN'];
      // "Minimum": a level matches every value at or below it.
      return order.slice(0, order.indexOf(workload.context.rbacLevel) + 1);
    },
    describe: ({ workload }) =>
      w(
        `runs as service account '${workload.serviceAccountName}' with RBAC level ${workload.context.rbacLevel}`,
        workload,
      ),
  }),
  defineField({
    name: 'Has Ingress Network Policy',
    levels: ['workload'],
    syntax: booleanSyntax,
    negatable: true,
    multiple: false,
    description: 'Whether a NetworkPolicy of type Ingress selects the pods.',
    extract: ({ workload }) => workload.context.hasIngressNetworkPolicy,
    describe: ({ workload }) =>
      workload.context.hasIngressNetworkPolicy
        ? w('is selected by an ingress NetworkPolicy', workload)
        : w('has no ingress NetworkPolicy selecting its pods', workload),
  }),
  defineField({
    name: 'Has Egress Network Policy',
    levels: ['workload'],
    syntax: booleanSyntax,
    negatable: true,
    multiple: false,
    description: 'Whether a NetworkPolicy of type Egress selects the pods.',
    extract: ({ workload }) => workload.context.hasEgressNetworkPolicy,
    describe: ({ workload }) =>
      workload.context.hasEgressNetworkPolicy
        ? w('is selected by an egress NetworkPolicy', workload)
        : w('has no egress NetworkPolicy selecting its pods', workload),
  }),
  defineField({
    name: 'Runtime Class',
    levels: ['workload'],
    syntax: regexSyntax,
    negatable: true,
    description: 'spec.runtimeClassName.',
    extract: ({ workload }) => workload.runtimeClassName,
    describe: ({ workload }) => w(`uses runtime class '${workload.runtimeClassName}'`, workload),
  }),
  // Palisade extensions.
  defineField({
    name: 'Workload Kind',
    levels: ['workload'],
    syntax: regexSyntax,
    negatable: true,
    extension: true,
    description: 'The object kind: Pod, Deployment, StatefulSet, DaemonSet, Job, CronJob, ….',
    extract: ({ workload }) => workload.workloadKind,
    describe: ({ workload }) => w(`is a ${workload.workloadKind}`, workload),
  }),
  defineField({
    name: 'Has Owner Reference',
    levels: ['workload'],
    syntax: booleanSyntax,
    multiple: false,
    extension: true,
    description: 'Whether metadata.ownerReferences names a controller.',
    extract: ({ workload }) => workload.meta.ownerKinds.length > 0,
    describe: ({ workload }) =>
      workload.meta.ownerKinds.length > 0
        ? w(`is owned by ${workload.meta.ownerKinds.join(', ')}`, workload)
        : w(
            'is not managed by a controller; run it from a Deployment, StatefulSet or Job',
            workload,
          ),
  }),
  defineField({
    name: 'Disallowed Label',
    levels: ['workload'],
    syntax: keyValueSyntax,
    extension: true,
    description: 'Violates when a label of the workload matches key=value.',
    extract: ({ workload }) => labels(workload.meta.labels),
  }),
  defineField({
    name: 'Instance Label Matches Name',
    levels: ['workload'],
    syntax: booleanSyntax,
    multiple: false,
    extension: true,
    description:
      'Whether the app.kubernetes.io/instance label is set and equals metadata.name (Polaris).',
    extract: ({ workload }) =>
      workload.meta.labels['app.kubernetes.io/instance'] === workload.meta.name,
    describe: ({ workload }) =>
      w(
        `has app.kubernetes.io/instance '${workload.meta.labels['app.kubernetes.io/instance'] ?? '(unset)'}', not its name`,
        workload,
      ),
  }),
  defineField({
    name: 'Host Users',
    levels: ['workload'],
    syntax: booleanSyntax,
    multiple: false,
    extension: true,
    description: 'spec.hostUsers (true when unset); false runs the pod in a user namespace.',
    extract: ({ workload }) => workload.hostUsers ?? true,
    describe: ({ workload }) =>
      workload.hostUsers === false
        ? w('runs in a user namespace (hostUsers: false)', workload)
        : w(
            'shares the host user namespace; set hostUsers: false where the runtime supports it',
            workload,
          ),
  }),
  defineField({
    name: 'Host Aliases',
    levels: ['workload'],
    syntax: booleanSyntax,
    multiple: false,
    extension: true,
    description: 'Whether spec.hostAliases is set (it overrides /etc/hosts).',
    extract: ({ workload }) => workload.hostAliases,
    describe: ({ workload }) =>
      w('sets hostAliases, overriding name resolution in /etc/hosts', workload),
  }),
  defineField({
    name: 'Unsafe Sysctl',
    levels: ['workload'],
    syntax: regexSyntax,
    negatable: true,
    extension: true,
    description: 'Names of pod sysctls outside the Pod Security Standards safe set.',
    extract: ({ workload }) =>
      workload.podSecurityContext.sysctls.map((s) => s.name).filter((n) => !safeSysctls.has(n)),
    describe: ({ workload }, values) => w(`sets unsafe sysctl(s) ${values.join(', ')}`, workload),
  }),
  defineField({
    name: 'Pod Group ID',
    levels: ['workload'],
    syntax: numberSyntax,
    extension: true,
    description: 'Pod-level group IDs: runAsGroup, fsGroup and supplementalGroups.',
    extract: ({ workload }) => {
      const sc = workload.podSecurityContext;
      return [sc.runAsGroup, sc.fsGroup, ...sc.supplementalGroups].filter(
        (g): g is number => g !== undefined,
      );
    },
    describe: ({ workload }, values) =>
      w(`runs with pod group ID(s) ${values.join(', ')}`, workload),
  }),
  defineField({
    name: 'Priority Class Name',
    levels: ['workload'],
    syntax: regexSyntax,
    negatable: true,
    extension: true,
    description: "spec.priorityClassName ('' when unset).",
    extract: ({ workload }) => workload.priorityClassName,
    describe: ({ workload }) =>
      workload.priorityClassName
        ? w(`uses priority class '${workload.priorityClassName}'`, workload)
        : w('sets no priorityClassName', workload),
  }),
  defineField({
    name: 'Has Host Anti-Affinity',
    levels: ['workload'],
    syntax: booleanSyntax,
    multiple: false,
    extension: true,
    description: 'Whether pod anti-affinity spreads replicas over kubernetes.io/hostname.',
    extract: ({ workload }) => workload.hasHostnameAntiAffinity,
    describe: ({ workload }) =>
      w(
        'has no pod anti-affinity on kubernetes.io/hostname, so replicas may share a node',
        workload,
      ),
  }),
  defineField({
    name: 'Has Node Affinity',
    levels: ['workload'],
    syntax: booleanSyntax,
    multiple: false,
    extension: true,
    description: 'Whether spec.affinity.nodeAffinity is set.',
    extract: ({ workload }) => workload.hasNodeAffinity,
    describe: ({ workload }) => w('sets no node affinity', workload),
  }),
  defineField({
    name: 'Has Topology Spread Constraints',
    levels: ['workload'],
    syntax: booleanSyntax,
    multiple: false,
    extension: true,
    description: 'Whether spec.topologySpreadConstraints is non-empty.',
    extract: ({ workload }) => workload.topologySpreadConstraints > 0,
    describe: ({ workload }) => w('sets no topologySpreadConstraints', workload),
  }),
  defineField({
    name: 'Has Pod Disruption Budget',
    levels: ['workload'],
    syntax: booleanSyntax,
    multiple: false,
    extension: true,
    description: 'Whether a PodDisruptionBudget in the same set selects the pods.',
    extract: ({ workload }) => workload.context.hasPodDisruptionBudget,
    describe: ({ workload }) => w('is not covered by a PodDisruptionBudget', workload),
  }),
  defineField({
    name: 'Targeted By Autoscaler',
    levels: ['workload'],
    syntax: booleanSyntax,
    multiple: false,
    extension: true,
    description: 'Whether a HorizontalPodAutoscaler targets the workload.',
    extract: ({ workload }) => workload.context.targetedByHpa,
    describe: ({ workload }) =>
      workload.context.targetedByHpa
        ? w('is scaled by a HorizontalPodAutoscaler', workload)
        : w('is not scaled by a HorizontalPodAutoscaler', workload),
  }),
  defineField({
    name: 'Update Strategy',
    levels: ['workload'],
    syntax: regexSyntax,
    negatable: true,
    extension: true,
    description:
      "strategy.type / updateStrategy.type ('' when unset; the API defaults RollingUpdate).",
    extract: ({ workload }) => workload.strategyType,
    describe: ({ workload }) => w(`uses update strategy '${workload.strategyType}'`, workload),
  }),
  defineField({
    name: 'Job TTL Set',
    levels: ['workload'],
    syntax: booleanSyntax,
    multiple: false,
    extension: true,
    description: 'For Jobs and CronJobs: whether ttlSecondsAfterFinished is set.',
    extract: ({ workload }) =>
      workload.workloadKind === 'Job' || workload.workloadKind === 'CronJob'
        ? workload.ttlSecondsAfterFinished !== null
        : undefined,
    describe: ({ workload }) =>
      w('sets no ttlSecondsAfterFinished, so finished pods linger', workload),
  }),
  defineField({
    name: 'CronJob Deadline Set',
    levels: ['workload'],
    syntax: booleanSyntax,
    multiple: false,
    extension: true,
    description: 'For CronJobs: whether startingDeadlineSeconds is set.',
    extract: ({ workload }) =>
      workload.workloadKind === 'CronJob' ? workload.startingDeadlineSeconds !== null : undefined,
    describe: ({ workload }) => w('sets no startingDeadlineSeconds', workload),
  }),
  defineField({
    name: 'Selector Matches Template',
    levels: ['workload'],
    syntax: booleanSyntax,
    multiple: false,
    extension: true,
    description: "Whether the workload's selector selects its own pod template labels.",
    extract: ({ workload }) => {
      const selector = workload.selector;
      if (!selector || workload.workloadKind === 'Pod') return undefined;
      return Object.entries(selector.matchLabels).every(([k, v]) => workload.podLabels[k] === v);
    },
    describe: ({ workload }) =>
      w('has a selector that does not match its pod template labels', workload),
  }),
  defineField({
    name: 'Uses Deprecated Service Account Field',
    levels: ['workload'],
    syntax: booleanSyntax,
    multiple: false,
    extension: true,
    description: 'Whether the deprecated spec.serviceAccount field is set.',
    extract: ({ workload }) => workload.deprecatedServiceAccount !== '',
    describe: ({ workload }) =>
      w('sets the deprecated spec.serviceAccount; use serviceAccountName', workload),
  }),
  defineField({
    name: 'Service Account Exists',
    levels: ['workload'],
    syntax: booleanSyntax,
    multiple: false,
    extension: true,
    description:
      'Whether the named ServiceAccount is in the checked set (undecided when the set has none).',
    extract: ({ workload }) => workload.context.serviceAccountExists ?? undefined,
    describe: ({ workload }) =>
      w(
        `names service account '${workload.serviceAccountName}', which is not in the checked set`,
        workload,
      ),
  }),
  defineField({
    name: 'Missing Config Reference',
    levels: ['workload'],
    syntax: regexSyntax,
    extension: true,
    description:
      'Secrets and ConfigMaps referenced by env/envFrom that are absent from the set ("Secret name").',
    extract: ({ workload }) => workload.context.danglingReferences,
    describe: ({ workload }, values) =>
      w(`references ${values.join(', ')}, absent from the checked set`, workload),
  }),
  defineField({
    name: 'Restart Policy',
    levels: ['workload'],
    syntax: regexSyntax,
    negatable: true,
    extension: true,
    description: "spec.restartPolicy ('' when unset).",
    extract: ({ workload }) => workload.restartPolicy,
  }),
  defineField({
    name: 'Pod OS',
    levels: ['workload'],
    syntax: regexSyntax,
    negatable: true,
    extension: true,
    description: "spec.os.name ('' when unset).",
    extract: ({ workload }) => workload.osName,
  }),
  defineField({
    name: 'API Version',
    levels: ['workload'],
    syntax: regexSyntax,
    negatable: true,
    extension: true,
    description: 'apiVersion of the workload object as written (apps/v1, batch/v1beta1, …).',
    extract: ({ workload }) => workload.meta.apiVersion,
    describe: ({ workload }) =>
      w(
        `uses apiVersion '${workload.meta.apiVersion}', which is deprecated or removed; move to the stable apiVersion`,
        workload,
      ),
  }),
  defineField({
    name: 'Invalid Container Port Name',
    levels: ['workload'],
    syntax: regexSyntax,
    extension: true,
    description:
      'Names of container ports that are not valid IANA service names (at most 15 lowercase letters, digits and single hyphens, with a letter).',
    extract: ({ workload }) =>
      workload.containers.flatMap((c) =>
        c.ports.map((p) => p.name).filter((n) => n !== '' && !isValidPortName(n)),
      ),
    describe: ({ workload }, values) =>
      w(
        `names container port(s) ${values.map((v) => `'${String(v)}'`).join(', ')}, which are not valid port names; use at most 15 lowercase letters, digits and hyphens`,
        workload,
      ),
  }),
];
