// CycloneDX 1.6 JSON SBOM of a scanned image (cyclonedx.org/docs/1.6/json): the image as
// metadata.component (type "container"), its OS as an "operating-system" component, every
// package as a "library" with purl, a unique bom-ref and palisade:* properties for the file
// and the layer that introduced it; optionally the vulnerabilities with ratings and affects.

import type { Component, CvssVersion, ImageScan, Vulnerability } from '../../model/index.ts';
import type { VulnerabilitySeverity } from '../../model/index.ts';
import { componentLayer, displayId } from '../image-report.ts';
import type { SbomWriter, SbomWriterOptions } from '../image-writer.ts';
import { imageIdentity } from './sbom-image.ts';

interface Property {
  readonly name: string;
  readonly value: string;
}

/** CycloneDX 1.6 severity enum. */
const severityOf: Readonly<Record<VulnerabilitySeverity, string>> = {
  CRITICAL: 'critical',
  IMPORTANT: 'high',
  MODERATE: 'medium',
  LOW: 'low',
  UNKNOWN: 'unknown',
};

/** CycloneDX 1.6 scoreMethod enum. */
const methodOf: Readonly<Record<CvssVersion, string>> = {
  '2.0': 'CVSSv2',
  '3.0': 'CVSSv3',
  '3.1': 'CVSSv31',
  '4.0': 'CVSSv4',
};

function componentProperties(scan: ImageScan, component: Component): Property[] {
  const layer = componentLayer(scan, component);
  const properties: Property[] = [
    { name: 'palisade:package:type', value: component.type },
    { name: 'palisade:package:ecosystem', value: component.ecosystem },
    { name: 'palisade:package:file', value: component.file },
    { name: 'palisade:layer:digest', value: component.layer },
  ];
  if (layer?.diffId !== undefined)
    properties.push({ name: 'palisade:layer:diffId', value: layer.diffId });
  if (layer?.createdBy !== undefined)
    properties.push({ name: 'palisade:layer:createdBy', value: layer.createdBy });
  if (component.sourceName !== undefined)
    properties.push({ name: 'palisade:package:sourceName', value: component.sourceName });
  if (component.sourceVersion !== undefined)
    properties.push({ name: 'palisade:package:sourceVersion', value: component.sourceVersion });
  if (component.arch !== undefined)
    properties.push({ name: 'palisade:package:arch', value: component.arch });
  return properties;
}

/** bom-refs must be unique in the BOM: the purl, with a counter when a purl repeats. */
function bomRefs(components: readonly Component[]): string[] {
  const seen = new Map<string, number>();
  return components.map((component) => {
    const count = (seen.get(component.purl) ?? 0) + 1;
    seen.set(component.purl, count);
    return count === 1 ? component.purl : `${component.purl}#${count}`;
  });
}

function vulnerabilityEntries(
  vulnerabilities: readonly Vulnerability[],
  refOf: (component: Component) => string,
) {
  const byId = new Map<string, Vulnerability[]>();
  for (const v of vulnerabilities) {
    const id = displayId(v);
    byId.set(id, [...(byId.get(id) ?? []), v]);
  }
  return [...byId.keys()].sort().map((id) => {
    const list = byId.get(id) ?? [];
    const first = list[0] as Vulnerability;
    const others = [...new Set(list.flatMap((v) => [v.id, ...v.aliases]))]
      .filter((other) => other !== id)
      .sort();
    const fixes = list
      .filter((v) => v.fixedVersions.length > 0)
      .map((v) => `${v.component.name} ${v.fixedVersions[0] ?? ''}`);
    const ratings = list
      .filter((v, i, all) => all.findIndex((o) => o.severity === v.severity) === i)
      .map((v) => ({
        ...(v.cvss?.baseScore === undefined ? {} : { score: v.cvss.baseScore }),
        severity: severityOf[v.severity],
        ...(v.cvss === undefined
          ? {}
          : { method: methodOf[v.cvss.version], vector: v.cvss.vector }),
      }));
    const advisories = [...new Set(list.flatMap((v) => v.references))].map((url) => ({ url }));
    return {
      'bom-ref': `vulnerability:${id}`,
      id,
      source: { name: 'OSV', url: `https://osv.dev/vulnerability/${encodeURIComponent(first.id)}` },
      ...(others.length === 0
        ? {}
        : {
            references: others.map((other) => ({
              id: other,
              source: {
                name: 'OSV',
                url: `https://osv.dev/vulnerability/${encodeURIComponent(other)}`,
              },
            })),
          }),
      ratings,
      ...(first.summary === '' ? {} : { description: first.summary }),
      ...(fixes.length === 0 ? {} : { recommendation: `Upgrade ${fixes.join(', ')}` }),
      ...(advisories.length === 0 ? {} : { advisories }),
      ...(first.published === undefined ? {} : { published: first.published }),
      ...(first.modified === undefined ? {} : { updated: first.modified }),
      affects: list.map((v) => ({
        ref: refOf(v.component),
        versions: [{ version: v.installedVersion, status: 'affected' }],
      })),
    };
  });
}

