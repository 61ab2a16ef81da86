// Reads the image-scan fixtures that sit beside policy fixtures (`<id>.fire.scans.json`): a JSON
// object from image reference to a compact ImageScan, where a vulnerability names its component
// by name (or name@version) instead of repeating it, and defaults fill what a case leaves out.

import { existsSync, readFileSync } from 'node:fs';
import type { Component, ImageScan, Vulnerability } from '../../src/model/index.ts';
import { imageScanLookup } from '../../src/policy/index.ts';
import type { ImageScanLookup } from '../../src/policy/index.ts';

type CompactComponent = Partial<Component> & { readonly name: string; readonly version: string };
type CompactVulnerability = Partial<Omit<Vulnerability, 'component'>> & {
  readonly id: string;
  readonly component: string;
};
interface CompactScan extends Partial<Omit<ImageScan, 'components' | 'vulnerabilities'>> {
  readonly components?: readonly CompactComponent[];
  readonly vulnerabilities?: readonly CompactVulnerability[];
}

function fullComponent(c: CompactComponent): Component {
  return {
    type: 'deb',
    ecosystem: 'Debian:12',
    purl: `pkg:${c.type ?? 'deb'}/${c.name}@${c.version}`,
    file: '/var/lib/dpkg/status',
    layer: 'sha256:0000000000000000000000000000000000000000000000000000000000000000',
    ...c,
  };
}

/** Expands one compact scan into an ImageScan. */
export function expandScanFixture(image: string, compact: CompactScan): ImageScan {
  const components = (compact.components ?? []).map(fullComponent);
  const vulnerabilities = (compact.vulnerabilities ?? []).map((v): Vulnerability => {
    const component = components.find(
      (c) => c.name === v.component || `${c.name}@${c.version}` === v.component,
    );
    if (!component) throw new Error(`${image}: ${v.id} names unknown component ${v.component}`);
    const fixedVersions = v.fixedVersions ?? [];
    return {
      aliases: [],
      installedVersion: component.version,
      fixState: fixedVersions.length > 0 ? 'fixed' : 'affected',
      fixable: fixedVersions.length > 0,
      severity: 'UNKNOWN',
      summary: '',
      references: [],
      ...v,
      fixedVersions,
      component,
    };
  });
  return {
    image,
    findings: [],
    scannedAt: '2025-01-01T00:00:00Z',
    ...compact,
    components,
    vulnerabilities,
  };
}

/** The scans of a fixture file keyed by image reference; undefined when the file is absent. */
export function readScanFixture(file: string): ImageScanLookup | undefined {
  if (!existsSync(file)) return undefined;
  const raw = JSON.parse(readFileSync(file, 'utf8')) as Record<string, CompactScan>;
  return imageScanLookup(
    Object.entries(raw).map(([reference, compact]) => ({
      reference,
      scan: expandScanFixture(reference, compact),
    })),
  );
}
