// Human output: violations grouped by object, coloured by severity on a terminal, then input
// problems, undecided policies, suppressions and a one-line summary.

import pc from 'picocolors';
import type { CheckReport, SeverityName } from '../report.ts';
import { objectLabel, severityName } from '../report.ts';
import type { ReportWriter, WriterOptions } from '../writer.ts';

function paint(severity: SeverityName, text: string, color: boolean): string {
  if (!color) return text;
  switch (severity) {
    case 'critical':
      return pc.bold(pc.magenta(text));
    case 'high':
      return pc.red(text);
    case 'medium':
      return pc.yellow(text);
    case 'low':
      return pc.cyan(text);
  }
}

export function writeTable(report: CheckReport, options: WriterOptions): string {
  const out: string[] = [];
  const dim = (s: string) => (options.color ? pc.dim(s) : s);
  const bold = (s: string) => (options.color ? pc.bold(s) : s);
  let currentObject = '';
  for (const v of report.violations) {
    const key = `${v.file ?? ''}:${v.line ?? ''}:${objectLabel(v.object)}`;
    if (key !== currentObject) {
      if (currentObject !== '') out.push('');
      out.push(
        `${bold(objectLabel(v.object))} ${dim(`${v.file ?? ''}${v.line ? `:${v.line}` : ''}`)}`,
      );
      currentObject = key;
    }
    const severity = severityName(v.policy.severity);
    out.push(
      `  ${paint(severity, severity.toUpperCase().padEnd(8), options.color)} ${v.policy.name} ${dim(`(${v.policy.id})`)}`,
    );
    out.push(`           ${v.message}`);
  }
  const errors = report.problems.filter((p) => p.level === 'error');
  const notes = report.problems.filter((p) => p.level === 'note');
  if (errors.length > 0) {
    out.push('', bold('Input errors'));
    for (const p of errors) out.push(`  ${p.file}${p.line ? `:${p.line}` : ''}: ${p.message}`);
  }
  if (notes.length > 0) {
    out.push('', bold('Skipped'));
    for (const p of notes) out.push(`  ${p.file}${p.line ? `:${p.line}` : ''}: ${p.message}`);
  }
  if (report.undecided.length > 0) {
    out.push('', bold('Undecided: these policies need an image scan'));
    const byPolicy = new Map<string, number>();
    for (const u of report.undecided)
      byPolicy.set(u.policy.name, (byPolicy.get(u.policy.name) ?? 0) + 1);
    for (const [name, count] of byPolicy) out.push(`  ${name}: ${count} object(s)`);
  }
  if (report.suppressed.length > 0) {
    out.push('', bold('Suppressed by palisade.dev/ignore'));
    for (const s of report.suppressed)
      out.push(
        `  ${s.policy.name}: ${objectLabel(s.object)} ${dim(`${s.file ?? ''}${s.line ? `:${s.line}` : ''}`)}`,
      );
  }
  const s = report.summary;
  const counts = (['critical', 'high', 'medium', 'low'] as const)
    .map((name) =>
      paint(name, `${s.bySeverity[name]} ${name}`, options.color && s.bySeverity[name] > 0),
    )
    .join(', ');
  if (out.length > 0) out.push('');
  out.push(
    `${s.violations} violation(s) (${counts}) in ${s.objects} object(s) from ${s.files} file(s), ${s.policies} policies` +
      `${s.suppressed ? `, ${s.suppressed} suppressed` : ''}${s.undecided ? `, ${s.undecided} undecided` : ''}${s.inputErrors ? `, ${s.inputErrors} input error(s)` : ''}.`,
  );
  if (s.inputErrors > 0)
    out.push(`Incomplete: ${s.inputErrors} input error(s) above; fix them and run again.`);
  else if (s.failOn !== 'none')
    out.push(
      s.failed
        ? `Failed: violations at or above ${s.failOn}${s.enforced ? ` or of policies with enforcement (${s.enforced})` : ''}.`
        : `Passed: nothing at or above ${s.failOn}.`,
    );
  return `${out.join('\n')}\n`;
}

export const tableWriter: ReportWriter = {
  id: 'table',
  description: 'Human-readable, grouped by object',
  write: writeTable,
};
