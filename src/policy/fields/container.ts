// Criteria fields about one container: security context (effective, after pod inheritance),
// capabilities, resources, probes, image reference, environment and ports; and the pod-level
// security context as written, which the Pod Security Standards check on its own.

import type { Container, Probe, Workload } from '../../model/index.ts';
import { defineField, triple } from '../field.ts';
import type { FieldDefinition } from '../field.ts';
import {
  booleanSyntax,
  capabilitySyntax,
  enumSyntax,
  envVarSyntax,
  normaliseCapability,
  numberSyntax,
  regexSyntax,
} from '../values.ts';

const c = (text: string, container: Container) => `container '${container.name}' ${text}`;
const buildDeploy = ['BUILD', 'DEPLOY', 'RUNTIME'] as const;

/** StackRox reports memory fields in MB (10^6 bytes is what its UI shows as MB). */
const megabytes = (bytes: number | null) => (bytes === null ? 0 : bytes / 1e6);

const seccompSettings = ['UNCONFINED', 'RUNTIME_DEFAULT', 'LOCALHOST', 'UNSET'];

/** A seccompProfile.type as the Seccomp Profile Setting fields report it. */
function seccompSetting(type: string | undefined): string {
  if (type === undefined) return 'UNSET';
  return type === 'RuntimeDefault' ? 'RUNTIME_DEFAULT' : type.toUpperCase();
}

const pod = (text: string, workload: Workload) =>
  `${workload.workloadKind.toLowerCase()} '${workload.meta.name}' ${text}`;

function sameProbe(a: Probe | undefined, b: Probe | undefined): boolean {
  return (
    a !== undefined && b !== undefined && a.handler !== 'none' && a.fingerprint === b.fingerprint
  );
}

