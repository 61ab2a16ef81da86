// `palisade image scan` and `palisade image sbom`: scan an image (registry reference, OCI
// layout, docker-save archive) for packages and vulnerabilities, or write its SBOM. Parsing
// and printing only; the scan is image/scanImage, the outputs report/.

import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { Option } from 'commander';
import { readDockerConfig, readIgnoreFile, scanImage } from '../image/index.ts';
import type { ScanImageOptions } from '../image/index.ts';
import type { ImageScan, VulnerabilitySeverity } from '../model/index.ts';
import { PalisadeError } from '../model/index.ts';
import {
  buildImageScanReport,
  imageScanWriters,
  parseVulnerabilitySeverity,
  sbomWriters,
  vulnDbHint,
} from '../report/index.ts';
import { readSbom, scanSbom } from '../vuln/index.ts';
import type { VulnDb } from '../vuln/index.ts';
import type { CliContext } from './context.ts';
import {
  clock,
  databaseUrlHelp,
  layerCacheDir,
  openCliVulnDb,
  vulnDbFlagHelp,
  vulnDbTarget,
} from './vulndb.ts';

interface SourceFlags {
  platform?: string;
  insecure?: boolean;
  dockerConfig?: string;
  cacheDir?: string;
  cache?: boolean;
  vulndb?: string;
  databaseUrl?: string;
}

interface ScanFlags extends SourceFlags {
  sbom?: string;
  output?: string;
  severity?: string;
  ignoreUnfixed?: boolean;
  failOnFixable?: boolean;
  failOn?: string;
  ignoreFile?: string;
  outputFile?: string;
}

interface SbomFlags extends SourceFlags {
  output?: string;
  outputFile?: string;
  vulnerabilities?: boolean;
}

const severityWords = 'UNKNOWN, LOW, MEDIUM (MODERATE), HIGH (IMPORTANT), CRITICAL';

function parseSeverity(text: string, flag: string): VulnerabilitySeverity {
  const severity = parseVulnerabilitySeverity(text);
  if (severity === undefined)
    throw new PalisadeError('usage', `${flag} ${text}: expected one of ${severityWords}`);
  return severity;
}

/**
 * A path-like reference is taken relative to the working directory (so tests and scripts can
 * run the CLI from anywhere); registry references are left alone.
 */
function resolveReference(reference: string, context: CliContext): string {
  const prefixed = /^(oci|docker-archive):(.*)$/.exec(reference);
  if (prefixed !== null) {
    const [, kind = '', rest = ''] = prefixed;
    return isAbsolute(rest) ? reference : `${kind}:${resolve(context.cwd, rest)}`;
  }
  if (isAbsolute(reference) || reference.startsWith('docker://')) return reference;
  const local = resolve(context.cwd, reference);
  // "dir:name" of an OCI layout, or a plain file or directory.
  const colon = reference.lastIndexOf(':');
  if (existsSync(local)) return local;
  if (colon > 0 && existsSync(join(resolve(context.cwd, reference.slice(0, colon)), 'oci-layout')))
    return `${resolve(context.cwd, reference.slice(0, colon))}${reference.slice(colon)}`;
  return reference;
}

/** Opens the database: an explicit --vulndb must hold one; the default may be absent. */
function openDatabase(flags: SourceFlags, context: CliContext): Promise<VulnDb | undefined> {
  return openCliVulnDb(vulnDbTarget(flags, context));
}

