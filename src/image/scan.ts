// One image scan, end to end and without printing: open the image (registry, OCI layout,
// docker-save archive), read only the files the analysers want, find the OS and the packages,
// match them against the vulnerability database when one is given, and apply ignore rules.
// Rendering (table, SARIF, SBOM…) lives in report/; argument parsing in cli/.

import type {
  Component,
  ImageConfigFacts,
  ImageFinding,
  ImageScan,
  ScannedLayer,
  Vulnerability,
  VulnerabilityDbInfo,
  VulnerabilityIgnoreRule,
  VulnerabilitySeverity,
} from '../model/index.ts';
import { PalisadeError, wrapError } from '../model/index.ts';
import { comparators, ecosystemBase, fetchAndMatchPackages } from '../vuln/index.ts';
import type { AdvisorySource, MatchMemo, VulnDbStatus } from '../vuln/index.ts';
import { analyzers as defaultAnalyzers } from './analyzers/all.ts';
import { analyzeImage, filesOf, wantsFile } from './analyzers/registry.ts';
import type { Analyzer, ImageFile } from './analyzers/types.ts';
import { applyIgnoreRules, type IgnoreOutcome } from './ignore-file.ts';
import type { ImageFileSystem } from './layers-flatten.ts';
import type { ImageLimits } from './limits.ts';
import { readImage } from './read-image.ts';
import { EarlyMatcher } from './scan-early-match.ts';
import type { ImageReadResult } from './read-image.ts';
import type { DockerAuthConfig } from './registry-credentials.ts';
import { openImageSource } from './source-open.ts';

export interface ScanImageOptions {
  /** The vulnerability database; without one, packages are listed and nothing is matched. */
  readonly vulnDb?: AdvisorySource & { status?(): VulnDbStatus };
  /** "os/arch[/variant]"; default linux/amd64. */
  readonly platform?: string;
  readonly credentials?: DockerAuthConfig;
  /** Layer cache directory; nothing is cached without it. */
  readonly cacheDir?: string;
  /** Allow plain HTTP to a registry that is not on loopback. */
  readonly insecure?: boolean;
  readonly signal?: AbortSignal;
  readonly limits?: Partial<ImageLimits>;
  /** Ignore-file rules; expired ones suppress nothing and are reported. */
  readonly ignore?: readonly VulnerabilityIgnoreRule[];
  /** The clock for scannedAt and rule expiry (tests pin it). */
  readonly now?: () => Date;
  /** The analysers to run; default all of image/analyzers. */
  readonly analyzers?: readonly Analyzer[];
}

/**
 * The files the analysers see: the kept regular files, plus every kept symlink whose target
 * is a kept file under the symlink's own path. Debian and Alpine ship /etc/os-release as a
 * symlink to ../usr/lib/os-release; analysers look files up by the path they know.
 */
export function analyzerFiles(fs: ImageFileSystem): ReadonlyMap<string, ImageFile> {
  const files = new Map<string, ImageFile>(fs.files);
  for (const path of fs.symlinks.keys()) {
    if (files.has(path)) continue;
    const target = fs.read(path);
    if (target !== undefined) files.set(path, { ...target, path });
  }
  return files;
}

function configFacts(read: ImageReadResult): ImageConfigFacts {
  const config = read.config;
  return {
    os: config.os,
    architecture: config.architecture,
    ...(config.variant === undefined ? {} : { variant: config.variant }),
    ...(config.created === undefined ? {} : { created: config.created }),
    user: config.config?.User ?? '',
    labels: { ...(config.config?.Labels ?? {}) },
  };
}

function scannedLayers(read: ImageReadResult): ScannedLayer[] {
  return read.layers.map((layer) => ({
    digest: layer.digest,
    diffId: layer.diffId,
    ...(layer.createdBy === undefined ? {} : { createdBy: layer.createdBy }),
    ...(layer.created === undefined ? {} : { created: layer.created }),
  }));
}

