// Reads an existing SBOM — CycloneDX 1.4–1.6 JSON or SPDX 2.3 JSON — into the components the
// matcher takes, so `palisade image scan --sbom` matches without the image. Package URLs
// (ECMA-427 / purl-spec) give type, name and version; a `distro` qualifier, or the SBOM's
// operating-system component, gives the release of OS packages ("Debian:12"). Palisade's own
// properties (palisade:package:*) and Trivy's (aquasecurity:trivy:Src*) give source packages.
// Not an SBOM validator: what cannot be matched is reported and skipped.

import type {
  Component,
  ComponentType,
  ImageScan,
  OsRelease,
  VulnerabilityIgnoreRule,
} from '../model/index.ts';
import { PalisadeError } from '../model/index.ts';
import { distroEcosystem, matchScanComponents } from '../image/index.ts';
import type { AdvisorySource } from './match.ts';
import type { VulnDbStatus } from './store.ts';

export interface SbomReadResult {
  readonly format: 'cyclonedx' | 'spdx';
  readonly specVersion: string;
  /** The SBOM's subject (the image) when it names one. */
  readonly name?: string;
  readonly os?: OsRelease;
  readonly components: readonly Component[];
  /** Entries skipped: no purl, or a purl type nothing matches. */
  readonly problems: readonly string[];
}

export interface Purl {
  readonly type: string;
  readonly namespace?: string;
  readonly name: string;
  readonly version?: string;
  readonly qualifiers: Readonly<Record<string, string>>;
}

/** Parses a purl by ECMA-427's "How to parse" steps (subpath, qualifiers, version, parts). */
export function parsePurl(text: string): Purl | undefined {
  if (!text.startsWith('pkg:')) return undefined;
  let rest = text.slice(4).replace(/^\/+/, '');
  const hash = rest.indexOf('#');
  if (hash >= 0) rest = rest.slice(0, hash);
  const qualifiers: Record<string, string> = {};
  const question = rest.indexOf('?');
  if (question >= 0) {
    for (const pair of rest.slice(question + 1).split('&')) {
      const equals = pair.indexOf('=');
      if (equals <= 0) continue;
      qualifiers[pair.slice(0, equals).toLowerCase()] = decodeURIComponent(pair.slice(equals + 1));
    }
    rest = rest.slice(0, question);
  }
  let version: string | undefined;
  const at = rest.lastIndexOf('@');
  if (at >= 0) {
    version = decodeURIComponent(rest.slice(at + 1));
    rest = rest.slice(0, at);
  }
  const segments = rest.split('/').filter((s) => s !== '');
  const type = segments.shift()?.toLowerCase();
  const name = segments.pop();
  if (type === undefined || name === undefined) return undefined;
  const namespace = segments.map(decodeURIComponent).join('/');
  return {
    type,
    ...(namespace === '' ? {} : { namespace }),
    name: decodeURIComponent(name),
    ...(version === undefined || version === '' ? {} : { version }),
    qualifiers,
  };
}

const osFamilies: Readonly<Record<string, OsRelease['family']>> = {
  debian: 'debian',
  ubuntu: 'debian',
  alpine: 'alpine',
  wolfi: 'alpine',
  chainguard: 'alpine',
  rhel: 'redhat',
  centos: 'redhat',
  rocky: 'redhat',
  almalinux: 'redhat',
  'opensuse-leap': 'suse',
  sles: 'suse',
};

function osRelease(id: string, versionId: string): OsRelease {
  return {
    family: osFamilies[id] ?? 'unknown',
    id,
    versionId,
    prettyName: versionId === '' ? id : `${id} ${versionId}`,
    file: '',
  };
}

/** The purl `distro` qualifier ("debian-12.4", "alpine-3.19.1", "rhel-9.2") as a release. */
function releaseOfDistro(distro: string | undefined, namespace: string | undefined) {
  if (distro === undefined) return undefined;
  const match = /^([a-z][a-z-]*?)-(\d[\w.]*)$/i.exec(distro);
  if (match !== null) return osRelease((match[1] ?? '').toLowerCase(), match[2] ?? '');
  // Some writers put only the codename or version: take the namespace as the distribution.
  return /^\d/.test(distro) && namespace !== undefined
    ? osRelease(namespace.toLowerCase(), distro)
    : undefined;
}

const languageEcosystems: Readonly<Record<string, [ComponentType, string]>> = {
  npm: ['npm', 'npm'],
  pypi: ['pypi', 'PyPI'],
  gem: ['gem', 'RubyGems'],
  maven: ['maven', 'Maven'],
  golang: ['golang', 'Go'],
  cargo: ['cargo', 'crates.io'],
  nuget: ['nuget', 'NuGet'],
  composer: ['composer', 'Packagist'],
};

const osFallbacks: Readonly<Record<string, string>> = {
  deb: 'Debian',
  apk: 'Alpine',
  rpm: 'Red Hat',
};

