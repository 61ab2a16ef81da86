// `palisade vulndb import|status|update`: the local OSV vulnerability database the image scan
// matches against. Parsing and printing only; the store and the download live in vuln/.
// Where things live: $PALISADE_HOME (default ~/.palisade) holds vulndb/; --vulndb DIR overrides.
// (`palisade serve` keeps its server database in ./.palisade of the working directory; the
// vulnerability database is per user, shared by every project.)

import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { Option } from 'commander';
import { PalisadeError } from '../model/index.ts';
import {
  defaultOsvSource,
  defaultUpdateEcosystems,
  importOsv,
  openVulnDb,
  readUpdateSources,
  updateVulnDb,
} from '../vuln/index.ts';
import type { ImportReport, VulnDbStatus } from '../vuln/index.ts';
import type { CliContext } from './context.ts';

type Env = Readonly<Record<string, string | undefined>>;

/** $PALISADE_HOME, else ~/.palisade. */
export function palisadeHome(env: Env = process.env): string {
  const home = env['PALISADE_HOME'];
  return home !== undefined && home !== '' ? resolve(home) : join(homedir(), '.palisade');
}

/** --vulndb DIR (relative to the working directory), else <palisade home>/vulndb. */
export function vulnDbDir(flag: string | undefined, context: CliContext, env: Env = process.env) {
  return flag === undefined ? join(palisadeHome(env), 'vulndb') : resolve(context.cwd, flag);
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

async function readStatus(dataDir: string): Promise<VulnDbStatus | undefined> {
  if (!existsSync(join(dataDir, 'osv', 'meta.json'))) return undefined;
  const db = await openVulnDb(dataDir);
  try {
    return db.status();
  } finally {
    db.close();
  }
}

interface ImportFlags {
  vulndb?: string;
}
interface StatusFlags {
  vulndb?: string;
  output?: string;
}
interface UpdateFlags {
  vulndb?: string;
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

export function registerVulnDb(program: Command, context: CliContext): void {
  const vulndb = program
    .command('vulndb')
    .description('manage the local OSV vulnerability database used by "image scan"');

  vulndb
    .command('import')
    .description('import OSV records from a directory (*.json, *.zip) or an OSV all.zip (offline)')
    .argument('<path>', 'directory of OSV JSON records, or a zip of them')
    .option(
      '--vulndb <dir>',
      'database directory (default $PALISADE_HOME/vulndb, ~/.palisade/vulndb)',
    )
    .action(async (path: string, flags: ImportFlags) => {
      const dataDir = vulnDbDir(flags.vulndb, context);
      const source = resolve(context.cwd, path);
      if (!existsSync(source))
        throw new PalisadeError('usage', `${path}: no such file or directory`);
      const report = await importOsv(source, dataDir, { now: clock() });
      printImport(context, `${path} → ${dataDir}`, report);
      // Partial input gives partial results; nothing usable at all is an input error.
      context.exitCode = report.problems.length > 0 && report.imported === 0 ? 2 : 0;
    });

  vulndb
    .command('status')
    .description('show what the vulnerability database holds and when it was updated')
    .option(
      '--vulndb <dir>',
      'database directory (default $PALISADE_HOME/vulndb, ~/.palisade/vulndb)',
    )
    .addOption(new Option('-o, --output <format>', 'output format').choices(['table', 'json']))
    .action(async (flags: StatusFlags) => {
      const dataDir = vulnDbDir(flags.vulndb, context);
      const status = await readStatus(dataDir);
      const sources = await readUpdateSources(dataDir);
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
    .option(
      '--vulndb <dir>',
      'database directory (default $PALISADE_HOME/vulndb, ~/.palisade/vulndb)',
    )
    .option(
      '--ecosystem <name>',
      'OSV ecosystem to update (repeatable, comma-separated; default: those in the database, else the image ecosystems)',
      collect,
    )
    .option('--source <url>', `where the exports are (default ${defaultOsvSource})`)
    .option('--timeout <seconds>', 'timeout per ecosystem download (default 600)')
    .action(async (flags: UpdateFlags) => {
      const dataDir = vulnDbDir(flags.vulndb, context);
      const timeout = flags.timeout === undefined ? 600 : Number(flags.timeout);
      if (!Number.isFinite(timeout) || timeout <= 0)
        throw new PalisadeError('usage', `--timeout ${flags.timeout ?? ''}: expected seconds`);
      if (flags.source !== undefined && !/^https?:\/\//.test(flags.source))
        throw new PalisadeError('usage', `--source ${flags.source}: expected an http(s) URL`);
      const present = (await readStatus(dataDir))?.ecosystems.map((e) => e.ecosystem) ?? [];
      const ecosystems =
        flags.ecosystem !== undefined && flags.ecosystem.length > 0
          ? flags.ecosystem
          : present.length > 0
            ? present
            : [...defaultUpdateEcosystems];
      const progress = isTerminal(context.stderr);
      const results = await updateVulnDb(dataDir, {
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
