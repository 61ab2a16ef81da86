// The OSV vulnerability database in PostgreSQL (migrations 0005, 0007, 0008): vuln/'s
// OsvRecordStore over the tables osv_records, osv_packages, osv_ecosystems and osv_sources.
// Central uses it on its own database; the CLI on an embedded PGlite database in its cache
// directory. Writes are bulk (one json_to_recordset statement per batch, as batch.ts
// describes): each record's details, and its candidate for each exact ecosystem and package
// name it names (vuln/advisory-index.ts), filed under the package key; they mark the keys they
// touch, and refreshOsvIndex rebuilds those keys' rows of the per-package index, which reads
// use: every package of a scan in one query, one row per package. Matching is vuln/'s.

import { advisoryKeyString, indexAdvisory } from '../vuln/index.ts';
import type {
  AdvisoryKey,
  IndexedRow,
  OsvRecordStore,
  SourceState,
  StoredAdvisory,
  UpdateSources,
} from '../vuln/index.ts';
import type { Database } from './database.ts';
import { isoTime } from './page.ts';

interface PackageRow {
  readonly ecosystem: string;
  readonly name: string;
  readonly record_id: string;
  readonly exact_ecosystem: string;
  readonly exact_name: string;
  readonly candidate: string;
}

interface SourceRow {
  ecosystem: string;
  url: string;
  etag: string | null;
  last_modified: string | null;
  updated_at: Date | string | null;
  checked_at: Date | string;
}

/** Stores advisories unless the stored copy was modified later; returns the ids written. */
export async function upsertOsvRecords(
  db: Database,
  advisories: readonly StoredAdvisory[],
  importedAt: string,
): Promise<string[]> {
  if (advisories.length === 0) return [];
  const indexed = advisories.map((a) => ({ advisory: a, index: indexAdvisory(a) }));
  return db.transaction(async (tx) => {
    const written = await tx.query<{ id: string }>(
      `INSERT INTO osv_records (id, modified, imported_at, details)
       SELECT r.id, r.modified, $2::timestamptz, r.details
       FROM json_to_recordset($1::json) AS r(id text, modified timestamptz, details text)
       ON CONFLICT (id) DO UPDATE
         SET modified = excluded.modified, imported_at = excluded.imported_at,
             details = excluded.details
         WHERE osv_records.modified <= excluded.modified
       RETURNING id`,
      [
        JSON.stringify(
          indexed.map(({ advisory, index }) => ({
            id: advisory.id,
            modified: advisory.modified,
            details: index.details,
          })),
        ),
        importedAt,
      ],
    );
    const ids = new Set(written.map((row) => row.id));
    if (ids.size === 0) return [];
    const packages: PackageRow[] = indexed
      .filter(({ advisory }) => ids.has(advisory.id))
      .flatMap(({ advisory, index }) =>
        index.packages.map((p) => ({
          ecosystem: p.ecosystem,
          name: p.name,
          record_id: advisory.id,
          exact_ecosystem: p.exactEcosystem,
          exact_name: p.exactName,
          candidate: p.candidate,
        })),
      );
    // The keys a rewritten record no longer names need rebuilding as much as its new ones.
    await tx.query(
      `WITH gone AS (DELETE FROM osv_packages WHERE record_id = ANY($1::text[])
                     RETURNING ecosystem, name)
       INSERT INTO osv_index_dirty (ecosystem, name)
       SELECT DISTINCT ecosystem, name FROM gone
       ON CONFLICT DO NOTHING`,
      [[...ids]],
    );
    await tx.query(
      `WITH added AS (
         INSERT INTO osv_packages
           (ecosystem, name, record_id, exact_ecosystem, exact_name, candidate)
         SELECT p.ecosystem, p.name, p.record_id, p.exact_ecosystem, p.exact_name, p.candidate
         FROM json_to_recordset($1::json) AS p(ecosystem text, name text, record_id text,
           exact_ecosystem text, exact_name text, candidate text)
         ON CONFLICT DO NOTHING
         RETURNING ecosystem, name)
       INSERT INTO osv_index_dirty (ecosystem, name)
       SELECT DISTINCT ecosystem, name FROM added
       ON CONFLICT DO NOTHING`,
      [JSON.stringify(packages)],
    );
    return [...ids];
  });
}