const severityRank: Readonly<Record<VulnerabilitySeverity, number>> = {
  UNKNOWN: 0,
  LOW: 1,
  MODERATE: 2,
  IMPORTANT: 3,
  CRITICAL: 4,
};

function componentKey(component: Component): string {
  return `${component.purl}\u0000${component.file}`;
}

/**
 * One finding per vulnerability and package: advisories that name each other (an OSV id in
 * another's aliases, or a shared CVE alias — a GHSA and its Go or PyPA twin, a DLA and the
 * DEBIAN-CVE record) are merged, keeping the first advisory's id, every alias, every fixed
 * version and the highest severity.
 */
export function mergeAliasedVulnerabilities(
  vulnerabilities: readonly Vulnerability[],
): Vulnerability[] {
  const out: Vulnerability[] = [];
  // Per component: each id and alias seen, to the earliest group that has it. A group's full
  // id set is made only when a second finding joins it.
  type Group = { index: number; ids?: Set<string> };
  const byComponent = new Map<string, Map<string, Group>>();
  let lastComponent: Vulnerability['component'] | undefined;
  let groups = new Map<string, Group>();
  for (const vulnerability of vulnerabilities) {
    // A component's findings come together: look its groups up once.
    if (vulnerability.component !== lastComponent) {
      lastComponent = vulnerability.component;
      const key = componentKey(vulnerability.component);
      const known = byComponent.get(key);
      if (known === undefined) {
        groups = new Map();
        byComponent.set(key, groups);
      } else groups = known;
    }
    // The earliest group that shares an id, as when merging in order.
    let group = groups.get(vulnerability.id);
    for (const alias of vulnerability.aliases) {
      const known = groups.get(alias);
      if (known !== undefined && (group === undefined || known.index < group.index)) group = known;
    }
    if (group === undefined) {
      const created: Group = { index: out.length };
      groups.set(vulnerability.id, created);
      for (const alias of vulnerability.aliases) groups.set(alias, created);
      out.push(vulnerability);
      continue;
    }
    const first = out[group.index] as Vulnerability;
    const ids = (group.ids ??= new Set([first.id, ...first.aliases]));
    for (const id of [vulnerability.id, ...vulnerability.aliases]) {
      ids.add(id);
      const known = groups.get(id);
      if (known === undefined || known.index > group.index) groups.set(id, group);
    }
    const kept = out[group.index] as Vulnerability;
    const comparator = comparators.forEcosystem(ecosystemBase(kept.component.ecosystem));
    const fixedVersions = [...new Set([...kept.fixedVersions, ...vulnerability.fixedVersions])];
    if (comparator !== undefined) fixedVersions.sort((a, b) => comparator.compare(a, b));
    const stronger =
      severityRank[vulnerability.severity] > severityRank[kept.severity] ? vulnerability : kept;
    const cvss = kept.cvss ?? vulnerability.cvss;
    out[group.index] = {
      ...kept,
      aliases: [...ids].filter((id) => id !== kept.id).sort(),
      fixedVersions,
      fixable: fixedVersions.length > 0,
      fixState: fixedVersions.length > 0 ? 'fixed' : kept.fixState,
      severity: stronger.severity,
      ...(cvss === undefined ? {} : { cvss }),
      references: [...new Set([...kept.references, ...vulnerability.references])],
    };
  }
  return out;
}

/** What a scan says of its vulnerabilities, from its components (an image's or an SBOM's). */
export interface MatchedComponents {
  readonly vulnerabilities: IgnoreOutcome['kept'];
  readonly vulnerabilityDb: VulnerabilityDbInfo;
  readonly ignored: IgnoreOutcome['ignored'];
  readonly expiredIgnores: IgnoreOutcome['expired'];
}

/**
 * Matches components against the database when there is one (one prefetch, aliases merged),
 * then applies the ignore rules at `now`; without a database nothing is matched and says so.
 */
