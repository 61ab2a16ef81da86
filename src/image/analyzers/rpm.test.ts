import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import initSqlJs from 'sql.js';
import type { Component } from '../../model/index.ts';
import { inputOf, runAnalyzerContract } from './contract.ts';
import { rpmAnalyzer } from './rpm.ts';
import { parseRpmHeader, parseSourceRpm, rpmTag } from './rpm-header.ts';
import type { AnalyzerInput } from './types.ts';

type Tag = readonly [tag: number, value: string | number];

/** Builds an rpm header blob (index entries + data store) as rpmdb.sqlite stores it. */
function header(tags: readonly Tag[]): Buffer {
  const index: Buffer[] = [];
  const store: Buffer[] = [];
  let offset = 0;
  for (const [tag, value] of tags) {
    const entry = Buffer.alloc(16);
    entry.writeUInt32BE(tag, 0);
    let data: Buffer;
    if (typeof value === 'number') {
      const pad = (4 - (offset % 4)) % 4;
      if (pad > 0) {
        store.push(Buffer.alloc(pad));
        offset += pad;
      }
      data = Buffer.alloc(4);
      data.writeInt32BE(value, 0);
      entry.writeUInt32BE(4, 4);
    } else {
      data = Buffer.from(`${value}\0`, 'utf8');
      entry.writeUInt32BE(6, 4);
    }
    entry.writeUInt32BE(offset, 8);
    entry.writeUInt32BE(1, 12);
    index.push(entry);
    store.push(data);
    offset += data.length;
  }
  const head = Buffer.alloc(8);
  head.writeUInt32BE(tags.length, 0);
  head.writeUInt32BE(offset, 4);
  return Buffer.concat([head, ...index, ...store]);
}

const packages: readonly (readonly Tag[])[] = [
  [
    [rpmTag.name, 'openssl-libs'],
    [rpmTag.version, '3.0.7'],
    [rpmTag.release, '24.el9'],
    [rpmTag.epoch, 1],
    [rpmTag.arch, 'x86_64'],
    [rpmTag.sourceRpm, 'openssl-3.0.7-24.el9.src.rpm'],
  ],
  [
    [rpmTag.name, 'bash'],
    [rpmTag.version, '5.1.8'],
    [rpmTag.release, '6.el9_1'],
    [rpmTag.arch, 'x86_64'],
    [rpmTag.sourceRpm, 'bash-5.1.8-6.el9_1.src.rpm'],
  ],
  [
    [rpmTag.name, 'gpg-pubkey'],
    [rpmTag.version, 'fd431d51'],
    [rpmTag.release, '4ae0493b'],
  ],
];

async function rpmdb(blobs: readonly Buffer[]): Promise<Buffer> {
  const SQL = await initSqlJs();
  const db = new SQL.Database();
  // rpm lib/backend/sqlite.c creates the Packages table as (hnum INTEGER PRIMARY KEY, blob BLOB).
  db.run('CREATE TABLE Packages (hnum INTEGER PRIMARY KEY AUTOINCREMENT, blob BLOB NOT NULL)');
  for (const blob of blobs) db.run('INSERT INTO Packages (blob) VALUES (?)', [blob]);
  const bytes = Buffer.from(db.export());
  db.close();
  return bytes;
}

const osRelease =
  'NAME="Rocky Linux"\nID="rocky"\nID_LIKE="rhel centos fedora"\nVERSION_ID="9.3"\nPRETTY_NAME="Rocky Linux 9.3 (Blue Onyx)"\n';
const database = await rpmdb(packages.map(header));
const sample = (): AnalyzerInput =>
  inputOf({ '/etc/os-release': osRelease, '/var/lib/rpm/rpmdb.sqlite': database });

runAnalyzerContract({ analyzer: rpmAnalyzer, sample });

// test/fixtures/rpmdb/make-fixtures.sh: databases written by rpm and db5.3_load, and what
// `rpm -qa` printed for them.
const fixtures = new URL('../../../test/fixtures/rpmdb/', import.meta.url);
function fixture(name: string, gzipped = false): Buffer {
  const content = readFileSync(new URL(name, fixtures));
  return gzipped ? gunzipSync(content) : content;
}
const rpmListing = fixture('packages.tsv')
  .toString('utf8')
  .trim()
  .split('\n')
  .slice(1)
  .map((line) => {
    const [instance, name, epoch, version, release, arch] = line.split('\t');
    return { instance, name, epoch, version, release, arch };
  });

runAnalyzerContract({
  analyzer: rpmAnalyzer,
  sample: () =>
    inputOf({ '/etc/os-release': osRelease, '/var/lib/rpm/Packages': fixture('Packages') }),
});
runAnalyzerContract({
  analyzer: rpmAnalyzer,
  sample: () =>
    inputOf({
      '/etc/os-release': osRelease,
      '/usr/lib/sysimage/rpm/Packages.db': fixture('Packages.db'),
    }),
});

