// openDatabase() and migrations on both engines: migrations are recorded once and survive
// concurrent opens, edited or unknown migrations are refused, and PGlite on disk keeps every
// acknowledged write when its process is killed.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PalisadeError } from '../model/index.ts';
import { startTestPostgres, type TestPostgres } from '../../test/kit/postgres.ts';
import {
  applyMigrations,
  createCluster,
  getClusterByName,
  listAudit,
  openDatabase,
  readMigrations,
  type Database,
} from './index.ts';

async function migrationRows(db: Database): Promise<number[]> {
  const rows = await db.query<{ version: number }>(
    'SELECT version FROM schema_migrations ORDER BY version',
  );
  return rows.map((row) => row.version);
}

describe('migrations on PGlite', () => {
  let db: Database | undefined;
  before(async () => {
    db = await openDatabase();
  });
  after(async () => {
    await db?.close();
  });

  it('every migration file is applied once and recorded, and reapplying does nothing', async () => {
    assert.ok(db);
    const known = await readMigrations();
    assert.ok(known.length >= 1);
    assert.deepEqual(
      await migrationRows(db),
      known.map((m) => m.version),
    );
    assert.deepEqual(await applyMigrations(db), []);
  });

  it('an applied migration whose file changed is refused', async () => {
    assert.ok(db);
    const edited = (await readMigrations()).map((m) => ({ ...m, checksum: `${m.checksum}0` }));
    await assert.rejects(applyMigrations(db, edited), { code: 'store-migration-changed' });
  });

  it('a database migrated by a newer Palisade is refused', async () => {
    assert.ok(db);
    await assert.rejects(applyMigrations(db, []), { code: 'store-schema-newer' });
  });
});

describe('migrations on PostgreSQL 15', () => {
  let server: TestPostgres | undefined;
  before(async () => {
    server = await startTestPostgres();
  });
  after(async () => {
    await server?.stop();
  });

  it('two processes opening a fresh database at once both succeed and migrate it once', async () => {
    assert.ok(server);
    const opened = await Promise.allSettled([
      openDatabase({ url: server.url, poolSize: 2 }),
      openDatabase({ url: server.url, poolSize: 2 }),
    ]);
    const dbs = opened.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    try {
      assert.deepEqual(
        opened.map((r) => r.status),
        ['fulfilled', 'fulfilled'],
      );
      const [first] = dbs;
      assert.ok(first);
      assert.deepEqual(
        await migrationRows(first),
        (await readMigrations()).map((m) => m.version),
      );
    } finally {
      await Promise.all(dbs.map((db) => db.close()));
    }
  });

  it("a replica's write clock ticks when another replica commits, and not on reads", async () => {
    assert.ok(server);
    const [a, b] = await Promise.all([
      openDatabase({ url: server.url, poolSize: 2 }),
      openDatabase({ url: server.url, poolSize: 2 }),
    ]);
    try {
      const waitFor = async (ok: () => boolean) => {
        for (let i = 0; i < 200 && !ok(); i++) await new Promise((r) => setTimeout(r, 10));
        assert.ok(ok());
      };
      await waitFor(() => a.writes.trusted && b.writes.trusted);
      // Let the notifications of both opens (migration checks) arrive first.
      await new Promise((r) => setTimeout(r, 200));
      const before = b.writes.generation;
      await a.query('SELECT count(*) FROM clusters');
      await new Promise((r) => setTimeout(r, 50));
      assert.equal(b.writes.generation, before);
      await a.transaction((tx) => createCluster(tx, { name: 'replica-write' }));
      await waitFor(() => b.writes.generation > before);
      const afterTx = b.writes.generation;
      await createCluster(a, { name: 'replica-write-2' });
      await waitFor(() => b.writes.generation > afterTx);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('an unreachable server is reported as an error, not a hang', async () => {
    assert.ok(server);
    const url = new URL(server.url);
    url.port = '1';
    await assert.rejects(openDatabase({ url: url.toString() }), (error: unknown) => {
      assert.ok(error instanceof PalisadeError);
      assert.equal(error.code, 'store-failed');
      return true;
    });
  });
});

describe('PGlite on disk', () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'palisade-store-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes acknowledged before the process is killed (SIGKILL) are there after reopening', async () => {
    const dataDir = join(dir, 'crash');
    const storeUrl = new URL('./index.ts', import.meta.url).href;
    // The child acknowledges each committed write on stdout, then keeps writing until killed.
    const script = `
      import { openDatabase, createCluster, appendAudit } from ${JSON.stringify(storeUrl)};
      const db = await openDatabase({ dataDir: ${JSON.stringify(dataDir)} });
      for (let i = 0; ; i++) {
        await db.transaction(async (tx) => {
          await createCluster(tx, { name: 'cluster-' + i });
          await appendAudit(tx, { actor: 'crash-test', action: 'write', target: String(i) });
        });
        process.stdout.write('ack ' + i + '\\n');
      }
    `;
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', script],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      child.on('exit', (_code, signal) => resolve(signal)),
    );
    let acknowledged = -1;
    try {
      await new Promise<void>((resolve, reject) => {
        let buffered = '';
        child.stdout.on('data', (chunk: Buffer) => {
          buffered += chunk.toString();
          for (const match of buffered.matchAll(/ack (\d+)\n/g)) {
            acknowledged = Math.max(acknowledged, Number(match[1]));
          }
          buffered = buffered.slice(buffered.lastIndexOf('\n') + 1);
          if (acknowledged >= 25) {
            child.kill('SIGKILL');
            resolve();
          }
        });
        child.on('exit', () => reject(new Error(`writer exited early: ${stderr}`)));
      });
    } finally {
      child.kill('SIGKILL');
    }
    assert.equal(await exited, 'SIGKILL');

    const db = await openDatabase({ dataDir });
    try {
      for (let i = 0; i <= acknowledged; i++) {
        assert.ok(await getClusterByName(db, `cluster-${i}`), `acknowledged cluster-${i} was lost`);
      }
      const audit = await listAudit(db, { actor: 'crash-test' }, { limit: 1000 });
      assert.ok(audit.total >= acknowledged + 1);
      // A write after the crash works: the directory is not left locked or corrupt.
      await createCluster(db, { name: 'after-crash' });
    } finally {
      await db.close();
    }
  });
});
