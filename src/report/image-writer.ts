// The image scan writer interfaces: vulnerability reports (image-writers/table, json, sarif,
// csv) render an ImageScanReport; SBOM writers (cyclonedx, spdx) render the scan's inventory.
// Both are listed in image-writers/all.ts. A writer turns data into text; it never decides exit status.

import type { ImageScan } from '../model/index.ts';
import type { ImageScanReport } from './image-report.ts';
import type { WriterOptions } from './writer.ts';

export interface ImageScanWriter {
  readonly id: string;
  readonly description: string;
  write(report: ImageScanReport, options: WriterOptions): string;
}

export interface SbomWriterOptions {
  readonly tool: { readonly name: string; readonly version: string };
  /** Creation time written into the document. */
  readonly now: Date;
  /** A unique id for the document (a UUID); the CLI draws a random one. */
  readonly uuid: string;
  /** Also list the scan's vulnerabilities (CycloneDX only; SPDX 2.3 has no place for them). */
  readonly vulnerabilities?: boolean;
}

export interface SbomWriter {
  readonly id: string;
  readonly description: string;
  write(scan: ImageScan, options: SbomWriterOptions): string;
}
