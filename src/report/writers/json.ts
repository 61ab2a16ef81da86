// JSON output: the stable, documented schema of docs/output-json.md (version 1).

import type { ReportWriter } from '../writer.ts';

export const jsonWriter: ReportWriter = {
  id: 'json',
  description: 'JSON with a stable schema (docs/output-json.md)',
  write(report) {
    const body = {
      version: 1,
      tool: report.tool,
      violations: report.violations.map((v) => ({
        policy: v.policy,
        object: v.object,
        container: v.container ?? null,
        message: v.message,
        file: v.file ?? null,
        line: v.line ?? null,
        remediation: v.remediation ?? null,
      })),
      undecided: report.undecided,
      suppressed: report.suppressed,
      problems: report.problems,
      summary: report.summary,
    };
    return `${JSON.stringify(body, null, 2)}\n`;
  },
};
