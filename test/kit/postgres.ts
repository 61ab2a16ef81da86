// A throwaway PostgreSQL 15 server for tests (shared/RECIPES.md): initdb and pg_ctl as the
// `postgres` user on a free port, sockets and data in a temp dir removed on stop(). With
// PALISADE_TEST_DATABASE_URL set, a fresh database on that server is used instead.

import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chown, mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';

const run = promisify(execFile);
const binaries = process.env['PALISADE_TEST_POSTGRES_BIN'] ?? '/usr/lib/postgresql/15/bin';

export interface TestPostgres {
  /** postgres:// URL of an empty database. */
  readonly url: string;
  /** Stops the server (or drops the database) and removes its files; safe to call twice. */
  stop(): Promise<void>;
}

export async function startTestPostgres(): Promise<TestPostgres> {
  const shared = process.env['PALISADE_TEST_DATABASE_URL'];
  return shared === undefined || shared === '' ? startServer() : createDatabase(shared);
}

async function createDatabase(adminUrl: string): Promise<TestPostgres> {
  // A generated identifier (hex only), so it can be written into the statement safely.
  const name = `palisade_test_${randomBytes(6).toString('hex')}`;
  await withClient(adminUrl, (client) => client.query(`CREATE DATABASE ${name}`));
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  let stopped = false;
  return {
    url: url.toString(),
    async stop() {
      if (stopped) return;
      stopped = true;
      await withClient(adminUrl, (client) =>
        client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
      );
    },
  };
}

async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Servers still running, stopped synchronously if the test process exits without stop(). */
const running = new Set<string>();
process.on('exit', () => {
  for (const dataDir of running) {
    try {
      execFileSync(
        ...asPostgres(`${binaries}/pg_ctl`, ['-D', dataDir, '-m', 'immediate', '-w', 'stop']),
        {
          stdio: 'ignore',
        },
      );
    } catch {
      // Best effort while exiting: there is no caller left to report to.
    }
  }
});

async function startServer(): Promise<TestPostgres> {
  const dir = await mkdtemp(join(tmpdir(), 'palisade-pg-'));
  const dataDir = join(dir, 'data');
  const logFile = join(dir, 'log');
  try {
    if (isRoot()) {
      const ids = await postgresIds();
      await chown(dir, ids.uid, ids.gid);
    }
    await run(
      ...asPostgres(`${binaries}/initdb`, [
        '-D',
        dataDir,
        '-A',
        'trust',
        '-U',
        'postgres',
        '-E',
        'UTF8',
        '--locale=C',
        '--no-sync',
      ]),
    );
    // A free port can be taken by someone else before the server binds it: try a few.
    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      // fsync off: these servers hold test data only and are thrown away.
      const serverOptions = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`;
      try {
        running.add(dataDir);
        await run(
          ...asPostgres(`${binaries}/pg_ctl`, [
            '-D',
            dataDir,
            '-l',
            logFile,
            '-w',
            '-t',
            '30',
            '-o',
            serverOptions,
            'start',
          ]),
        );
        return stoppable(dir, dataDir, `postgres://postgres@127.0.0.1:${port}/postgres`);
      } catch (error) {
        running.delete(dataDir);
        if (attempt >= 3) throw error;
      }
    }
  } catch (error) {
    const log = await readFile(logFile, 'utf8').catch(() => '');
    await rm(dir, { recursive: true, force: true });
    throw new Error(
      `starting a test PostgreSQL from ${binaries} failed: ${String(error)}\n${log}`,
      {
        cause: error,
      },
    );
  }
}

function stoppable(dir: string, dataDir: string, url: string): TestPostgres {
  let stopped = false;
  return {
    url,
    async stop() {
      if (stopped) return;
      stopped = true;
      try {
        await run(
          ...asPostgres(`${binaries}/pg_ctl`, ['-D', dataDir, '-m', 'immediate', '-w', 'stop']),
        );
      } finally {
        running.delete(dataDir);
        await rm(dir, { recursive: true, force: true });
      }
    },
  };
}

function isRoot(): boolean {
  return process.getuid?.() === 0;
}

/** PostgreSQL refuses to run as root: as root, run the command as the postgres user. */
function asPostgres(command: string, args: readonly string[]): [string, string[]] {
  if (!isRoot()) return [command, [...args]];
  const line = [command, ...args].map(shellQuote).join(' ');
  return ['su', ['postgres', '-s', '/bin/bash', '-c', line]];
}

function shellQuote(word: string): string {
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

async function postgresIds(): Promise<{ uid: number; gid: number }> {
  const [uid, gid] = await Promise.all([
    run('id', ['-u', 'postgres']),
    run('id', ['-g', 'postgres']),
  ]);
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
