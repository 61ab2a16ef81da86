// How the per-package index keeps advisories for matching (issue 5 "Performance"): text that a
// scan parses only as far as it must. A cold scan loads tens of thousands of advisories;
// reading and parsing them was the largest part of it, and much of what it parsed was other
// releases' affected entries and the display fields of advisories that do not match.
//
// An index row (one per base ecosystem and package key) holds two texts:
// - `entries`: one line per exact ecosystem and package name that the row's advisories name,
//   "<ecosystem>\t<name>\t<JSON array of candidates>", so "Debian:12" and "Debian:11" entries
//   are on separate lines and a scan parses only the lines whose ecosystem covers its
//   component's (match.ts ecosystemMatches). A candidate is [id, AffectedRanges, …]: the
//   advisory's affected entries for that ecosystem and name, without either.
//   Lines that migration 0008 wrote for records imported before it have an empty ecosystem and
//   name, and whole StoredAffected entries, which are filtered here as they are read; they
//   last until the record is imported again.
// - `details`: a JSON array of AdvisoryDetails (the advisories without their affected
//   entries) in id order, parsed when the first advisory of the row matches.
// Ecosystems and names cannot contain tabs or line breaks (osv.ts refuses such records), and
// JSON text has none outside strings, so the separators are unambiguous.

import { PalisadeError } from '../model/index.ts';
import { ecosystemMatches, packageKey } from './match.ts';
import type { AdvisoryCandidate } from './match.ts';
import type { AdvisoryDetails, AffectedRanges, StoredAdvisory, StoredAffected } from './osv.ts';
import { ecosystemBase } from './version/all.ts';

/** What one advisory adds to the index: its details, and a candidate per package it names. */
export interface IndexedAdvisory {
  /** Its element of a row's `details` array, as JSON. */
  readonly details: string;
  readonly packages: readonly IndexedCandidate[];
}

export interface IndexedCandidate {
  /** The row it belongs to (store.ts advisoryKeyOf): base ecosystem and package key. */
  readonly ecosystem: string;
  readonly name: string;
  /** The line it belongs to: the ecosystem and name exactly as the record gives them. */
  readonly exactEcosystem: string;
  readonly exactName: string;
  /** Its element of that line's array, as JSON. */
  readonly candidate: string;
}

/** An index row as the store returns it. */
export interface IndexedRow {
  readonly entries: string;
  readonly details: string;
}

/** The advisory without its affected entries. */
export function advisoryDetails(advisory: StoredAdvisory): AdvisoryDetails {
  return {
    id: advisory.id,
    aliases: advisory.aliases,
    summary: advisory.summary,
    ...(advisory.published === undefined ? {} : { published: advisory.published }),
    modified: advisory.modified,
    severity: advisory.severity,
    ...(advisory.cvss === undefined ? {} : { cvss: advisory.cvss }),
    references: advisory.references,
  };
}

function rangesOf(entry: StoredAffected): AffectedRanges {
  return {
    ranges: entry.ranges,
    versions: entry.versions,
    ...(entry.severity === undefined ? {} : { severity: entry.severity }),
    ...(entry.status === undefined ? {} : { status: entry.status }),
  };
}

/** The index text of one advisory: its details, and a candidate per exact package it names. */
export function indexAdvisory(advisory: StoredAdvisory): IndexedAdvisory {
  const byExact = new Map<string, { entry: StoredAffected; ranges: AffectedRanges[] }>();
  for (const entry of advisory.affected) {
    const text = `${entry.ecosystem}\t${entry.name}`;
    const known = byExact.get(text);
    if (known === undefined) byExact.set(text, { entry, ranges: [rangesOf(entry)] });
    else known.ranges.push(rangesOf(entry));
  }
  return {
    details: JSON.stringify(advisoryDetails(advisory)),
    packages: [...byExact.values()].map(({ entry, ranges }) => {
      const base = ecosystemBase(entry.ecosystem);
      return {
        ecosystem: base,
        name: packageKey(base, entry.name),
        exactEcosystem: entry.ecosystem,
        exactName: entry.name,
        candidate: JSON.stringify([advisory.id, ...ranges]),
      };
    }),
  };
}

