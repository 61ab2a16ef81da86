// Whether a version falls in an OSV affected entry: its `versions` list, or one of its
// ECOSYSTEM / SEMVER ranges, evaluated as the OSV schema's "Evaluation" section describes —
// events sorted by version, `introduced` opens, `fixed` (exclusive) and `last_affected`
// (inclusive) close, `limit` bounds the whole range. GIT ranges are never evaluated here.

import type { AffectedRanges, StoredEvent, StoredRange } from './osv.ts';
import { compareSemver } from './version/semver.ts';

export type Compare = (a: string, b: string) => number;

export interface RangeVerdict {
  readonly affected: boolean;
  /** Fixed versions above the installed one in the ranges that matched, lowest first. */
  readonly fixed: readonly string[];
}

function eventVersion(event: StoredEvent): string {
  return event.introduced ?? event.fixed ?? event.last_affected ?? event.limit ?? '';
}

function compareEvents(a: StoredEvent, b: StoredEvent, compare: Compare): number {
  // "0" means "since the beginning" and sorts first whatever the scheme says about it.
  if (a.introduced === '0' || b.introduced === '0')
    return a.introduced === '0' && b.introduced === '0' ? 0 : a.introduced === '0' ? -1 : 1;
  return compare(eventVersion(a), eventVersion(b));
}

function sortEvents(events: readonly StoredEvent[], compare: Compare): readonly StoredEvent[] {
  // Most ranges are stored in order already ("introduced 0, fixed X"): check before copying.
  let sorted = true;
  for (let k = 1; k < events.length && sorted; k++)
    sorted = compareEvents(events[k - 1] as StoredEvent, events[k] as StoredEvent, compare) <= 0;
  return sorted ? events : [...events].sort((a, b) => compareEvents(a, b, compare));
}

export function inRange(version: string, range: StoredRange, ecosystemCompare: Compare): boolean {
  const compare = range.type === 'SEMVER' ? compareSemver : ecosystemCompare;
  let limited = false;
  let belowLimit = false;
  for (const event of range.events) {
    if (event.limit === undefined) continue;
    limited = true;
    if (event.limit === '*' || compare(version, event.limit) < 0) belowLimit = true;
  }
  if (limited && !belowLimit) return false;
  let affected = false;
  for (const event of sortEvents(range.events, compare)) {
    if (event.introduced !== undefined) {
      if (event.introduced === '0' || compare(version, event.introduced) >= 0) affected = true;
    } else if (event.fixed !== undefined) {
      if (compare(version, event.fixed) >= 0) affected = false;
    } else if (event.last_affected !== undefined) {
      if (compare(version, event.last_affected) > 0) affected = false;
    }
  }
  return affected;
}

export function evaluateAffected(
  version: string,
  entry: AffectedRanges,
  compare: Compare | undefined,
): RangeVerdict {
  let affected = entry.versions.includes(version);
  const fixed = new Set<string>();
  for (const range of entry.ranges) {
    if (range.type === 'ECOSYSTEM' && compare === undefined) continue;
    const rangeCompare = range.type === 'SEMVER' ? compareSemver : (compare ?? compareSemver);
    if (!inRange(version, range, rangeCompare)) continue;
    affected = true;
    for (const event of range.events) {
      if (event.fixed !== undefined && rangeCompare(event.fixed, version) > 0)
        fixed.add(event.fixed);
    }
  }
  const order = compare ?? compareSemver;
  return { affected, fixed: [...fixed].sort(order) };
}