describe('rpm', () => {
  it('lists packages of rpmdb.sqlite with epoch, release, arch and source rpm', async () => {
    const result = await rpmAnalyzer.analyze(sample());
    assert.deepEqual(result.findings, []);
    assert.deepEqual(
      result.components.map((c) => [c.name, c.version, c.sourceName, c.sourceVersion, c.ecosystem]),
      [
        ['openssl-libs', '1:3.0.7-24.el9', 'openssl', '1:3.0.7-24.el9', 'Rocky Linux:9'],
        ['bash', '5.1.8-6.el9_1', 'bash', '5.1.8-6.el9_1', 'Rocky Linux:9'],
      ],
    );
    assert.equal(
      result.components[0]?.purl,
      'pkg:rpm/rocky/openssl-libs@3.0.7-24.el9?arch=x86_64&distro=rocky-9.3&epoch=1',
    );
  });

  it('reports a corrupt header blob with its row and keeps the other packages', async () => {
    const good = header(packages[1] ?? []);
    const lying = Buffer.from(good);
    lying.writeUInt32BE(0x00ffffff, 4);
    const db = await rpmdb([good, lying, Buffer.from([0, 0])]);
    const result = await rpmAnalyzer.analyze(inputOf({ '/var/lib/rpm/rpmdb.sqlite': db }));
    assert.deepEqual(
      result.components.map((c) => c.name),
      ['bash'],
    );
    assert.deepEqual(
      result.findings.map((f) => f.message.replace(/:.*/, '')),
      ['package row 2', 'package row 3'],
    );
  });

  it('reports a file that is not SQLite', async () => {
    const result = await rpmAnalyzer.analyze(
      inputOf({ '/var/lib/rpm/rpmdb.sqlite': 'not a database' }),
    );
    assert.equal(result.findings[0]?.code, 'malformed-database');
  });

  it('lists the packages of Berkeley DB and NDB databases as rpm lists them, like rpmdb.sqlite', async () => {
    const expected = rpmListing
      .filter((p) => p.name !== 'gpg-pubkey')
      .map((p) => {
        const epoch = p.epoch === '0' ? '' : `${p.epoch}:`;
        return [p.name, `${epoch}${p.version}-${p.release}`, p.arch];
      });
    assert.ok(expected.length >= 4 && rpmListing.some((p) => p.name === 'gpg-pubkey'));
    const sqlite = await rpmAnalyzer.analyze(
      inputOf({ '/var/lib/rpm/rpmdb.sqlite': fixture('rpmdb.sqlite.gz', true) }),
    );
    assert.deepEqual(sqlite.findings, []);
    // The same packages, but found in another file.
    const strip = (c: Component): Component => ({ ...c, file: '' });
    for (const [path, content] of [
      ['/var/lib/rpm/Packages', fixture('Packages')],
      ['/var/lib/rpm/Packages', fixture('Packages.be')],
      ['/usr/lib/sysimage/rpm/Packages.db', fixture('Packages.db')],
    ] as const) {
      const result = await rpmAnalyzer.analyze(inputOf({ [path]: content }));
      assert.deepEqual(result.findings, []);
      assert.deepEqual(
        result.components.map((c) => [c.name, c.version, c.arch]),
        expected,
      );
      assert.deepEqual(result.components.map(strip), sqlite.components.map(strip));
      assert.ok(result.components.every((c) => c.file === path));
    }
    const libs = sqlite.components.find((c) => c.name === 'openssl-libs');
    assert.deepEqual(
      [libs?.sourceName, libs?.sourceVersion, libs?.purl],
      [
        'openssl',
        '1:1.1.1k-12.el8_9',
        'pkg:rpm/redhat/openssl-libs@1.1.1k-12.el8_9?arch=x86_64&epoch=1',
      ],
    );
  });

  it('reports a damaged Berkeley DB or NDB database against its file and lists what it can', async () => {
    const result = await rpmAnalyzer.analyze(
      inputOf({
        '/var/lib/rpm/Packages': fixture('Packages').subarray(0, 8 * 4096),
        '/usr/lib/sysimage/rpm/Packages.db': fixture('Packages.db').subarray(0, 33000),
      }),
    );
    assert.deepEqual(
      result.findings.map((f) => [f.code, f.file, f.message.replace(/:.*/, '')]),
      [
        [
          'malformed-database',
          '/usr/lib/sysimage/rpm/Packages.db',
          'package instance 6 (NDB slot 7)',
        ],
        ['malformed-database', '/var/lib/rpm/Packages', 'Berkeley DB file is truncated'],
        ['malformed-database', '/var/lib/rpm/Packages', 'package instance 6'],
        ['malformed-database', '/var/lib/rpm/Packages', 'package instance 5'],
      ],
    );
    assert.deepEqual(
      result.components.map((c) => `${c.file} ${c.name}`),
      [
        '/usr/lib/sysimage/rpm/Packages.db tzdata-lite',
        '/usr/lib/sysimage/rpm/Packages.db openssl',
        '/usr/lib/sysimage/rpm/Packages.db openssl-libs',
        '/usr/lib/sysimage/rpm/Packages.db bigfiles',
        '/var/lib/rpm/Packages tzdata-lite',
        '/var/lib/rpm/Packages openssl',
        '/var/lib/rpm/Packages openssl-libs',
      ],
    );
  });

  it('reports a Berkeley DB it does not read as unsupported', async () => {
    const encrypted = Buffer.from(fixture('Packages'));
    encrypted.writeUInt8(1, 24);
    const result = await rpmAnalyzer.analyze(inputOf({ '/var/lib/rpm/Packages': encrypted }));
    assert.deepEqual(
      result.findings.map((f) => [f.code, f.file]),
      [['unsupported-rpmdb-format', '/var/lib/rpm/Packages']],
    );
    assert.match(result.findings[0]?.message ?? '', /^unsupported rpmdb format \(encrypted/);
  });

  it('parses source rpm file names and refuses headers that point outside themselves', () => {
    assert.deepEqual(parseSourceRpm('python3.11-3.11.5-1.el9_3.src.rpm'), {
      name: 'python3.11',
      version: '3.11.5',
      release: '1.el9_3',
    });
    const blob = header([[rpmTag.name, 'x']]);
    blob.writeUInt32BE(1000, 8 + 8);
    assert.throws(() => parseRpmHeader(blob), /outside the data store/);
  });
});
