// The OSV vulnerability database in PostgreSQL (migration 0005, osv-records.ts) driven through
// vuln/'s importOsv and openVulnDb, on PGlite and on a PostgreSQL 15 server.
import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  cpSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PalisadeError } from '../model/index.ts';
import { buildZip } from '../image/analyzers/zip-builder.ts';
import {
  advisoryKeys,
  advisoryKeyString,
  compactOsvRecord,
  decodeIndexedRow,
  fetchAndMatchPackages,
  importOsv,
  openVulnDb,
  parseOsvRecord,
} from '../vuln/index.ts';
import type { OsvRecordStore, VulnDb } from '../vuln/index.ts';
import { databaseBackends, truncateAll } from '../../test/kit/backends.ts';
import type { TestBackend } from '../../test/kit/backends.ts';
import { applyMigrations, readMigrations } from './migrate.ts';
import { osvRecordStore } from './osv-records.ts';

const sharedVulnDir = fileURLToPath(new URL('../../../shared/vuln/', import.meta.url));
const recordsDir = join(sharedVulnDir, 'osv-records');
const absent = existsSync(recordsDir)
  ? undefined
  : `../shared/vuln is absent (${recordsDir}); it holds real OSV records`;
const fixtures = fileURLToPath(new URL('../vuln/fixtures/', import.meta.url));
const fixed = new Date('2026-01-02T03:04:05Z');