/** Deletes records by id (their package rows go with them); returns how many there were. */
export async function deleteOsvRecords(db: Database, ids: readonly string[]): Promise<number> {
  if (ids.length === 0) return 0;
  return db.transaction(async (tx) => {
    await tx.query(
      `INSERT INTO osv_index_dirty (ecosystem, name)
       SELECT DISTINCT ecosystem, name FROM osv_packages WHERE record_id = ANY($1::text[])
       ON CONFLICT DO NOTHING`,
      [[...ids]],
    );
    const rows = await tx.query<{ id: string }>(
      'DELETE FROM osv_records WHERE id = ANY($1::text[]) RETURNING id',
      [[...ids]],
    );
    return rows.length;
  });
}

/**
 * Rebuilds the per-package index rows of the keys marked dirty, and unmarks them, in one
 * statement: concurrent refreshes each take the keys they deleted from the dirty list.
 */
export async function refreshOsvIndex(db: Database): Promise<void> {
  await db.query(
    `WITH keys AS (DELETE FROM osv_index_dirty RETURNING ecosystem, name),
     lines AS (
       SELECT p.ecosystem, p.name, p.exact_ecosystem, p.exact_name,
         p.exact_ecosystem || E'\\t' || p.exact_name || E'\\t[' ||
           string_agg(p.candidate, ',' ORDER BY p.record_id COLLATE "C") || ']' AS line
       FROM keys k
       JOIN osv_packages p ON p.ecosystem = k.ecosystem AND p.name = k.name
       GROUP BY p.ecosystem, p.name, p.exact_ecosystem, p.exact_name),
     entries AS (
       SELECT ecosystem, name,
         string_agg(line, E'\\n' ORDER BY exact_ecosystem COLLATE "C", exact_name COLLATE "C")
           AS entries
       FROM lines GROUP BY ecosystem, name),
     details AS (
       SELECT x.ecosystem, x.name,
         '[' || string_agg(r.details, ',' ORDER BY r.id COLLATE "C") || ']' AS details
       FROM (SELECT DISTINCT p.ecosystem, p.name, p.record_id
             FROM keys k
             JOIN osv_packages p ON p.ecosystem = k.ecosystem AND p.name = k.name) x
       JOIN osv_records r ON r.id = x.record_id
       GROUP BY x.ecosystem, x.name),
     built AS (
       SELECT e.ecosystem, e.name, e.entries, d.details
       FROM entries e JOIN details d ON d.ecosystem = e.ecosystem AND d.name = e.name),
     emptied AS (
       DELETE FROM osv_package_advisories a USING keys k
       WHERE a.ecosystem = k.ecosystem AND a.name = k.name
         AND NOT EXISTS (SELECT 1 FROM built b WHERE b.ecosystem = k.ecosystem AND b.name = k.name))
     INSERT INTO osv_package_advisories (ecosystem, name, entries, details)
     SELECT ecosystem, name, entries, details FROM built ORDER BY ecosystem, name
     ON CONFLICT (ecosystem, name) DO UPDATE
       SET entries = excluded.entries, details = excluded.details`,
  );
}

/** Recounts records per base ecosystem: these, and every known one too when asked. */
export async function recountOsvEcosystems(
  db: Database,
  ecosystems: readonly string[],
  importedAt: string,
  includeKnown: boolean,
): Promise<void> {
  await refreshOsvIndex(db);
  await db.query(
    `INSERT INTO osv_ecosystems (ecosystem, records, imported_at)
     SELECT e.ecosystem,
       (SELECT count(DISTINCT p.record_id) FROM osv_packages p WHERE p.ecosystem = e.ecosystem),
       $2::timestamptz
     FROM (SELECT unnest($1::text[]) AS ecosystem
           UNION SELECT ecosystem FROM osv_ecosystems WHERE $3::boolean) AS e
     ON CONFLICT (ecosystem) DO UPDATE
       SET records = excluded.records, imported_at = excluded.imported_at`,
    [[...ecosystems], importedAt, includeKnown],
  );
}

