// The operating system of an image, from os-release(5) (/etc/os-release, /usr/lib/os-release)
// or, in images without it, a distribution's own release file (/etc/alpine-release,
// /etc/debian_version, /etc/redhat-release and its siblings). Also maps a release to its OSV
// ecosystem ("Debian:12", "Alpine:v3.19") for the OS package analysers.

import type { OsFamily, OsRelease } from '../../model/index.ts';
import type { Analyzer, AnalyzerInput, AnalyzerResult, ImageFile } from './types.ts';

const osReleasePaths = ['/etc/os-release', '/usr/lib/os-release'];
const redhatReleasePaths = [
  '/etc/redhat-release',
  '/etc/rocky-release',
  '/etc/almalinux-release',
  '/etc/centos-release',
  '/etc/fedora-release',
];
const releasePaths = new Set([
  ...osReleasePaths,
  '/etc/alpine-release',
  '/etc/debian_version',
  ...redhatReleasePaths,
]);
/** Release files are a few hundred bytes; anything bigger is not one. */
const maxReleaseFileSize = 64 * 1024;

/**
 * Parses os-release(5): KEY=VALUE lines, values optionally in single or double quotes, with
 * backslash escapes of `"`, `\`, `$` and backquote inside double quotes. Lines that are not
 * assignments are ignored, as systemd does.
 */
export function parseOsReleaseFile(text: string): ReadonlyMap<string, string> {
  const values = new Map<string, string>();
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    const match = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (match === null) continue;
    const [, key = '', rawValue = ''] = match;
    values.set(key, unquote(rawValue));
  }
  return values;
}

