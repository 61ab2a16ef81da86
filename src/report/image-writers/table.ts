// Human output of an image scan: the image, its OS and packages, then one aligned row per
// vulnerability (severity, id, package, installed, fixed in, title), coloured by severity on a
// terminal; then ignored ones, expired ignore rules, findings and a summary line.

import pc from 'picocolors';
import type { VulnerabilitySeverity } from '../../model/index.ts';
import type { ImageScanReport } from '../image-report.ts';
import { displayId, vulnDbHint, vulnerabilitySeverities } from '../image-report.ts';
import type { ImageScanWriter } from '../image-writer.ts';
import type { WriterOptions } from '../writer.ts';

const maxTitle = 60;

function paint(severity: VulnerabilitySeverity, text: string, color: boolean): string {
  if (!color) return text;
  switch (severity) {
    case 'CRITICAL':
      return pc.bold(pc.magenta(text));
    case 'IMPORTANT':
      return pc.red(text);
    case 'MODERATE':
      return pc.yellow(text);
    case 'LOW':
      return pc.cyan(text);
    case 'UNKNOWN':
      return pc.dim(text);
  }
}

function truncate(text: string, width: number): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > width ? `${line.slice(0, width - 1)}…` : line;
}

/** Rows of cells padded to the widest cell of each column (the last column is not padded). */
function alignRows(rows: readonly (readonly string[])[]): string[][] {
  const widths: number[] = [];
  for (const row of rows)
    row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows.map((row) =>
    row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))),
  );
}

export function writeImageTable(report: ImageScanReport, options: WriterOptions): string {
  const { scan, summary } = report;
  const dim = (s: string) => (options.color ? pc.dim(s) : s);
  const bold = (s: string) => (options.color ? pc.bold(s) : s);
  const out: string[] = [];
  out.push(`${bold('Image')}    ${scan.image}${scan.digest ? ` ${dim(`(${scan.digest})`)}` : ''}`);
  const config = scan.config;
  if (config !== undefined) {
    const platform = [config.os, config.architecture, config.variant].filter(Boolean).join('/');
    out.push(
      `${bold('Config')}   ${platform}, user ${config.user === '' ? 'root (unset)' : config.user}` +
        `${config.created ? `, created ${config.created}` : ''}`,
    );
  }
  out.push(
    `${bold('OS')}       ${scan.os ? `${scan.os.prettyName} (${scan.os.id} ${scan.os.versionId})` : 'unknown'}`,
  );
  const byType = new Map<string, number>();
  for (const c of scan.components) byType.set(c.type, (byType.get(c.type) ?? 0) + 1);
  const types = [...byType].map(([type, count]) => `${type} ${count}`).join(', ');
  out.push(`${bold('Packages')} ${scan.components.length}${types ? ` (${types})` : ''}`);
  out.push('');

  if (!summary.matched) {
    out.push(`${options.color ? pc.yellow('Warning') : 'Warning'}: ${vulnDbHint}.`);
  } else if (report.vulnerabilities.length === 0) {
    out.push('No vulnerabilities found.');
  } else {
    const header = ['SEVERITY', 'ID', 'PACKAGE', 'INSTALLED', 'FIXED IN', 'TITLE'];
    const rows = report.vulnerabilities.map((v) => [
      v.severity,
      displayId(v),
      v.component.name,
      v.installedVersion,
      v.fixedVersions.length > 0 ? v.fixedVersions.join(', ') : '-',
      truncate(v.summary, maxTitle),
    ]);
    const aligned = alignRows([header, ...rows]);
    out.push(bold((aligned[0] ?? []).join('  ')));
    aligned.slice(1).forEach((cells, i) => {
      const severity = report.vulnerabilities[i]?.severity ?? 'UNKNOWN';
      const [first = '', ...rest] = cells;
      out.push([paint(severity, first, options.color), ...rest].join('  ').trimEnd());
    });
  }

  const ignored = scan.ignored ?? [];
  if (ignored.length > 0) {
    out.push('', bold(`Ignored (${ignored.length})`));
    for (const { vulnerability, rule } of ignored)
      out.push(
        `  ${displayId(vulnerability)} ${vulnerability.component.name} ${vulnerability.installedVersion}: ${rule.reason}` +
          `${rule.expires ? ` (until ${rule.expires})` : ''} ${dim(`${rule.file}:${rule.line}`)}`,
      );
  }
  const expired = scan.expiredIgnores ?? [];
  if (expired.length > 0) {
    out.push('', bold(`Expired ignore rules (${expired.length}): they no longer apply`));
    for (const rule of expired)
      out.push(
        `  ${rule.id}${rule.package ? ` (${rule.package})` : ''} expired ${rule.expires ?? ''}: ${rule.reason} ${dim(`${rule.file}:${rule.line}`)}`,
      );
  }
  if (scan.findings.length > 0) {
    out.push('', bold(`Findings (${scan.findings.length})`));
    for (const f of scan.findings)
      out.push(
        `  ${f.file ? `${f.file}${f.line ? `:${f.line}` : ''}: ` : ''}${f.message} ${dim(`(${f.code})`)}`,
      );
  }

  out.push('');
  if (summary.matched) {
    const counts = vulnerabilitySeverities
      .filter((s) => summary.bySeverity[s] > 0)
      .map((s) => paint(s, `${summary.bySeverity[s]} ${s.toLowerCase()}`, options.color))
      .join(', ');
    out.push(
      `${summary.vulnerabilities} vulnerabilit${summary.vulnerabilities === 1 ? 'y' : 'ies'}` +
        `${counts ? ` (${counts})` : ''}, ${summary.fixable} fixable, in ${summary.components} package(s)` +
        `${summary.hidden ? `; ${summary.hidden} hidden by filters` : ''}` +
        `${summary.ignored ? `; ${summary.ignored} ignored` : ''}.`,
    );
  } else {
    out.push(`${summary.components} package(s); vulnerabilities not matched.`);
  }
  if (summary.failOn !== 'none' || summary.failOnFixable) {
    const gate = [
      summary.failOnFixable ? 'fixable' : '',
      summary.failOn !== 'none' ? `at or above ${summary.failOn}` : '',
    ]
      .filter(Boolean)
      .join(' and ');
    out.push(
      summary.failed
        ? `Failed: ${summary.failing} vulnerabilit${summary.failing === 1 ? 'y' : 'ies'} ${gate}.`
        : `Passed: no vulnerability ${gate}.`,
    );
  }
  return `${out.join('\n')}\n`;
}

export const imageTableWriter: ImageScanWriter = {
  id: 'table',
  description: 'Human-readable table, one row per vulnerability',
  write: writeImageTable,
};
