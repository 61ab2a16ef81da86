// The two database backends every store-backed test runs on: embedded PGlite and a real
// PostgreSQL 15 server (started per suite by test/kit/postgres.ts).
import { openDatabase } from '../../src/store/index.ts';
import type { Database, Migration } from '../../src/store/index.ts';
import { startTestPostgres } from './postgres.ts';

export interface TestBackend {
  readonly db: Database;
  close(): Promise<void>;
}

/** `migrations`: open at that schema (a migration's test), instead of the latest. */
export interface OpenBackendOptions {
  readonly migrations?: readonly Migration[];
}

export const databaseBackends: readonly {
  readonly name: string;
  open(options?: OpenBackendOptions): Promise<TestBackend>;
}[] = [
  {
    name: 'PGlite (in memory)',
    async open(options = {}) {
      const db = await openDatabase(options);
      return { db, close: () => db.close() };
    },
  },
  {
    name: 'PostgreSQL 15',
    async open(options = {}) {
      const server = await startTestPostgres();
      try {
        const db = await openDatabase({ url: server.url, poolSize: 4, ...options });
        return {
          db,
          close: async () => {
            try {
              await db.close();
            } finally {
              await server.stop();
            }
          },
        };
      } catch (error) {
        await server.stop();
        throw error;
      }
    },
  },
];

/** Empties every table but the migration record. */
export async function truncateAll(db: Database): Promise<void> {
  const tables = await db.query<{ tablename: string }>(
    "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'schema_migrations'",
  );
  await db.exec(
    `TRUNCATE ${tables.map((t) => `"${t.tablename}"`).join(', ')} RESTART IDENTITY CASCADE`,
  );
}
