// The vulnerability database, independent of where it is kept: `importOsv` reads OSV exports —
// directories of JSON records, osv.dev's all.zip archives (JSON records, or per-ecosystem zips
// of them) — into an OsvRecordStore, and `openVulnDb` opens one for the matcher. The store is
// PostgreSQL (store/osv-records.ts; PGlite for the CLI, the server for Central), passed in:
// engines never import services. Downloading the exports is update.ts.
//
// A re-import merges: a record replaces the stored one with the same id unless the stored one
// is newer, and a withdrawn record removes it.

import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { PalisadeError, wrapError } from '../model/index.ts';
import { openZip, openZipFile, ZipError } from '../image/index.ts';
import type { ZipArchive } from '../image/index.ts';
import type { AdvisoryCandidate, AdvisoryQuery, AdvisorySource } from './match.ts';
import { packageKey } from './match.ts';
import { candidateOf, decodeIndexedRow } from './advisory-index.ts';
import type { IndexedRow } from './advisory-index.ts';
import { compactOsvRecord, parseOsvRecord } from './osv.ts';
import type { StoredAdvisory } from './osv.ts';
import { ecosystemBase } from './version/all.ts';

/** One OSV record is a few KB; the largest real ones are under 2 MB. */
const maxRecordFileSize = 32 * 1024 * 1024;
/** A per-ecosystem all.zip inside another archive (npm's is a few hundred MB). */
const maxNestedZipSize = 1024 * 1024 * 1024;
/** Advisories per store write: one bulk statement each (store/batch.ts). */
const advisoriesPerWrite = 1000;
const zipLimits = { maxEntrySize: maxNestedZipSize, maxEntries: 5_000_000, maxRatio: 1000 };

export interface EcosystemStatus {
  readonly ecosystem: string;
  readonly records: number;
  readonly importedAt: string;
}

export interface VulnDbStatus {
  /** Where the database is: a PGlite directory, or a PostgreSQL server. */
  readonly dataDir: string;
  readonly ecosystems: readonly EcosystemStatus[];
  readonly records: number;
  readonly lastImport?: string;
}

export interface ImportProblem {
  readonly source: string;
  readonly message: string;
}

export interface ImportReport {
  /** Records stored or replaced by this import. */
  readonly imported: number;
  /** Withdrawn records skipped (and removed from the store if present). */
  readonly withdrawn: number;
  /** Records with no package to match (GIT-only, or no affected entries). */
  readonly skipped: number;
  readonly ecosystems: readonly string[];
  readonly problems: readonly ImportProblem[];
}

export interface ImportOptions {
  readonly now?: () => Date;
}

/** A base ecosystem ("Debian") and a package key in it (match.ts packageKey). */
export interface AdvisoryKey {
  readonly ecosystem: string;
  readonly name: string;
}

/** What `vulndb update` remembers about one ecosystem's download. */
export interface SourceState {
  readonly url: string;
  readonly etag?: string;
  readonly lastModified?: string;
  readonly updatedAt?: string;
  readonly checkedAt: string;
}

export type UpdateSources = Readonly<Record<string, SourceState>>;

/**
 * Where advisories are kept, indexed by base ecosystem and package key. Implemented over
 * PostgreSQL by store/osv-records.ts; the engine only speaks this interface.
 */
export interface OsvRecordStore {
  /** Shown in status and messages: a directory, or a server. */
  readonly location: string;
  /**
   * Stores advisories (ids unique within the call) unless a stored one with the same id was
   * modified later; returns the ids written.
   */
  writeAdvisories(
    advisories: readonly StoredAdvisory[],
    importedAt: string,
  ): Promise<readonly string[]>;
  /** Removes advisories by id; returns how many were stored. */
  removeAdvisories(ids: readonly string[]): Promise<number>;
  /** Recounts these base ecosystems after an import, and every known one when `includeKnown`. */
  recountEcosystems(
    ecosystems: readonly string[],
    importedAt: string,
    includeKnown: boolean,
  ): Promise<void>;
  /** The index row (advisory-index.ts) of each key that has advisories, by `advisoryKeyString`. */
  readAdvisories(keys: readonly AdvisoryKey[]): Promise<ReadonlyMap<string, IndexedRow>>;
  /** What was imported; undefined when nothing ever was. */
  readStatus(): Promise<Omit<VulnDbStatus, 'dataDir'> | undefined>;
  readSources(): Promise<UpdateSources>;
  writeSource(ecosystem: string, state: SourceState): Promise<void>;
}

export interface VulnDb extends AdvisorySource {
  /** Loads the advisories of these packages; lookup answers only for loaded packages. */
  prefetch(packages: readonly AdvisoryQuery[]): Promise<void>;
  release(packages: readonly AdvisoryQuery[]): void;
  status(): VulnDbStatus;
  close(): Promise<void>;
}