function withTempDir(run: (dir: string) => Promise<void>): () => Promise<void> {
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), 'palisade-vulndb-'));
    try {
      await run(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

/** A VulnDb with these packages loaded, as a scan would load them. */
async function loaded(
  store: OsvRecordStore,
  packages: readonly { ecosystem: string; name: string }[],
): Promise<VulnDb> {
  const db = await openVulnDb(store);
  await db.prefetch(packages);
  return db;
}

for (const backend of databaseBackends) {
  describe(`OSV records in PostgreSQL (${backend.name})`, () => {
    let opened: TestBackend;
    let store: OsvRecordStore;
    before(async () => {
      opened = await backend.open();
      store = osvRecordStore(opened.db, 'test database');
    });
    after(() => opened?.close());
    beforeEach(() => truncateAll(opened.db));

    const record = (
      id: string,
      ecosystem: string,
      name: string,
      fixedIn: string,
      modified: string,
    ): string =>
      JSON.stringify({
        id,
        modified,
        affected: [
          {
            package: { ecosystem, name },
            ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: fixedIn }] }],
          },
        ],
      });

    it(
      'imports a directory of real records, reports status and answers lookups',
      { skip: absent },
      async () => {
        const report = await importOsv(join(recordsDir, 'osv-scanner-offline-dbs'), store, {
          now: () => fixed,
        });
        assert.deepEqual(report.problems, []);
        assert.ok(report.imported >= 20, `imported ${report.imported}`);
        // The GIT folder's CVE-/OSV- records carry only GIT ranges or no packages.
        assert.ok(report.ecosystems.includes('Debian') && report.ecosystems.includes('Alpine'));
        const musl = {
          type: 'apk',
          name: 'musl',
          version: '1.2.4-r2',
          sourceName: 'musl',
          ecosystem: 'Alpine:v3.18',
          purl: 'pkg:apk/alpine/musl@1.2.4-r2',
          file: '/lib/apk/db/installed',
          layer: 'sha256:a',
        } as const;
        const db = await loaded(store, [
          { ecosystem: 'Debian:9', name: 'libxml2' },
          { ecosystem: 'Debian', name: 'no-such-package' },
        ]);
        try {
          const status = db.status();
          assert.equal(status.dataDir, 'test database');
          assert.equal(status.lastImport, fixed.toISOString());
          const debian = status.ecosystems.find((e) => e.ecosystem === 'Debian');
          assert.equal(debian?.records, 4);
          assert.equal(
            status.records,
            status.ecosystems.reduce((s, e) => s + e.records, 0),
          );
          assert.deepEqual(
            db.lookup('Debian:9', 'libxml2').map((a) => a.id),
            ['DLA-3012-1'],
          );
          assert.deepEqual(db.lookup('Debian', 'no-such-package'), []);
          // A package that was not prefetched is an error, never a silent "no advisories".
          assert.throws(
            () => db.lookup('npm', 'lodash'),
            (e: unknown) => e instanceof PalisadeError && e.code === 'vulndb-not-loaded',
          );
          const found = await fetchAndMatchPackages(db, [musl]);
          assert.deepEqual(
            found.map((v) => [v.id, v.fixedVersions]),
            [['ALPINE-CVE-2025-26519', ['1.2.4-r3']]],
          );
          // Released packages are forgotten: asking again needs another prefetch.
          db.release([{ ecosystem: 'Debian:9', name: 'libxml2' }]);
          assert.throws(
            () => db.lookup('Debian:9', 'libxml2'),
            (e: unknown) => e instanceof PalisadeError && e.code === 'vulndb-not-loaded',
          );
        } finally {
          await db.close();
        }
        // Indexed by base ecosystem and package key, as the migration says.
        const rows = await opened.db.query<{ ecosystem: string; name: string }>(
          "SELECT ecosystem, name FROM osv_packages WHERE record_id = 'DLA-3012-1'",
        );
        assert.deepEqual(rows, [{ ecosystem: 'Debian', name: 'libxml2' }]);
      },
    );

    it(
      'imports an all.zip of records and a zip of per-ecosystem zips, newer records replacing older',
      withTempDir(async (dir) => {
        const npmZip = buildZip([
          {
            name: 'GHSA-aaaa.json',
            data: record('GHSA-aaaa', 'npm', 'lodash', '4.17.21', '2024-01-01T00:00:00Z'),
          },
        ]);
        const pypiZip = buildZip([
          {
            name: 'PYSEC-1.json',
            data: record('PYSEC-1', 'PyPI', 'Django', '4.2.1', '2024-01-01T00:00:00Z'),
          },
          { name: 'broken.json', data: '{ not json' },
        ]);
        const outer = join(dir, 'osv.zip');
        writeFileSync(
          outer,
          buildZip([
            { name: 'npm/all.zip', data: npmZip, method: 'store' },
            { name: 'PyPI/all.zip', data: pypiZip },
          ]),
        );
        const report = await importOsv(outer, store, { now: () => fixed });
        assert.equal(report.imported, 2);
        assert.deepEqual(report.ecosystems, ['PyPI', 'npm']);
        assert.equal(report.problems.length, 1);
        assert.match(report.problems[0]?.source ?? '', /osv\.zip!PyPI\/all\.zip!broken\.json$/);

        // A newer modification replaces the record; an older one does not.
        const update = join(dir, 'update.zip');
        writeFileSync(
          update,
          buildZip([
            {
              name: 'a.json',
              data: record('GHSA-aaaa', 'npm', 'lodash', '4.17.22', '2024-02-01T00:00:00Z'),
            },
            {
              name: 'b.json',
              data: record('PYSEC-1', 'PyPI', 'Django', '9.9.9', '2023-01-01T00:00:00Z'),
            },
          ]),
        );
        const second = await importOsv(update, store, { now: () => fixed });
        assert.equal(second.imported, 1);
        const db = await loaded(store, [
          { ecosystem: 'npm', name: 'lodash' },
          { ecosystem: 'PyPI', name: 'django' },
        ]);
        try {
          assert.equal(
            db.lookup('npm', 'lodash')[0]?.affected[0]?.ranges[0]?.events[1]?.fixed,
            '4.17.22',
          );
          // PEP 503: "Django" is found as "django".
          assert.equal(
            db.lookup('PyPI', 'django')[0]?.affected[0]?.ranges[0]?.events[1]?.fixed,
            '4.2.1',
          );
          assert.deepEqual(
            db.status().ecosystems.map((e) => [e.ecosystem, e.records]),
            [
              ['PyPI', 1],
              ['npm', 1],
            ],
          );
        } finally {
          await db.close();
        }
      }),
    );

    it('imports thousands of records in bulk writes and finds each by package', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'palisade-vulndb-'));
      try {
        const records = Array.from({ length: 2500 }, (_, i) => ({
          name: `GHSA-${i}.json`,
          data: record(`GHSA-${i}`, 'npm', `pkg-${i % 700}`, `1.${i}.0`, '2024-01-01T00:00:00Z'),
        }));
        writeFileSync(join(dir, 'all.zip'), buildZip(records, { zip64: true }));
        const report = await importOsv(join(dir, 'all.zip'), store);
        assert.equal(report.imported, 2500);
        const db = await loaded(
          store,
          Array.from({ length: 700 }, (_, i) => ({ ecosystem: 'npm', name: `pkg-${i}` })),
        );
        try {
          assert.equal(db.status().records, 2500);
          assert.deepEqual(
            db.lookup('npm', 'pkg-7').map((a) => a.id),
            ['GHSA-1407', 'GHSA-2107', 'GHSA-7', 'GHSA-707'],
          );
        } finally {
          await db.close();
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it(
      'skips withdrawn records and removes them from the store, and reports invalid ones by file',
      withTempDir(async (dir) => {
        const source = join(dir, 'src');
        cpSync(fixtures, source, { recursive: true });
        const live = JSON.parse(readFileSync(join(source, 'withdrawn.json'), 'utf8')) as Record<
          string,
          unknown
        >;
        delete live['withdrawn'];
        live['modified'] = '2024-02-01T00:00:00Z';
        const first = join(dir, 'live.json');
        writeFileSync(first, JSON.stringify(live));
        await importOsv(first, store);
        let db = await loaded(store, [{ ecosystem: 'npm', name: 'left-pad' }]);
        assert.equal(db.lookup('npm', 'left-pad').length, 1);
        await db.close();

        const report = await importOsv(source, store);
        assert.equal(report.withdrawn, 1);
        assert.equal(report.problems.length, 1);
        assert.match(
          report.problems[0]?.message ?? '',
          /invalid-event\.json \(GHSA-xxxx-invalid-0001\)/,
        );
        db = await loaded(store, [
          { ecosystem: 'npm', name: 'left-pad' },
          { ecosystem: 'Debian:12', name: 'glibc' },
        ]);
        assert.deepEqual(db.lookup('npm', 'left-pad'), []);
        assert.equal(db.lookup('Debian:12', 'glibc').length, 1);
        assert.equal(db.status().ecosystems.find((e) => e.ecosystem === 'npm')?.records, 0);
        await db.close();
      }),
    );

    it('keeps the per-package index in step with rewrites, removals and an import cut short', async () => {
      const advisory = (modified: string, names: readonly string[]) =>
        compactOsvRecord(
          parseOsvRecord(
            {
              id: 'GHSA-index-0001',
              modified,
              affected: names.map((name) => ({
                package: { ecosystem: 'npm', name },
                ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }, { fixed: '2.0.0' }] }],
              })),
            },
            'index test',
          ),
        );
      const keys = [
        { ecosystem: 'npm', name: 'left' },
        { ecosystem: 'npm', name: 'right' },
      ];
      const idsOf = async () => {
        const found = await store.readAdvisories(keys);
        return keys.map((key) => {
          const row = found.get(advisoryKeyString(key));
          return row === undefined ? [] : decodeIndexedRow(row, key, 'npm').map((a) => a.id);
        });
      };
      // Written but never finished (an import that stopped): the read rebuilds what is dirty.
      await store.writeAdvisories([advisory('2024-01-01T00:00:00Z', ['left', 'right'])], 'now');
      assert.deepEqual(await idsOf(), [['GHSA-index-0001'], ['GHSA-index-0001']]);
      const [dirty] = await opened.db.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM osv_index_dirty',
      );
      assert.equal(dirty?.n, 0);
      // A newer version no longer names 'left': it leaves that key's row.
      await store.writeAdvisories([advisory('2024-02-01T00:00:00Z', ['right'])], 'now');
      assert.deepEqual(await idsOf(), [[], ['GHSA-index-0001']]);
      await store.removeAdvisories(['GHSA-index-0001']);
      assert.deepEqual(await idsOf(), [[], []]);
      const rows = await opened.db.query('SELECT * FROM osv_package_advisories');
      assert.deepEqual(rows, []);
    });

    it("keeps each release's entries on a line of its own, and a scan reads only its release's", async () => {
      const record = compactOsvRecord(
        parseOsvRecord(
          {
            id: 'DEBIAN-CVE-2024-0001',
            modified: '2024-01-01T00:00:00Z',
            summary: 'a flaw',
            affected: ['11', '12', '13'].map((release) => ({
              package: { ecosystem: `Debian:${release}`, name: 'openssl' },
              ranges: [
                { type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: `3.${release}-1` }] },
              ],
            })),
          },
          'release test',
        ),
      );
      await store.writeAdvisories([record], fixed.toISOString());
      await store.recountEcosystems(['Debian'], fixed.toISOString(), false);
      const [row] = await opened.db.query<{ entries: string; details: string }>(
        "SELECT entries, details FROM osv_package_advisories WHERE name = 'openssl'",
      );
      assert.deepEqual(
        row?.entries.split('\n').map((line) => line.split('\t').slice(0, 2)),
        [
          ['Debian:11', 'openssl'],
          ['Debian:12', 'openssl'],
          ['Debian:13', 'openssl'],
        ],
      );
      const db = await loaded(store, [{ ecosystem: 'Debian:12', name: 'openssl' }]);
      try {
        const [candidate] = db.lookup('Debian:12', 'openssl');
        assert.deepEqual(
          candidate?.affected.map((a) => a.ranges[0]?.events[1]),
          [{ fixed: '3.12-1' }],
        );
        assert.equal(candidate?.details().summary, 'a flaw');
        // Another release of the same loaded package is decoded apart.
        assert.deepEqual(
          db.lookup('Debian:11', 'openssl')[0]?.affected.map((a) => a.ranges[0]?.events[1]),
          [{ fixed: '3.11-1' }],
        );
      } finally {
        await db.close();
      }
    });

    it('keeps what vulndb update downloaded per ecosystem', async () => {
      assert.deepEqual(await store.readSources(), {});
      await store.writeSource('npm', {
        url: 'http://127.0.0.1/npm/all.zip',
        etag: '"1"',
        updatedAt: fixed.toISOString(),
        checkedAt: fixed.toISOString(),
      });
      await store.writeSource('npm', {
        url: 'http://127.0.0.1/npm/all.zip',
        etag: '"2"',
        lastModified: 'Fri, 02 Jan 2026 03:04:05 GMT',
        checkedAt: fixed.toISOString(),
      });
      assert.deepEqual(await store.readSources(), {
        npm: {
          url: 'http://127.0.0.1/npm/all.zip',
          etag: '"2"',
          lastModified: 'Fri, 02 Jan 2026 03:04:05 GMT',
          checkedAt: fixed.toISOString(),
        },
      });
    });

    it('refuses to open a database that has nothing imported', async () => {
      await assert.rejects(
        openVulnDb(store),
        (e: unknown) => e instanceof PalisadeError && e.code === 'vulndb-missing',
      );
    });

    it(
      'fails with the source named when the source does not exist',
      withTempDir(async (dir) => {
        await assert.rejects(
          importOsv(join(dir, 'nope'), store),
          /importing OSV records from .*nope/,
        );
      }),
    );
  });
}