async function runScan(
  reference: string,
  flags: SourceFlags & { ignoreFile?: string },
  context: CliContext,
  withVulnerabilities: boolean,
): Promise<ImageScan> {
  const now = clock();
  const ignore =
    flags.ignoreFile === undefined
      ? []
      : await readIgnoreFile(resolve(context.cwd, flags.ignoreFile));
  const credentials = await readDockerConfig(
    flags.dockerConfig === undefined ? {} : { path: resolve(context.cwd, flags.dockerConfig) },
  );
  const vulnDb = withVulnerabilities ? await openDatabase(flags, context) : undefined;
  if ((context.stderr as { isTTY?: boolean }).isTTY === true)
    context.stderr.write(`scanning ${reference}…\n`);
  try {
    const options: ScanImageOptions = {
      credentials,
      ...(vulnDb === undefined ? {} : { vulnDb }),
      ...(flags.platform === undefined ? {} : { platform: flags.platform }),
      ...(flags.insecure === true ? { insecure: true } : {}),
      ...(flags.cache === false ? {} : { cacheDir: layerCacheDir(flags.cacheDir, context) }),
      ignore,
      now,
    };
    const scan = await scanImage(resolveReference(reference, context), options);
    // Reports name the image as the user typed it, not the path it resolved to.
    return { ...scan, image: reference };
  } finally {
    await vulnDb?.close();
  }
}

