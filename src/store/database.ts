// The one database interface every repository takes, and openDatabase() which picks the engine:
// embedded PGlite (a data directory, or memory) or a PostgreSQL server through a pg Pool.
// Both speak the same SQL; migrations are applied before openDatabase() returns.

import { mkdir } from 'node:fs/promises';
import { PGlite, type Transaction as PgliteTransaction } from '@electric-sql/pglite';
import pg from 'pg';
import { lockDataDir, type DataDirLock } from './data-dir-lock.ts';
import { PalisadeError } from '../model/index.ts';
import { applyMigrations } from './migrate.ts';
import type { Migration } from './migrate.ts';
import { isReadOnly, WriteClock, writeChannel } from './write-clock.ts';

/** Something that runs SQL: the database itself, or an open transaction. */
export interface Queryable {
  /** One statement; values are always bound as $1, $2, … parameters. */
  query<T extends object>(sql: string, params?: readonly unknown[]): Promise<T[]>;
  /** A script of several statements without parameters (migrations). */
  exec(sql: string): Promise<void>;
}

export interface Database extends Queryable {
  readonly engine: 'pglite' | 'postgres';
  /** Ticks on every write, including other replicas' (see write-clock.ts). */
  readonly writes: WriteClock;
  /** Runs fn in one transaction: committed when fn resolves, rolled back when it throws. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/**
 * A data directory for PGlite (omitted: in memory), or the URL of a PostgreSQL server. A data
 * directory is locked to one process (data-dir-lock.ts); `lockWaitMs` is how long to wait for
 * another process to let go (default 0: fail at once, naming it).
 */
export type OpenDatabaseOptions = (
  | { readonly dataDir?: string; readonly url?: undefined; readonly lockWaitMs?: number }
  | { readonly url: string; readonly poolSize?: number }
) & {
  /**
   * The migrations to bring the schema to (default: every one in ./migrations). A test of a
   * migration opens a database at the version before it.
   */
  readonly migrations?: readonly Migration[];
};

export async function openDatabase(options: OpenDatabaseOptions = {}): Promise<Database> {
  const db =
    options.url === undefined
      ? await openPglite(options.dataDir, options.lockWaitMs ?? 0)
      : openPostgres(options.url, options);
  try {
    await applyMigrations(db, options.migrations);
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

async function openPglite(dataDir: string | undefined, lockWaitMs: number): Promise<Database> {
  let lock: DataDirLock | undefined;
  if (dataDir !== undefined) {
    await mkdir(dataDir, { recursive: true });
    lock = await lockDataDir(dataDir, lockWaitMs);
  }
  let pglite: PGlite;
  try {
    // relaxedDurability stays false: a query resolves only after its writes reached the files.
    pglite = await PGlite.create(dataDir === undefined ? {} : { dataDir });
  } catch (error) {
    lock?.release();
    throw new PalisadeError(
      'store-unavailable',
      `opening the embedded database${dataDir === undefined ? '' : ` in ${dataDir}`}: ${String(error)}`,
      { status: 503, cause: error },
    );
  }
  const writes = new WriteClock();
  const wrap = (target: PGlite | PgliteTransaction): Queryable =>
    queryableOf(
      async (sql, params) => {
        try {
          return (await target.query(sql, params)).rows as object[];
        } finally {
          if (!isReadOnly(sql)) writes.tick();
        }
      },
      async (sql) => {
        try {
          await target.exec(sql);
        } finally {
          writes.tick();
        }
      },
    );
  return {
    engine: 'pglite',
    writes,
    ...wrap(pglite),
    async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
      try {
        return await pglite.transaction((tx) => fn(wrap(tx)));
      } catch (error) {
        throw storeError(error);
      } finally {
        // Rows written inside become visible to others only now, at commit.
        writes.tick();
      }
    },
    async close() {
      try {
        if (!pglite.closed) await pglite.close();
      } finally {
        lock?.release();
      }
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

/**
 * Listens for other replicas' writes on a connection of its own. While it is down the clock is
 * untrusted (nothing is cached); it reconnects every few seconds until closed.
 */
function listenForWrites(url: string, writes: WriteClock): { close(): Promise<void> } {
  let closed = false;
  let client: pg.Client | undefined;
  let retry: NodeJS.Timeout | undefined;
  writes.setTrusted(false);
  const connect = async () => {
    const next = new pg.Client({ connectionString: url, application_name: 'palisade-listen' });
    const lost = () => {
      writes.setTrusted(false);
      if (client === next) client = undefined;
      if (!closed) retry = setTimeout(() => void connect(), 5000).unref();
    };
    next.on('error', () => undefined);
    next.on('end', lost);
    next.on('notification', () => writes.tick());
    try {
      await next.connect();
      await next.query(`LISTEN ${writeChannel}`);
      if (closed) {
        await next.end();
        return;
      }
      client = next;
      writes.setTrusted(true);
    } catch {
      next.removeListener('end', lost);
      await next.end().catch(() => undefined);
      lost();
    }
  };
  void connect();
  return {
    async close() {
      closed = true;
      clearTimeout(retry);
      const current = client;
      client = undefined;
      if (current) {
        current.removeAllListeners('end');
        await current.end().catch(() => undefined);
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
  const writes = new WriteClock();
  const listener = listenForWrites(url, writes);
  const notify = `SELECT pg_notify('${writeChannel}', '')`;
  // Outside a transaction a write is committed when it returns: tell the other replicas then.
  const wrapPool = queryableOf(
    async (sql, params) => {
      const rows = (await pool.query(sql, params)).rows as object[];
      if (!isReadOnly(sql)) {
        writes.tick();
        await pool.query(notify);
      }
      return rows;
    },
    // Without parameters pg uses the simple protocol, which accepts several statements.
    async (sql) => {
      await pool.query(sql);
      writes.tick();
      await pool.query(notify);
    },
  );
  return {
    engine: 'postgres',
    writes,
    ...wrapPool,
    async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
      let client: pg.PoolClient;
      try {
        client = await pool.connect();
      } catch (error) {
        throw storeError(error);
      }
      let broken = false;
      let wrote = false;
      const tx = queryableOf(
        async (sql, params) => {
          if (!isReadOnly(sql)) wrote = true;
          return (await client.query(sql, params)).rows as object[];
        },
        async (sql) => {
          wrote = true;
          await client.query(sql);
        },
      );
      try {
        await client.query('BEGIN');
        const result = await fn(tx);
        // A notification sent inside a transaction is delivered at its commit, and only then.
        if (wrote) await client.query(notify);
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
        if (wrote) writes.tick();
      }
    },
    async close() {
      await listener.close();
      if (!pool.ended) await pool.end();
    },
  };
}
