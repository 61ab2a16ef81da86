// Builds the web console into dist/web (Vite), gzips the assets beside themselves for Central to
// serve, and stamps the build. `--if-stale` builds only when a source file (web/, the lockfile)
// is newer than the stamp: `npm start` runs it so a fresh clone or an edited console is rebuilt.
// Concurrent callers (parallel test files) take a lock directory so only one builds at a time.

import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';

const packageRoot = fileURLToPath(new URL('..', import.meta.url));
export const consoleOutput = join(packageRoot, 'dist', 'web');
const stampFile = join(consoleOutput, '.build-stamp');
const lockDirectory = join(packageRoot, 'dist', '.web-build-lock');
const sources = [
  join(packageRoot, 'web'),
  join(packageRoot, 'package-lock.json'),
  join(packageRoot, 'package.json'),
];

async function newestMtime(path: string): Promise<number> {
  const info = await stat(path).catch(() => null);
  if (info === null) return 0;
  if (!info.isDirectory()) return info.mtimeMs;
  let newest = info.mtimeMs;
  for (const entry of await readdir(path)) {
    if (entry === 'node_modules') continue;
    newest = Math.max(newest, await newestMtime(join(path, entry)));
  }
  return newest;
}

/** True when dist/web is missing or older than any console source. */
export async function consoleIsStale(): Promise<boolean> {
  const stamp = await stat(stampFile).catch(() => null);
  if (stamp === null) return true;
  const newest = Math.max(...(await Promise.all(sources.map(newestMtime))));
  return newest > stamp.mtimeMs;
}

async function gzipAssets(directory: string): Promise<void> {
  const compress = promisify(gzip);
  for (const entry of await readdir(directory, { withFileTypes: true })) {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) await gzipAssets(path);
    else if (/\.(js|css|svg|json)$/.test(entry.name)) {
      await writeFile(`${path}.gz`, await compress(await readFile(path), { level: 9 }));
    }
  }
}

async function withLock<T>(work: () => Promise<T>): Promise<T> {
  await mkdir(join(packageRoot, 'dist'), { recursive: true });
  const started = Date.now();
  for (;;) {
    try {
      await mkdir(lockDirectory);
      break;
    } catch {
      const info = await stat(lockDirectory).catch(() => null);
      // A lock left by a killed build is stale after two minutes.
      if (info !== null && Date.now() - info.mtimeMs > 120_000) {
        await rm(lockDirectory, { recursive: true, force: true });
        continue;
      }
      if (Date.now() - started > 180_000) throw new Error('timed out waiting for a console build');
      await new Promise((done) => setTimeout(done, 250));
    }
  }
  try {
    return await work();
  } finally {
    await rm(lockDirectory, { recursive: true, force: true });
  }
}

/** Builds the console; with `ifStale`, only when it is missing or older than its sources. */
export async function buildConsole(options: { readonly ifStale?: boolean } = {}): Promise<boolean> {
  if (options.ifStale === true && !(await consoleIsStale())) return false;
  return withLock(async () => {
    // Another process may have built it while this one waited.
    if (options.ifStale === true && !(await consoleIsStale())) return false;
    const { build } = await import('vite');
    await build({ configFile: join(packageRoot, 'web', 'vite.config.ts'), logLevel: 'warn' });
    await gzipAssets(consoleOutput);
    await writeFile(stampFile, `${new Date().toISOString()}\n`);
    return true;
  });
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const ifStale = process.argv.includes('--if-stale');
  const started = Date.now();
  buildConsole({ ifStale }).then(
    (built) => {
      if (built)
        process.stderr.write(`web console built into dist/web in ${Date.now() - started} ms\n`);
    },
    (error: unknown) => {
      process.stderr.write(
        `palisade: building the web console failed: ${error instanceof Error ? error.message : String(error)}\n`,
      );
      process.exitCode = 1;
    },
  );
}
