// Packagist (Composer) version ordering: PHP's version_compare (php-src
// ext/standard/versioning.c) with a leading "v" dropped as Composer does. The version is
// canonicalised ('-', '_', '+' and other separators become '.', a '.' goes between digit and
// non-digit runs) and compared part by part: numbers numerically, special forms
// dev < alpha = a < beta = b < RC = rc < # (a number) < pl = p, anything else lowest. A literal
// "#" part is kept and ranks as a number, as osv-scanner's Packagist comparator does.

import type { VersionComparator } from './types.ts';
import { compareDigits } from './types.ts';

function canonicalize(version: string): string[] {
  const text = version.trim().replace(/^v/i, '');
  if (text === '') return [];
  let out = text[0] ?? '';
  const isDigit = (c: string): boolean => c >= '0' && c <= '9';
  for (let i = 1; i < text.length; i++) {
    const c = text[i] ?? '';
    const previous = text[i - 1] ?? '';
    if (c === '-' || c === '_' || c === '+') {
      if (!out.endsWith('.')) out += '.';
    } else if (
      (previous !== '.' && !isDigit(previous) && isDigit(c)) ||
      (isDigit(previous) && c !== '.' && !isDigit(c))
    ) {
      if (!out.endsWith('.')) out += '.';
      out += c;
    } else if (!/[A-Za-z0-9#]/.test(c)) {
      if (!out.endsWith('.')) out += '.';
    } else {
      out += c;
    }
  }
  return out.split('.').filter((p) => p !== '');
}

// php-src versioning.c compare_special_version_forms: the first name the part starts with.
const specialForms: readonly (readonly [string, number])[] = [
  ['dev', 0],
  ['alpha', 1],
  ['a', 1],
  ['beta', 2],
  ['b', 2],
  ['RC', 3],
  ['rc', 3],
  ['#', 4],
  ['pl', 5],
  ['p', 5],
];

function specialOrder(part: string): number {
  return specialForms.find(([name]) => part.startsWith(name))?.[1] ?? -6;
}

const isNumber = (part: string): boolean => /^\d/.test(part);

function compareParts(a: readonly string[], b: readonly string[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a[i] ?? '';
    const y = b[i] ?? '';
    let c: number;
    if (isNumber(x) && isNumber(y))
      c = compareDigits(x.replace(/\D.*$/, ''), y.replace(/\D.*$/, ''));
    else if (!isNumber(x) && !isNumber(y)) c = Math.sign(specialOrder(x) - specialOrder(y));
    else if (isNumber(x)) c = Math.sign(specialOrder('#') - specialOrder(y));
    else c = Math.sign(specialOrder(x) - specialOrder('#'));
    if (c !== 0) return c;
  }
  if (a.length > n) {
    const x = a[n] ?? '';
    return isNumber(x) ? 1 : compareParts(a.slice(n), ['#']);
  }
  if (b.length > n) {
    const y = b[n] ?? '';
    return isNumber(y) ? -1 : compareParts(['#'], b.slice(n));
  }
  return 0;
}

export function comparePackagistVersions(a: string, b: string): number {
  return compareParts(canonicalize(a), canonicalize(b));
}

export const packagistComparator: VersionComparator = {
  id: 'packagist',
  ecosystems: ['Packagist'],
  compare: comparePackagistVersions,
};
