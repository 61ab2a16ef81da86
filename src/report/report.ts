// The report of one check run: what every writer renders. Built once from the evaluation
// result, sorted for stable output, with a summary that decides the exit status.

import type {
  InputProblem,
  Policy,
  Severity,
  Suppression,
  Undecided,
  Violation,
  ViolationObject,
} from '../model/index.ts';

export type SeverityName = 'low' | 'medium' | 'high' | 'critical';

export const severityNames: readonly SeverityName[] = ['low', 'medium', 'high', 'critical'];

export function severityName(severity: Severity): SeverityName {
  return severity.replace('_SEVERITY', '').toLowerCase() as SeverityName;
}

export function severityRank(severity: Severity | SeverityName): number {
  const name = severity.includes('_')
    ? severityName(severity as Severity)
    : (severity as SeverityName);
  return severityNames.indexOf(name);
}

/** An object that was checked, for writers that list passes too (JUnit). */
export interface CheckedObject extends ViolationObject {
  readonly subject: string;
  readonly file: string;
  readonly line: number;
}

export interface ReportSummary {
  readonly files: number;
  readonly objects: number;
  readonly policies: number;
  readonly violations: number;
  readonly bySeverity: Readonly<Record<SeverityName, number>>;
  readonly undecided: number;
  readonly suppressed: number;
  readonly inputErrors: number;
  readonly failOn: SeverityName | 'none';
  /** True when a violation is at or above failOn. */
  readonly failed: boolean;
}

export interface CheckReport {
  readonly tool: { readonly name: string; readonly version: string };
  readonly violations: readonly Violation[];
  readonly undecided: readonly Undecided[];
  readonly suppressed: readonly Suppression[];
  readonly problems: readonly InputProblem[];
  readonly policies: readonly (Policy & { readonly subject: string })[];
  readonly checked: readonly CheckedObject[];
  readonly summary: ReportSummary;
}

export interface BuildReportInput {
  readonly version: string;
  readonly violations: readonly Violation[];
  readonly undecided: readonly Undecided[];
  readonly suppressed: readonly Suppression[];
  readonly problems: readonly InputProblem[];
  readonly policies: readonly (Policy & { readonly subject: string })[];
  readonly checked: readonly CheckedObject[];
  readonly files: number;
  readonly failOn: SeverityName | 'none';
  /** Only violations at or above this severity are shown (independent of failOn). */
  readonly minSeverity?: SeverityName;
}

const compareStrings = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function compareViolations(a: Violation, b: Violation): number {
  return (
    compareStrings(a.file ?? '', b.file ?? '') ||
    (a.line ?? 0) - (b.line ?? 0) ||
    compareStrings(a.object.kind, b.object.kind) ||
    compareStrings(a.object.namespace, b.object.namespace) ||
    compareStrings(a.object.name, b.object.name) ||
    severityRank(b.policy.severity) - severityRank(a.policy.severity) ||
    compareStrings(a.policy.id, b.policy.id) ||
    compareStrings(a.container ?? '', b.container ?? '') ||
    compareStrings(a.message, b.message)
  );
}

export function buildReport(input: BuildReportInput): CheckReport {
  const gate = input.failOn === 'none' ? Infinity : severityRank(input.failOn);
  const failed = input.violations.some((v) => severityRank(v.policy.severity) >= gate);
  const shownRank = input.minSeverity ? severityRank(input.minSeverity) : 0;
  const violations = input.violations
    .filter((v) => severityRank(v.policy.severity) >= shownRank)
    .sort(compareViolations);
  const bySeverity: Record<SeverityName, number> = { low: 0, medium: 0, high: 0, critical: 0 };
  for (const v of violations) bySeverity[severityName(v.policy.severity)]++;
  return {
    tool: { name: 'palisade', version: input.version },
    violations,
    undecided: [...input.undecided],
    suppressed: [...input.suppressed],
    problems: [...input.problems],
    policies: [...input.policies].sort((a, b) => compareStrings(a.id, b.id)),
    checked: input.checked,
    summary: {
      files: input.files,
      objects: input.checked.length,
      policies: input.policies.length,
      violations: violations.length,
      bySeverity,
      undecided: input.undecided.length,
      suppressed: input.suppressed.length,
      inputErrors: input.problems.filter((p) => p.level === 'error').length,
      failOn: input.failOn,
      failed,
    },
  };
}

export function objectLabel(object: ViolationObject): string {
  return `${object.kind} ${object.namespace ? `${object.namespace}/` : ''}${object.name}`;
}