function corrupt(where: string, error: unknown): PalisadeError {
  return new PalisadeError(
    'vulndb-corrupt',
    `the vulnerability database's index row for ${where} is damaged (${
      error instanceof Error ? error.message : String(error)
    }); import the database again ("palisade vulndb import" or "palisade vulndb update")`,
    { status: 500 },
  );
}

function parseList(text: string, where: string): unknown[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw corrupt(where, error);
  }
  if (!Array.isArray(value)) throw corrupt(where, new Error('not a list'));
  return value;
}

/** The details of an index row, parsed once for all its candidates when first asked for. */
class RowDetails {
  private byId: Map<string, AdvisoryDetails> | undefined;

  constructor(
    private readonly text: string,
    private readonly where: string,
  ) {}

  of(id: string): AdvisoryDetails {
    this.byId ??= new Map(
      (parseList(this.text, this.where) as AdvisoryDetails[]).map((d) => [d.id, d]),
    );
    const details = this.byId.get(id);
    if (details === undefined) throw corrupt(this.where, new Error(`no details for ${id}`));
    return details;
  }
}

class RowCandidate implements AdvisoryCandidate {
  constructor(
    readonly id: string,
    readonly affected: AffectedRanges[],
    private readonly row: RowDetails,
  ) {}

  details(): AdvisoryDetails {
    return this.row.of(this.id);
  }
}

/** Whether a whole affected entry is for the row's package, in an ecosystem covering `ecosystem`. */
function covers(entry: StoredAffected, key: RowKey, ecosystem: string): boolean {
  return (
    packageKey(entry.ecosystem, entry.name) === key.name &&
    ecosystemMatches(ecosystem, entry.ecosystem)
  );
}

/** The row a package is found in: its base ecosystem and key (store.ts advisoryKeyOf). */
export interface RowKey {
  readonly ecosystem: string;
  readonly name: string;
}

/**
 * The advisories of an index row with entries for a component in `ecosystem` ("Debian:12"),
 * each with just those entries; the row's details are parsed when one is first asked for.
 */
export function decodeIndexedRow(
  row: IndexedRow,
  key: RowKey,
  ecosystem: string,
): AdvisoryCandidate[] {
  const where = `${key.ecosystem} ${key.name}`;
  const details = new RowDetails(row.details, where);
  const out: RowCandidate[] = [];
  let byId: Map<string, RowCandidate> | undefined;
  let legacySeen = false;
  for (const line of row.entries.split('\n')) {
    const first = line.indexOf('\t');
    const second = first < 0 ? -1 : line.indexOf('\t', first + 1);
    if (second < 0) throw corrupt(where, new Error('an entries line without its fields'));
    const lineEcosystem = line.slice(0, first);
    // Migration 0008's lines: whole entries, for any ecosystem and name of the record.
    const legacy = lineEcosystem === '';
    if (!legacy && !ecosystemMatches(ecosystem, lineEcosystem)) continue;
    legacySeen ||= legacy;
    const candidates = parseList(line.slice(second + 1), where) as [
      string,
      ...(AffectedRanges | StoredAffected)[],
    ][];
    // Most rows have one line that applies; an advisory on two of them is merged.
    const merge = out.length > 0;
    if (merge) byId ??= new Map(out.map((c) => [c.id, c]));
    for (const candidate of candidates) {
      const id = candidate[0];
      let known = merge ? byId?.get(id) : undefined;
      if (known === undefined) {
        known = new RowCandidate(id, [], details);
        out.push(known);
        byId?.set(id, known);
      }
      for (let at = 1; at < candidate.length; at++) {
        const entry = candidate[at] as StoredAffected;
        if (legacy && !covers(entry, key, ecosystem)) continue;
        known.affected.push(entry);
      }
    }
  }
  // Only a legacy line can leave a candidate without entries.
  return legacySeen ? out.filter((candidate) => candidate.affected.length > 0) : out;
}

/**
 * Over an advisory in memory: the candidate of its entries for a package key in an ecosystem,
 * or undefined when it has none.
 */
export function candidateOf(
  advisory: StoredAdvisory,
  key: RowKey,
  ecosystem: string,
): AdvisoryCandidate | undefined {
  const affected = advisory.affected.filter((entry) => covers(entry, key, ecosystem));
  return affected.length === 0 ? undefined : { id: advisory.id, affected, details: () => advisory };
}
