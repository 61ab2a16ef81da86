// The local OSV store: `importOsv` reads OSV exports — directories of JSON records, osv.dev's
// all.zip archives (JSON records, or per-ecosystem zips of them) — into a data directory, and
// `openVulnDb` reads it back for the matcher. Downloading the exports is not done here.
//
// Layout under <dataDir>/osv/: per base ecosystem one JSON-lines file of compact advisories
// (<slug>.jsonl) and an index from package key to [offset, length] of its lines
// (<slug>.index.json); meta.json holds record counts and import times. A re-import merges:
// a record replaces the stored one with the same id unless the stored one is newer, and a
// withdrawn record removes it.

import { closeSync, existsSync, openSync, readFileSync, readSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PalisadeError, wrapError } from '../model/index.ts';
import { openZip, ZipError } from '../image/index.ts';
import type { AdvisorySource } from './match.ts';
import { packageKey } from './match.ts';
import { compactOsvRecord, parseOsvRecord } from './osv.ts';
import type { StoredAdvisory } from './osv.ts';
import { ecosystemBase } from './version/all.ts';

const formatVersion = 1;
/** One OSV record is a few KB; the largest real ones are under 2 MB. */
const maxRecordFileSize = 32 * 1024 * 1024;
/** A per-ecosystem all.zip inside another archive (npm's is a few hundred MB). */
const maxNestedZipSize = 1024 * 1024 * 1024;

export interface EcosystemStatus {
  readonly ecosystem: string;
  readonly records: number;
  readonly importedAt: string;
}

