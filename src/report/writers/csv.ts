// CSV output (RFC 4180): one row per violation, for spreadsheets and ticket imports.

import { severityName } from '../report.ts';
import type { ReportWriter } from '../writer.ts';

function field(value: string | number): string {
  const text = String(value);
  // Quote when needed; prefix formula-like cells so spreadsheets do not execute them.
  const safe = /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export const csvWriter: ReportWriter = {
  id: 'csv',
  description: 'CSV, one row per violation',
  write(report) {
    const header = [
      'severity',
      'policy_id',
      'policy_name',
      'api_version',
      'kind',
      'namespace',
      'name',
      'container',
      'message',
      'file',
      'line',
    ];
    const rows = report.violations.map((v) =>
      [
        severityName(v.policy.severity),
        v.policy.id,
        v.policy.name,
        v.object.apiVersion,
        v.object.kind,
        v.object.namespace,
        v.object.name,
        v.container ?? '',
        v.message,
        v.file ?? '',
        v.line ?? '',
      ]
        .map(field)
        .join(','),
    );
    return `${[header.join(','), ...rows].join('\r\n')}\r\n`;
  },
};