export async function matchScanComponents(
  components: readonly Component[],
  options: {
    readonly vulnDb?: ScanImageOptions['vulnDb'];
    readonly ignore?: readonly VulnerabilityIgnoreRule[];
  },
  now: Date,
  memo?: MatchMemo,
): Promise<MatchedComponents> {
  let vulnerabilities: Vulnerability[] = [];
  let vulnerabilityDb: VulnerabilityDbInfo = { matched: false, records: 0 };
  if (options.vulnDb !== undefined) {
    vulnerabilities = mergeAliasedVulnerabilities(
      await fetchAndMatchPackages(options.vulnDb, components, memo),
    );
    const status = options.vulnDb.status?.();
    vulnerabilityDb = {
      matched: true,
      records: status?.records ?? 0,
      ...(status?.lastImport === undefined ? {} : { lastImport: status.lastImport }),
    };
  }
  const outcome = applyIgnoreRules(vulnerabilities, options.ignore ?? [], now);
  return {
    vulnerabilities: outcome.kept,
    vulnerabilityDb,
    ignored: outcome.ignored,
    expiredIgnores: outcome.expired,
  };
}

/** Scans one image: `ref` is a registry reference, oci:<dir>[:name], a layout dir or a .tar. */
export async function scanImage(ref: string, options: ScanImageOptions = {}): Promise<ImageScan> {
  const list = options.analyzers ?? defaultAnalyzers;
  const now = (options.now ?? (() => new Date()))();
  const early = options.vulnDb === undefined ? undefined : new EarlyMatcher(options.vulnDb, list);
  let read: ImageReadResult;
  try {
    const source = await openImageSource(ref, {
      ...(options.credentials === undefined ? {} : { credentials: options.credentials }),
      ...(options.insecure === undefined ? {} : { insecure: options.insecure }),
    });
    read = await readImage(source, {
      // Symlinks are kept where an analyser wants their path (/etc/os-release → ../usr/lib/…);
      // their targets are kept when wanted in their own right.
      keep: (path, info) =>
        (info.type === 'file' || info.type === 'symlink') &&
        wantsFile(path, { size: info.size, mode: info.mode }, list),
      keepHint: filesOf(list),
      keepId: `scan-v1:${list.map((analyzer) => analyzer.id).join(',')}`,
      ...(options.platform === undefined ? {} : { platform: options.platform }),
      ...(options.cacheDir === undefined ? {} : { cacheDir: options.cacheDir }),
      ...(options.limits === undefined ? {} : { limits: options.limits }),
      ...(options.signal === undefined ? {} : { signal: options.signal }),
      ...(early === undefined ? {} : { onFile: (file: ImageFile) => early.offer(file) }),
    });
  } catch (error) {
    await early?.settle();
    // The image reader's errors already name the image; others get that context here.
    if (error instanceof PalisadeError && error.message.includes(ref)) throw error;
    throw wrapError(`scanning ${ref}`, error, 'image-read-failed');
  }
  const analysis = await analyzeImage({ files: analyzerFiles(read.files) }, list);
  const findings: ImageFinding[] = [
    ...analysis.findings,
    ...read.cache.writeErrors.map((message) => ({
      analyzer: 'layer-cache',
      code: 'cache-write-failed',
      file: '',
      message,
    })),
  ];
  await early?.settle();
  const matched = await matchScanComponents(analysis.components, options, now, early?.memo);
  return {
    image: ref,
    digest: read.digest,
    ...(analysis.os === undefined ? {} : { os: analysis.os }),
    components: analysis.components,
    vulnerabilities: matched.vulnerabilities,
    findings,
    scannedAt: now.toISOString(),
    config: configFacts(read),
    layers: scannedLayers(read),
    history: (read.config.history ?? []).map((entry) => ({
      createdBy: entry.created_by ?? '',
      ...(entry.created === undefined ? {} : { created: entry.created }),
      emptyLayer: entry.empty_layer === true,
    })),
    vulnerabilityDb: matched.vulnerabilityDb,
    ignored: matched.ignored,
    expiredIgnores: matched.expiredIgnores,
  };
}
