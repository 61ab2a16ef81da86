// RPM version ordering: [epoch:]version-release, epochs numeric, version and release with
// rpmvercmp (rpm lib/rpmvercmp.c): alphanumeric segments compared pairwise, numbers
// numerically and above letters, '~' before everything (even the end, for pre-releases),
// '^' after the end but before anything else (for post-release snapshots).

import type { VersionComparator } from './types.ts';
import { compareDigits } from './types.ts';

export interface RpmVersion {
  readonly epoch: string;
  readonly version: string;
  /** Absent without a '-'; "1-" has an empty release, which rpm sorts above none. */
  readonly release: string | undefined;
}

export function parseRpmVersion(text: string): RpmVersion {
  const trimmed = text.trim();
  const colon = trimmed.indexOf(':');
  const hasEpoch = colon > 0 && /^\d+$/.test(trimmed.slice(0, colon));
  const rest = hasEpoch ? trimmed.slice(colon + 1) : trimmed;
  const hyphen = rest.lastIndexOf('-');
  return {
    epoch: hasEpoch ? trimmed.slice(0, colon) : '0',
    version: hyphen < 0 ? rest : rest.slice(0, hyphen),
    release: hyphen < 0 ? undefined : rest.slice(hyphen + 1),
  };
}

const isAlnum = (c: string | undefined): boolean => c !== undefined && /[A-Za-z0-9]/.test(c);
const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';
const isAlpha = (c: string | undefined): boolean => c !== undefined && /[A-Za-z]/.test(c);

export function rpmvercmp(a: string, b: string): number {
  if (a === b) return 0;
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    while (i < a.length && !isAlnum(a[i]) && a[i] !== '~' && a[i] !== '^') i++;
    while (j < b.length && !isAlnum(b[j]) && b[j] !== '~' && b[j] !== '^') j++;
    if (a[i] === '~' || b[j] === '~') {
      if (a[i] !== '~') return 1;
      if (b[j] !== '~') return -1;
      i++;
      j++;
      continue;
    }
    if (a[i] === '^' || b[j] === '^') {
      if (i >= a.length) return -1;
      if (j >= b.length) return 1;
      if (a[i] !== '^') return 1;
      if (b[j] !== '^') return -1;
      i++;
      j++;
      continue;
    }
    if (i >= a.length || j >= b.length) break;
    const numeric = isDigit(a[i]);
    const matches = numeric ? isDigit : isAlpha;
    const startA = i;
    const startB = j;
    while (matches(a[i])) i++;
    while (matches(b[j])) j++;
    const segA = a.slice(startA, i);
    const segB = b.slice(startB, j);
    // A numeric segment is newer than an alphabetic one.
    if (segB === '') return numeric ? 1 : -1;
    const rc = numeric ? compareDigits(segA, segB) : segA < segB ? -1 : segA > segB ? 1 : 0;
    if (rc !== 0) return rc < 0 ? -1 : 1;
  }
  if (i >= a.length && j >= b.length) return 0;
  return i >= a.length ? -1 : 1;
}

export function compareRpmVersions(a: string, b: string): number {
  const x = parseRpmVersion(a);
  const y = parseRpmVersion(b);
  const head = compareDigits(x.epoch, y.epoch) || rpmvercmp(x.version, y.version);
  if (head !== 0) return head;
  // rpm lib/rpmver.c rpmverCmp: releases compare only when both have one.
  if (x.release !== undefined && y.release !== undefined) return rpmvercmp(x.release, y.release);
  if (x.release === undefined && y.release === undefined) return 0;
  return x.release === undefined ? -1 : 1;
}

export const rpmComparator: VersionComparator = {
  id: 'rpm',
  ecosystems: [
    'Red Hat',
    'Rocky Linux',
    'AlmaLinux',
    'openSUSE',
    'SUSE',
    'Mageia',
    'openEuler',
    'Azure Linux',
    'Photon OS',
  ],
  compare: compareRpmVersions,
};
