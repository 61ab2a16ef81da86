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
  /** Violations of policies with a build- or deploy-time enforcement action. */
  readonly enforced: number;
  /** True when a violation is at or above failOn, or one is enforced (and failOn is not none). */
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

/** What a report is built from: the evaluation's results, before sorting and summarising. */
export interface BuildReportInput extends Pick<
  CheckReport,
  'violations' | 'undecided' | 'suppressed' | 'problems' | 'policies' | 'checked'
> {
  readonly version: string;
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

/** Enforcement actions of the BUILD and DEPLOY stages (StackRox validator.go). */
const enforcementActionsThatFail = new Set([
  'FAIL_BUILD_ENFORCEMENT',
  'SCALE_TO_ZERO_ENFORCEMENT',
  'UNSATISFIABLE_NODE_CONSTRAINT_ENFORCEMENT',
]);

export function buildReport(input: BuildReportInput): CheckReport {
  const gate = input.failOn === 'none' ? Infinity : severityRank(input.failOn);
  // As roxctl's deployment check does, a violated policy that carries a build- or deploy-time
  // enforcement action fails the run whatever its severity (unless failOn is none).
  const enforcing = new Set(
    input.policies
      .filter((p) => (p.enforcementActions ?? []).some((a) => enforcementActionsThatFail.has(a)))
      .map((p) => p.id),
  );
  const enforced = input.violations.filter((v) => enforcing.has(v.policy.id)).length;
  const failed =
    input.violations.some((v) => severityRank(v.policy.severity) >= gate) ||
    (input.failOn !== 'none' && enforced > 0);
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
      enforced,
      failed,
    },
  };
}

export function objectLabel(object: ViolationObject): string {
  return `${object.kind} ${object.namespace ? `${object.namespace}/` : ''}${object.name}`;
}