function unquote(value: string): string {
  if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) {
    return value.slice(1, -1).replace(/\\(["\\$`])/g, '$1');
  }
  if (value.length >= 2 && value.startsWith("'") && value.endsWith("'")) {
    return value.slice(1, -1);
  }
  return value;
}

function familyOf(id: string, idLike: readonly string[]): OsFamily {
  const ids = [id, ...idLike];
  if (ids.some((i) => i === 'alpine' || i === 'wolfi' || i === 'chainguard')) return 'alpine';
  if (ids.some((i) => i === 'debian' || i === 'ubuntu')) return 'debian';
  if (ids.some((i) => ['rhel', 'fedora', 'centos', 'rocky', 'almalinux'].includes(i))) {
    return 'redhat';
  }
  if (ids.some((i) => i === 'suse' || i.startsWith('opensuse') || i === 'sles')) return 'suse';
  return 'unknown';
}

function fromOsRelease(file: ImageFile): OsRelease | undefined {
  const values = parseOsReleaseFile(file.content.toString('utf8'));
  const id = values.get('ID')?.toLowerCase();
  if (id === undefined || id === '') return undefined;
  const idLike = (values.get('ID_LIKE') ?? '').toLowerCase().split(/\s+/).filter(Boolean);
  const versionId = values.get('VERSION_ID') ?? '';
  const codename = values.get('VERSION_CODENAME');
  const base = {
    family: familyOf(id, idLike),
    id,
    versionId,
    prettyName: values.get('PRETTY_NAME') ?? values.get('NAME') ?? id,
    file: file.path,
  };
  return codename === undefined || codename === '' ? base : { ...base, codename };
}

/** "Rocky Linux release 9.3 (Blue Onyx)" and its siblings. */
function fromRedhatRelease(file: ImageFile): OsRelease | undefined {
  const text = file.content.toString('utf8').trim().split('\n')[0] ?? '';
  const match = /^(.*?)\s+release\s+([0-9][0-9.]*)/i.exec(text);
  if (match === null) return undefined;
  const [, name = '', version = ''] = match;
  const lower = name.toLowerCase();
  const id = lower.startsWith('red hat')
    ? 'rhel'
    : lower.startsWith('rocky')
      ? 'rocky'
      : lower.startsWith('almalinux')
        ? 'almalinux'
        : lower.startsWith('centos')
          ? 'centos'
          : lower.startsWith('fedora')
            ? 'fedora'
            : (lower.split(/\s+/)[0] ?? 'unknown');
  return { family: 'redhat', id, versionId: version, prettyName: text, file: file.path };
}

/** Detects the OS of a flattened image, or undefined when it has no release file. */
export function detectOsRelease(files: ReadonlyMap<string, ImageFile>): OsRelease | undefined {
  for (const path of osReleasePaths) {
    const file = files.get(path);
    const release = file === undefined ? undefined : fromOsRelease(file);
    if (release !== undefined) return release;
  }
  const alpine = files.get('/etc/alpine-release');
  if (alpine !== undefined) {
    const version = alpine.content.toString('utf8').trim();
    return {
      family: 'alpine',
      id: 'alpine',
      versionId: version,
      prettyName: `Alpine Linux v${version}`,
      file: alpine.path,
    };
  }
  for (const path of redhatReleasePaths) {
    const file = files.get(path);
    const release = file === undefined ? undefined : fromRedhatRelease(file);
    if (release !== undefined) return release;
  }
  const debian = files.get('/etc/debian_version');
  if (debian !== undefined) {
    const text = debian.content.toString('utf8').trim();
    // "12.5" on a stable release, "trixie/sid" on testing.
    const version = /^\d+/.test(text) ? (text.split('.')[0] ?? '') : '';
    return {
      family: 'debian',
      id: 'debian',
      versionId: version,
      prettyName: `Debian GNU/Linux ${text}`,
      file: debian.path,
    };
  }
  return undefined;
}

/**
 * The OSV ecosystem of a distribution's packages (ossf.github.io/osv-schema "ecosystems"):
 * Debian and Ubuntu carry the release ("Debian:12", "Ubuntu:22.04"), Alpine "v<major>.<minor>",
 * the Enterprise Linux rebuilds their major release. Red Hat's own suffix is a CPE-like stream
 * ("Red Hat:enterprise_linux:9::appstream"); we give the prefix and the matcher compares it.
 */
export function distroEcosystem(os: OsRelease | undefined, fallback: string): string {
  if (os === undefined) return fallback;
  const major = os.versionId.split('.')[0] ?? '';
  const majorMinor = os.versionId.split('.').slice(0, 2).join('.');
  switch (os.id) {
    case 'debian':
      return major === '' ? 'Debian' : `Debian:${major}`;
    case 'ubuntu':
      return os.versionId === '' ? 'Ubuntu' : `Ubuntu:${os.versionId}`;
    case 'alpine':
      return majorMinor === '' ? 'Alpine' : `Alpine:v${majorMinor}`;
    case 'wolfi':
      return 'Wolfi';
    case 'chainguard':
      return 'Chainguard';
    case 'rocky':
      return major === '' ? 'Rocky Linux' : `Rocky Linux:${major}`;
    case 'almalinux':
      return major === '' ? 'AlmaLinux' : `AlmaLinux:${major}`;
    case 'rhel':
    case 'centos':
      return major === '' ? 'Red Hat' : `Red Hat:enterprise_linux:${major}`;
    case 'opensuse-leap':
      return os.versionId === '' ? 'openSUSE' : `openSUSE:Leap ${os.versionId}`;
    case 'sles':
      return 'SUSE';
    default:
      return fallback;
  }
}

/** The purl `distro` qualifier: "debian-12", "alpine-3.19.1". */
export function distroQualifier(os: OsRelease | undefined): string | undefined {
  if (os === undefined) return undefined;
  return os.versionId === '' ? os.id : `${os.id}-${os.versionId}`;
}

export const osReleaseAnalyzer: Analyzer = {
  id: 'os-release',
  early: 'context',
  files: { paths: [...releasePaths] },
  wants: (path, info) => releasePaths.has(path) && info.size <= maxReleaseFileSize,
  analyze(input: AnalyzerInput): AnalyzerResult {
    const os = detectOsRelease(input.files);
    return os === undefined
      ? { components: [], findings: [] }
      : { os, components: [], findings: [] };
  },
};
