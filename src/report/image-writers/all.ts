// The explicit lists of image scan writers (vulnerability reports) and SBOM writers; ids must
// be unique within each list.
import type { ImageScanWriter, SbomWriter } from '../image-writer.ts';
import { imageCsvWriter } from './csv.ts';
import { cycloneDxWriter } from './cyclonedx.ts';
import { imageJsonWriter } from './json.ts';
import { imageSarifWriter } from './sarif.ts';
import { spdxWriter } from './spdx.ts';
import { imageTableWriter } from './table.ts';

function register<T extends { readonly id: string }>(
  kind: string,
  list: readonly T[],
): ReadonlyMap<string, T> {
  const map = new Map<string, T>();
  for (const writer of list) {
    if (map.has(writer.id)) throw new Error(`${kind} writer '${writer.id}' is registered twice`);
    map.set(writer.id, writer);
  }
  return map;
}

export const imageScanWriters = register<ImageScanWriter>('image scan', [
  imageTableWriter,
  imageJsonWriter,
  imageSarifWriter,
  imageCsvWriter,
]);

export const sbomWriters = register<SbomWriter>('SBOM', [cycloneDxWriter, spdxWriter]);