/** `image scan --sbom FILE`: the SBOM's components matched, without the image. */
async function runSbomScan(
  file: string,
  flags: ScanFlags,
  context: CliContext,
): Promise<ImageScan> {
  const path = resolve(context.cwd, file);
  let content: string;
  try {
    content = await readFile(path, 'utf8');
  } catch (error) {
    throw new PalisadeError('usage', `--sbom ${file}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const sbom = readSbom(content, file);
  const ignore =
    flags.ignoreFile === undefined
      ? []
      : await readIgnoreFile(resolve(context.cwd, flags.ignoreFile));
  const vulnDb = await openDatabase(flags, context);
  try {
    return await scanSbom(sbom, file, {
      ...(vulnDb === undefined ? {} : { vulnDb }),
      ignore,
      now: clock(),
    });
  } finally {
    await vulnDb?.close();
  }
}

function sourceOptions(command: Command): Command {
  return command
    .option(
      '--platform <os/arch[/variant]>',
      'platform to pick from a multi-platform image (default linux/amd64)',
    )
    .option('--insecure', 'allow plain HTTP to a registry that is not on localhost')
    .option(
      '--docker-config <file>',
      'registry credentials (default $DOCKER_CONFIG/config.json, ~/.docker/config.json)',
    )
    .option('--cache-dir <dir>', 'layer cache (default $PALISADE_CACHE_DIR, ~/.cache/palisade)')
    .option('--no-cache', 'do not read or write the layer cache');
}

export function registerImage(program: Command, context: CliContext): void {
  const image = program.command('image').description('scan container images and write SBOMs');

  sourceOptions(
    image
      .command('scan')
      .description("list an image's packages and their known vulnerabilities")
      .argument(
        '[image]',
        'registry reference, oci:<dir>[:name], an OCI layout directory, or a docker-save .tar',
      )
      .option(
        '--sbom <file>',
        'match the packages of a CycloneDX (1.4-1.6) or SPDX 2.3 JSON SBOM instead of an image',
      )
      .addOption(
        new Option('-o, --output <format>', 'output format').choices([...imageScanWriters.keys()]),
      )
      .option('--severity <list>', `show only these severities, comma-separated (${severityWords})`)
      .option('--ignore-unfixed', 'hide vulnerabilities that have no fixed version')
      .option('--fail-on-fixable', 'exit 1 when a shown vulnerability has a fix')
      .option(
        '--fail-on <severity>',
        'exit 1 when a shown vulnerability is at or above this severity (or none)',
      )
      .option(
        '--ignore-file <file>',
        'YAML/JSON list of { id, package?, reason, expires? } to suppress',
      )
      .option('--vulndb <dir>', vulnDbFlagHelp)
      .option('--database-url <url>', databaseUrlHelp)
      .option('--output-file <file>', 'write the report to a file instead of stdout'),
  ).action(async (reference: string | undefined, flags: ScanFlags) => {
    if ((reference === undefined) === (flags.sbom === undefined))
      throw new PalisadeError('usage', 'name an image or give --sbom FILE (one of the two)');
    const output = flags.output ?? 'table';
    const writer = imageScanWriters.get(output);
    if (writer === undefined) throw new PalisadeError('usage', `unknown output format '${output}'`);
    const severities = (flags.severity ?? '')
      .split(',')
      .filter((s) => s.trim() !== '')
      .map((s) => parseSeverity(s, '--severity'));
    const failOn =
      flags.failOn === undefined || flags.failOn.toLowerCase() === 'none'
        ? 'none'
        : parseSeverity(flags.failOn, '--fail-on');
    const scan =
      flags.sbom !== undefined
        ? await runSbomScan(flags.sbom, flags, context)
        : await runScan(reference ?? '', flags, context, true);
    const report = buildImageScanReport({
      scan,
      version: context.version,
      filters: {
        ...(severities.length > 0 ? { severities } : {}),
        ...(flags.ignoreUnfixed === true ? { ignoreUnfixed: true } : {}),
      },
      gate: { failOn, failOnFixable: flags.failOnFixable === true },
    });
    const text = writer.write(report, {
      color: context.color && output === 'table' && flags.outputFile === undefined,
    });
    if (flags.outputFile === undefined) context.stdout.write(text);
    else await writeFile(resolve(context.cwd, flags.outputFile), text);
    if (!report.summary.matched && (output !== 'table' || flags.outputFile !== undefined))
      context.stderr.write(`palisade: warning: ${vulnDbHint}\n`);
    for (const rule of scan.expiredIgnores ?? [])
      context.stderr.write(
        `palisade: ${rule.file}:${rule.line}: ignore rule for ${rule.id} expired on ${rule.expires ?? ''}; it no longer applies\n`,
      );
    if (!report.summary.matched && (failOn !== 'none' || flags.failOnFixable === true)) {
      context.stderr.write(
        'palisade: cannot apply --fail-on/--fail-on-fixable without a vulnerability database\n',
      );
      context.exitCode = 2;
      return;
    }
    context.exitCode = report.summary.failed ? 1 : 0;
  });

  sourceOptions(
    image
      .command('sbom')
      .description('write the software bill of materials of an image')
      .argument(
        '<image>',
        'registry reference, oci:<dir>[:name], an OCI layout directory, or a docker-save .tar',
      )
      .addOption(
        new Option('-o, --output <format>', 'SBOM format (default cyclonedx)').choices([
          ...sbomWriters.keys(),
        ]),
      )
      .option('--output-file <file>', 'write the SBOM to a file instead of stdout')
      .option('--vulnerabilities', 'also list known vulnerabilities (CycloneDX only)')
      .option('--vulndb <dir>', 'vulnerability database for --vulnerabilities')
      .option('--database-url <url>', databaseUrlHelp),
  ).action(async (reference: string, flags: SbomFlags) => {
    const format = flags.output ?? 'cyclonedx';
    const writer = sbomWriters.get(format);
    if (writer === undefined) throw new PalisadeError('usage', `unknown SBOM format '${format}'`);
    if (flags.vulnerabilities === true && format !== 'cyclonedx')
      throw new PalisadeError(
        'usage',
        '--vulnerabilities needs -o cyclonedx (SPDX 2.3 has no place for them)',
      );
    const scan = await runScan(reference, flags, context, flags.vulnerabilities === true);
    if (flags.vulnerabilities === true && scan.vulnerabilityDb?.matched !== true)
      context.stderr.write(`palisade: warning: ${vulnDbHint}\n`);
    const text = writer.write(scan, {
      tool: { name: 'palisade', version: context.version },
      now: clock()(),
      uuid: randomUUID(),
      vulnerabilities: flags.vulnerabilities === true,
    });
    if (flags.outputFile === undefined) context.stdout.write(text);
    else await writeFile(resolve(context.cwd, flags.outputFile), text);
    context.exitCode = 0;
  });
}