/**
 * The index row of each key that has advisories, keyed by advisoryKeyString (after rebuilding
 * keys an unfinished import left dirty). Decoding is vuln/advisory-index.ts's, as a scan needs.
 */
export async function findOsvAdvisories(
  db: Database,
  keys: readonly AdvisoryKey[],
): Promise<Map<string, IndexedRow>> {
  const out = new Map<string, IndexedRow>();
  if (keys.length === 0) return out;
  const [dirty] = await db.query<{ dirty: boolean }>(
    'SELECT EXISTS (SELECT 1 FROM osv_index_dirty) AS dirty',
  );
  if (dirty?.dirty === true) await refreshOsvIndex(db);
  const rows = await db.query<{
    ecosystem: string;
    name: string;
    entries: string;
    details: string;
  }>(
    `SELECT a.ecosystem, a.name, a.entries, a.details
     FROM unnest($1::text[], $2::text[]) AS k(ecosystem, name)
     JOIN osv_package_advisories a ON a.ecosystem = k.ecosystem AND a.name = k.name`,
    [keys.map((k) => k.ecosystem), keys.map((k) => k.name)],
  );
  for (const row of rows)
    out.set(advisoryKeyString(row), { entries: row.entries, details: row.details });
  return out;
}

/** Per base ecosystem, what was imported; undefined when nothing ever was. */
export async function readOsvStatus(db: Database) {
  const rows = await db.query<{ ecosystem: string; records: number; imported_at: Date | string }>(
    'SELECT ecosystem, records, imported_at FROM osv_ecosystems ORDER BY ecosystem COLLATE "C"',
  );
  if (rows.length === 0) return undefined;
  const ecosystems = rows.map((row) => ({
    ecosystem: row.ecosystem,
    records: Number(row.records),
    importedAt: isoTime(row.imported_at),
  }));
  const lastImport = ecosystems.reduce(
    (last, e) => (e.importedAt > last ? e.importedAt : last),
    '',
  );
  return {
    ecosystems,
    records: ecosystems.reduce((sum, e) => sum + e.records, 0),
    lastImport,
  };
}

export async function readOsvSources(db: Database): Promise<UpdateSources> {
  const rows = await db.query<SourceRow>(
    'SELECT * FROM osv_sources ORDER BY ecosystem COLLATE "C"',
  );
  return Object.fromEntries(
    rows.map((row) => [
      row.ecosystem,
      {
        url: row.url,
        ...(row.etag === null ? {} : { etag: row.etag }),
        ...(row.last_modified === null ? {} : { lastModified: row.last_modified }),
        ...(row.updated_at === null ? {} : { updatedAt: isoTime(row.updated_at) }),
        checkedAt: isoTime(row.checked_at),
      } satisfies SourceState,
    ]),
  );
}

export async function writeOsvSource(
  db: Database,
  ecosystem: string,
  state: SourceState,
): Promise<void> {
  await db.query(
    `INSERT INTO osv_sources (ecosystem, url, etag, last_modified, updated_at, checked_at)
     VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (ecosystem) DO UPDATE SET url = excluded.url, etag = excluded.etag,
       last_modified = excluded.last_modified, updated_at = excluded.updated_at,
       checked_at = excluded.checked_at`,
    [
      ecosystem,
      state.url,
      state.etag ?? null,
      state.lastModified ?? null,
      state.updatedAt ?? null,
      state.checkedAt,
    ],
  );
}

/** vuln/'s OsvRecordStore over this database; `location` names it in status and messages. */
export function osvRecordStore(db: Database, location: string): OsvRecordStore {
  return {
    location,
    writeAdvisories: (advisories, importedAt) => upsertOsvRecords(db, advisories, importedAt),
    removeAdvisories: (ids) => deleteOsvRecords(db, ids),
    recountEcosystems: (ecosystems, importedAt, includeKnown) =>
      recountOsvEcosystems(db, ecosystems, importedAt, includeKnown),
    readAdvisories: (keys) => findOsvAdvisories(db, keys),
    readStatus: () => readOsvStatus(db),
    readSources: () => readOsvSources(db),
    writeSource: (ecosystem, state) => writeOsvSource(db, ecosystem, state),
  };
}
