// RPM packages from the rpm database: rpmdb.sqlite (rpm >= 4.16; RHEL 9, Fedora 33+, recent
// openSUSE) read with sql.js, each row's blob an rpm header (rpm-header.ts). The Berkeley DB
// `Packages` (RHEL <= 8) and NDB `Packages.db` (SUSE) formats are recognised and reported as
// unsupported rather than read.

import initSqlJs from 'sql.js';
import type { Component, ImageFinding, OsRelease } from '../../model/index.ts';
import { buildPurl } from './purl.ts';
import { detectOsRelease, distroEcosystem, distroQualifier } from './os-release.ts';
import { finding, selectFiles } from './registry.ts';
import { parseRpmHeader, parseSourceRpm, rpmTag } from './rpm-header.ts';
import type { Analyzer, ImageFile } from './types.ts';

const id = 'rpm';
const dbDirs = ['/var/lib/rpm/', '/usr/lib/sysimage/rpm/', '/usr/share/rpm/'];
const maxDbSize = 512 * 1024 * 1024;

type SqlJs = Awaited<ReturnType<typeof initSqlJs>>;
let sqlJs: Promise<SqlJs> | undefined;

function dbKind(path: string): 'sqlite' | 'bdb' | 'ndb' | undefined {
  const dir = dbDirs.find((d) => path.startsWith(d));
  if (dir === undefined) return undefined;
  const name = path.slice(dir.length);
  if (name === 'rpmdb.sqlite') return 'sqlite';
  if (name === 'Packages') return 'bdb';
  if (name === 'Packages.db') return 'ndb';
  return undefined;
}

/** The purl namespace (vendor) of an rpm distribution. */
function vendorOf(os: OsRelease | undefined): string {
  const osId = os?.id ?? 'rhel';
  if (osId === 'rhel') return 'redhat';
  if (osId === 'sles' || osId === 'sled') return 'suse';
  return osId.startsWith('opensuse') ? 'opensuse' : osId;
}

function headerComponent(
  blob: Uint8Array,
  file: ImageFile,
  os: OsRelease | undefined,
): Component | undefined {
  const header = parseRpmHeader(blob);
  const text = (tag: number): string | undefined => {
    const value = header.get(tag);
    return typeof value === 'string' ? value : undefined;
  };
  const name = text(rpmTag.name);
  const version = text(rpmTag.version);
  const release = text(rpmTag.release);
  if (name === undefined || version === undefined)
    throw new Error('header without NAME or VERSION');
  // The public keys rpm imports appear as gpg-pubkey "packages".
  if (name === 'gpg-pubkey') return undefined;
  const epochValue = header.get(rpmTag.epoch);
  const epoch = typeof epochValue === 'number' && epochValue > 0 ? String(epochValue) : undefined;
  const arch = text(rpmTag.arch);
  const versionRelease = release === undefined ? version : `${version}-${release}`;
  const full = epoch === undefined ? versionRelease : `${epoch}:${versionRelease}`;
  const sourceRpm = text(rpmTag.sourceRpm);
  const source = sourceRpm === undefined ? undefined : parseSourceRpm(sourceRpm);
  return {
    type: 'rpm',
    name,
    version: full,
    sourceName: source?.name ?? name,
    sourceVersion:
      source === undefined
        ? full
        : `${epoch === undefined ? '' : `${epoch}:`}${source.version}-${source.release}`,
    ...(arch === undefined ? {} : { arch }),
    ecosystem: distroEcosystem(os, 'Red Hat'),
    purl: buildPurl({
      type: 'rpm',
      namespace: vendorOf(os),
      name,
      version: versionRelease,
      qualifiers: { arch, epoch, distro: distroQualifier(os) },
    }),
    file: file.path,
    layer: file.layer,
  };
}

async function readSqlite(
  file: ImageFile,
  os: OsRelease | undefined,
): Promise<{ components: Component[]; findings: ImageFinding[] }> {
  const components: Component[] = [];
  const findings: ImageFinding[] = [];
  sqlJs ??= initSqlJs();
  const SQL = await sqlJs;
  let db: InstanceType<SqlJs['Database']> | undefined;
  try {
    db = new SQL.Database(file.content);
    const statement = db.prepare('SELECT hnum, blob FROM Packages ORDER BY hnum');
    try {
      while (statement.step()) {
        const [hnum, blob] = statement.get();
        if (!(blob instanceof Uint8Array)) {
          findings.push(
            finding(
              id,
              'malformed-database',
              file,
              `package row ${String(hnum)} has no header blob`,
            ),
          );
          continue;
        }
        try {
          const component = headerComponent(blob, file, os);
          if (component !== undefined) components.push(component);
        } catch (error) {
          const message = error instanceof Error ? error.message : String(error);
          findings.push(
            finding(id, 'malformed-database', file, `package row ${String(hnum)}: ${message}`),
          );
        }
      }
    } finally {
      statement.free();
    }
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    findings.push(finding(id, 'malformed-database', file, `cannot read rpmdb.sqlite: ${message}`));
  } finally {
    db?.close();
  }
  return { components, findings };
}

export const rpmAnalyzer: Analyzer = {
  id,
  wants: (path, info) => dbKind(path) !== undefined && info.size <= maxDbSize,
  async analyze(input) {
    const os = detectOsRelease(input.files);
    const components: Component[] = [];
    const findings: ImageFinding[] = [];
    for (const file of selectFiles(input, (p) => dbKind(p) !== undefined)) {
      const kind = dbKind(file.path);
      if (kind === 'sqlite') {
        const result = await readSqlite(file, os);
        components.push(...result.components);
        findings.push(...result.findings);
      } else if (kind !== undefined) {
        const format = kind === 'bdb' ? 'Berkeley DB' : 'NDB';
        findings.push(
          finding(
            id,
            'unsupported-rpmdb-format',
            file,
            `unsupported rpmdb format (${format}); rpm packages of this image are not listed — images with rpm >= 4.16 use rpmdb.sqlite`,
          ),
        );
      }
    }
    return { components, findings };
  },
};
