// CSV output of an image scan (RFC 4180): one row per shown vulnerability, for spreadsheets
// and ticket imports. Cells that look like formulas are prefixed, as in the check writer.

import type { ImageScanReport } from '../image-report.ts';
import { componentLayer, displayId } from '../image-report.ts';
import type { ImageScanWriter } from '../image-writer.ts';

function field(value: string | number | boolean): string {
  const text = String(value);
  const safe = /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export function writeImageCsv(report: ImageScanReport): string {
  const header = [
    'severity',
    'id',
    'advisory_id',
    'aliases',
    'package',
    'package_type',
    'installed_version',
    'fixed_versions',
    'fixable',
    'fix_state',
    'cvss_score',
    'cvss_vector',
    'purl',
    'layer',
    'created_by',
    'title',
  ];
  const rows = report.vulnerabilities.map((v) =>
    [
      v.severity,
      displayId(v),
      v.id,
      v.aliases.join(' '),
      v.component.name,
      v.component.type,
      v.installedVersion,
      v.fixedVersions.join(' '),
      v.fixable,
      v.fixState,
      v.cvss?.baseScore ?? '',
      v.cvss?.vector ?? '',
      v.component.purl,
      v.component.layer,
      componentLayer(report.scan, v.component)?.createdBy ?? '',
      v.summary,
    ]
      .map(field)
      .join(','),
  );
  return `${[header.join(','), ...rows].join('\r\n')}\r\n`;
}

export const imageCsvWriter: ImageScanWriter = {
  id: 'csv',
  description: 'CSV, one row per vulnerability',
  write: writeImageCsv,
};
