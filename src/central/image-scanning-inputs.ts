// What detection needs of image scanning: queue a scan for every image the evaluated workloads
// use (the queue ignores images it already has), and the stored scans of those images with
// the CVEs under an active exception taken out, so that excepted CVEs match no policy. The
// worker that runs the scans is image-scanning.ts.

import type { ImageScan, Vulnerability, Workload } from '../model/index.ts';
import type { ImageScanLookup } from '../policy/index.ts';
import type { Queryable } from '../store/index.ts';
import { enqueueImageScans, findImageScans, listVulnerabilityExceptions } from '../store/index.ts';
import type { VulnerabilityException } from '../store/index.ts';

/** Wakes the workers of one database when jobs are added (replicas poll on their own). */
const wakers = new WeakMap<object, Set<() => void>>();

export function onImageScansQueued(db: object, wake: () => void): () => void {
  let set = wakers.get(db);
  if (!set) {
    set = new Set();
    wakers.set(db, set);
  }
  set.add(wake);
  return () => set.delete(wake);
}

export interface DetectionImages {
  readonly imageScans: ImageScanLookup;
  /** The (non-excepted) vulnerabilities of a workload's scanned images, for its risk. */
  vulnerabilitiesOf(workload: Workload): Vulnerability[];
}

function excepted(
  vulnerability: Vulnerability,
  digest: string | undefined,
  exceptions: readonly VulnerabilityException[],
): boolean {
  return exceptions.some(
    (e) =>
      (e.digest === null || e.digest === digest) &&
      (vulnerability.id === e.cve || vulnerability.aliases.includes(e.cve)),
  );
}

/** A scan without its excepted vulnerabilities (the same object when nothing is excepted). */
export function withoutExceptions(
  scan: ImageScan,
  exceptions: readonly VulnerabilityException[],
): ImageScan {
  if (exceptions.length === 0) return scan;
  const kept = scan.vulnerabilities.filter((v) => !excepted(v, scan.digest, exceptions));
  return kept.length === scan.vulnerabilities.length ? scan : { ...scan, vulnerabilities: kept };
}

/** Queues the workloads' images for scanning and loads the scans there are. */
export async function imagesForDetection(
  db: Queryable & object,
  workloads: readonly Workload[],
): Promise<DetectionImages> {
  const uses = new Map<string, { reference: string; digest: string }>();
  for (const workload of workloads)
    for (const container of workload.containers)
      if (container.image.fullName !== '')
        uses.set(container.image.fullName, {
          reference: container.image.fullName,
          digest: container.image.digest,
        });
  const images = [...uses.values()];
  if ((await enqueueImageScans(db, images)) > 0) for (const wake of wakers.get(db) ?? []) wake();
  const found = await findImageScans(
    db,
    images.map((i) => i.reference),
    images.filter((i) => i.digest !== '').map((i) => i.digest),
  );
  const exceptions =
    found.byDigest.size > 0 ? await listVulnerabilityExceptions(db, { active: true }) : [];
  const scans = new Map<string, ImageScan>();
  for (const [digest, scan] of found.byDigest)
    scans.set(digest, withoutExceptions(scan, exceptions));
  const imageScans: ImageScanLookup = (image) => {
    const digest = image.digest !== '' ? image.digest : found.byReference.get(image.fullName);
    return digest === undefined ? undefined : scans.get(digest);
  };
  return {
    imageScans,
    vulnerabilitiesOf(workload) {
      const seen = new Set<ImageScan>();
      const out: Vulnerability[] = [];
      for (const container of workload.containers) {
        const scan = imageScans(container.image);
        if (scan === undefined || seen.has(scan)) continue;
        seen.add(scan);
        out.push(...scan.vulnerabilities);
      }
      return out;
    },
  };
}
