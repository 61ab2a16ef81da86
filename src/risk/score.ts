// Deployment risk: the product of capped multipliers, after StackRox's risk model
// (central/risk/multipliers, facts in issue "Central" research note). Each factor is normalised
// as `score > saturation ? max : 1 + (score / saturation) * (max - 1)`; a factor that does not
// apply is absent (multiplier 1). Pure: it reads a workload and its violations, nothing else.

import type {
  Severity,
  Violation,
  Vulnerability,
  VulnerabilitySeverity,
  Workload,
} from '../model/index.ts';

export interface RiskFactor {
  readonly name: string;
  readonly multiplier: number;
  /** Why the factor applies, in words for people. */
  readonly reasons: readonly string[];
}

export interface RiskScore {
  readonly score: number;
  readonly factors: readonly RiskFactor[];
}

export function normaliseFactor(score: number, saturation: number, max: number): number {
  return score > saturation ? max : 1 + (score / saturation) * (max - 1);
}

// StackRox policy-violation weights: severity squared, low 1 … critical 4.
const severityWeight: Readonly<Record<Severity, number>> = {
  LOW_SEVERITY: 1,
  MEDIUM_SEVERITY: 2,
  HIGH_SEVERITY: 3,
  CRITICAL_SEVERITY: 4,
};

const dangerousCapabilities = new Set(['ALL', 'SYS_ADMIN', 'NET_ADMIN', 'SYS_MODULE']);

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}

/** Policy violations: sum of severity² over distinct violated policies; saturation 50, max 4. */
export function policyViolationFactor(violations: readonly Violation[]): RiskFactor | null {
  const policies = new Map<string, Violation['policy']>();
  for (const v of violations) policies.set(v.policy.id, v.policy);
  if (policies.size === 0) return null;
  let score = 0;
  for (const p of policies.values()) score += severityWeight[p.severity] ** 2;
  const names = [...policies.values()]
    .sort((a, b) => severityWeight[b.severity] - severityWeight[a.severity])
    .map((p) => p.name);
  return {
    name: 'Policy Violations',
    multiplier: round(normaliseFactor(score, 50, 4)),
    reasons: [
      `${policies.size} polic${policies.size === 1 ? 'y' : 'ies'} violated: ${names.slice(0, 5).join(', ')}${names.length > 5 ? ', …' : ''}`,
    ],
  };
}

/**
 * Service configuration: +1 each for a read-write volume, secrets used, a dangerous added
 * capability, no capability dropped; then ×2 when a container is privileged. Saturation 8, max 2.
 */
export function serviceConfigurationFactor(workload: Workload): RiskFactor | null {
  const reasons: string[] = [];
  let score = 0;
  const containers = workload.containers;
  if (containers.some((c) => c.mounts.some((m) => !m.readOnly))) {
    score++;
    reasons.push('a volume is mounted read-write');
  }
  const usesSecrets =
    containers.some(
      (c) =>
        c.env.some((e) => e.source === 'SECRET_KEY') || c.envFrom.some((e) => e.kind === 'Secret'),
    ) || workload.volumes.some((v) => v.type === 'secret');
  if (usesSecrets) {
    score++;
    reasons.push('secrets are used in environment variables or volumes');
  }
  const added = containers.flatMap((c) =>
    c.securityContext.capabilities.add.map((a) => a.toUpperCase().replace(/^CAP_/, '')),
  );
  const dangerous = [...new Set(added.filter((a) => dangerousCapabilities.has(a)))];
  if (dangerous.length > 0) {
    score++;
    reasons.push(`capabilities added: ${dangerous.join(', ')}`);
  }
  if (containers.some((c) => c.securityContext.capabilities.drop.length === 0)) {
    score++;
    reasons.push('a container drops no capabilities');
  }
  const privileged = containers
    .filter((c) => c.securityContext.privileged === true)
    .map((c) => c.name);
  if (privileged.length > 0) {
    score *= 2;
    reasons.push(`privileged container(s): ${privileged.join(', ')}`);
  }
  if (score === 0) return null;
  return {
    name: 'Service Configuration',
    multiplier: round(normaliseFactor(score, 8, 2)),
    reasons,
  };
}

