// One process at a time in an embedded database directory. PGlite takes no lock of its own, and
// two processes writing one data directory corrupt it (electric-sql/pglite issues #323, #1106):
// parallel CI jobs sharing ~/.cache/palisade, or a second `palisade serve` on ./.palisade.
//
// The lock is a file beside the directory (`<dir>.lock`; inside it, initdb would find the
// directory not empty) holding the owner's pid and host, created with O_EXCL. A lock whose owner
// is gone is taken over: on this host, no such process; from another host (containers sharing a
// cache volume), no heartbeat — the owner touches the file every minute — for ten minutes. A live
// owner is never robbed: the opener waits for it, up to its limit, then fails naming it.

import { hostname } from 'node:os';
import {
  closeSync,
  openSync,
  readFileSync,
  statSync,
  unlinkSync,
  utimesSync,
  writeSync,
} from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { PalisadeError } from '../model/index.ts';

interface LockOwner {
  readonly pid: number;
  readonly host: string;
  readonly since: string;
  readonly command: string;
}

/** How often an owner touches its lock, and how long a silent lock from another host lives. */
const heartbeatMs = 60_000;
const foreignStaleMs = 10 * 60_000;

/** Lock files this process holds: released at exit even if close() never runs. */
const held = new Set<string>();
let exitHookInstalled = false;

function releaseAllAtExit(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const file of held) removeQuietly(file);
  });
}

function removeQuietly(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    // Already gone.
  }
}

function readOwner(file: string): LockOwner | undefined {
  try {
    const owner = JSON.parse(readFileSync(file, 'utf8')) as Partial<LockOwner>;
    if (typeof owner.pid !== 'number' || typeof owner.host !== 'string') return undefined;
    return {
      pid: owner.pid,
      host: owner.host,
      since: String(owner.since ?? ''),
      command: String(owner.command ?? ''),
    };
  } catch {
    return undefined;
  }
}

/** Whether the owner may still be running: a live process here, or a heartbeat from elsewhere. */
function mayBeAlive(owner: LockOwner, file: string): boolean {
  if (owner.host !== hostname()) {
    try {
      return Date.now() - statSync(file).mtimeMs < foreignStaleMs;
    } catch {
      return false;
    }
  }
  // Our own pid in a lock we do not hold: a previous life of this pid (a restarted container).
  if (owner.pid === process.pid) return false;
  try {
    process.kill(owner.pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists under another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function tryCreate(file: string): boolean {
  let fd: number;
  try {
    fd = openSync(file, 'wx', 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw new PalisadeError(
      'store-unavailable',
      `locking the embedded database: ${(error as Error).message}`,
      { status: 503, cause: error },
    );
  }
  try {
    const owner: LockOwner = {
      pid: process.pid,
      host: hostname(),
      since: new Date().toISOString(),
      command: process.argv.slice(2, 4).join(' '),
    };
    writeSync(fd, `${JSON.stringify(owner)}\n`);
  } finally {
    closeSync(fd);
  }
  return true;
}

export interface DataDirLock {
  readonly file: string;
  release(): void;
}

/**
 * Takes the lock of `dataDir`, waiting up to `waitMs` for a live owner to let go. Fails with
 * `store-busy` naming the owner. A second open in this same process fails at once.
 */
export async function lockDataDir(dataDir: string, waitMs: number): Promise<DataDirLock> {
  const file = `${dataDir.replace(/\/+$/, '')}.lock`;
  if (held.has(file))
    throw new PalisadeError(
      'store-busy',
      `the embedded database in ${dataDir} is already open in this process`,
      { status: 503 },
    );
  const deadline = Date.now() + waitMs;
  for (let delay = 50; ; delay = Math.min(delay * 2, 1_000)) {
    if (tryCreate(file)) break;
    const owner = readOwner(file);
    if (owner === undefined || !mayBeAlive(owner, file)) {
      // A stale or unreadable lock (a crashed owner, a half-written file): take it over. Two
      // processes doing this at once both unlink, and O_EXCL lets one of them create.
      removeQuietly(file);
      continue;
    }
    if (Date.now() >= deadline)
      throw new PalisadeError(
        'store-busy',
        `the embedded database in ${dataDir} is in use by process ${owner.pid} on ${owner.host}` +
          `${owner.command === '' ? '' : ` (palisade ${owner.command})`} since ${owner.since}; ` +
          `wait for it to finish or stop it (a lock left by a crash is taken over: ${file})`,
        { status: 503, details: { pid: owner.pid, host: owner.host } },
      );
    await sleep(Math.min(delay, Math.max(0, deadline - Date.now())));
  }
  held.add(file);
  releaseAllAtExit();
  const heartbeat = setInterval(() => {
    try {
      const now = new Date();
      utimesSync(file, now, now);
    } catch {
      // The file went away (removed by hand): the next open simply takes the lock.
    }
  }, heartbeatMs);
  heartbeat.unref();
  return {
    file,
    release() {
      clearInterval(heartbeat);
      if (!held.delete(file)) return;
      // Only our own lock: never remove one another process took over after us.
      if (readOwner(file)?.pid === process.pid) removeQuietly(file);
    },
  };
}