type Properties = Readonly<Record<string, string>>;

/** One SBOM entry as a component; undefined when its purl cannot be matched. */
export function componentOfPurl(
  purlText: string,
  properties: Properties,
  sbomOs: OsRelease | undefined,
  where: string,
): Component | undefined {
  const purl = parsePurl(purlText);
  if (purl === undefined || purl.version === undefined) return undefined;
  const common = {
    purl: purlText,
    file: properties['palisade:package:file'] ?? where,
    layer: properties['palisade:layer:digest'] ?? '',
  };
  const language = languageEcosystems[purl.type];
  if (language !== undefined) {
    const [type, ecosystem] = language;
    // Names as the feeds spell them (model Component.name).
    const separator = type === 'maven' ? ':' : '/';
    const name =
      purl.namespace === undefined ? purl.name : `${purl.namespace}${separator}${purl.name}`;
    return { ...common, type, name, version: purl.version, ecosystem };
  }
  const fallback = osFallbacks[purl.type];
  if (fallback === undefined) return undefined;
  const type = purl.type as 'deb' | 'apk' | 'rpm';
  const release = releaseOfDistro(purl.qualifiers['distro'], purl.namespace) ?? sbomOs;
  const ecosystem = properties['palisade:package:ecosystem'] ?? distroEcosystem(release, fallback);
  const epoch = purl.qualifiers['epoch'];
  // rpm purls carry version-release and the epoch apart; the component's version joins them.
  const version =
    type === 'rpm' && epoch !== undefined && epoch !== '0' && epoch !== ''
      ? `${epoch}:${purl.version}`
      : purl.version;
  const sourceName =
    properties['palisade:package:sourceName'] ??
    properties['aquasecurity:trivy:SrcName'] ??
    purl.qualifiers['upstream'] ??
    purl.name;
  const trivyVersion = properties['aquasecurity:trivy:SrcVersion'];
  const trivyRelease = properties['aquasecurity:trivy:SrcRelease'];
  const trivyEpoch = properties['aquasecurity:trivy:SrcEpoch'];
  const sourceVersion =
    properties['palisade:package:sourceVersion'] ??
    (trivyVersion === undefined
      ? // A Debian binNMU rebuilds the source unchanged and appends "+bN" to the binary
        // version only (wiki.debian.org/binNMU): the source version is the rest.
        type === 'deb'
        ? version.replace(/\+b\d+$/, '')
        : version
      : `${trivyEpoch !== undefined && trivyEpoch !== '0' ? `${trivyEpoch}:` : ''}${trivyVersion}${trivyRelease === undefined ? '' : `-${trivyRelease}`}`);
  const arch = properties['palisade:package:arch'] ?? purl.qualifiers['arch'];
  return {
    ...common,
    type,
    name: purl.name,
    version,
    sourceName,
    sourceVersion,
    ...(arch === undefined ? {} : { arch }),
    ecosystem,
  };
}

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const text = (value: unknown): string | undefined =>
  typeof value === 'string' ? value : undefined;
const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);

function propertiesOf(component: Json): Properties {
  const out: Record<string, string> = {};
  for (const property of list(component['properties'])) {
    if (!isObject(property)) continue;
    const name = text(property['name']);
    const value = text(property['value']);
    if (name !== undefined && value !== undefined && !(name in out)) out[name] = value;
  }
  return out;
}

/** CycloneDX components, nested ones included (CycloneDX 1.4+ component.components). */
function* cycloneDxComponents(components: unknown): Generator<Json> {
  for (const component of list(components)) {
    if (!isObject(component)) continue;
    yield component;
    yield* cycloneDxComponents(component['components']);
  }
}

function readCycloneDx(bom: Json, source: string): SbomReadResult {
  const specVersion = text(bom['specVersion']) ?? '';
  if (!/^1\.[4-6]$/.test(specVersion))
    throw new PalisadeError(
      'sbom-unsupported',
      `${source}: CycloneDX ${specVersion || '(no specVersion)'} is not supported; 1.4 to 1.6 JSON are`,
    );
  const all = [...cycloneDxComponents(bom['components'])];
  const osComponent = all.find((c) => c['type'] === 'operating-system');
  const os =
    osComponent === undefined
      ? undefined
      : osRelease(
          (text(osComponent['name']) ?? '').toLowerCase(),
          text(osComponent['version']) ?? '',
        );
  const components: Component[] = [];
  const problems: string[] = [];
  for (const entry of all) {
    if (entry['type'] === 'operating-system' || entry['type'] === 'container') continue;
    const label = `${text(entry['name']) ?? '?'}@${text(entry['version']) ?? '?'}`;
    const purl = text(entry['purl']);
    if (purl === undefined) {
      problems.push(`${label}: no purl`);
      continue;
    }
    const component = componentOfPurl(purl, propertiesOf(entry), os, source);
    if (component === undefined) problems.push(`${label}: ${purl} cannot be matched`);
    else components.push(component);
  }
  const metadata = isObject(bom['metadata']) ? bom['metadata'] : {};
  const subject = isObject(metadata['component']) ? text(metadata['component']['name']) : undefined;
  return {
    format: 'cyclonedx',
    specVersion,
    ...(subject === undefined ? {} : { name: subject }),
    ...(os === undefined ? {} : { os }),
    components,
    problems,
  };
}

