// The OSV vulnerability database in PostgreSQL (migration 0005, osv-records.ts) driven through
// vuln/'s importOsv and openVulnDb, on PGlite and on a PostgreSQL 15 server.
import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PalisadeError } from '../model/index.ts';
import { buildZip } from '../image/analyzers/zip-builder.ts';
import {
  advisoryKeyString,
  compactOsvRecord,
  fetchAndMatchPackages,
  importOsv,
  openVulnDb,
  parseOsvRecord,
} from '../vuln/index.ts';
import type { OsvRecordStore, VulnDb } from '../vuln/index.ts';
import { databaseBackends, truncateAll } from '../../test/kit/backends.ts';
import type { TestBackend } from '../../test/kit/backends.ts';
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
        return keys.map((key) => (found.get(advisoryKeyString(key)) ?? []).map((a) => a.id));
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
