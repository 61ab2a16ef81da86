// `palisade vulndb import|status|update`: the OSV vulnerability database the image scan matches
// against. Parsing and printing only; import, matching and download live in vuln/, the
// PostgreSQL tables in store/osv-records.ts. Where it lives: an embedded PGlite database in
// <cache dir>/vulndb (the cache dir also holds the layer cache: $PALISADE_CACHE_DIR, else
// $PALISADE_HOME/cache, else ~/.cache/palisade); --vulndb DIR names another PGlite directory,
// --database-url a PostgreSQL server (Central's, whose schema is the same).

import { existsSync, readdirSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { Option } from 'commander';
import { PalisadeError } from '../model/index.ts';
import { openDatabase, osvRecordStore } from '../store/index.ts';
import {
  defaultOsvSource,
  defaultUpdateEcosystems,
  importOsv,
  openVulnDb,
  readUpdateSources,
  updateVulnDb,
} from '../vuln/index.ts';
import type { ImportReport, OsvRecordStore, VulnDb, VulnDbStatus } from '../vuln/index.ts';
import type { CliContext } from './context.ts';

type Env = Readonly<Record<string, string | undefined>>;

/** $PALISADE_HOME, else ~/.palisade. */
export function palisadeHome(env: Env = process.env): string {
  const home = env['PALISADE_HOME'];
  return home !== undefined && home !== '' ? resolve(home) : join(homedir(), '.palisade');
}

/** --vulndb DIR (relative to the working directory), else <cache dir>/vulndb. */
export function vulnDbDir(
  flag: string | undefined,
  context: CliContext,
  env: Env = process.env,
  cacheDirFlag?: string,
) {
  return flag === undefined
    ? join(layerCacheDir(cacheDirFlag, context, env), 'vulndb')
    : resolve(context.cwd, flag);
}

/** Where the vulnerability database is: a PGlite directory, or a PostgreSQL server. */
export type VulnDbTarget =
  | { readonly kind: 'pglite'; readonly dir: string; readonly explicit: boolean }
  | { readonly kind: 'postgres'; readonly url: string };

export interface VulnDbFlags {
  vulndb?: string;
  databaseUrl?: string;
  cacheDir?: string;
}

export function vulnDbTarget(flags: VulnDbFlags, context: CliContext): VulnDbTarget {
  if (flags.databaseUrl !== undefined) {
    if (flags.vulndb !== undefined)
      throw new PalisadeError('usage', '--vulndb and --database-url exclude each other');
    if (!/^postgres(ql)?:\/\//.test(flags.databaseUrl))
      throw new PalisadeError('usage', '--database-url: expected postgres://…');
    return { kind: 'postgres', url: flags.databaseUrl };
  }
  return {
    kind: 'pglite',
    dir: vulnDbDir(flags.vulndb, context, process.env, flags.cacheDir),
    explicit: flags.vulndb !== undefined,
  };
}

function describeTarget(target: VulnDbTarget): string {
  // A server URL may carry a password: name the host only.
  if (target.kind === 'pglite') return target.dir;
  const url = new URL(target.url);
  return `postgres://${url.host}${url.pathname}`;
}

/** The database directory holds PGlite's files, or is new; anything else is refused. */
function checkPgliteDir(dir: string, create: boolean): 'present' | 'absent' {
  if (existsSync(join(dir, 'PG_VERSION'))) return 'present';
  if (existsSync(join(dir, 'osv', 'meta.json')))
    throw new PalisadeError(
      'vulndb-format',
      `${dir} holds a vulnerability database of an older Palisade (JSON files); ` +
        `delete ${dir} and run "palisade vulndb update" (or "vulndb import") again`,
    );
  if (create && existsSync(dir) && readdirSync(dir).length > 0)
    throw new PalisadeError(
      'usage',
      `${dir} is not a Palisade vulnerability database; name a new or empty directory`,
    );
  return 'absent';
}

export interface OpenedVulnStore {
  readonly store: OsvRecordStore;
  /** Where downloads in progress go. */
  readonly workDir: string;
  close(): Promise<void>;
}

/** How long a command waits for another process using the embedded vulnerability database. */
const vulnDbLockWaitMs = 10 * 60_000;

/** Opens the database's store; without `create`, an absent PGlite database gives undefined. */
export async function openVulnStore(
  target: VulnDbTarget,
  create: boolean,
): Promise<OpenedVulnStore | undefined> {
  if (target.kind === 'pglite' && checkPgliteDir(target.dir, create) === 'absent' && !create)
    return undefined;
  // Parallel scans (CI jobs on one runner) share the cache directory: wait for each other.
  const db = await openDatabase(
    target.kind === 'pglite'
      ? { dataDir: target.dir, lockWaitMs: vulnDbLockWaitMs }
      : { url: target.url, poolSize: 2 },
  );
  return {
    store: osvRecordStore(db, describeTarget(target)),
    workDir: target.kind === 'pglite' ? dirname(target.dir) : tmpdir(),
    close: () => db.close(),
  };
}

/**
 * Opens the database for matching. Absent: an error when named (--vulndb, --database-url),
 * undefined for the default location, which a first scan may not have yet.
 */
export async function openCliVulnDb(target: VulnDbTarget): Promise<VulnDb | undefined> {
  const opened = await openVulnStore(target, false);
  if (opened === undefined) {
    if (target.kind === 'pglite' && target.explicit)
      throw new PalisadeError(
        'vulndb-missing',
        `no vulnerability database in ${target.dir}; run "palisade vulndb update" or "palisade vulndb import" first`,
        { status: 404 },
      );
    return undefined;
  }
  try {
    return await openVulnDb(opened.store, { onClose: () => opened.close() });
  } catch (error) {
    await opened.close();
    if (
      target.kind === 'pglite' &&
      !target.explicit &&
      error instanceof PalisadeError &&
      error.code === 'vulndb-missing'
    )
      return undefined;
    throw error;
  }
}

/**
 * The layer cache: --cache-dir, else $PALISADE_CACHE_DIR, else <palisade home>/cache when
 * PALISADE_HOME is set, else ~/.cache/palisade (XDG's cache home).
 */
export function layerCacheDir(
  flag: string | undefined,
  context: CliContext,
  env: Env = process.env,
) {
  if (flag !== undefined) return resolve(context.cwd, flag);
  const fromEnv = env['PALISADE_CACHE_DIR'];
  if (fromEnv !== undefined && fromEnv !== '') return resolve(fromEnv);
  const home = env['PALISADE_HOME'];
  if (home !== undefined && home !== '') return join(resolve(home), 'cache');
  const xdg = env['XDG_CACHE_HOME'];
  return join(xdg !== undefined && xdg !== '' ? xdg : join(homedir(), '.cache'), 'palisade');
}

/**
 * The time written into scans, SBOMs and the database: now, or SOURCE_DATE_EPOCH when set
 * (reproducible-builds.org/specs/source-date-epoch), which makes outputs reproducible.
 */
export function clock(env: Env = process.env): () => Date {
  const epoch = env['SOURCE_DATE_EPOCH'];
  if (epoch !== undefined && /^\d+$/.test(epoch)) {
    const fixed = new Date(Number(epoch) * 1000);
    return () => fixed;
  }
  return () => new Date();
}

function isTerminal(stream: NodeJS.WritableStream): boolean {
  return (stream as { isTTY?: boolean }).isTTY === true;
}

function printImport(context: CliContext, what: string, report: ImportReport): void {
  context.stdout.write(
    `${what}: ${report.imported} record(s) imported` +
      `${report.ecosystems.length > 0 ? ` (${report.ecosystems.join(', ')})` : ''}` +
      `, ${report.withdrawn} withdrawn, ${report.skipped} without packages` +
      `${report.problems.length > 0 ? `, ${report.problems.length} problem(s)` : ''}.\n`,
  );
  for (const problem of report.problems.slice(0, 20))
    context.stderr.write(`palisade: ${problem.source}: ${problem.message}\n`);
  if (report.problems.length > 20)
    context.stderr.write(`palisade: … and ${report.problems.length - 20} more problem(s)\n`);
}

async function readStatus(store: OsvRecordStore): Promise<VulnDbStatus | undefined> {
  const status = await store.readStatus();
  return status === undefined ? undefined : { dataDir: store.location, ...status };
}

type ImportFlags = VulnDbFlags;
interface StatusFlags extends VulnDbFlags {
  output?: string;
}
interface UpdateFlags extends VulnDbFlags {
  ecosystem?: string[];
  source?: string;
  timeout?: string;
}

const collect = (value: string, previous: string[] = []) => [
  ...previous,
  ...value
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean),
];

export const vulnDbFlagHelp =
  'database directory, an embedded PostgreSQL (default <cache dir>/vulndb: $PALISADE_CACHE_DIR, ~/.cache/palisade)';
export const databaseUrlHelp = "keep the database on this PostgreSQL server instead (Central's)";

/** Runs fn on the opened store and closes it, whatever happens. */
async function withStore<T>(
  target: VulnDbTarget,
  create: boolean,
  fn: (opened: OpenedVulnStore | undefined) => Promise<T>,
): Promise<T> {
  const opened = await openVulnStore(target, create);
  try {
    return await fn(opened);
  } finally {
    await opened?.close();
  }
}

export function registerVulnDb(program: Command, context: CliContext): void {
  const vulndb = program
    .command('vulndb')
    .description('manage the local OSV vulnerability database used by "image scan"');

  vulndb
    .command('import')
    .description('import OSV records from a directory (*.json, *.zip) or an OSV all.zip (offline)')
    .argument('<path>', 'directory of OSV JSON records, or a zip of them')
    .option('--vulndb <dir>', vulnDbFlagHelp)
    .option('--database-url <url>', databaseUrlHelp)
    .action(async (path: string, flags: ImportFlags) => {
      const target = vulnDbTarget(flags, context);
      const source = resolve(context.cwd, path);
      if (!existsSync(source))
        throw new PalisadeError('usage', `${path}: no such file or directory`);
      const report = await withStore(target, true, async (opened) =>
        importOsv(source, (opened as OpenedVulnStore).store, { now: clock() }),
      );
      printImport(context, `${path} → ${describeTarget(target)}`, report);
      // Partial input gives partial results; nothing usable at all is an input error.
      context.exitCode = report.problems.length > 0 && report.imported === 0 ? 2 : 0;
    });

  vulndb
    .command('status')
    .description('show what the vulnerability database holds and when it was updated')
    .option('--vulndb <dir>', vulnDbFlagHelp)
    .option('--database-url <url>', databaseUrlHelp)
    .addOption(new Option('-o, --output <format>', 'output format').choices(['table', 'json']))
    .action(async (flags: StatusFlags) => {
      const target = vulnDbTarget(flags, context);
      const dataDir = describeTarget(target);
      const [status, sources] = await withStore(target, false, async (opened) =>
        opened === undefined
          ? [undefined, {}]
          : Promise.all([readStatus(opened.store), readUpdateSources(opened.store)]),
      );
      if (flags.output === 'json') {
        context.stdout.write(
          `${JSON.stringify({ ...(status ?? { ecosystems: [], records: 0 }), dataDir, present: status !== undefined, sources }, null, 2)}\n`,
        );
        return;
      }
      if (status === undefined) {
        context.stdout.write(
          `No vulnerability database in ${dataDir}.\n` +
            'Run "palisade vulndb update" to download OSV data, or "palisade vulndb import <dir|zip>" offline.\n',
        );
        return;
      }
      context.stdout.write(
        `Vulnerability database ${dataDir}\n${status.records} record(s), last import ${status.lastImport ?? 'unknown'}\n\n`,
      );
      const width = Math.max(9, ...status.ecosystems.map((e) => e.ecosystem.length));
      context.stdout.write(
        `${'ECOSYSTEM'.padEnd(width)}  ${'RECORDS'.padStart(8)}  IMPORTED              CHECKED\n`,
      );
      for (const e of status.ecosystems) {
        const checked = sources[e.ecosystem]?.checkedAt ?? '-';
        context.stdout.write(
          `${e.ecosystem.padEnd(width)}  ${String(e.records).padStart(8)}  ${e.importedAt.padEnd(22)}  ${checked}\n`,
        );
      }
    });

  vulndb
    .command('update')
    .description('download OSV data per ecosystem (<source>/<ecosystem>/all.zip) and import it')
    .option('--vulndb <dir>', vulnDbFlagHelp)
    .option('--database-url <url>', databaseUrlHelp)
    .option(
      '--ecosystem <name>',
      'OSV ecosystem to update (repeatable, comma-separated; default: those in the database, else the image ecosystems)',
      collect,
    )
    .option('--source <url>', `where the exports are (default ${defaultOsvSource})`)
    .option('--timeout <seconds>', 'timeout per ecosystem download (default 600)')
    .action(async (flags: UpdateFlags) => {
      const target = vulnDbTarget(flags, context);
      const timeout = flags.timeout === undefined ? 600 : Number(flags.timeout);
      if (!Number.isFinite(timeout) || timeout <= 0)
        throw new PalisadeError('usage', `--timeout ${flags.timeout ?? ''}: expected seconds`);
      if (flags.source !== undefined && !/^https?:\/\//.test(flags.source))
        throw new PalisadeError('usage', `--source ${flags.source}: expected an http(s) URL`);
      const progress = isTerminal(context.stderr);
      const results = await withStore(target, true, async (opened) => {
        const { store, workDir } = opened as OpenedVulnStore;
        const present = (await readStatus(store))?.ecosystems.map((e) => e.ecosystem) ?? [];
        const ecosystems =
          flags.ecosystem !== undefined && flags.ecosystem.length > 0
            ? flags.ecosystem
            : present.length > 0
              ? present
              : [...defaultUpdateEcosystems];
        return updateVulnDb(store, {
          workDir,
          ecosystems,
          ...(flags.source === undefined ? {} : { source: flags.source }),
          timeoutMs: timeout * 1000,
          now: clock(),
          ...(progress
            ? {
                onProgress: ({ ecosystem, phase }) =>
                  context.stderr.write(
                    `${phase === 'download' ? 'downloading' : 'importing'} ${ecosystem}…\n`,
                  ),
              }
            : {}),
        });
      });
      let failed = 0;
      for (const result of results) {
        switch (result.status) {
          case 'updated':
            printImport(
              context,
              `${result.ecosystem}: downloaded ${result.bytes} bytes`,
              result.report,
            );
            break;
          case 'not-modified':
            context.stdout.write(`${result.ecosystem}: not modified since the last update.\n`);
            break;
          case 'failed':
            failed++;
            context.stderr.write(`palisade: updating ${result.ecosystem}: ${result.error}\n`);
            break;
        }
      }
      context.exitCode = failed > 0 ? 2 : 0;
    });
}
