// JUnit XML: one testsuite per policy, one testcase per object and policy that applies to it,
// failing with the violation messages. CI systems show these as test results.

import type { CheckReport } from '../report.ts';
import { objectLabel, severityName } from '../report.ts';
import type { ReportWriter } from '../writer.ts';

// XML 1.0 forbids most C0 control characters, even escaped.
// eslint-disable-next-line no-control-regex -- matching control characters is the point here
const xmlForbidden = /[\u0000-\u0008\u000B\u000C\u000E-\u001F]/g;

function xml(text: string): string {
  return (
    text
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
      .replace(/"/g, '&quot;')
      .replace(/'/g, '&apos;')
      // XML 1.0 forbids most control characters even when escaped.
      .replace(xmlForbidden, '')
  );
}

function objectKey(o: { kind: string; namespace: string; name: string }): string {
  return `${o.kind}\u0000${o.namespace}\u0000${o.name}`;
}

export function writeJunit(report: CheckReport): string {
  const violationsByPair = new Map<string, string[]>();
  for (const v of report.violations) {
    const key = `${v.policy.id}\u0000${objectKey(v.object)}`;
    const list = violationsByPair.get(key) ?? [];
    list.push(v.container ? `[${v.container}] ${v.message}` : v.message);
    violationsByPair.set(key, list);
  }
  const subjectOfKind = (kind: string) => {
    switch (kind) {
      case 'Role':
      case 'ClusterRole':
        return 'Role';
      case 'RoleBinding':
      case 'ClusterRoleBinding':
        return 'Binding';
      case 'ConfigMap':
      case 'Secret':
        return 'Config';
      case 'Route':
        return 'Ingress';
      default:
        return kind;
    }
  };
  const suites: string[] = [];
  let total = 0;
  let failures = 0;
  for (const policy of report.policies) {
    const cases: string[] = [];
    let suiteFailures = 0;
    for (const object of report.checked) {
      if (object.subject !== policy.subject && subjectOfKind(object.kind) !== policy.subject)
        continue;
      const messages = violationsByPair.get(`${policy.id}\u0000${objectKey(object)}`);
      const name = xml(`${policy.name}: ${objectLabel(object)}`);
      const classname = xml(`palisade.${policy.id}`);
      const file = xml(object.file);
      if (messages) {
        suiteFailures++;
        cases.push(
          `    <testcase classname="${classname}" name="${name}" file="${file}" line="${object.line}">\n` +
            `      <failure type="${severityName(policy.severity)}" message="${xml(messages[0] ?? '')}">${xml(messages.join('\n'))}</failure>\n` +
            `    </testcase>`,
        );
      } else {
        cases.push(
          `    <testcase classname="${classname}" name="${name}" file="${file}" line="${object.line}"/>`,
        );
      }
    }
    if (cases.length === 0) continue;
    total += cases.length;
    failures += suiteFailures;
    suites.push(
      `  <testsuite name="${xml(policy.name)}" tests="${cases.length}" failures="${suiteFailures}" errors="0" skipped="0">\n${cases.join('\n')}\n  </testsuite>`,
    );
  }
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="palisade" tests="${total}" failures="${failures}" errors="0">\n${suites.join('\n')}${suites.length ? '\n' : ''}</testsuites>\n`;
}

export const junitWriter: ReportWriter = {
  id: 'junit',
  description: 'JUnit XML, one testcase per object and policy',
  write: writeJunit,
};