export function writeCycloneDx(scan: ImageScan, options: SbomWriterOptions): string {
  const identity = imageIdentity(scan);
  const refs = bomRefs(scan.components);
  const refByComponent = new Map(scan.components.map((c, i) => [c, refs[i] ?? c.purl]));
  const imageRef = 'image';
  const imageProperties: Property[] = [{ name: 'palisade:image:reference', value: scan.image }];
  if (scan.digest !== undefined)
    imageProperties.push({ name: 'palisade:image:digest', value: scan.digest });
  if (scan.config !== undefined) {
    const platform = [scan.config.os, scan.config.architecture, scan.config.variant];
    imageProperties.push({
      name: 'palisade:image:platform',
      value: platform.filter(Boolean).join('/'),
    });
    if (scan.config.created !== undefined)
      imageProperties.push({ name: 'palisade:image:created', value: scan.config.created });
    imageProperties.push({ name: 'palisade:image:user', value: scan.config.user });
    for (const [key, value] of Object.entries(scan.config.labels).sort(([a], [b]) =>
      a < b ? -1 : 1,
    ))
      imageProperties.push({ name: `palisade:image:label:${key}`, value });
  }
  const osRef = scan.os === undefined ? undefined : `os:${scan.os.id}@${scan.os.versionId}`;
  const components: unknown[] = [];
  if (scan.os !== undefined && osRef !== undefined)
    components.push({
      type: 'operating-system',
      'bom-ref': osRef,
      name: scan.os.id,
      version: scan.os.versionId,
      description: scan.os.prettyName,
    });
  scan.components.forEach((component, i) => {
    components.push({
      type: 'library',
      'bom-ref': refs[i],
      name: component.name,
      version: component.version,
      purl: component.purl,
      properties: componentProperties(scan, component),
    });
  });
  const bom = {
    $schema: 'http://cyclonedx.org/schema/bom-1.6.schema.json',
    bomFormat: 'CycloneDX',
    specVersion: '1.6',
    serialNumber: `urn:uuid:${options.uuid}`,
    version: 1,
    metadata: {
      timestamp: options.now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
      tools: {
        components: [
          { type: 'application', name: options.tool.name, version: options.tool.version },
        ],
      },
      component: {
        type: 'container',
        'bom-ref': imageRef,
        name: identity.name,
        ...(scan.digest === undefined ? {} : { version: scan.digest }),
        ...(identity.purl === undefined ? {} : { purl: identity.purl }),
        properties: imageProperties,
      },
    },
    components,
    dependencies: [
      {
        ref: imageRef,
        dependsOn: [...(osRef === undefined ? [] : [osRef]), ...refs],
      },
    ],
    ...(options.vulnerabilities === true
      ? {
          vulnerabilities: vulnerabilityEntries(
            scan.vulnerabilities,
            (c) => refByComponent.get(c) ?? c.purl,
          ),
        }
      : {}),
  };
  return `${JSON.stringify(bom, null, 2)}\n`;
}

export const cycloneDxWriter: SbomWriter = {
  id: 'cyclonedx',
  description: 'CycloneDX 1.6 JSON',
  write: writeCycloneDx,
};
