// SPDX 2.3 JSON SBOM of a scanned image (spdx.github.io/spdx-spec/v2.3): the document
// DESCRIBES the image package (primaryPackagePurpose CONTAINER), which CONTAINS its operating
// system and every package; packages carry their purl as a PACKAGE-MANAGER externalRef
// (spec annex F) and, in sourceInfo, the file and layer they came from. SPDX 2.3 has no field
// for vulnerabilities; use CycloneDX for those.

import type { Component, ImageScan } from '../../model/index.ts';
import { componentLayer } from '../image-report.ts';
import type { SbomWriter, SbomWriterOptions } from '../image-writer.ts';
import { imageIdentity } from './sbom-image.ts';

/** SPDX 2.3 §3.2/§7.2: SPDXRef- followed by letters, digits, '.' and '-' only. */
export function spdxId(text: string): string {
  const body = text
    .replace(/[^A-Za-z0-9.-]+/g, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^-|-$/g, '');
  return `SPDXRef-${body === '' ? 'x' : body}`;
}

function uniqueIds(candidates: readonly string[], taken: Set<string>): string[] {
  return candidates.map((candidate) => {
    let id = candidate;
    for (let n = 2; taken.has(id); n++) id = `${candidate}-${n}`;
    taken.add(id);
    return id;
  });
}

function sourceInfo(scan: ImageScan, component: Component): string {
  const layer = componentLayer(scan, component);
  const parts = [`found in ${component.file}`, `layer ${component.layer}`];
  if (layer?.createdBy !== undefined) parts.push(`created by: ${layer.createdBy}`);
  return parts.join('; ');
}

const noAssertion = 'NOASSERTION';

/** §6.9: YYYY-MM-DDThh:mm:ssZ, UTC, no fraction. */
function spdxTime(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function writeSpdx(scan: ImageScan, options: SbomWriterOptions): string {
  const identity = imageIdentity(scan);
  const imageId = 'SPDXRef-Image';
  const taken = new Set(['SPDXRef-DOCUMENT', imageId]);
  const osId =
    scan.os === undefined
      ? undefined
      : (uniqueIds([spdxId(`OperatingSystem-${scan.os.id}-${scan.os.versionId}`)], taken)[0] ??
        'SPDXRef-OperatingSystem');
  const packageIds = uniqueIds(
    scan.components.map((c) => spdxId(`Package-${c.type}-${c.name}-${c.version}`)),
    taken,
  );
  const common = {
    downloadLocation: noAssertion,
    filesAnalyzed: false,
    licenseConcluded: noAssertion,
    licenseDeclared: noAssertion,
    copyrightText: noAssertion,
  };
  const built = scan.config?.created === undefined ? NaN : Date.parse(scan.config.created);
  const builtDate = Number.isNaN(built) ? undefined : spdxTime(new Date(built));
  const packages: unknown[] = [
    {
      SPDXID: imageId,
      name: identity.name,
      ...(scan.digest === undefined ? {} : { versionInfo: scan.digest }),
      ...common,
      primaryPackagePurpose: 'CONTAINER',
      ...(builtDate === undefined ? {} : { builtDate }),
      comment: `container image ${scan.image}`,
      ...(identity.purl === undefined
        ? {}
        : {
            externalRefs: [
              {
                referenceCategory: 'PACKAGE-MANAGER',
                referenceType: 'purl',
                referenceLocator: identity.purl,
              },
            ],
          }),
    },
  ];
  if (scan.os !== undefined && osId !== undefined)
    packages.push({
      SPDXID: osId,
      name: scan.os.id,
      versionInfo: scan.os.versionId,
      ...common,
      primaryPackagePurpose: 'OPERATING-SYSTEM',
      description: scan.os.prettyName,
    });
  scan.components.forEach((component, i) => {
    packages.push({
      SPDXID: packageIds[i],
      name: component.name,
      versionInfo: component.version,
      ...common,
      primaryPackagePurpose: 'LIBRARY',
      sourceInfo: sourceInfo(scan, component),
      externalRefs: [
        {
          referenceCategory: 'PACKAGE-MANAGER',
          referenceType: 'purl',
          referenceLocator: component.purl,
        },
      ],
    });
  });
  const contained = [...(osId === undefined ? [] : [osId]), ...packageIds];
  const document = {
    spdxVersion: 'SPDX-2.3',
    dataLicense: 'CC0-1.0',
    SPDXID: 'SPDXRef-DOCUMENT',
    name: scan.image,
    // §6.5: a unique URI without '#', never dereferenced.
    documentNamespace: `https://palisade.dev/spdx/image/${encodeURIComponent(identity.name)}-${options.uuid}`,
    creationInfo: {
      created: spdxTime(options.now),
      creators: [`Tool: ${options.tool.name}-${options.tool.version}`],
    },
    documentDescribes: [imageId],
    packages,
    relationships: [
      {
        spdxElementId: 'SPDXRef-DOCUMENT',
        relationshipType: 'DESCRIBES',
        relatedSpdxElement: imageId,
      },
      ...contained.map((id) => ({
        spdxElementId: imageId,
        relationshipType: 'CONTAINS',
        relatedSpdxElement: id,
      })),
    ],
  };
  return `${JSON.stringify(document, null, 2)}\n`;
}

export const spdxWriter: SbomWriter = {
  id: 'spdx',
  description: 'SPDX 2.3 JSON',
  write: writeSpdx,
};
