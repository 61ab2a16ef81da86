// SARIF 2.1.0 output for code-scanning UIs (GitHub, GitLab, Azure DevOps). Carries what GitHub
// code scanning reads: rule short/full description, help, default level, the
// `security-severity` property, repository-relative locations and partialFingerprints.

import { createHash } from 'node:crypto';
import type { Policy, Violation } from '../../model/index.ts';
import type { CheckReport } from '../report.ts';
import { objectLabel, severityName } from '../report.ts';
import type { ReportWriter } from '../writer.ts';

// GitHub maps security-severity to its labels: >= 9 critical, >= 7 high, >= 4 medium, else low.
const securitySeverity = { critical: '9.5', high: '8.0', medium: '5.5', low: '3.0' } as const;
const level = { critical: 'error', high: 'error', medium: 'warning', low: 'note' } as const;

function uriOf(file: string | undefined): string {
  if (!file || file === '<stdin>') return 'stdin';
  return file
    .split('/')
    .map((part) => encodeURIComponent(part))
    .join('/');
}

function fingerprint(v: Violation): string {
  return createHash('sha256')
    .update(
      [v.policy.id, v.object.kind, v.object.namespace, v.object.name, v.container ?? ''].join(
        '\u0000',
      ),
    )
    .digest('hex')
    .slice(0, 32);
}

function rule(policy: Policy) {
  const severity = severityName(policy.severity);
  const references = policy.references ?? [];
  const markdown = [
    `**${policy.name}**`,
    '',
    policy.description ?? '',
    '',
    policy.rationale ? `Why: ${policy.rationale}` : '',
    '',
    policy.remediation ? `Fix: ${policy.remediation}` : '',
    references.length ? `\nReferences: ${references.map((r) => `\`${r}\``).join(', ')}` : '',
  ]
    .filter((line, i, all) => line !== '' || (all[i - 1] ?? '') !== '')
    .join('\n');
  return {
    id: policy.id,
    name: policy.name.replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) =>
      c ? c.toUpperCase() : '',
    ),
    shortDescription: { text: policy.name },
    fullDescription: { text: policy.description ?? policy.name },
    help: { text: policy.remediation ?? policy.description ?? policy.name, markdown },
    defaultConfiguration: { level: level[severity] },
    properties: {
      'security-severity': securitySeverity[severity],
      precision: 'very-high',
      tags: ['security', 'kubernetes', ...(policy.categories ?? []), ...references],
    },
  };
}

export function writeSarif(report: CheckReport): string {
  const policies = report.policies;
  const ruleIndex = new Map(policies.map((p, i) => [p.id, i]));
  const results = report.violations.map((v) => {
    const severity = severityName(v.policy.severity);
    const index = ruleIndex.get(v.policy.id);
    return {
      ruleId: v.policy.id,
      ...(index !== undefined ? { ruleIndex: index } : {}),
      level: level[severity],
      message: { text: `${objectLabel(v.object)}: ${v.message}` },
      locations: [
        {
          physicalLocation: {
            artifactLocation: { uri: uriOf(v.file), uriBaseId: '%SRCROOT%' },
            region: { startLine: Math.max(1, v.line ?? 1) },
          },
          logicalLocations: [
            { name: v.object.name, fullyQualifiedName: objectLabel(v.object), kind: 'object' },
          ],
        },
      ],
      partialFingerprints: { 'palisadeViolation/v1': fingerprint(v) },
      properties: {
        kind: v.object.kind,
        namespace: v.object.namespace,
        name: v.object.name,
        ...(v.container !== undefined ? { container: v.container } : {}),
      },
    };
  });
  const notifications = report.problems.map((p) => ({
    level: p.level === 'error' ? 'error' : 'note',
    message: { text: p.message },
    descriptor: { id: p.code },
    locations: [
      {
        physicalLocation: {
          artifactLocation: { uri: uriOf(p.file), uriBaseId: '%SRCROOT%' },
          region: { startLine: Math.max(1, p.line) },
        },
      },
    ],
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
            rules: policies.map(rule),
          },
        },
        invocations: [
          {
            executionSuccessful: report.summary.inputErrors === 0,
            toolExecutionNotifications: notifications,
          },
        ],
        originalUriBaseIds: { '%SRCROOT%': { uri: './' } },
        results,
      },
    ],
  };
  return `${JSON.stringify(log, null, 2)}\n`;
}

export const sarifWriter: ReportWriter = {
  id: 'sarif',
  description: 'SARIF 2.1.0 for code scanning (GitHub, GitLab)',
  write: writeSarif,
};
