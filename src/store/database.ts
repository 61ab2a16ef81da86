// The one database interface every repository takes, and openDatabase() which picks the engine:
// embedded PGlite (a data directory, or memory) or a PostgreSQL server through a pg Pool.
// Both speak the same SQL; migrations are applied before openDatabase() returns.

import { mkdir } from 'node:fs/promises';
import { PGlite, type Transaction as PgliteTransaction } from '@electric-sql/pglite';
import pg from 'pg';
import { PalisadeError } from '../model/index.ts';
import { applyMigrations } from './migrate.ts';

/** Something that runs SQL: the database itself, or an open transaction. */
export interface Queryable {
  /** One statement; values are always bound as $1, $2, … parameters. */
  query<T extends object>(sql: string, params?: readonly unknown[]): Promise<T[]>;
  /** A script of several statements without parameters (migrations). */
  exec(sql: string): Promise<void>;
}

export interface Database extends Queryable {
  readonly engine: 'pglite' | 'postgres';
  /** Runs fn in one transaction: committed when fn resolves, rolled back when it throws. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** A data directory for PGlite (omitted: in memory), or the URL of a PostgreSQL server. */
export type OpenDatabaseOptions =
  | { readonly dataDir?: string; readonly url?: undefined }
  | { readonly url: string; readonly poolSize?: number };

export async function openDatabase(options: OpenDatabaseOptions = {}): Promise<Database> {
  const db =
    options.url === undefined
      ? await openPglite(options.dataDir)
      : openPostgres(options.url, options);
  try {
    await applyMigrations(db);
  } catch (error) {
    await db.close();
    throw error;
  }
  return db;
}

/** Driver errors become PalisadeErrors carrying the SQLSTATE (23505 unique violation, …). */
function storeError(error: unknown): PalisadeError {
  if (error instanceof PalisadeError) return error;
  const sqlState =
    typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string'
      ? error.code
      : '';
  const message = error instanceof Error ? error.message : String(error);
  return new PalisadeError('store-failed', `database: ${message}`, {
    status: 500,
    details: { sqlState },
    cause: error,
  });
}

export function isUniqueViolation(error: unknown): boolean {
  return error instanceof PalisadeError && error.details['sqlState'] === '23505';
}

async function openPglite(dataDir: string | undefined): Promise<Database> {
  if (dataDir !== undefined) await mkdir(dataDir, { recursive: true });
  let pglite: PGlite;
  try {
    // relaxedDurability stays false: a query resolves only after its writes reached the files.
    pglite = await PGlite.create(dataDir === undefined ? {} : { dataDir });
  } catch (error) {
    throw new PalisadeError(
      'store-unavailable',
      `opening the embedded database${dataDir === undefined ? '' : ` in ${dataDir}`}: ${String(error)}`,
      { status: 503, cause: error },
    );
  }
  const wrap = (target: PGlite | PgliteTransaction): Queryable =>
    queryableOf(
      async (sql, params) => (await target.query(sql, params)).rows as object[],
      async (sql) => {
        await target.exec(sql);
      },
    );
  return {
    engine: 'pglite',
    ...wrap(pglite),
    async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
      try {
        return await pglite.transaction((tx) => fn(wrap(tx)));
      } catch (error) {
        throw storeError(error);
      }
    },
    async close() {
      if (!pglite.closed) await pglite.close();
    },
  };
}

/** A Queryable over an engine's two calls, turning driver errors into PalisadeErrors. */
function queryableOf(
  run: (sql: string, params: unknown[]) => Promise<object[]>,
  runScript: (sql: string) => Promise<void>,
): Queryable {
  return {
    async query<T extends object>(sql: string, params: readonly unknown[] = []): Promise<T[]> {
      try {
        return (await run(sql, [...params])) as T[];
      } catch (error) {
        throw storeError(error);
      }
    },
    async exec(sql: string) {
      try {
        await runScript(sql);
      } catch (error) {
        throw storeError(error);
      }
    },
  };
}

function openPostgres(url: string, options: { readonly poolSize?: number }): Database {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolSize ?? 10,
    connectionTimeoutMillis: 10_000,
    application_name: 'palisade',
  });
  // An idle client that loses its connection is dropped by the pool; the next query reports
  // the failure to its caller. Without a listener the 'error' event would end the process.
  pool.on('error', () => undefined);
  const wrap = (target: pg.Pool | pg.PoolClient): Queryable =>
    queryableOf(
      async (sql, params) => (await target.query(sql, params)).rows as object[],
      // Without parameters pg uses the simple protocol, which accepts several statements.
      async (sql) => {
        await target.query(sql);
      },
    );
  return {
    engine: 'postgres',
    ...wrap(pool),
    async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
      let client: pg.PoolClient;
      try {
        client = await pool.connect();
      } catch (error) {
        throw storeError(error);
      }
      let broken = false;
      try {
        await client.query('BEGIN');
        const result = await fn(wrap(client));
        await client.query('COMMIT');
        return result;
      } catch (error) {
        try {
          await client.query('ROLLBACK');
        } catch {
          // The connection is unusable; it is destroyed below instead of returned to the pool.
          broken = true;
        }
        throw storeError(error);
      } finally {
        client.release(broken);
      }
    },
    async close() {
      if (!pool.ended) await pool.end();
    },
  };
}
