// One process at a time in an embedded database directory: a second process waits for the first
// or fails naming it, a crashed owner's lock is taken over, and a live one is never robbed.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PalisadeError } from '../model/index.ts';
import { openDatabase } from './database.ts';

const databaseModule = fileURLToPath(new URL('./database.ts', import.meta.url));

/** Another process holding the database open until told "close" on stdin (or killed). */
async function holder(dataDir: string): Promise<ChildProcessWithoutNullStreams> {
  const code = `
    const { openDatabase } = await import(${JSON.stringify(databaseModule)});
    const db = await openDatabase({ dataDir: ${JSON.stringify(dataDir)} });
    await db.query("CREATE TABLE IF NOT EXISTS marks (n int)");
    await db.query("INSERT INTO marks VALUES (1)");
    process.stdout.write("ready\\n");
    process.stdin.once("data", async () => { await db.close(); process.exit(0); });
  `;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let output = '';
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('ready')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`holder exited ${code}: ${output}`)));
  });
  return child;
}

const busy = (pattern: RegExp) => (error: unknown) =>
  error instanceof PalisadeError && error.code === 'store-busy' && pattern.test(error.message);

describe('embedded database directory lock', () => {
  const dirs: string[] = [];
  const dataDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'palisade-lock-'));
    dirs.push(dir);
    return join(dir, 'db');
  };
  after(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('fails at once naming the process that has it, or waits for it to let go', async () => {
    const dir = dataDir();
    const child = await holder(dir);
    try {
      await assert.rejects(
        openDatabase({ dataDir: dir }),
        busy(new RegExp(`in use by process ${child.pid}`)),
      );
      const waiting = openDatabase({ dataDir: dir, lockWaitMs: 30_000 });
      setTimeout(() => child.stdin.write('close\n'), 300);
      const db = await waiting;
      try {
        assert.deepEqual(await db.query('SELECT n FROM marks'), [{ n: 1 }]);
      } finally {
        await db.close();
      }
      assert.equal(existsSync(`${dir}.lock`), false);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it("takes over a crashed owner's lock", async () => {
    const dir = dataDir();
    const child = await holder(dir);
    child.kill('SIGKILL');
    await once(child, 'exit');
    assert.equal(existsSync(`${dir}.lock`), true, 'a killed owner leaves its lock');
    const db = await openDatabase({ dataDir: dir });
    try {
      assert.deepEqual(await db.query('SELECT n FROM marks'), [{ n: 1 }]);
      assert.equal(
        (JSON.parse(readFileSync(`${dir}.lock`, 'utf8')) as { pid: number }).pid,
        process.pid,
      );
    } finally {
      await db.close();
    }
  });

  it('refuses a second open in the same process until the first is closed', async () => {
    const dir = dataDir();
    const first = await openDatabase({ dataDir: dir });
    await assert.rejects(
      openDatabase({ dataDir: dir, lockWaitMs: 5_000 }),
      busy(/already open in this process/),
    );
    await first.close();
    const second = await openDatabase({ dataDir: dir });
    await second.close();
  });

  it('honours a lock from another host while its heartbeat is fresh, and not after', async () => {
    const dir = dataDir();
    const lock = `${dir}.lock`;
    await (await openDatabase({ dataDir: dir })).close();
    writeFileSync(
      lock,
      JSON.stringify({ pid: 1, host: 'another-host', since: 'then', command: 'image scan' }),
    );
    await assert.rejects(openDatabase({ dataDir: dir }), busy(/process 1 on another-host/));
    const old = new Date(Date.now() - 11 * 60_000);
    utimesSync(lock, old, old);
    const db = await openDatabase({ dataDir: dir });
    await db.close();
  });
});
