// Public surface of report/: the check report and its output writers.
export { buildReport, severityName, severityRank, severityNames, objectLabel } from './report.ts';
export type {
  CheckReport,
  CheckedObject,
  ReportSummary,
  SeverityName,
  BuildReportInput,
} from './report.ts';
export type { ReportWriter, WriterOptions } from './writer.ts';
export { writers } from './writers/all.ts';
export {
  buildImageScanReport,
  componentLayer,
  displayId,
  parseVulnerabilitySeverity,
  vulnDbHint,
  vulnerabilitySeverities,
  vulnerabilitySeverityRank,
} from './image-report.ts';
export type {
  ImageReportFilters,
  ImageReportGate,
  ImageScanReport,
  ImageScanSummary,
} from './image-report.ts';
export type { ImageScanWriter, SbomWriter, SbomWriterOptions } from './image-writer.ts';
export { imageScanWriters, sbomWriters } from './image-writers/all.ts';
