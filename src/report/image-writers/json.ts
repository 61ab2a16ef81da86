// JSON output of an image scan: the stable, documented schema of docs/output-image-scan.md
// (version 1). Fields are only added within a version; absent values are null.

import type { Component, ImageScan, Vulnerability } from '../../model/index.ts';
import type { ImageScanReport } from '../image-report.ts';
import { componentLayer, displayId } from '../image-report.ts';
import type { ImageScanWriter } from '../image-writer.ts';

function packageOf(component: Component) {
  return {
    name: component.name,
    version: component.version,
    type: component.type,
    ecosystem: component.ecosystem,
    purl: component.purl,
    sourceName: component.sourceName ?? null,
    sourceVersion: component.sourceVersion ?? null,
    file: component.file,
    layer: component.layer,
  };
}

function layerOf(scan: ImageScan, component: Component) {
  const layer = componentLayer(scan, component);
  return {
    digest: component.layer,
    createdBy: layer?.createdBy ?? null,
  };
}

function vulnerabilityOf(scan: ImageScan, v: Vulnerability) {
  return {
    id: displayId(v),
    advisoryId: v.id,
    aliases: v.aliases,
    package: packageOf(v.component),
    installedVersion: v.installedVersion,
    fixedVersions: v.fixedVersions,
    fixState: v.fixState,
    fixable: v.fixable,
    severity: v.severity,
    cvss: v.cvss === undefined ? null : { ...v.cvss, baseScore: v.cvss.baseScore ?? null },
    title: v.summary,
    layer: layerOf(scan, v.component),
    published: v.published ?? null,
    modified: v.modified ?? null,
    references: v.references,
  };
}

export function writeImageJson(report: ImageScanReport): string {
  const { scan } = report;
  const body = {
    version: 1,
    tool: report.tool,
    image: {
      reference: scan.image,
      digest: scan.digest ?? null,
      os: scan.os ?? null,
      config: scan.config ?? null,
      layers: (scan.layers ?? []).map((layer) => ({
        digest: layer.digest,
        diffId: layer.diffId,
        createdBy: layer.createdBy ?? null,
        created: layer.created ?? null,
      })),
    },
    scannedAt: scan.scannedAt,
    vulnerabilityDb: scan.vulnerabilityDb ?? { matched: false, records: 0 },
    filters: {
      severities: report.filters.severities ?? [],
      ignoreUnfixed: report.filters.ignoreUnfixed ?? false,
    },
    vulnerabilities: report.vulnerabilities.map((v) => vulnerabilityOf(scan, v)),
    ignored: (scan.ignored ?? []).map(({ vulnerability, rule }) => ({
      vulnerability: vulnerabilityOf(scan, vulnerability),
      rule: { ...rule, package: rule.package ?? null, expires: rule.expires ?? null },
    })),
    expiredIgnores: (scan.expiredIgnores ?? []).map((rule) => ({
      ...rule,
      package: rule.package ?? null,
      expires: rule.expires ?? null,
    })),
    components: scan.components.map((c) => ({
      ...packageOf(c),
      arch: c.arch ?? null,
      createdBy: componentLayer(scan, c)?.createdBy ?? null,
    })),
    findings: scan.findings.map((f) => ({
      analyzer: f.analyzer,
      code: f.code,
      file: f.file,
      line: f.line ?? null,
      layer: f.layer ?? null,
      message: f.message,
    })),
    summary: report.summary,
  };
  return `${JSON.stringify(body, null, 2)}\n`;
}

export const imageJsonWriter: ImageScanWriter = {
  id: 'json',
  description: 'JSON with a stable schema (docs/output-image-scan.md)',
  write: writeImageJson,
};
