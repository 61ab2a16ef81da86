// The report of one image scan: what the vulnerability writers render. Built once from the
// scan and the user's filters (--severity, --ignore-unfixed) and gate (--fail-on,
// --fail-on-fixable), sorted for stable output, with a summary that decides the exit status.

import type {
  Component,
  ImageScan,
  ScannedLayer,
  Vulnerability,
  VulnerabilitySeverity,
} from '../model/index.ts';

/** Highest first, as the table lists them. */
export const vulnerabilitySeverities: readonly VulnerabilitySeverity[] = [
  'CRITICAL',
  'IMPORTANT',
  'MODERATE',
  'LOW',
  'UNKNOWN',
];

const severityOrder: Readonly<Record<VulnerabilitySeverity, number>> = {
  UNKNOWN: 0,
  LOW: 1,
  MODERATE: 2,
  IMPORTANT: 3,
  CRITICAL: 4,
};

export function vulnerabilitySeverityRank(severity: VulnerabilitySeverity): number {
  return severityOrder[severity];
}

/**
 * A severity as users type it: our (Red Hat / StackRox) words, or the CVSS qualitative
 * ratings Trivy and Grype print (MEDIUM = MODERATE, HIGH = IMPORTANT). Case-insensitive.
 */
export function parseVulnerabilitySeverity(text: string): VulnerabilitySeverity | undefined {
  switch (text.trim().toUpperCase()) {
    case 'UNKNOWN':
      return 'UNKNOWN';
    case 'LOW':
      return 'LOW';
    case 'MEDIUM':
    case 'MODERATE':
      return 'MODERATE';
    case 'HIGH':
    case 'IMPORTANT':
      return 'IMPORTANT';
    case 'CRITICAL':
      return 'CRITICAL';
    default:
      return undefined;
  }
}

/** The id people search for: the advisory's own CVE id, or its one CVE alias, else its id. */
export function displayId(vulnerability: Vulnerability): string {
  if (vulnerability.id.startsWith('CVE-')) return vulnerability.id;
  const cves = vulnerability.aliases.filter((alias) => alias.startsWith('CVE-'));
  return cves.length === 1 ? (cves[0] ?? vulnerability.id) : vulnerability.id;
}

/** The layer that introduced a component, with its Dockerfile instruction when known. */
export function componentLayer(scan: ImageScan, component: Component): ScannedLayer | undefined {
  return scan.layers?.find((layer) => layer.digest === component.layer);
}

export interface ImageReportFilters {
  /** Show only these severities; all when absent or empty. */
  readonly severities?: readonly VulnerabilitySeverity[];
  /** Hide vulnerabilities without a fixed version. */
  readonly ignoreUnfixed?: boolean;
}

export interface ImageReportGate {
  /** Fail on a shown vulnerability at or above this severity; 'none' or absent: no threshold. */
  readonly failOn?: VulnerabilitySeverity | 'none';
  /** Fail on a shown fixable vulnerability (at or above failOn when both are given). */
  readonly failOnFixable?: boolean;
}

export interface ImageScanSummary {
  readonly components: number;
  /** Shown vulnerabilities. */
  readonly vulnerabilities: number;
  readonly bySeverity: Readonly<Record<VulnerabilitySeverity, number>>;
  readonly fixable: number;
  /** Vulnerabilities not shown because of --severity or --ignore-unfixed. */
  readonly hidden: number;
  /** Suppressed by the ignore file. */
  readonly ignored: number;
  readonly expiredIgnores: number;
  /** False when no vulnerability database was used: nothing was matched. */
  readonly matched: boolean;
  readonly failOn: VulnerabilitySeverity | 'none';
  readonly failOnFixable: boolean;
  /** The shown vulnerabilities that meet the gate. */
  readonly failing: number;
  readonly failed: boolean;
}

export interface ImageScanReport {
  readonly tool: { readonly name: string; readonly version: string };
  readonly scan: ImageScan;
  /** Shown vulnerabilities, highest severity first, then id, package and version. */
  readonly vulnerabilities: readonly Vulnerability[];
  readonly filters: ImageReportFilters;
  readonly summary: ImageScanSummary;
}

const compareStrings = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function compareVulnerabilities(a: Vulnerability, b: Vulnerability): number {
  return (
    severityOrder[b.severity] - severityOrder[a.severity] ||
    compareStrings(displayId(a), displayId(b)) ||
    compareStrings(a.component.name, b.component.name) ||
    compareStrings(a.installedVersion, b.installedVersion) ||
    compareStrings(a.component.file, b.component.file) ||
    compareStrings(a.id, b.id)
  );
}

export function buildImageScanReport(input: {
  readonly scan: ImageScan;
  readonly version: string;
  readonly filters?: ImageReportFilters;
  readonly gate?: ImageReportGate;
}): ImageScanReport {
  const filters = input.filters ?? {};
  const wanted = new Set(filters.severities ?? []);
  const vulnerabilities = input.scan.vulnerabilities
    .filter((v) => wanted.size === 0 || wanted.has(v.severity))
    .filter((v) => filters.ignoreUnfixed !== true || v.fixable)
    .sort(compareVulnerabilities);
  const bySeverity: Record<VulnerabilitySeverity, number> = {
    CRITICAL: 0,
    IMPORTANT: 0,
    MODERATE: 0,
    LOW: 0,
    UNKNOWN: 0,
  };
  for (const v of vulnerabilities) bySeverity[v.severity]++;
  const failOn = input.gate?.failOn ?? 'none';
  const failOnFixable = input.gate?.failOnFixable === true;
  const gated = failOn !== 'none' || failOnFixable;
  const threshold = failOn === 'none' ? 0 : severityOrder[failOn];
  const failing = gated
    ? vulnerabilities.filter(
        (v) => severityOrder[v.severity] >= threshold && (!failOnFixable || v.fixable),
      ).length
    : 0;
  return {
    tool: { name: 'palisade', version: input.version },
    scan: input.scan,
    vulnerabilities,
    filters,
    summary: {
      components: input.scan.components.length,
      vulnerabilities: vulnerabilities.length,
      bySeverity,
      fixable: vulnerabilities.filter((v) => v.fixable).length,
      hidden: input.scan.vulnerabilities.length - vulnerabilities.length,
      ignored: input.scan.ignored?.length ?? 0,
      expiredIgnores: input.scan.expiredIgnores?.length ?? 0,
      matched: input.scan.vulnerabilityDb?.matched ?? false,
      failOn,
      failOnFixable,
      failing,
      failed: failing > 0,
    },
  };
}

/** What a user should run when the scan had no vulnerability database. */
export const vulnDbHint =
  'vulnerabilities were not matched: no vulnerability database; run "palisade vulndb update" ' +
  '(or "palisade vulndb import <dir|zip>" offline), or pass --vulndb DIR';