/** Reachability: per exposed port, external or route 3, node or host port 2, internal 1; sat 10, max 2. */
export function reachabilityFactor(workload: Workload): RiskFactor | null {
  const weights = { EXTERNAL: 3, ROUTE: 3, NODE: 2, HOST: 2, INTERNAL: 1, UNSET: 0 } as const;
  let score = 0;
  const reasons: string[] = [];
  for (const e of workload.context.exposure) {
    const weight = weights[e.level];
    if (weight === 0) continue;
    score += weight;
    reasons.push(
      `port ${e.containerPort}/${e.protocol} is reachable ${e.level === 'INTERNAL' ? 'in the cluster' : e.level.toLowerCase()}${e.via ? ` via ${e.via}` : ''}`,
    );
  }
  if (score === 0) return null;
  return {
    name: 'Service Reachability',
    multiplier: round(normaliseFactor(score, 10, 2)),
    reasons,
  };
}

// StackRox image vulnerability weights per CVE (central/risk/multipliers/image/vulnerabilities.go).
const vulnerabilityWeight: Readonly<Record<VulnerabilitySeverity, number>> = {
  UNKNOWN: 0,
  LOW: 2.0,
  MODERATE: 5.5,
  IMPORTANT: 8.0,
  CRITICAL: 9.5,
};

/** The id a vulnerability is counted under: its CVE where it has one, else its own id. */
function cveOf(vulnerability: Vulnerability): string {
  if (vulnerability.id.startsWith('CVE-')) return vulnerability.id;
  return vulnerability.aliases.find((a) => a.startsWith('CVE-')) ?? vulnerability.id;
}

/**
 * Image vulnerabilities: per distinct CVE of the deployment's scanned images, its weight (low
 * 2.0, moderate 5.5, important 8.0, critical 9.5) squared, summed and divided by 10; saturation
 * 100, max 4. Absent when no image has a scan or none has a weighted vulnerability.
 */
export function imageVulnerabilityFactor(
  vulnerabilities: readonly Vulnerability[],
): RiskFactor | null {
  const worst = new Map<string, VulnerabilitySeverity>();
  for (const v of vulnerabilities) {
    const cve = cveOf(v);
    const known = worst.get(cve);
    if (known === undefined || vulnerabilityWeight[v.severity] > vulnerabilityWeight[known])
      worst.set(cve, v.severity);
  }
  let score = 0;
  const counts = new Map<VulnerabilitySeverity, number>();
  for (const severity of worst.values()) {
    const weight = vulnerabilityWeight[severity];
    if (weight === 0) continue;
    score += weight ** 2;
    counts.set(severity, (counts.get(severity) ?? 0) + 1);
  }
  score /= 10;
  if (score === 0) return null;
  const order: VulnerabilitySeverity[] = ['CRITICAL', 'IMPORTANT', 'MODERATE', 'LOW'];
  const parts = order
    .filter((s) => counts.has(s))
    .map((s) => `${counts.get(s) ?? 0} ${s.toLowerCase()}`);
  return {
    name: 'Image Vulnerabilities',
    multiplier: round(normaliseFactor(score, 100, 4)),
    reasons: [`image vulnerabilities: ${parts.join(', ')}`],
  };
}

/** The deployment's risk: the product of the factors that apply (1 when none does). */
export function scoreWorkload(
  workload: Workload,
  violations: readonly Violation[],
  vulnerabilities: readonly Vulnerability[] = [],
): RiskScore {
  const factors = [
    policyViolationFactor(violations),
    serviceConfigurationFactor(workload),
    reachabilityFactor(workload),
    imageVulnerabilityFactor(vulnerabilities),
  ].filter((f): f is RiskFactor => f !== null);
  const score = factors.reduce((product, f) => product * f.multiplier, 1);
  return { score: round(score), factors };
}
