// Semantic Versioning 2.0.0 ordering (semver.org §11) for npm, crates.io, Go, Hex, Pub and
// OSV SEMVER ranges. Lenient where the feeds are: a leading "v" (Go), missing minor/patch,
// numbers of any size, extra numeric components after the third (treated as build data,
// as osv-scanner does). Go pseudo-versions (v0.0.0-20210101000000-abcdef) are prereleases and
// order correctly as such; "+incompatible" is build metadata and ignored.

import type { VersionComparator } from './types.ts';
import { compareDigits } from './types.ts';

export interface SemanticVersion {
  readonly core: readonly [string, string, string];
  readonly prerelease: readonly string[];
}

export function parseSemver(text: string): SemanticVersion {
  let rest = text.trim().replace(/^v/i, '');
  const plus = rest.indexOf('+');
  if (plus >= 0) rest = rest.slice(0, plus);
  const core: [string, string, string] = ['0', '0', '0'];
  let i = 0;
  for (let part = 0; part < 3; part++) {
    const match = /^\d+/.exec(rest.slice(i));
    if (match === null) break;
    core[part] = match[0];
    i += match[0].length;
    if (part < 2 && rest[i] === '.' && /\d/.test(rest[i + 1] ?? '')) i++;
    else break;
  }
  // Anything numeric after the third component is build data ("1.1.3.4.5" = "1.1.3").
  while (rest[i] === '.' && /\d/.test(rest[i + 1] ?? '')) {
    i++;
    while (/\d/.test(rest[i] ?? '')) i++;
  }
  const tail = rest.slice(i);
  const prerelease = tail.startsWith('-') ? tail.slice(1).split('.') : tail === '' ? [] : [tail];
  return { core, prerelease };
}

function compareIdentifiers(a: string, b: string): number {
  const an = /^\d+$/.test(a);
  const bn = /^\d+$/.test(b);
  if (an && bn) return compareDigits(a, b);
  if (an) return -1;
  if (bn) return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Parsed versions by text: matching compares one installed version with every event of every
 * advisory of its package. Bounded; cleared when full.
 */
const parsed = new Map<string, SemanticVersion>();
const parsedLimit = 8192;

function parseSemverCached(text: string): SemanticVersion {
  let version = parsed.get(text);
  if (version === undefined) {
    if (parsed.size >= parsedLimit) parsed.clear();
    version = parseSemver(text);
    parsed.set(text, version);
  }
  return version;
}

export function compareSemver(a: string, b: string): number {
  const x = parseSemverCached(a);
  const y = parseSemverCached(b);
  for (let k = 0; k < 3; k++) {
    const c = compareDigits(x.core[k] ?? '0', y.core[k] ?? '0');
    if (c !== 0) return c;
  }
  if (x.prerelease.length === 0 || y.prerelease.length === 0) {
    return y.prerelease.length - x.prerelease.length;
  }
  const n = Math.min(x.prerelease.length, y.prerelease.length);
  for (let k = 0; k < n; k++) {
    const c = compareIdentifiers(x.prerelease[k] ?? '', y.prerelease[k] ?? '');
    if (c !== 0) return c;
  }
  return x.prerelease.length - y.prerelease.length;
}

export const semverComparator: VersionComparator = {
  id: 'semver',
  ecosystems: [
    'npm',
    'crates.io',
    'Go',
    'Hex',
    'Pub',
    'SwiftURL',
    'Bitnami',
    'GitHub Actions',
    'Kubernetes',
  ],
  compare: compareSemver,
};
