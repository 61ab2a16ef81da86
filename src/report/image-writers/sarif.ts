// SARIF 2.1.0 output of an image scan for code-scanning UIs: one rule per vulnerability id,
// one result per vulnerable package, located at the image (the artifact) and the package (a
// logical location carrying its purl). GitHub reads `security-severity` (a CVSS-like score
// string: >= 9 critical, >= 7 high, >= 4 medium, else low) and partialFingerprints.

import { createHash } from 'node:crypto';
import type { Vulnerability, VulnerabilitySeverity } from '../../model/index.ts';
import type { ImageScanReport } from '../image-report.ts';
import { componentLayer, displayId, vulnerabilitySeverityRank } from '../image-report.ts';
import type { ImageScanWriter } from '../image-writer.ts';

const level: Readonly<Record<VulnerabilitySeverity, 'error' | 'warning' | 'note'>> = {
  CRITICAL: 'error',
  IMPORTANT: 'error',
  MODERATE: 'warning',
  LOW: 'note',
  UNKNOWN: 'note',
};
/** Used when the advisory has no computed CVSS base score; within GitHub's bands. */
const fallbackScore: Readonly<Record<VulnerabilitySeverity, string>> = {
  CRITICAL: '9.5',
  IMPORTANT: '8.0',
  MODERATE: '5.5',
  LOW: '3.0',
  UNKNOWN: '0.0',
};

/** An image reference as a relative URI reference: ':' percent-encoded in each segment. */
function imageUri(reference: string): string {
  return reference
    .split('/')
    .map((part) => encodeURIComponent(part))
    .join('/');
}

function securitySeverity(v: Vulnerability): string {
  return v.cvss?.baseScore === undefined ? fallbackScore[v.severity] : v.cvss.baseScore.toFixed(1);
}

function fixText(v: Vulnerability): string {
  return v.fixedVersions.length > 0
    ? `upgrade ${v.component.name} to ${v.fixedVersions[0] ?? ''} or later`
    : 'no fixed version is available yet';
}

function fingerprint(v: Vulnerability): string {
  return createHash('sha256')
    .update([displayId(v), v.component.purl, v.component.file].join('\u0000'))
    .digest('hex')
    .slice(0, 32);
}

function rule(id: string, vulnerabilities: readonly Vulnerability[]) {
  // The most severe occurrence speaks for the rule (the same CVE may rate differently per
  // distribution advisory).
  const worst = [...vulnerabilities].sort(
    (a, b) =>
      vulnerabilitySeverityRank(b.severity) - vulnerabilitySeverityRank(a.severity) ||
      Number(securitySeverity(b)) - Number(securitySeverity(a)),
  )[0] as Vulnerability;
  const title = worst.summary === '' ? id : worst.summary;
  const aliases = [...new Set(vulnerabilities.flatMap((v) => [v.id, ...v.aliases]))]
    .filter((alias) => alias !== id)
    .sort();
  const packages = [...new Set(vulnerabilities.map((v) => v.component.name))].sort();
  const references = [...new Set(vulnerabilities.flatMap((v) => v.references))];
  const markdown = [
    `**${id}**: ${title}`,
    '',
    `Packages: ${packages.map((p) => `\`${p}\``).join(', ')}`,
    aliases.length > 0 ? `\nAliases: ${aliases.join(', ')}` : '',
    '',
    `Fix: ${fixText(worst)}.`,
    references.length > 0 ? `\nReferences:\n${references.map((r) => `- ${r}`).join('\n')}` : '',
  ]
    .filter((line, i, all) => line !== '' || (all[i - 1] ?? '') !== '')
    .join('\n');
  return {
    id,
    name: id.replace(/[^A-Za-z0-9]+/g, ''),
    shortDescription: { text: `${id}: ${title}` },
    fullDescription: { text: title },
    ...(references[0] === undefined ? {} : { helpUri: references[0] }),
    help: { text: `${title}. Fix: ${fixText(worst)}.`, markdown },
    defaultConfiguration: { level: level[worst.severity] },
    properties: {
      'security-severity': securitySeverity(worst),
      precision: 'very-high',
      tags: ['security', 'vulnerability', worst.severity],
    },
  };
}

export function writeImageSarif(report: ImageScanReport): string {
  const { scan } = report;
  const byRule = new Map<string, Vulnerability[]>();
  for (const v of report.vulnerabilities) {
    const id = displayId(v);
    byRule.set(id, [...(byRule.get(id) ?? []), v]);
  }
  const ruleIds = [...byRule.keys()].sort();
  const ruleIndex = new Map(ruleIds.map((id, i) => [id, i]));
  const artifact = imageUri(scan.image);
  const results = report.vulnerabilities.map((v) => {
    const id = displayId(v);
    const layer = componentLayer(scan, v.component);
    const source =
      v.component.sourceName !== undefined && v.component.sourceName !== v.component.name
        ? ` (source ${v.component.sourceName})`
        : '';
    return {
      ruleId: id,
      ruleIndex: ruleIndex.get(id) ?? 0,
      level: level[v.severity],
      message: {
        text:
          `${v.component.name} ${v.installedVersion}${source} in ${scan.image} is affected by ${id}` +
          ` (${v.severity}); ${fixText(v)}.`,
      },
      locations: [
        {
          physicalLocation: {
            artifactLocation: { uri: artifact },
            region: { startLine: 1 },
          },
          logicalLocations: [
            { name: v.component.name, fullyQualifiedName: v.component.purl, kind: 'package' },
          ],
        },
      ],
      partialFingerprints: { 'palisadeVulnerability/v1': fingerprint(v) },
      properties: {
        advisoryId: v.id,
        package: v.component.name,
        installedVersion: v.installedVersion,
        fixedVersions: v.fixedVersions,
        fixable: v.fixable,
        purl: v.component.purl,
        file: v.component.file,
        layer: v.component.layer,
        ...(layer?.createdBy === undefined ? {} : { createdBy: layer.createdBy }),
      },
    };
  });
  const notifications = scan.findings.map((f) => ({
    level: 'warning',
    message: { text: `${f.file ? `${f.file}: ` : ''}${f.message}` },
    descriptor: { id: f.code },
  }));
  const log = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'Palisade',
            semanticVersion: report.tool.version,
            informationUri: 'https://github.com/palisade-dev/palisade',
            rules: ruleIds.map((id) => rule(id, byRule.get(id) ?? [])),
          },
        },
        invocations: [
          {
            executionSuccessful: true,
            toolExecutionNotifications: notifications,
          },
        ],
        artifacts: [
          { location: { uri: artifact }, description: { text: `container image ${scan.image}` } },
        ],
        results,
        properties: {
          image: scan.image,
          ...(scan.digest === undefined ? {} : { digest: scan.digest }),
          vulnerabilitiesMatched: report.summary.matched,
        },
      },
    ],
  };
  return `${JSON.stringify(log, null, 2)}\n`;
}

export const imageSarifWriter: ImageScanWriter = {
  id: 'sarif',
  description: 'SARIF 2.1.0 for code scanning (GitHub, GitLab)',
  write: writeImageSarif,
};