/** The key of a package as the store indexes it: base ecosystem and package key. */
export function advisoryKeyOf(ecosystem: string, name: string): AdvisoryKey {
  const base = ecosystemBase(ecosystem);
  return { ecosystem: base, name: packageKey(base, name) };
}

export function advisoryKeyString(key: AdvisoryKey): string {
  return `${key.ecosystem}\u0000${key.name}`;
}

/** Every key an advisory is found under (one per affected package, deduplicated). */
export function advisoryKeys(advisory: StoredAdvisory): AdvisoryKey[] {
  const byString = new Map<string, AdvisoryKey>();
  for (const entry of advisory.affected) {
    const key = advisoryKeyOf(entry.ecosystem, entry.name);
    byString.set(advisoryKeyString(key), key);
  }
  return [...byString.values()];
}

interface RawRecord {
  readonly source: string;
  readonly value: unknown;
}

/** Records of a JSON document: one record, an array of them, or osv-scanner's {"vulns": []}. */
function recordsOfJson(text: string, source: string): RawRecord[] {
  const value: unknown = JSON.parse(text);
  if (Array.isArray(value)) return value.map((v: unknown) => ({ source, value: v }));
  if (
    typeof value === 'object' &&
    value !== null &&
    Array.isArray((value as { vulns?: unknown }).vulns)
  ) {
    return (value as { vulns: unknown[] }).vulns.map((v) => ({ source, value: v }));
  }
  return [{ source, value }];
}

function* recordsOfZip(
  archive: ZipArchive,
  source: string,
  depth: number,
  problems: ImportProblem[],
): Generator<RawRecord> {
  for (const entry of archive.entries) {
    if (entry.name.endsWith('/')) continue;
    const where = `${source}!${entry.name}`;
    try {
      if (entry.name.endsWith('.json')) {
        if (entry.size > maxRecordFileSize)
          throw new ZipError(`${entry.size} bytes is too large for a record`);
        yield* recordsOfJson(archive.read(entry).toString('utf8'), where);
      } else if (entry.name.endsWith('.zip') && depth < 2) {
        yield* recordsOfZip(openZip(archive.read(entry), zipLimits), where, depth + 1, problems);
      }
    } catch (error) {
      problems.push({
        source: where,
        message: error instanceof Error ? error.message : String(error),
      });
    }
  }
}

