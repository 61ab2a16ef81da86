// Image contents as the package analysers see them: the operating system, the installed
// components (OS packages and language dependencies) and the findings about unreadable input.
// Plain readonly data; reading layers and matching advisories live in image/ and vuln/.

import type {
  IgnoredVulnerability,
  Vulnerability,
  VulnerabilityIgnoreRule,
} from './vulnerability.ts';

/** Distribution family; decides which package database and advisory feed apply. */
export type OsFamily = 'alpine' | 'debian' | 'redhat' | 'suse' | 'unknown';

export interface OsRelease {
  readonly family: OsFamily;
  /** os-release ID, e.g. "debian", "alpine", "rocky". */
  readonly id: string;
  /** os-release VERSION_ID, e.g. "12", "3.19.1", "9.3"; empty when unknown (Debian sid). */
  readonly versionId: string;
  readonly prettyName: string;
  /** VERSION_CODENAME when present ("bookworm"). */
  readonly codename?: string;
  /** The file the release was read from. */
  readonly file: string;
}

/** The package-url type of a component (github.com/package-url/purl-spec PURL-TYPES.rst). */
export type ComponentType =
  | 'deb'
  | 'apk'
  | 'rpm'
  | 'npm'
  | 'pypi'
  | 'gem'
  | 'maven'
  | 'golang'
  | 'cargo'
  | 'nuget'
  | 'composer';

/** One installed package or library found in an image. */
export interface Component {
  readonly type: ComponentType;
  /**
   * The name as the advisory feed spells it: binary package name for OS packages, "@scope/name"
   * for npm, "group:artifact" for Maven, the module path for Go.
   */
  readonly name: string;
  /** Full version as the package manager compares it (rpm: "[epoch:]version-release"). */
  readonly version: string;
  /** The source package (deb "Source:", apk "origin", rpm SOURCERPM name) when it differs. */
  readonly sourceName?: string;
  readonly sourceVersion?: string;
  readonly arch?: string;
  /** OSV ecosystem, with the release for distributions: "Debian:12", "Alpine:v3.19", "npm". */
  readonly ecosystem: string;
  readonly purl: string;
  /** The file the component was read from (database, manifest or binary). */
  readonly file: string;
  /** Digest of the layer that last wrote that file. */
  readonly layer: string;
}

/** A problem with the image's contents: an unreadable database, an oversized archive. */
export interface ImageFinding {
  /** Id of the analyser that reports it. */
  readonly analyzer: string;
  /** Stable kebab-case code ("malformed-database", "unsupported-rpmdb-format"). */
  readonly code: string;
  readonly file: string;
  readonly line?: number;
  readonly layer?: string;
  readonly message: string;
}

/** One layer of a scanned image (lowest first), with the history entry that made it. */
export interface ScannedLayer {
  /** Blob digest (for a legacy docker-save archive, the diff ID). */
  readonly digest: string;
  readonly diffId: string;
  /** The Dockerfile instruction that made the layer ("RUN apt-get install -y curl"). */
  readonly createdBy?: string;
  readonly created?: string;
}

/** Facts from the image config (OCI image-spec config.md) that policies and reports use. */
export interface ImageConfigFacts {
  readonly os: string;
  readonly architecture: string;
  readonly variant?: string;
  /** When the image was built (config `created`). */
  readonly created?: string;
  /** config.User; empty when unset, which means root. */
  readonly user: string;
  readonly labels: Readonly<Record<string, string>>;
}

/** Whether and against what the components were matched for vulnerabilities. */
export interface VulnerabilityDbInfo {
  /** False when no vulnerability database was available: vulnerabilities were not matched. */
  readonly matched: boolean;
  readonly records: number;
  readonly lastImport?: string;
}

/** One entry of the image config's history (OCI image-spec config.md), layer-making or not. */
export interface ImageHistoryEntry {
  /** The command that made it ("/bin/sh -c #(nop)  USER app", "RUN /bin/sh -c make # buildkit"). */
  readonly createdBy: string;
  readonly created?: string;
  /** True for entries that made no layer (ENV, USER, LABEL, VOLUME…). */
  readonly emptyLayer: boolean;
}

/** The result of scanning one image. */
export interface ImageScan {
  /** The image reference as given. */
  readonly image: string;
  /** The manifest digest when known. */
  readonly digest?: string;
  readonly os?: OsRelease;
  readonly components: readonly Component[];
  readonly vulnerabilities: readonly Vulnerability[];
  readonly findings: readonly ImageFinding[];
  /** ISO 8601 time of the scan. */
  readonly scannedAt: string;
  readonly config?: ImageConfigFacts;
  /** The image's layers, lowest first; components name theirs by digest. */
  readonly layers?: readonly ScannedLayer[];
  /** The config history, oldest first, including entries that made no layer (Dockerfile Line). */
  readonly history?: readonly ImageHistoryEntry[];
  readonly vulnerabilityDb?: VulnerabilityDbInfo;
  /** Vulnerabilities an ignore rule suppressed (not in `vulnerabilities`). */
  readonly ignored?: readonly IgnoredVulnerability[];
  /** Ignore rules past their expiry date: they suppressed nothing. */
  readonly expiredIgnores?: readonly VulnerabilityIgnoreRule[];
}
