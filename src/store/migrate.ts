// Applies the forward-only SQL migrations in ./migrations (NNNN_name.sql) in order, in one
// transaction, recording each in schema_migrations. An advisory lock makes concurrent opens
// (several Central replicas starting at once) wait for each other instead of racing.

import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { PalisadeError } from '../model/index.ts';
import type { Database } from './database.ts';

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
  readonly checksum: string;
}

const migrationsDirectory = new URL('./migrations/', import.meta.url);
const migrationFile = /^(\d{4})_([a-z0-9_]+)\.sql$/;
// Any constant shared by every Palisade process: "palisade" in ASCII, as an int8 (PostgreSQL
// 15 has no hex literals).
const migrationLockKey = '8097880218262135909';

export async function readMigrations(directory: URL = migrationsDirectory): Promise<Migration[]> {
  const migrations: Migration[] = [];
  for (const file of (await readdir(directory)).sort()) {
    const match = migrationFile.exec(file);
    if (match === null) continue;
    const sql = await readFile(new URL(file, directory), 'utf8');
    migrations.push({
      version: Number(match[1]),
      name: match[2] ?? '',
      sql,
      checksum: createHash('sha256').update(sql).digest('hex'),
    });
  }
  return migrations;
}

/** Applies what is missing and returns the versions it applied. */
export async function applyMigrations(
  db: Database,
  migrations?: readonly Migration[],
): Promise<number[]> {
  const known = migrations ?? (await readMigrations());
  return db.transaction(async (tx) => {
    await tx.query(`SELECT pg_advisory_xact_lock(${migrationLockKey})`);
    await tx.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version integer PRIMARY KEY,
      name text NOT NULL,
      checksum text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
    const applied = await tx.query<{ version: number; checksum: string }>(
      'SELECT version, checksum FROM schema_migrations ORDER BY version',
    );
    const byVersion = new Map(known.map((m) => [m.version, m]));
    for (const row of applied) {
      const migration = byVersion.get(row.version);
      if (migration === undefined) {
        throw new PalisadeError(
          'store-schema-newer',
          `the database has migration ${row.version}, which this Palisade does not know; ` +
            'run a Palisade at least as new as the one that last opened it',
          { status: 500, details: { version: row.version } },
        );
      }
      if (migration.checksum !== row.checksum) {
        throw new PalisadeError(
          'store-migration-changed',
          `migration ${row.version}_${migration.name}.sql differs from the one applied; ` +
            'released migrations must not be edited, add a new one instead',
          { status: 500, details: { version: row.version } },
        );
      }
    }
    const done = new Set(applied.map((row) => row.version));
    const newlyApplied: number[] = [];
    for (const migration of known) {
      if (done.has(migration.version)) continue;
      await tx.exec(migration.sql);
      await tx.query(
        'INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)',
        [migration.version, migration.name, migration.checksum],
      );
      newlyApplied.push(migration.version);
    }
    return newlyApplied;
  });
}
