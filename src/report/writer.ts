// The report writer interface: one plug-in per output format (report/writers/*.ts, listed in
// writers/all.ts). A writer turns a report into text; it never decides exit status.

import type { CheckReport } from './report.ts';

export interface WriterOptions {
  /** Colour and layout for a terminal. */
  readonly color: boolean;
}

export interface ReportWriter {
  readonly id: string;
  readonly description: string;
  write(report: CheckReport, options: WriterOptions): string;
}
