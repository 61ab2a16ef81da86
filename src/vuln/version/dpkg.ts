// Debian version ordering, deb-version(7): [epoch:]upstream[-revision]; epochs compare as
// numbers, then upstream and revision with dpkg's verrevcmp — alternating non-digit runs
// (letters before non-letters, '~' before everything, even the end) and digit runs (numeric).

import type { VersionComparator } from './types.ts';
import { compareDigits } from './types.ts';

interface DebianVersion {
  readonly epoch: string;
  readonly upstream: string;
  readonly revision: string;
}

export function parseDebianVersion(version: string): DebianVersion {
  const text = version.trim();
  const colon = text.indexOf(':');
  const hasEpoch = colon > 0 && /^\d+$/.test(text.slice(0, colon));
  const epoch = hasEpoch ? text.slice(0, colon) : '0';
  const rest = hasEpoch ? text.slice(colon + 1) : text;
  const hyphen = rest.lastIndexOf('-');
  return hyphen < 0
    ? { epoch, upstream: rest, revision: '' }
    : { epoch, upstream: rest.slice(0, hyphen), revision: rest.slice(hyphen + 1) };
}

/** dpkg lib/dpkg/version.c order(): '~' sorts first, then the end, then letters, then others. */
function order(char: string | undefined): number {
  if (char === undefined) return 0;
  const code = char.charCodeAt(0);
  if (code === 126) return -1; // '~'
  if ((code >= 65 && code <= 90) || (code >= 97 && code <= 122)) return code; // A-Z, a-z
  return code + 256;
}

function isDigit(char: string | undefined): boolean {
  return char !== undefined && char >= '0' && char <= '9';
}

/** Compares upstream versions or revisions as dpkg's verrevcmp does. */
export function compareDebianPart(a: string, b: string): number {
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    while ((i < a.length && !isDigit(a[i])) || (j < b.length && !isDigit(b[j]))) {
      const ac = i < a.length && !isDigit(a[i]) ? order(a[i]) : 0;
      const bc = j < b.length && !isDigit(b[j]) ? order(b[j]) : 0;
      if (ac !== bc) return ac - bc;
      if (i < a.length && !isDigit(a[i])) i++;
      if (j < b.length && !isDigit(b[j])) j++;
    }
    const startA = i;
    while (isDigit(a[i])) i++;
    const startB = j;
    while (isDigit(b[j])) j++;
    const diff = compareDigits(a.slice(startA, i), b.slice(startB, j));
    if (diff !== 0) return diff;
  }
  return 0;
}

export function compareDebianVersions(a: string, b: string): number {
  const x = parseDebianVersion(a);
  const y = parseDebianVersion(b);
  return (
    compareDigits(x.epoch, y.epoch) ||
    compareDebianPart(x.upstream, y.upstream) ||
    compareDebianPart(x.revision, y.revision)
  );
}

export const dpkgComparator: VersionComparator = {
  id: 'dpkg',
  ecosystems: ['Debian', 'Ubuntu'],
  compare: compareDebianVersions,
};