export const containerFields: FieldDefinition[] = [
  defineField({
    name: 'Container Name',
    levels: ['container'],
    syntax: regexSyntax,
    negatable: true,
    description: 'The container name.',
    extract: ({ container }) => container.name,
    describe: ({ container }) => c('matches the policy by name', container),
  }),
  defineField({
    name: 'Privileged Container',
    levels: ['container'],
    syntax: booleanSyntax,
    multiple: false,
    description: 'securityContext.privileged.',
    extract: ({ container }) => container.securityContext.privileged ?? false,
    describe: ({ container }, values) =>
      values[0] === true
        ? c('is privileged; set securityContext.privileged to false', container)
        : c('is not privileged', container),
  }),
  defineField({
    name: 'Allow Privilege Escalation',
    levels: ['container'],
    syntax: booleanSyntax,
    multiple: false,
    description: 'securityContext.allowPrivilegeEscalation (false when unset, as in StackRox).',
    extract: ({ container }) => container.securityContext.allowPrivilegeEscalation ?? false,
    describe: ({ container }) =>
      c(
        'allows privilege escalation; set securityContext.allowPrivilegeEscalation to false',
        container,
      ),
  }),
  defineField({
    name: 'Read-Only Root Filesystem',
    levels: ['container'],
    syntax: booleanSyntax,
    multiple: false,
    description: 'securityContext.readOnlyRootFilesystem (false when unset).',
    extract: ({ container }) => container.securityContext.readOnlyRootFilesystem ?? false,
    describe: ({ container }, values) =>
      values[0] === false
        ? c(
            'has a writable root filesystem; set securityContext.readOnlyRootFilesystem to true',
            container,
          )
        : c('has a read-only root filesystem', container),
  }),
  defineField({
    name: 'Add Capabilities',
    levels: ['container'],
    syntax: capabilitySyntax(false),
    description: 'securityContext.capabilities.add.',
    extract: ({ container }) => container.securityContext.capabilities.add.map(normaliseCapability),
    describe: ({ container }) =>
      c(`adds capabilities ${container.securityContext.capabilities.add.join(', ')}`, container),
  }),
  defineField({
    name: 'Drop Capabilities',
    levels: ['container'],
    syntax: capabilitySyntax(true),
    description:
      'securityContext.capabilities.drop. StackRox fires when the listed capabilities are not all dropped.',
    required: true,
    extract: ({ container }) =>
      container.securityContext.capabilities.drop.map(normaliseCapability),
    describe: ({ container }) =>
      c(
        `does not drop the required capabilities (drops: ${container.securityContext.capabilities.drop.join(', ') || 'none'}); add them to securityContext.capabilities.drop`,
        container,
      ),
  }),
  defineField({
    name: 'AppArmor Profile',
    levels: ['container'],
    syntax: regexSyntax,
    negatable: true,
    description:
      "Effective AppArmor profile type (RuntimeDefault, Localhost, Unconfined; '' when unset).",
    extract: ({ container }) => container.securityContext.appArmorProfile?.type ?? '',
    describe: ({ container }) =>
      c(
        `has AppArmor profile '${container.securityContext.appArmorProfile?.type ?? 'unset'}'`,
        container,
      ),
  }),
  defineField({
    name: 'Seccomp Profile Type',
    levels: ['container'],
    syntax: enumSyntax(['UNCONFINED', 'RUNTIME_DEFAULT', 'LOCALHOST']),
    negatable: true,
    multiple: false,
    description:
      'Effective seccomp profile type; unset counts as UNCONFINED (the runtime default before 1.27 with SeccompDefault off).',
    extract: ({ container }) => {
      const type = container.securityContext.seccompProfile?.type ?? 'Unconfined';
      return type === 'RuntimeDefault' ? 'RUNTIME_DEFAULT' : type.toUpperCase();
    },
    describe: ({ container }) =>
      c(
        `runs with seccomp profile '${container.securityContext.seccompProfile?.type ?? 'unset'}'`,
        container,
      ),
  }),
  defineField({
    name: 'Container CPU Limit',
    levels: ['container'],
    syntax: numberSyntax,
    description: 'resources.limits.cpu in cores (0 when unset).',
    extract: ({ container }) => container.resources.cpuLimit ?? 0,
    describe: ({ container }) =>
      container.resources.cpuLimit === null
        ? c('has no CPU limit; set resources.limits.cpu', container)
        : c(`has CPU limit ${container.resources.cpuLimit}`, container),
  }),
  defineField({
    name: 'Container CPU Request',
    levels: ['container'],
    syntax: numberSyntax,
    description: 'resources.requests.cpu in cores (0 when unset).',
    extract: ({ container }) => container.resources.cpuRequest ?? 0,
    describe: ({ container }) =>
      container.resources.cpuRequest === null
        ? c('has no CPU request; set resources.requests.cpu', container)
        : c(`has CPU request ${container.resources.cpuRequest}`, container),
  }),
  defineField({
    name: 'Container Memory Limit',
    levels: ['container'],
    syntax: numberSyntax,
    description: 'resources.limits.memory in MB (0 when unset).',
    extract: ({ container }) => megabytes(container.resources.memoryLimit),
    describe: ({ container }) =>
      container.resources.memoryLimit === null
        ? c('has no memory limit; set resources.limits.memory', container)
        : c(`has memory limit ${megabytes(container.resources.memoryLimit)} MB`, container),
  }),
  defineField({
    name: 'Container Memory Request',
    levels: ['container'],
    syntax: numberSyntax,
    description: 'resources.requests.memory in MB (0 when unset).',
    extract: ({ container }) => megabytes(container.resources.memoryRequest),
    describe: ({ container }) =>
      container.resources.memoryRequest === null
        ? c('has no memory request; set resources.requests.memory', container)
        : c(`has memory request ${megabytes(container.resources.memoryRequest)} MB`, container),
  }),
  defineField({
    name: 'Liveness Probe Defined',
    levels: ['container'],
    syntax: booleanSyntax,
    multiple: false,
    description: 'Whether livenessProbe is set.',
    extract: ({ container }) => container.livenessProbe !== undefined,
    describe: ({ container }) => c('has no liveness probe; add livenessProbe', container),
  }),
  defineField({
    name: 'Readiness Probe Defined',
    levels: ['container'],
    syntax: booleanSyntax,
    negatable: true,
    multiple: false,
    description: 'Whether readinessProbe is set.',
    extract: ({ container }) => container.readinessProbe !== undefined,
    describe: ({ container }) => c('has no readiness probe; add readinessProbe', container),
  }),
  defineField({
    name: 'Image Registry',
    stages: buildDeploy,
    levels: ['container'],
    syntax: regexSyntax,
    negatable: true,
    description: 'Registry host of the image (docker.io for Docker Hub).',
    extract: ({ container }) => container.image.registry,
    describe: ({ container }) =>
      c(
        `uses image '${container.image.fullName}' from registry '${container.image.registry}'`,
        container,
      ),
  }),
  defineField({
    name: 'Image Remote',
    stages: buildDeploy,
    levels: ['container'],
    syntax: regexSyntax,
    negatable: true,
    description: 'Repository path of the image (library/nginx).',
    extract: ({ container }) => container.image.remote,
    describe: ({ container }) => c(`uses image '${container.image.fullName}'`, container),
  }),
  defineField({
    name: 'Image Tag',
    stages: buildDeploy,
    levels: ['container'],
    syntax: regexSyntax,
    negatable: true,
    description: "Image tag ('latest' when neither tag nor digest is given).",
    extract: ({ container }) => container.image.tag,
    describe: ({ container }) =>
      c(
        `uses image '${container.image.fullName}' with tag '${container.image.tag || '(none)'}'`,
        container,
      ),
  }),
  defineField({
    name: 'Environment Variable',
    levels: ['container'],
    syntax: envVarSyntax,
    negatable: true,
    description: 'Environment variables as SOURCE=name=value.',
    extract: ({ container }) => [
      ...container.env.map((e) => triple(e.source, e.name, e.value)),
      ...container.envFrom.map((e) =>
        triple(e.kind === 'Secret' ? 'SECRET_KEY' : 'CONFIG_MAP_KEY', `envFrom:${e.name}`, ''),
      ),
    ],
    describe: ({ container }, values) =>
      c(
        `has environment variable(s) ${values.map((v) => (Array.isArray(v) ? `${String(v[1])} (${String(v[0]).toLowerCase()})` : String(v))).join(', ')}`,
        container,
      ),
  }),
  // Palisade extensions.
  defineField({
    name: 'Container Type',
    levels: ['container'],
    syntax: enumSyntax(['REGULAR', 'INIT', 'EPHEMERAL']),
    negatable: true,
    extension: true,
    description: 'Whether the container is a regular, init or ephemeral container.',
    extract: ({ container }) => container.type.toUpperCase(),
  }),
  defineField({
    name: 'Run As Non Root',
    levels: ['container'],
    syntax: booleanSyntax,
    multiple: false,
    extension: true,
    description: 'Effective runAsNonRoot (container over pod); false when unset.',
    extract: ({ container }) => container.securityContext.runAsNonRoot ?? false,
    describe: ({ container }) =>
      c('may run as root; set securityContext.runAsNonRoot to true', container),
  }),
  defineField({
    name: 'Run As User',
    levels: ['container'],
    syntax: numberSyntax,
    negatable: true,
    extension: true,
    description: 'Effective runAsUser (container over pod); no value when unset.',
    extract: ({ container }) => container.securityContext.runAsUser,
    describe: ({ container }) =>
      c(`runs as UID ${container.securityContext.runAsUser ?? 'unset'}`, container),
  }),
  defineField({
    name: 'Run As User Set',
    levels: ['container'],
    syntax: booleanSyntax,
    multiple: false,
    extension: true,
    description: 'Whether an effective runAsUser is set.',
    extract: ({ container }) => container.securityContext.runAsUser !== undefined,
    describe: ({ container }) => c('sets no runAsUser; set a UID of 10000 or more', container),
  }),
  defineField({
    name: 'Run As Group',
    levels: ['container'],
    syntax: numberSyntax,
    negatable: true,
    extension: true,
    description: 'Effective runAsGroup (container over pod); no value when unset.',
    extract: ({ container }) => container.securityContext.runAsGroup,
    describe: ({ container }) =>
      c(`runs as GID ${container.securityContext.runAsGroup ?? 'unset'}`, container),
  }),
  defineField({
    name: 'Run As Group Set',
    levels: ['container'],
    syntax: booleanSyntax,
    multiple: false,
    extension: true,
    description: 'Whether an effective runAsGroup is set.',
    extract: ({ container }) => container.securityContext.runAsGroup !== undefined,
    describe: ({ container }) => c('sets no runAsGroup; set a GID of 10000 or more', container),
  }),
  defineField({
    name: 'Allow Privilege Escalation Setting',
    levels: ['container'],
    syntax: enumSyntax(['TRUE', 'FALSE', 'UNSET']),
    negatable: true,
    multiple: false,
    extension: true,
    description:
      'allowPrivilegeEscalation as written: TRUE, FALSE or UNSET (PSS restricted needs FALSE).',
    extract: ({ container }) => {
      const v = container.securityContext.allowPrivilegeEscalation;
      return v === undefined ? 'UNSET' : v ? 'TRUE' : 'FALSE';
    },
    describe: ({ container }) =>
      c('does not set securityContext.allowPrivilegeEscalation to false', container),
  }),
  defineField({
    name: 'Added Capability',
    levels: ['container'],
    syntax: capabilitySyntax(true),
    extension: true,
    description: 'Like Add Capabilities, but also accepts ALL (capabilities.add: [ALL]).',
    extract: ({ container }) => container.securityContext.capabilities.add.map(normaliseCapability),
    describe: ({ container }) =>
      c(`adds capabilities ${container.securityContext.capabilities.add.join(', ')}`, container),
  }),
  defineField({
    name: 'Drops ALL Capabilities',
    levels: ['container'],
    syntax: booleanSyntax,
    multiple: false,
    extension: true,
    description:
      'Whether capabilities.drop contains the exact string ALL (PSA check_capabilities_restricted compares case-sensitively).',
    extract: ({ container }) => container.securityContext.capabilities.drop.includes('ALL'),
    describe: ({ container }) =>
      c(
        'does not drop ALL capabilities; add "ALL" to securityContext.capabilities.drop',
        container,
      ),
  }),
  defineField({
    name: 'Seccomp Profile Setting',
    levels: ['container'],
    syntax: enumSyntax(seccompSettings),
    negatable: true,
    extension: true,
    description:
      'Effective seccompProfile.type as written (container over pod, legacy annotations included): UNCONFINED, RUNTIME_DEFAULT, LOCALHOST, or UNSET when neither sets one. Unlike Seccomp Profile Type, unset is not Unconfined.',
    extract: ({ container }) => seccompSetting(container.securityContext.seccompProfile?.type),
    describe: ({ container }) =>
      container.securityContext.seccompProfile === undefined
        ? c(
            'sets no seccomp profile; set securityContext.seccompProfile.type to RuntimeDefault (pod or container)',
            container,
          )
        : c(
            `runs with seccomp profile '${container.securityContext.seccompProfile.type}'; set securityContext.seccompProfile.type to RuntimeDefault or Localhost`,
            container,
          ),
  }),
  defineField({
    name: 'SELinux Type',
    levels: ['container'],
    syntax: regexSyntax,
    negatable: true,
    extension: true,
    description: "Effective seLinuxOptions.type ('' when unset).",
    extract: ({ container }) => container.securityContext.seLinuxOptions?.type ?? '',
    describe: ({ container }) =>
      container.securityContext.seLinuxOptions?.type
        ? c(`sets SELinux type '${container.securityContext.seLinuxOptions.type}'`, container)
        : c('sets no SELinux type', container),
  }),
  defineField({
    name: 'SELinux Options Set',
    levels: ['container'],
    syntax: booleanSyntax,
    multiple: false,
    extension: true,
    description:
      'Whether the effective seLinuxOptions (container over pod) set any of type, user, role or level.',
    extract: ({ container }) =>
      Object.values(container.securityContext.seLinuxOptions ?? {}).some(
        (v) => v !== undefined && v !== '',
      ),
    describe: ({ container }) => c('sets no seLinuxOptions', container),
  }),
  defineField({
    name: 'SELinux User Or Role Set',
    levels: ['container'],
    syntax: booleanSyntax,
    multiple: false,
    extension: true,
    description: 'Whether seLinuxOptions.user or .role is set on the container or pod.',
    extract: ({ container, workload }) =>
      Boolean(
        container.securityContext.seLinuxOptions?.user ||
        container.securityContext.seLinuxOptions?.role ||
        workload.podSecurityContext.seLinuxOptions?.user ||
        workload.podSecurityContext.seLinuxOptions?.role,
      ),
    describe: ({ container }) => c('sets a custom SELinux user or role', container),
  }),
  defineField({
    name: 'Proc Mount',
    levels: ['container'],
    syntax: regexSyntax,
    negatable: true,
    extension: true,
    description: "securityContext.procMount ('' when unset).",
    extract: ({ container }) => container.securityContext.procMount ?? '',
    describe: ({ container }) =>
      c(`sets procMount '${container.securityContext.procMount ?? ''}'; use Default`, container),
  }),
  defineField({
    name: 'Windows Host Process',
    levels: ['container'],
    syntax: booleanSyntax,
    multiple: false,
    extension: true,
    description: 'Effective windowsOptions.hostProcess.',
    extract: ({ container }) => container.securityContext.windowsHostProcess ?? false,
    describe: ({ container }) => c('runs as a Windows HostProcess container', container),
  }),
  defineField({
    name: 'Has Security Context',
    levels: ['container'],
    syntax: booleanSyntax,
    multiple: false,
    extension: true,
    description: 'Whether the container spec has a securityContext of its own.',
    extract: ({ container }) => container.hasSecurityContext,
    describe: ({ container }) => c('has no securityContext', container),
  }),
  defineField({
    name: 'Image Pull Policy',
    stages: buildDeploy,
    levels: ['container'],
    syntax: regexSyntax,
    negatable: true,
    extension: true,
    description: "imagePullPolicy as written ('' when unset).",
    extract: ({ container }) => container.imagePullPolicy,
    describe: ({ container }) =>
      c(`has imagePullPolicy '${container.imagePullPolicy || 'unset'}'`, container),
  }),
  defineField({
    name: 'Image Digest Pinned',
    stages: buildDeploy,
    levels: ['container'],
    syntax: booleanSyntax,
    multiple: false,
    extension: true,
    description: 'Whether the image reference carries a @sha256 digest.',
    extract: ({ container }) => container.image.digest !== '',
    describe: ({ container }) =>
      c(`uses image '${container.image.fullName}' without a digest`, container),
  }),
  defineField({
    name: 'Image Reference',
    stages: buildDeploy,
    levels: ['container'],
    syntax: regexSyntax,
    negatable: true,
    extension: true,
    description: 'The image reference exactly as written.',
    extract: ({ container }) => container.image.fullName,
    describe: ({ container }) => c(`uses image '${container.image.fullName}'`, container),
  }),
  defineField({
    name: 'Startup Probe Defined',
    levels: ['container'],
    syntax: booleanSyntax,
    multiple: false,
    extension: true,
    description: 'Whether startupProbe is set.',
    extract: ({ container }) => container.startupProbe !== undefined,
  }),
  defineField({
    name: 'Probe Host Set',
    levels: ['container'],
    syntax: booleanSyntax,
    multiple: false,
    extension: true,
    description:
      'Whether any probe or lifecycle handler sets httpGet.host or tcpSocket.host (PSA hostProbesAndHostLifecycle).',
    extract: ({ container }) =>
      [container.livenessProbe, container.readinessProbe, container.startupProbe].some(
        (p) => p !== undefined && p.host !== '',
      ) || container.lifecycleHosts.some((h) => h !== ''),
    describe: ({ container }) => c('sets a host on a probe or lifecycle handler', container),
  }),
  defineField({
    name: 'Liveness Equals Readiness',
    levels: ['container'],
    syntax: booleanSyntax,
    multiple: false,
    extension: true,
    description: 'Whether the liveness and readiness probes use the same handler.',
    extract: ({ container }) => sameProbe(container.livenessProbe, container.readinessProbe),
    describe: ({ container }) =>
      c('uses the same handler for liveness and readiness probes', container),
  }),
  defineField({
    name: 'Probe Port Not Declared',
    levels: ['container'],
    syntax: booleanSyntax,
    multiple: false,
    extension: true,
    description:
      'Whether an httpGet/tcpSocket/grpc probe names a port the container does not declare.',
    extract: ({ container }) =>
      [container.livenessProbe, container.readinessProbe, container.startupProbe].some((p) => {
        if (!p || p.port === '') return false;
        const n = Number(p.port);
        return Number.isInteger(n)
          ? !container.ports.some((q) => q.containerPort === n)
          : !container.ports.some((q) => q.name === p.port);
      }),
    describe: ({ container }) => c('has a probe on a port it does not declare in ports', container),
  }),
  defineField({
    name: 'Container Ephemeral Storage Limit',
    levels: ['container'],
    syntax: numberSyntax,
    extension: true,
    description: "resources.limits['ephemeral-storage'] in MB (0 when unset).",
    extract: ({ container }) => megabytes(container.resources.ephemeralStorageLimit),
    describe: ({ container }) => c('has no ephemeral-storage limit', container),
  }),
  defineField({
    name: 'Container Ephemeral Storage Request',
    levels: ['container'],
    syntax: numberSyntax,
    extension: true,
    description: "resources.requests['ephemeral-storage'] in MB (0 when unset).",
    extract: ({ container }) => megabytes(container.resources.ephemeralStorageRequest),
    describe: ({ container }) => c('has no ephemeral-storage request', container),
  }),
  defineField({
    name: 'Requests Equal Limits',
    levels: ['container'],
    syntax: booleanSyntax,
    multiple: false,
    extension: true,
    description: 'Whether CPU and memory requests equal their limits (Guaranteed QoS).',
    extract: ({ container }) => {
      const r = container.resources;
      return (
        r.cpuLimit !== null &&
        r.memoryLimit !== null &&
        (r.cpuRequest ?? r.cpuLimit) === r.cpuLimit &&
        (r.memoryRequest ?? r.memoryLimit) === r.memoryLimit
      );
    },
    describe: ({ container }) => c('has resource requests different from its limits', container),
  }),
  defineField({
    name: 'Duplicate Environment Variable',
    levels: ['container'],
    syntax: booleanSyntax,
    multiple: false,
    extension: true,
    description: 'Whether an env name appears twice in the container.',
    extract: ({ container }) =>
      new Set(container.env.map((e) => e.name)).size !== container.env.length,
    describe: ({ container }) => c('defines the same environment variable twice', container),
  }),
  defineField({
    name: 'Container Port',
    levels: ['container'],
    syntax: numberSyntax,
    negatable: true,
    extension: true,
    description: 'Declared containerPort numbers.',
    extract: ({ container }) => container.ports.map((p) => p.containerPort),
    describe: ({ container }, values) => c(`declares port(s) ${values.join(', ')}`, container),
  }),
  defineField({
    name: 'Host Port',
    levels: ['container'],
    syntax: numberSyntax,
    negatable: true,
    extension: true,
    description: 'Declared hostPort numbers (only those set and non-zero).',
    extract: ({ container }) => container.ports.map((p) => p.hostPort).filter((p) => p > 0),
    describe: ({ container }, values) => c(`binds host port(s) ${values.join(', ')}`, container),
  }),
  defineField({
    name: 'Container Command',
    levels: ['container'],
    syntax: regexSyntax,
    negatable: true,
    extension: true,
    description: 'command and args of the container, joined by spaces.',
    extract: ({ container }) => [...container.command, ...container.args].join(' '),
    describe: ({ container }) =>
      c(`runs '${[...container.command, ...container.args].join(' ')}'`, container),
  }),
  // Pod-level securityContext values as written. PSA (check_runAsNonRoot, check_runAsUser,
  // check_seccompProfile_*, check_appArmorProfile, check_seLinuxOptions) rejects a bad pod-level
  // value even when every container overrides it, because containers added later (ephemeral
  // containers) inherit it; the effective container fields above cannot see that case.
  defineField({
    name: 'Pod Seccomp Profile Setting',
    levels: ['workload'],
    syntax: enumSyntax(seccompSettings),
    negatable: true,
    extension: true,
    description:
      'spec.securityContext.seccompProfile.type (or the legacy pod annotation): UNCONFINED, RUNTIME_DEFAULT, LOCALHOST, or UNSET.',
    extract: ({ workload }) => seccompSetting(workload.podSecurityContext.seccompProfile?.type),
    describe: ({ workload }) =>
      pod(
        `sets pod-level seccomp profile '${workload.podSecurityContext.seccompProfile?.type ?? 'unset'}'; set spec.securityContext.seccompProfile.type to RuntimeDefault or Localhost`,
        workload,
      ),
  }),
  defineField({
    name: 'Pod AppArmor Profile',
    levels: ['workload'],
    syntax: regexSyntax,
    negatable: true,
    extension: true,
    description: "spec.securityContext.appArmorProfile.type ('' when unset).",
    extract: ({ workload }) => workload.podSecurityContext.appArmorProfile?.type ?? '',
    describe: ({ workload }) =>
      pod(
        `sets pod-level AppArmor profile '${workload.podSecurityContext.appArmorProfile?.type ?? 'unset'}'; use RuntimeDefault or Localhost`,
        workload,
      ),
  }),
  defineField({
    name: 'Pod SELinux Type',
    levels: ['workload'],
    syntax: regexSyntax,
    negatable: true,
    extension: true,
    description: "spec.securityContext.seLinuxOptions.type ('' when unset).",
    extract: ({ workload }) => workload.podSecurityContext.seLinuxOptions?.type ?? '',
    describe: ({ workload }) =>
      pod(
        `sets pod-level SELinux type '${workload.podSecurityContext.seLinuxOptions?.type ?? ''}'; remove it or use container_t`,
        workload,
      ),
  }),
  defineField({
    name: 'Pod Run As Non Root Setting',
    levels: ['workload'],
    syntax: enumSyntax(['TRUE', 'FALSE', 'UNSET']),
    negatable: true,
    extension: true,
    description: 'spec.securityContext.runAsNonRoot as written: TRUE, FALSE or UNSET.',
    extract: ({ workload }) => {
      const v = workload.podSecurityContext.runAsNonRoot;
      return v === undefined ? 'UNSET' : v ? 'TRUE' : 'FALSE';
    },
    describe: ({ workload }) =>
      pod(
        `sets spec.securityContext.runAsNonRoot to ${String(workload.podSecurityContext.runAsNonRoot ?? 'unset')}; set it to true`,
        workload,
      ),
  }),
  defineField({
    name: 'Pod Run As User',
    levels: ['workload'],
    syntax: numberSyntax,
    negatable: true,
    extension: true,
    description: 'spec.securityContext.runAsUser; no value when unset.',
    extract: ({ workload }) => workload.podSecurityContext.runAsUser,
    describe: ({ workload }) =>
      pod(
        `sets spec.securityContext.runAsUser to ${workload.podSecurityContext.runAsUser ?? 'unset'}; use a non-zero UID`,
        workload,
      ),
  }),
  defineField({
    name: 'Pod Security Context Set',
    levels: ['workload'],
    syntax: booleanSyntax,
    multiple: false,
    extension: true,
    description:
      'Whether spec.securityContext sets any of runAsNonRoot, runAsUser, runAsGroup, fsGroup, supplementalGroups, seccompProfile, appArmorProfile, seLinuxOptions, sysctls or windowsOptions.hostProcess.',
    extract: ({ workload }) => {
      const sc = workload.podSecurityContext;
      return (
        [
          sc.runAsNonRoot,
          sc.runAsUser,
          sc.runAsGroup,
          sc.fsGroup,
          sc.seccompProfile,
          sc.appArmorProfile,
          sc.seLinuxOptions,
          sc.windowsHostProcess,
        ].some((v) => v !== undefined) ||
        sc.supplementalGroups.length > 0 ||
        sc.sysctls.length > 0
      );
    },
    describe: ({ workload }) =>
      pod('has no pod-level securityContext; set spec.securityContext', workload),
  }),
];