async function* recordsOfSource(
  source: string,
  problems: ImportProblem[],
): AsyncGenerator<RawRecord> {
  const info = await stat(source);
  if (info.isDirectory()) {
    const entries = await readdir(source, { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const path = join(source, entry.name);
      if (entry.isDirectory() || entry.name.endsWith('.json') || entry.name.endsWith('.zip')) {
        yield* recordsOfSource(path, problems);
      }
    }
    return;
  }
  try {
    if (source.endsWith('.zip')) {
      // Read from the file entry by entry: npm's export is hundreds of MB.
      const archive = openZipFile(source, zipLimits);
      try {
        yield* recordsOfZip(archive, source, 0, problems);
      } finally {
        archive.close();
      }
    } else {
      if (info.size > maxRecordFileSize)
        throw new Error(`${info.size} bytes is too large for a record`);
      yield* recordsOfJson(await readFile(source, 'utf8'), source);
    }
  } catch (error) {
    problems.push({ source, message: error instanceof Error ? error.message : String(error) });
  }
}

/**
 * Imports OSV records from a directory (recursively: *.json records and *.zip archives) or
 * from one .json or .zip file into the store, in bulk writes. Invalid records are reported in
 * `problems`, naming their file, and the rest is imported.
 */
export async function importOsv(
  source: string,
  store: OsvRecordStore,
  options: ImportOptions = {},
): Promise<ImportReport> {
  const problems: ImportProblem[] = [];
  const seenEcosystems = new Set<string>();
  const withdrawnIds = new Set<string>();
  const importedIds = new Set<string>();
  const now = (options.now ?? (() => new Date()))().toISOString();
  let pending = new Map<string, StoredAdvisory>();
  let withdrawn = 0;
  let skipped = 0;
  const flush = async () => {
    if (pending.size === 0) return;
    const batch = [...pending.values()];
    pending = new Map();
    for (const id of await store.writeAdvisories(batch, now)) importedIds.add(id);
  };
  try {
    for await (const raw of recordsOfSource(source, problems)) {
      let advisory: StoredAdvisory;
      try {
        const record = parseOsvRecord(raw.value, raw.source);
        if (record.withdrawn !== undefined) {
          withdrawn++;
          withdrawnIds.add(record.id);
          pending.delete(record.id);
          continue;
        }
        advisory = compactOsvRecord(record);
      } catch (error) {
        problems.push({
          source: raw.source,
          message: error instanceof Error ? error.message : String(error),
        });
        continue;
      }
      if (advisory.affected.length === 0) {
        skipped++;
        continue;
      }
      for (const entry of advisory.affected) seenEcosystems.add(ecosystemBase(entry.ecosystem));
      const existing = pending.get(advisory.id);
      if (existing === undefined || existing.modified <= advisory.modified)
        pending.set(advisory.id, advisory);
      if (pending.size >= advisoriesPerWrite) await flush();
    }
    await flush();
    const removed = withdrawnIds.size > 0 ? await store.removeAdvisories([...withdrawnIds]) : 0;
    for (const id of withdrawnIds) importedIds.delete(id);
    await store.recountEcosystems([...seenEcosystems], now, removed > 0);
    return {
      imported: importedIds.size,
      withdrawn,
      skipped,
      ecosystems: [...seenEcosystems].sort(),
      problems,
    };
  } catch (error) {
    throw wrapError(`importing OSV records from ${source}`, error, 'vulndb-import-failed');
  }
}

export interface OpenVulnDbOptions {
  /** Called by close(): releases what the caller opened for the store (a database). */
  readonly onClose?: () => Promise<void>;
}

/**
 * Opens the database for matching; throws `vulndb-missing` when nothing was imported. Lookups
 * are answered from memory for the packages loaded with prefetch (one query per scan).
 */
export async function openVulnDb(
  store: OsvRecordStore,
  options: OpenVulnDbOptions = {},
): Promise<VulnDb> {
  const stored = await store.readStatus();
  if (stored === undefined) {
    throw new PalisadeError(
      'vulndb-missing',
      `no vulnerability database in ${store.location}; run "palisade vulndb update" or "palisade vulndb import" first`,
      { status: 404 },
    );
  }
  const status: VulnDbStatus = { dataDir: store.location, ...stored };
  // Per loaded key: its index row (undefined when it has none) and the candidates decoded from
  // it per component ecosystem ("Debian:12"), which share parsed details.
  const loaded = new Map<
    string,
    { row: IndexedRow | undefined; byEcosystem: Map<string, readonly AdvisoryCandidate[]> }
  >();
  let closed = false;
  return {
    async prefetch(packages) {
      const wanted = new Map<string, AdvisoryKey>();
      for (const query of packages) {
        const key = advisoryKeyOf(query.ecosystem, query.name);
        const text = advisoryKeyString(key);
        if (!loaded.has(text)) wanted.set(text, key);
      }
      if (wanted.size === 0) return;
      const found = await store.readAdvisories([...wanted.values()]);
      for (const text of wanted.keys())
        loaded.set(text, { row: found.get(text), byEcosystem: new Map() });
    },
    release(packages) {
      for (const query of packages)
        loaded.delete(advisoryKeyString(advisoryKeyOf(query.ecosystem, query.name)));
    },
    lookup(ecosystem, name) {
      const key = advisoryKeyOf(ecosystem, name);
      const entry = loaded.get(advisoryKeyString(key));
      // A silent miss would hide vulnerabilities: asking for an unloaded package is a bug.
      if (entry === undefined)
        throw new PalisadeError(
          'vulndb-not-loaded',
          `${ecosystem} package ${name} was not prefetched from the vulnerability database`,
          { status: 500 },
        );
      if (entry.row === undefined) return [];
      let candidates = entry.byEcosystem.get(ecosystem);
      if (candidates === undefined) {
        candidates = decodeIndexedRow(entry.row, key, ecosystem);
        entry.byEcosystem.set(ecosystem, candidates);
      }
      return candidates;
    },
    status: () => status,
    async close() {
      if (closed) return;
      closed = true;
      loaded.clear();
      await options.onClose?.();
    },
  };
}

/** An advisory source over records in memory (tests, one-off matching of a few files). */
export function memoryAdvisorySource(advisories: readonly StoredAdvisory[]): AdvisorySource {
  const byKey = new Map<string, StoredAdvisory[]>();
  for (const advisory of advisories) {
    for (const key of advisoryKeys(advisory)) {
      const text = advisoryKeyString(key);
      byKey.set(text, [...(byKey.get(text) ?? []), advisory]);
    }
  }
  return {
    lookup: (ecosystem, name) => {
      const key = advisoryKeyOf(ecosystem, name);
      const out: AdvisoryCandidate[] = [];
      for (const advisory of byKey.get(advisoryKeyString(key)) ?? []) {
        const candidate = candidateOf(advisory, key, ecosystem);
        if (candidate !== undefined) out.push(candidate);
      }
      return out;
    },
  };
}