export interface VulnDbStatus {
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

export interface VulnDb extends AdvisorySource {
  status(): VulnDbStatus;
  close(): void;
}

interface Meta {
  readonly formatVersion: number;
  readonly ecosystems: Record<string, { records: number; importedAt: string }>;
  readonly lastImport?: string;
}

type Index = Record<string, [number, number][]>;

function osvDir(dataDir: string): string {
  return join(dataDir, 'osv');
}

/** File-name slug of a base ecosystem: "Red Hat" → "red-hat", "crates.io" → "crates-io". */
export function ecosystemSlug(ecosystem: string): string {
  return ecosystem
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
}

async function readMeta(dir: string): Promise<Meta> {
  const path = join(dir, 'meta.json');
  if (!existsSync(path)) return { formatVersion, ecosystems: {} };
  const meta = JSON.parse(await readFile(path, 'utf8')) as Meta;
  if (meta.formatVersion !== formatVersion) {
    throw new PalisadeError(
      'vulndb-format',
      `${path}: store format ${meta.formatVersion} is not ${formatVersion}; delete ${dir} and import again`,
    );
  }
  return meta;
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
  data: Buffer,
  source: string,
  depth: number,
  problems: ImportProblem[],
): Generator<RawRecord> {
  const archive = openZip(data, {
    maxEntrySize: maxNestedZipSize,
    maxEntries: 5_000_000,
    maxRatio: 1000,
  });
  for (const entry of archive.entries) {
    if (entry.name.endsWith('/')) continue;
    const where = `${source}!${entry.name}`;
    try {
      if (entry.name.endsWith('.json')) {
        if (entry.size > maxRecordFileSize)
          throw new ZipError(`${entry.size} bytes is too large for a record`);
        yield* recordsOfJson(archive.read(entry).toString('utf8'), where);
      } else if (entry.name.endsWith('.zip') && depth < 2) {
        yield* recordsOfZip(archive.read(entry), where, depth + 1, problems);
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
      yield* recordsOfZip(await readFile(source), source, 0, problems);
    } else {
      if (info.size > maxRecordFileSize)
        throw new Error(`${info.size} bytes is too large for a record`);
      yield* recordsOfJson(await readFile(source, 'utf8'), source);
    }
  } catch (error) {
    problems.push({ source, message: error instanceof Error ? error.message : String(error) });
  }
}

async function readStoredLines(dir: string, slug: string): Promise<Map<string, string>> {
  const path = join(dir, `${slug}.jsonl`);
  const out = new Map<string, string>();
  if (!existsSync(path)) return out;
  for (const line of (await readFile(path, 'utf8')).split('\n')) {
    if (line === '') continue;
    out.set((JSON.parse(line) as StoredAdvisory).id, line);
  }
  return out;
}

async function writeAtomically(path: string, data: string | Buffer): Promise<void> {
  await writeFile(`${path}.tmp`, data);
  await rename(`${path}.tmp`, path);
}

async function writeEcosystem(
  dir: string,
  ecosystem: string,
  lines: Map<string, string>,
): Promise<void> {
  const slug = ecosystemSlug(ecosystem);
  const index: Index = {};
  const chunks: Buffer[] = [];
  let offset = 0;
  const ids = [...lines.keys()].sort();
  for (const id of ids) {
    const line = Buffer.from(`${lines.get(id) ?? ''}\n`, 'utf8');
    const advisory = JSON.parse(line.toString('utf8')) as StoredAdvisory;
    const keys = new Set(
      advisory.affected
        .filter((a) => ecosystemBase(a.ecosystem) === ecosystem)
        .map((a) => packageKey(ecosystem, a.name)),
    );
    for (const key of keys) (index[key] ??= []).push([offset, line.length - 1]);
    chunks.push(line);
    offset += line.length;
  }
  await writeAtomically(join(dir, `${slug}.jsonl`), Buffer.concat(chunks));
  await writeAtomically(join(dir, `${slug}.index.json`), JSON.stringify(index));
}

/**
 * Imports OSV records from a directory (recursively: *.json records and *.zip archives) or
 * from one .json or .zip file into the store under dataDir. Invalid records are reported in
 * `problems`, naming their file, and the rest is imported.
 */
export async function importOsv(
  source: string,
  dataDir: string,
  options: ImportOptions = {},
): Promise<ImportReport> {
  const dir = osvDir(dataDir);
  const problems: ImportProblem[] = [];
  const upserts = new Map<string, Map<string, StoredAdvisory>>();
  const withdrawnIds = new Set<string>();
  let withdrawn = 0;
  let skipped = 0;
  try {
    await mkdir(dir, { recursive: true });
    const meta = await readMeta(dir);
    for await (const raw of recordsOfSource(source, problems)) {
      let advisory: StoredAdvisory;
      try {
        const record = parseOsvRecord(raw.value, raw.source);
        if (record.withdrawn !== undefined) {
          withdrawn++;
          withdrawnIds.add(record.id);
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
      const ecosystems = new Set(advisory.affected.map((a) => ecosystemBase(a.ecosystem)));
      if (ecosystems.size === 0) {
        skipped++;
        continue;
      }
      for (const ecosystem of ecosystems) {
        const byId = upserts.get(ecosystem) ?? new Map<string, StoredAdvisory>();
        const existing = byId.get(advisory.id);
        if (existing === undefined || existing.modified <= advisory.modified)
          byId.set(advisory.id, advisory);
        upserts.set(ecosystem, byId);
      }
    }
    const now = (options.now ?? (() => new Date()))().toISOString();
    const touched = new Set([
      ...upserts.keys(),
      ...(withdrawnIds.size > 0 ? Object.keys(meta.ecosystems) : []),
    ]);
    const ecosystems = { ...meta.ecosystems };
    const importedIds = new Set<string>();
    for (const ecosystem of [...touched].sort()) {
      const lines = await readStoredLines(dir, ecosystemSlug(ecosystem));
      let changed = false;
      for (const id of withdrawnIds) changed = lines.delete(id) || changed;
      for (const advisory of upserts.get(ecosystem)?.values() ?? []) {
        const stored = lines.get(advisory.id);
        if (
          stored !== undefined &&
          (JSON.parse(stored) as StoredAdvisory).modified > advisory.modified
        )
          continue;
        lines.set(advisory.id, JSON.stringify(advisory));
        importedIds.add(advisory.id);
        changed = true;
      }
      if (!changed && upserts.get(ecosystem) === undefined) continue;
      await writeEcosystem(dir, ecosystem, lines);
      ecosystems[ecosystem] = { records: lines.size, importedAt: now };
    }
    await writeAtomically(
      join(dir, 'meta.json'),
      JSON.stringify({ formatVersion, ecosystems, lastImport: now } satisfies Meta, null, 2),
    );
    return {
      imported: importedIds.size,
      withdrawn,
      skipped,
      ecosystems: [...upserts.keys()].sort(),
      problems,
    };
  } catch (error) {
    throw wrapError(`importing OSV records from ${source}`, error, 'vulndb-import-failed');
  }
}

/** Opens the store under dataDir for matching; throws when nothing was imported there. */
export async function openVulnDb(dataDir: string): Promise<VulnDb> {
  const dir = osvDir(dataDir);
  if (!existsSync(join(dir, 'meta.json'))) {
    throw new PalisadeError(
      'vulndb-missing',
      `no vulnerability database in ${dataDir}; run "palisade vulndb import" first`,
      { status: 404 },
    );
  }
  const meta = await readMeta(dir);
  const indexes = new Map<string, Index | undefined>();
  const files = new Map<string, number>();
  const cache = new Map<string, StoredAdvisory>();

  const indexOf = (ecosystem: string): Index | undefined => {
    if (!indexes.has(ecosystem)) {
      const path = join(dir, `${ecosystemSlug(ecosystem)}.index.json`);
      indexes.set(
        ecosystem,
        existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as Index) : undefined,
      );
    }
    return indexes.get(ecosystem);
  };

  const fileOf = (ecosystem: string): number => {
    let fd = files.get(ecosystem);
    if (fd === undefined) {
      fd = openSync(join(dir, `${ecosystemSlug(ecosystem)}.jsonl`), 'r');
      files.set(ecosystem, fd);
    }
    return fd;
  };

  return {
    lookup(ecosystem, name) {
      const base = ecosystemBase(ecosystem);
      const positions = indexOf(base)?.[packageKey(base, name)] ?? [];
      return positions.map(([offset, length]) => {
        const cacheKey = `${base}@${offset}`;
        let advisory = cache.get(cacheKey);
        if (advisory === undefined) {
          const buffer = Buffer.alloc(length);
          readSync(fileOf(base), buffer, 0, length, offset);
          advisory = JSON.parse(buffer.toString('utf8')) as StoredAdvisory;
          cache.set(cacheKey, advisory);
        }
        return advisory;
      });
    },
    status() {
      const ecosystems = Object.entries(meta.ecosystems)
        .map(([ecosystem, s]) => ({ ecosystem, records: s.records, importedAt: s.importedAt }))
        .sort((a, b) => (a.ecosystem < b.ecosystem ? -1 : 1));
      const base = {
        dataDir,
        ecosystems,
        records: ecosystems.reduce((sum, e) => sum + e.records, 0),
      };
      return meta.lastImport === undefined ? base : { ...base, lastImport: meta.lastImport };
    },
    close() {
      for (const fd of files.values()) closeSync(fd);
      files.clear();
    },
  };
}

/** An advisory source over records in memory (tests, one-off matching of a few files). */
export function memoryAdvisorySource(advisories: readonly StoredAdvisory[]): AdvisorySource {
  const byKey = new Map<string, StoredAdvisory[]>();
  for (const advisory of advisories) {
    const keys = new Set(
      advisory.affected.map(
        (a) => `${ecosystemBase(a.ecosystem)}\u0000${packageKey(a.ecosystem, a.name)}`,
      ),
    );
    for (const key of keys) byKey.set(key, [...(byKey.get(key) ?? []), advisory]);
  }
  return {
    lookup: (ecosystem, name) =>
      byKey.get(`${ecosystemBase(ecosystem)}\u0000${packageKey(ecosystem, name)}`) ?? [],
  };
}
