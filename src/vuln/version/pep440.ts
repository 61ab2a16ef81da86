// Python version ordering, PEP 440 ("Version scheme" and "Summary of permitted suffixes and
// relative ordering"), as pypa/packaging implements it: epoch, release (trailing zeros
// ignored), pre (a < b < rc), post, dev, local. A version that is not PEP 440 compares as a
// packaging 21 LegacyVersion: below every valid version, ordered by its legacy key.

import type { VersionComparator } from './types.ts';
import { compareDigits } from './types.ts';

// packaging/version.py VERSION_PATTERN.
const pattern = new RegExp(
  '^\\s*v?(?:(?:(?<epoch>[0-9]+)!)?(?<release>[0-9]+(?:\\.[0-9]+)*)' +
    '(?<pre>[-_.]?(?<preL>alpha|beta|preview|pre|a|b|c|rc)[-_.]?(?<preN>[0-9]+)?)?' +
    '(?<post>(?:-(?<postN1>[0-9]+))|(?:[-_.]?(?<postL>post|rev|r)[-_.]?(?<postN2>[0-9]+)?))?' +
    '(?<dev>[-_.]?(?<devL>dev)[-_.]?(?<devN>[0-9]+)?)?)' +
    '(?:\\+(?<local>[a-z0-9]+(?:[-_.][a-z0-9]+)*))?\\s*$',
  'i',
);

interface Pep440Version {
  readonly epoch: string;
  readonly release: readonly string[];
  /** [rank, number]: a=0, b=1, rc=2. */
  readonly pre?: readonly [number, string];
  readonly post?: string;
  readonly dev?: string;
  readonly local?: readonly string[];
}

export function parsePep440(text: string): Pep440Version | undefined {
  const groups = pattern.exec(text)?.groups;
  if (groups === undefined) return undefined;
  const release = (groups['release'] ?? '0').split('.');
  while (release.length > 1 && /^0+$/.test(release[release.length - 1] ?? '')) release.pop();
  const preL = groups['preL']?.toLowerCase();
  const postN = groups['postN1'] ?? groups['postN2'];
  const hasPost = groups['post'] !== undefined;
  return {
    epoch: groups['epoch'] ?? '0',
    release,
    ...(preL === undefined
      ? {}
      : {
          pre: [
            preL === 'a' || preL === 'alpha' ? 0 : preL === 'b' || preL === 'beta' ? 1 : 2,
            groups['preN'] ?? '0',
          ] as const,
        }),
    ...(hasPost ? { post: postN ?? '0' } : {}),
    ...(groups['dev'] === undefined ? {} : { dev: groups['devN'] ?? '0' }),
    ...(groups['local'] === undefined
      ? {}
      : { local: groups['local'].toLowerCase().split(/[-_.]/) }),
  };
}

function compareRelease(a: readonly string[], b: readonly string[]): number {
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const c = compareDigits(a[i] ?? '0', b[i] ?? '0');
    if (c !== 0) return c;
  }
  return 0;
}

/** packaging's _cmpkey: infinities spelled out as comparisons. */
function compareValid(x: Pep440Version, y: Pep440Version): number {
  let c = compareDigits(x.epoch, y.epoch) || compareRelease(x.release, y.release);
  if (c !== 0) return c;
  // A dev release without pre or post sorts before every pre-release of the same release.
  const preKey = (v: Pep440Version): readonly [number, string] =>
    v.pre ?? (v.post === undefined && v.dev !== undefined ? [-1, '0'] : [3, '0']);
  const [xr, xn] = preKey(x);
  const [yr, yn] = preKey(y);
  c = xr - yr || compareDigits(xn, yn);
  if (c !== 0) return c;
  c = compareOptional(x.post, y.post, -1);
  if (c !== 0) return c;
  c = compareOptional(x.dev, y.dev, 1);
  if (c !== 0) return c;
  return compareLocal(x.local, y.local);
}

/** Compares optional numbers; `absent` is where a missing one sorts (-1 lowest, 1 highest). */
function compareOptional(a: string | undefined, b: string | undefined, absent: number): number {
  if (a === undefined && b === undefined) return 0;
  if (a === undefined) return absent;
  if (b === undefined) return -absent;
  return compareDigits(a, b);
}

/** Local segments: numbers above strings, numbers numerically; none sorts lowest. */
function compareLocal(a: readonly string[] | undefined, b: readonly string[] | undefined): number {
  if (a === undefined || b === undefined) return a === b ? 0 : a === undefined ? -1 : 1;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a[i] ?? '';
    const y = b[i] ?? '';
    const xn = /^\d+$/.test(x);
    const yn = /^\d+$/.test(y);
    const c = xn && yn ? compareDigits(x, y) : xn ? 1 : yn ? -1 : x < y ? -1 : x > y ? 1 : 0;
    if (c !== 0) return c;
  }
  return a.length - b.length;
}

/** packaging 21 LegacyVersion _legacy_cmpkey parts. */
function legacyKey(text: string): string[] {
  const replacements: Record<string, string> = {
    pre: 'c',
    preview: 'c',
    '-': 'final-',
    rc: 'c',
    dev: '@',
  };
  const parts: string[] = [];
  const tokens = text.toLowerCase().split(/(\d+|[a-z]+|\.|-)/);
  const raw: string[] = [];
  for (const token of tokens) {
    const part = replacements[token] ?? token;
    if (part === '' || part === '.') continue;
    raw.push(/^\d/.test(part) ? part.padStart(8, '0') : `*${part}`);
  }
  raw.push('*final');
  for (const part of raw) {
    if (part.startsWith('*')) {
      if (part < '*final') {
        while (parts.length > 0 && parts[parts.length - 1] === '*final-') parts.pop();
      }
      while (parts.length > 0 && parts[parts.length - 1] === '00000000') parts.pop();
    }
    parts.push(part);
  }
  return parts;
}

function compareStringTuples(a: readonly string[], b: readonly string[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a[i] ?? '';
    const y = b[i] ?? '';
    if (x !== y) return x < y ? -1 : 1;
  }
  return a.length - b.length;
}

export function comparePep440(a: string, b: string): number {
  const x = parsePep440(a);
  const y = parsePep440(b);
  if (x !== undefined && y !== undefined) return compareValid(x, y);
  if (x !== undefined) return 1;
  if (y !== undefined) return -1;
  return compareStringTuples(legacyKey(a), legacyKey(b));
}

export const pep440Comparator: VersionComparator = {
  id: 'pep440',
  ecosystems: ['PyPI'],
  compare: comparePep440,
};