/** Palisade's SPDX sourceInfo: "found in <file>; layer <digest>[; created by: …]". */
function spdxSourceInfo(value: string | undefined): Properties {
  const match = /^found in (.*?); layer ([^;\s]+)/.exec(value ?? '');
  return match === null
    ? {}
    : { 'palisade:package:file': match[1] ?? '', 'palisade:layer:digest': match[2] ?? '' };
}

function readSpdx(document: Json, source: string): SbomReadResult {
  const specVersion = text(document['spdxVersion']) ?? '';
  if (specVersion !== 'SPDX-2.3')
    throw new PalisadeError(
      'sbom-unsupported',
      `${source}: ${specVersion || 'this SPDX version'} is not supported; SPDX-2.3 JSON is`,
    );
  const packages = list(document['packages']).filter(isObject);
  const osPackage = packages.find((p) => p['primaryPackagePurpose'] === 'OPERATING-SYSTEM');
  const os =
    osPackage === undefined
      ? undefined
      : osRelease(
          (text(osPackage['name']) ?? '').toLowerCase(),
          text(osPackage['versionInfo']) ?? '',
        );
  const components: Component[] = [];
  const problems: string[] = [];
  for (const entry of packages) {
    const purpose = entry['primaryPackagePurpose'];
    if (purpose === 'OPERATING-SYSTEM' || purpose === 'CONTAINER') continue;
    const label = `${text(entry['name']) ?? '?'}@${text(entry['versionInfo']) ?? '?'}`;
    // SPDX 2.3 annex F: a purl is an externalRef of type "purl", category PACKAGE-MANAGER
    // (PACKAGE_MANAGER in some writers).
    const purl = list(entry['externalRefs'])
      .filter(isObject)
      .find((r) => r['referenceType'] === 'purl');
    const locator = purl === undefined ? undefined : text(purl['referenceLocator']);
    if (locator === undefined) {
      problems.push(`${label}: no purl`);
      continue;
    }
    const component = componentOfPurl(
      locator,
      spdxSourceInfo(text(entry['sourceInfo'])),
      os,
      source,
    );
    if (component === undefined) problems.push(`${label}: ${locator} cannot be matched`);
    else components.push(component);
  }
  const name = text(document['name']);
  return {
    format: 'spdx',
    specVersion,
    ...(name === undefined ? {} : { name }),
    ...(os === undefined ? {} : { os }),
    components,
    problems,
  };
}

/** Reads a CycloneDX or SPDX JSON SBOM; `source` names it in errors. */
export function readSbom(content: string, source: string): SbomReadResult {
  let document: unknown;
  try {
    document = JSON.parse(content);
  } catch (error) {
    throw new PalisadeError('sbom-invalid', `${source}: not JSON (${String(error)})`, {
      cause: error,
    });
  }
  if (isObject(document) && document['bomFormat'] === 'CycloneDX')
    return readCycloneDx(document, source);
  if (isObject(document) && typeof document['spdxVersion'] === 'string')
    return readSpdx(document, source);
  throw new PalisadeError(
    'sbom-invalid',
    `${source}: neither a CycloneDX (bomFormat) nor an SPDX (spdxVersion) JSON document`,
  );
}

export interface ScanSbomOptions {
  /** The vulnerability database; without one, components are listed and nothing is matched. */
  readonly vulnDb?: AdvisorySource & { status?(): VulnDbStatus };
  readonly ignore?: readonly VulnerabilityIgnoreRule[];
  readonly now?: () => Date;
}

/**
 * A scan of an SBOM instead of an image: its components matched as scanImage matches an
 * image's (one prefetch, alias merge, ignore rules). Entries that could not be read become
 * findings, so a partial SBOM still gives a partial result.
 */
export async function scanSbom(
  sbom: SbomReadResult,
  source: string,
  options: ScanSbomOptions = {},
): Promise<ImageScan> {
  const now = (options.now ?? (() => new Date()))();
  const matched = await matchScanComponents(sbom.components, options, now);
  return {
    image: sbom.name ?? source,
    ...(sbom.os === undefined ? {} : { os: sbom.os }),
    components: sbom.components,
    vulnerabilities: matched.vulnerabilities,
    findings: sbom.problems.map((message) => ({
      analyzer: `sbom-${sbom.format}`,
      code: 'sbom-entry-skipped',
      file: source,
      message,
    })),
    scannedAt: now.toISOString(),
    vulnerabilityDb: matched.vulnerabilityDb,
    ignored: matched.ignored,
    expiredIgnores: matched.expiredIgnores,
  };
}
