// Maven version ordering: org.apache.maven.artifact.versioning.ComparableVersion as of Maven
// 3.8.6 (the version the OSV fixtures were sorted with). Items are numbers, qualifiers and
// sub-lists (opened by '-' and by digit/letter transitions); qualifiers order
// alpha < beta < milestone < rc = cr < snapshot < "" = ga = final = release < sp < others
// (lexically); trailing null items (0, "", empty lists) are dropped before comparing.

import type { VersionComparator } from './types.ts';
import { compareDigits } from './types.ts';

type Item =
  | { readonly kind: 'int'; readonly value: string }
  | { readonly kind: 'string'; readonly value: string }
  | { readonly kind: 'list'; readonly items: Item[] };

const qualifiers = ['alpha', 'beta', 'milestone', 'rc', 'snapshot', '', 'sp'];
const aliases: Readonly<Record<string, string>> = { ga: '', final: '', release: '', cr: 'rc' };
const releaseIndex = String(qualifiers.indexOf(''));

function stringItem(text: string, followedByDigit: boolean): Item {
  let value = text;
  if (followedByDigit && value.length === 1) {
    // "1a1" = "1-alpha-1": a single letter before a digit abbreviates a qualifier.
    value = value === 'a' ? 'alpha' : value === 'b' ? 'beta' : value === 'm' ? 'milestone' : value;
  }
  return { kind: 'string', value: aliases[value] ?? value };
}

function parseItem(isDigit: boolean, text: string): Item {
  return isDigit ? { kind: 'int', value: text.replace(/^0+/, '') || '0' } : stringItem(text, false);
}

function comparableQualifier(value: string): string {
  const index = qualifiers.indexOf(value);
  return index < 0 ? `${qualifiers.length}-${value}` : String(index);
}

function isNull(item: Item): boolean {
  switch (item.kind) {
    case 'int':
      return item.value === '0';
    case 'string':
      return comparableQualifier(item.value) === releaseIndex;
    case 'list':
      return item.items.length === 0;
  }
}

function normalize(list: Item[]): void {
  for (let i = list.length - 1; i >= 0; i--) {
    const item = list[i];
    if (item === undefined) continue;
    if (isNull(item)) list.splice(i, 1);
    else if (item.kind !== 'list') break;
  }
}

export function parseMavenVersion(version: string): Item {
  const text = version.toLowerCase();
  const root: Item[] = [];
  let list = root;
  const stack: Item[][] = [root];
  let isDigit = false;
  let start = 0;
  const openList = (): void => {
    const next: Item[] = [];
    list.push({ kind: 'list', items: next });
    list = next;
    stack.push(next);
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i] ?? '';
    if (c === '.') {
      list.push(
        i === start ? { kind: 'int', value: '0' } : parseItem(isDigit, text.slice(start, i)),
      );
      start = i + 1;
    } else if (c === '-') {
      list.push(
        i === start ? { kind: 'int', value: '0' } : parseItem(isDigit, text.slice(start, i)),
      );
      start = i + 1;
      openList();
    } else if (c >= '0' && c <= '9') {
      if (!isDigit && i > start) {
        list.push(stringItem(text.slice(start, i), true));
        start = i;
        openList();
      }
      isDigit = true;
    } else {
      if (isDigit && i > start) {
        list.push(parseItem(true, text.slice(start, i)));
        start = i;
        openList();
      }
      isDigit = false;
    }
  }
  if (text.length > start) list.push(parseItem(isDigit, text.slice(start)));
  while (stack.length > 0) normalize(stack.pop() ?? []);
  return { kind: 'list', items: root };
}

function compareItems(a: Item, b: Item | undefined): number {
  switch (a.kind) {
    case 'int':
      if (b === undefined) return a.value === '0' ? 0 : 1;
      return b.kind === 'int' ? compareDigits(a.value, b.value) : 1;
    case 'string': {
      if (b === undefined) return compareStrings(comparableQualifier(a.value), releaseIndex);
      if (b.kind === 'int' || b.kind === 'list') return -1;
      return compareStrings(comparableQualifier(a.value), comparableQualifier(b.value));
    }
    case 'list': {
      if (b === undefined) {
        const first = a.items[0];
        return first === undefined ? 0 : compareItems(first, undefined);
      }
      if (b.kind === 'int') return -1;
      if (b.kind === 'string') return 1;
      const n = Math.max(a.items.length, b.items.length);
      for (let i = 0; i < n; i++) {
        const l = a.items[i];
        const r = b.items[i];
        const result =
          l === undefined ? (r === undefined ? 0 : -compareItems(r, l)) : compareItems(l, r);
        if (result !== 0) return result;
      }
      return 0;
    }
  }
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function compareMavenVersions(a: string, b: string): number {
  return compareItems(parseMavenVersion(a.trim()), parseMavenVersion(b.trim()));
}

export const mavenComparator: VersionComparator = {
  id: 'maven',
  ecosystems: ['Maven'],
  compare: compareMavenVersions,
};