// Migration 0008 turns a database of the earlier index (whole advisories as JSON) into the
// index of lines; records stored before it must match exactly as they did, and as the same
// records imported afresh do.
const beforeLines = (await readMigrations()).filter((m) => m.version < 8);
for (const engine of databaseBackends) {
  describe(`migration 0008 on ${engine.name}`, { skip: absent }, () => {
    it('keeps matching what records stored before it matched, until they are imported again', async () => {
      const advisories = readdirSync(join(recordsDir, 'osv-scanner-offline-dbs'), {
        recursive: true,
        encoding: 'utf8',
      })
        .filter((file) => file.endsWith('.json'))
        .sort()
        .map((file) => {
          const path = join(recordsDir, 'osv-scanner-offline-dbs', file);
          return parseOsvRecord(JSON.parse(readFileSync(path, 'utf8')), path);
        })
        .filter((record) => record.withdrawn === undefined)
        .map(compactOsvRecord)
        .filter((advisory) => advisory.affected.length > 0)
        // writeAdvisories takes each id once; the folders repeat some records.
        .filter((advisory, i, all) => all.findIndex((a) => a.id === advisory.id) === i);
      // And one record with an entry per release, as Debian's and Alpine's newer feeds have.
      advisories.push(
        compactOsvRecord(
          parseOsvRecord(
            {
              id: 'DEBIAN-CVE-2024-9999',
              modified: '2024-01-01T00:00:00Z',
              affected: ['11', '12', '13'].map((release) => ({
                package: { ecosystem: `Debian:${release}`, name: 'openssl' },
                ranges: [
                  { type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: `3.${release}` }] },
                ],
              })),
            },
            'releases',
          ),
        ),
      );
      const queries = advisories.flatMap((a) =>
        a.affected.map((entry) => ({ ecosystem: entry.ecosystem, name: entry.name })),
      );
      const components = queries.map((query, i) => ({
        type: 'npm' as const,
        name: query.name,
        version: '0.0.1',
        ecosystem: query.ecosystem,
        purl: `pkg:generic/${i}`,
        file: '/x',
        layer: 'sha256:a',
      }));
      const findings = async (store: OsvRecordStore) => {
        const vulnDb = await openVulnDb(store);
        try {
          return (await fetchAndMatchPackages(vulnDb, components)).map((v) => [
            v.component.purl,
            v.id,
            v.fixedVersions,
            v.severity,
            v.summary,
          ]);
        } finally {
          await vulnDb.close();
        }
      };

      // Afresh, with every migration.
      const fresh = await engine.open();
      let expected: unknown[];
      try {
        const store = osvRecordStore(fresh.db, 'fresh');
        await store.writeAdvisories(advisories, fixed.toISOString());
        await store.recountEcosystems(['Debian'], fixed.toISOString(), true);
        expected = await findings(store);
      } finally {
        await fresh.close();
      }
      assert.ok(expected.length >= 10, `${expected.length} findings`);

      // Stored as the code before migration 0008 stored them, then migrated.
      const old = await engine.open({ migrations: beforeLines });
      try {
        await old.db.query(
          `INSERT INTO osv_records (id, modified, imported_at, advisory)
           SELECT r.id, r.modified, now(), r.advisory
           FROM json_to_recordset($1::json) AS r(id text, modified timestamptz, advisory json)`,
          [
            JSON.stringify(
              advisories.map((a) => ({ id: a.id, modified: a.modified, advisory: a })),
            ),
          ],
        );
        await old.db.query(
          `INSERT INTO osv_packages (ecosystem, name, record_id)
           SELECT DISTINCT p.ecosystem, p.name, p.record_id
           FROM json_to_recordset($1::json) AS p(ecosystem text, name text, record_id text)`,
          [
            JSON.stringify(
              advisories.flatMap((a) =>
                advisoryKeys(a).map((key) => ({ ...key, record_id: a.id })),
              ),
            ),
          ],
        );
        await old.db.query(
          `INSERT INTO osv_ecosystems (ecosystem, records, imported_at) VALUES ('Debian', 1, now())`,
        );
        assert.deepEqual(await applyMigrations(old.db), [8]);
        const store = osvRecordStore(old.db, 'migrated');
        const [legacy] = await old.db.query<{ n: number }>(
          "SELECT count(*)::int AS n FROM osv_packages WHERE exact_ecosystem = ''",
        );
        assert.ok((legacy?.n ?? 0) > 0);
        assert.deepEqual(await findings(store), expected);
        // Imported again, they are written as lines of their own.
        await store.writeAdvisories(advisories, fixed.toISOString());
        await store.recountEcosystems([], fixed.toISOString(), true);
        const [left] = await old.db.query<{ n: number }>(
          "SELECT count(*)::int AS n FROM osv_package_advisories WHERE entries LIKE E'\\t%'",
        );
        assert.equal(left?.n, 0);
        assert.deepEqual(await findings(store), expected);
      } finally {
        await old.close();
      }
    });
  });
}
