// RPM packages from the rpm database, in each of its formats: rpmdb.sqlite (rpm >= 4.16; RHEL 9,
// Fedora 33+) read with sql.js, the Berkeley DB `Packages` (RHEL/CentOS <= 8, Amazon Linux 2;
// rpm-bdb.ts) and the NDB `Packages.db` (SUSE; rpm-ndb.ts). Each holds one rpm header blob per
// package (rpm-header.ts), turned into a component here. Not for rpm's index databases.

import initSqlJs from 'sql.js';
import type { Component, ImageFinding, OsRelease } from '../../model/index.ts';
import { buildPurl } from './purl.ts';
import { detectOsRelease, distroEcosystem, distroQualifier } from './os-release.ts';
import { finding, selectFiles } from './registry.ts';
import { readBerkeleyDbPackages } from './rpm-bdb.ts';
import type { RpmdbBlob, RpmdbContents, RpmdbProblem } from './rpm-bdb.ts';
import { parseRpmHeader, parseSourceRpm, rpmTag } from './rpm-header.ts';
import { readNdbPackages } from './rpm-ndb.ts';
import type { Analyzer, ImageFile } from './types.ts';

const id = 'rpm';
const dbDirs = ['/var/lib/rpm/', '/usr/lib/sysimage/rpm/', '/usr/share/rpm/'];
const maxDbSize = 512 * 1024 * 1024;

type SqlJs = Awaited<ReturnType<typeof initSqlJs>>;
let sqlJs: Promise<SqlJs> | undefined;

type DbKind = 'sqlite' | 'bdb' | 'ndb';

function dbKind(path: string): DbKind | undefined {
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

/** The header blobs of rpmdb.sqlite's Packages table (rpm lib/backend/sqlite.c: hnum, blob). */
async function readSqlitePackages(content: Buffer): Promise<RpmdbContents> {
  const blobs: RpmdbBlob[] = [];
  const problems: RpmdbProblem[] = [];
  sqlJs ??= initSqlJs();
  const SQL = await sqlJs;
  let db: InstanceType<SqlJs['Database']> | undefined;
  try {
    db = new SQL.Database(content);
    const statement = db.prepare('SELECT hnum, blob FROM Packages ORDER BY hnum');
    try {
      while (statement.step()) {
        const [hnum, blob] = statement.get();
        if (blob instanceof Uint8Array) {
          blobs.push({ instance: Number(hnum), blob });
        } else {
          const message = `package row ${String(hnum)} has no header blob`;
          problems.push({ code: 'malformed-database', message });
        }
      }
    } finally {
      statement.free();
    }
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    problems.push({ code: 'malformed-database', message: `cannot read rpmdb.sqlite: ${message}` });
  } finally {
    db?.close();
  }
  return { blobs, problems };
}

/** Reads the database's header blobs with the reader for its format. */
async function readPackages(kind: DbKind, content: Buffer): Promise<RpmdbContents> {
  switch (kind) {
    case 'sqlite':
      return readSqlitePackages(content);
    case 'bdb':
      return readBerkeleyDbPackages(content);
    case 'ndb':
      return readNdbPackages(content);
  }
}

/** Turns one database's header blobs into components, and its problems into findings. */
function listPackages(
  kind: DbKind,
  contents: RpmdbContents,
  file: ImageFile,
  os: OsRelease | undefined,
): { components: Component[]; findings: ImageFinding[] } {
  const components: Component[] = [];
  const findings = contents.problems.map((p) => finding(id, p.code, file, p.message));
  // rpmdb.sqlite numbers its rows (hnum); the other formats call the same number the instance.
  const noun = kind === 'sqlite' ? 'package row' : 'package instance';
  for (const { instance, blob } of contents.blobs) {
    try {
      const component = headerComponent(blob, file, os);
      if (component !== undefined) components.push(component);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      findings.push(
        finding(id, 'malformed-database', file, `${noun} ${String(instance)}: ${message}`),
      );
    }
  }
  return { components, findings };
}

export const rpmAnalyzer: Analyzer = {
  id,
  files: {
    paths: dbDirs.flatMap((dir) => ['rpmdb.sqlite', 'Packages', 'Packages.db'].map((n) => dir + n)),
  },
  wants: (path, info) => dbKind(path) !== undefined && info.size <= maxDbSize,
  async analyze(input) {
    const os = detectOsRelease(input.files);
    const components: Component[] = [];
    const findings: ImageFinding[] = [];
    for (const file of selectFiles(input, (p) => dbKind(p) !== undefined)) {
      const kind = dbKind(file.path);
      if (kind === undefined) continue;
      const result = listPackages(kind, await readPackages(kind, file.content), file, os);
      components.push(...result.components);
      findings.push(...result.findings);
    }
    return { components, findings };
  },
};
