// Image scans as the evaluator sees them: a caller-supplied lookup from a container's image to
// its ImageScan, and the scan indexed once for criteria fields (components with their
// vulnerabilities, Dockerfile lines, ages). Not for scanning or storing scans: image/ and
// central/ do that.

import type {
  Component,
  ImageHistoryEntry,
  ImageRef,
  ImageScan,
  Vulnerability,
} from '../model/index.ts';

/** Finds the scan of a container's image (by digest or reference); undefined when unscanned. */
export type ImageScanLookup = (image: ImageRef) => ImageScan | undefined;

/** One component of a scanned image with the vulnerabilities found in it. */
export interface ScannedComponent {
  readonly component: Component;
  readonly vulnerabilities: readonly Vulnerability[];
}

/** A scan indexed for evaluation; built once per ImageScan object. */
export interface ScannedImage {
  readonly scan: ImageScan;
  readonly components: readonly ScannedComponent[];
  /** Dockerfile lines from the config history: [INSTRUCTION, value]. */
  readonly dockerfileLines: readonly (readonly [string, string])[];
  /** Label pairs of the image config. */
  readonly labels: readonly (readonly [string, string])[];
  /** Build time (config `created`) in ms since the epoch; undefined when the config has none. */
  readonly createdAt: number | undefined;
  readonly scannedAt: number;
}

/** Scope key under which the evaluator binds the lookup of indexed scans. */
export const imageScansKey = 'imageScans';
/** Scope key holding the evaluation time (ms) for age fields. */
export const nowKey = 'now';

const indexed = new WeakMap<ImageScan, ScannedImage>();

function componentKey(component: Component): string {
  return `${component.purl}\u0000${component.file}\u0000${component.name}\u0000${component.version}`;
}

/**
 * A history `created_by` as a Dockerfile line, the way StackRox reads it: the legacy builder
 * writes "/bin/sh -c #(nop)  USER app" for metadata and "/bin/sh -c apt-get …" for RUN;
 * BuildKit writes "RUN /bin/sh -c make # buildkit" and "USER app".
 */
export function dockerfileLineOf(createdBy: string): readonly [string, string] | undefined {
  let text = createdBy.trim();
  if (text === '') return undefined;
  const nop = /^\/bin\/sh -c #\(nop\)\s*/.exec(text);
  if (nop) text = text.slice(nop[0].length);
  else if (text.startsWith('/bin/sh -c ')) return ['RUN', text.slice('/bin/sh -c '.length).trim()];
  text = text.replace(/\s*# buildkit$/, '');
  const match = /^([A-Za-z]+)(?:\s+([\s\S]*))?$/.exec(text);
  if (!match) return ['RUN', text];
  const instruction = (match[1] ?? '').toUpperCase();
  const known = [
    'ADD',
    'ARG',
    'CMD',
    'COPY',
    'ENTRYPOINT',
    'ENV',
    'EXPOSE',
    'FROM',
    'HEALTHCHECK',
    'LABEL',
    'MAINTAINER',
    'ONBUILD',
    'RUN',
    'SHELL',
    'STOPSIGNAL',
    'USER',
    'VOLUME',
    'WORKDIR',
  ];
  if (!known.includes(instruction)) return ['RUN', text];
  return [instruction, (match[2] ?? '').trim()];
}

function historyLines(scan: ImageScan): (readonly [string, string])[] {
  const entries: readonly { createdBy?: string }[] =
    scan.history ?? (scan.layers ?? []).map((l): Partial<ImageHistoryEntry> => l);
  const lines: (readonly [string, string])[] = [];
  for (const entry of entries) {
    const line = dockerfileLineOf(entry.createdBy ?? '');
    if (line) lines.push(line);
  }
  return lines;
}

/** Indexes a scan for evaluation (cached per scan object). */
export function indexImageScan(scan: ImageScan): ScannedImage {
  const cached = indexed.get(scan);
  if (cached) return cached;
  const byKey = new Map<string, { component: Component; vulnerabilities: Vulnerability[] }>();
  for (const component of scan.components)
    if (!byKey.has(componentKey(component)))
      byKey.set(componentKey(component), { component, vulnerabilities: [] });
  for (const vulnerability of scan.vulnerabilities) {
    const key = componentKey(vulnerability.component);
    const entry = byKey.get(key);
    if (entry) entry.vulnerabilities.push(vulnerability);
    else byKey.set(key, { component: vulnerability.component, vulnerabilities: [vulnerability] });
  }
  const created = scan.config?.created === undefined ? NaN : Date.parse(scan.config.created);
  const scannedAt = Date.parse(scan.scannedAt);
  const result: ScannedImage = {
    scan,
    components: [...byKey.values()],
    dockerfileLines: historyLines(scan),
    labels: Object.entries(scan.config?.labels ?? {}),
    createdAt: Number.isNaN(created) ? undefined : created,
    scannedAt: Number.isNaN(scannedAt) ? 0 : scannedAt,
  };
  indexed.set(scan, result);
  return result;
}

/** The indexed scan of the container bound in `scope`, when the evaluation has scans. */
export function scannedImageOf(scope: Record<string, unknown>): ScannedImage | undefined {
  const lookup = scope[imageScansKey] as ImageScanLookup | undefined;
  const container = scope.container as { image: ImageRef } | undefined;
  if (lookup === undefined || container === undefined) return undefined;
  const scan = lookup(container.image);
  return scan === undefined ? undefined : indexImageScan(scan);
}

/** Whole days between two times (ms), never negative. */
export function daysBetween(from: number, to: number): number {
  return Math.max(0, Math.floor((to - from) / 86_400_000));
}

/** A lookup over a list of scans, keyed by digest and by the reference each was made for. */
export function imageScanLookup(
  scans: Iterable<{ readonly reference?: string; readonly scan: ImageScan }>,
): ImageScanLookup {
  const byDigest = new Map<string, ImageScan>();
  const byReference = new Map<string, ImageScan>();
  for (const { reference, scan } of scans) {
    if (scan.digest) byDigest.set(scan.digest, scan);
    byReference.set(reference ?? scan.image, scan);
  }
  return (image) =>
    (image.digest !== '' ? byDigest.get(image.digest) : undefined) ??
    byReference.get(image.fullName);
}
