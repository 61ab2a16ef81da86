// `palisade check --scan-images`: scans each distinct image the manifests use (with the CLI's
// vulnerability database when there is one) and runs the check with those scans, so image
// criteria (CVE, Fixable, Image Age, Dockerfile Line…) are decided instead of undecided. Scans
// are kept per digest in the cache directory and reused while the database is unchanged.
// Scanning is image/; evaluating is policy/; this file only wires them for the command.

import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readDockerConfig, scanImage } from '../image/index.ts';
import { normaliseAll } from '../k8s/index.ts';
import type { ImageScan, InputProblem, ManifestObject } from '../model/index.ts';
import { checkObjects, imageScanLookup } from '../policy/index.ts';
import type { CheckResult, CompiledPolicy } from '../policy/index.ts';
import type { VulnDb } from '../vuln/index.ts';
import type { CliContext } from './context.ts';
import { clock, layerCacheDir, openCliVulnDb, vulnDbTarget } from './vulndb.ts';

/** Images scanned at once: registry pulls are I/O-bound, analysis is not; two cores. */
const concurrency = 2;

/** One image the manifests use: its reference and where it first appears. */
interface UsedImage {
  readonly reference: string;
  readonly digest: string;
  readonly file: string;
  readonly line: number;
}

/** Distinct image references of the manifests' workloads, in order of first use. */
export function imagesOfManifests(objects: readonly ManifestObject[]): UsedImage[] {
  const seen = new Map<string, UsedImage>();
  for (const object of normaliseAll(objects).objects) {
    if (object.kind !== 'Workload') continue;
    for (const container of object.containers) {
      const reference = container.image.fullName;
      if (reference === '' || seen.has(reference)) continue;
      seen.set(reference, {
        reference,
        digest: container.image.digest,
        file: object.source.file,
        line: object.source.line,
      });
    }
  }
  return [...seen.values()];
}

interface CachedScan {
  readonly database: string;
  readonly scan: ImageScan;
}

function cacheFile(cacheDir: string, digest: string): string {
  return join(cacheDir, 'image-scans', `${digest.replace(/[^a-zA-Z0-9]/g, '-')}.json`);
}

/** What a cached scan was matched against: a scan is reused only with the same database. */
function databaseStamp(vulnDb: VulnDb | undefined): string {
  if (vulnDb === undefined) return 'none';
  const status = vulnDb.status();
  return `${status.records}@${status.lastImport ?? ''}`;
}

async function readCachedScan(file: string, database: string): Promise<ImageScan | undefined> {
  try {
    const cached = JSON.parse(await readFile(file, 'utf8')) as CachedScan;
    return cached.database === database ? cached.scan : undefined;
  } catch {
    // Absent or unreadable: scan again and rewrite it.
    return undefined;
  }
}

async function writeCachedScan(file: string, cached: CachedScan): Promise<void> {
  await mkdir(join(file, '..'), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, JSON.stringify(cached));
  await rename(temporary, file);
}

export interface ManifestImageScans {
  readonly scans: readonly { readonly reference: string; readonly scan: ImageScan }[];
  /** Images that could not be scanned: they count as unscanned. */
  readonly problems: InputProblem[];
}

/** Scans every image the manifests use; a failed scan is a note and leaves the image unscanned. */
export async function scanManifestImages(
  objects: readonly ManifestObject[],
  context: CliContext,
): Promise<ManifestImageScans> {
  const images = imagesOfManifests(objects);
  const cacheDir = layerCacheDir(undefined, context);
  const credentials = await readDockerConfig({});
  const vulnDb = await openCliVulnDb(vulnDbTarget({}, context));
  const database = databaseStamp(vulnDb);
  const now = clock();
  const scans: { reference: string; scan: ImageScan }[] = [];
  const problems: InputProblem[] = [];
  const byDigest = new Map<string, ImageScan>();
  const tty = (context.stderr as { isTTY?: boolean }).isTTY === true;
  const scanOne = async (image: UsedImage) => {
    const file = image.digest === '' ? undefined : cacheFile(cacheDir, image.digest);
    let scan =
      (image.digest === '' ? undefined : byDigest.get(image.digest)) ??
      (file === undefined ? undefined : await readCachedScan(file, database));
    if (scan === undefined) {
      if (tty) context.stderr.write(`scanning ${image.reference}…\n`);
      scan = await scanImage(image.reference, {
        credentials,
        cacheDir,
        now,
        ...(vulnDb === undefined ? {} : { vulnDb }),
      });
      if (scan.digest !== undefined)
        await writeCachedScan(cacheFile(cacheDir, scan.digest), { database, scan });
    }
    if (scan.digest !== undefined) byDigest.set(scan.digest, scan);
    scans.push({ reference: image.reference, scan });
  };
  try {
    let next = 0;
    const worker = async () => {
      while (next < images.length) {
        const image = images[next++] as UsedImage;
        try {
          await scanOne(image);
        } catch (error) {
          problems.push({
            level: 'note',
            code: 'image-scan-failed',
            message: `image ${image.reference} was not scanned (its image criteria stay undecided): ${error instanceof Error ? error.message : String(error)}`,
            file: image.file,
            line: image.line,
          });
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, images.length) }, worker));
  } finally {
    await vulnDb?.close();
  }
  return { scans, problems };
}

/** `check` with image scans: scans the manifests' images, then evaluates with them. */
export async function checkWithImageScans(
  objects: readonly ManifestObject[],
  policies: readonly CompiledPolicy[],
  context: CliContext,
): Promise<CheckResult> {
  const { scans, problems } = await scanManifestImages(objects, context);
  const result = checkObjects(objects, policies, { imageScans: imageScanLookup(scans) });
  return { ...result, problems: [...result.problems, ...problems] };
}
