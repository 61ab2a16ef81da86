import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PalisadeError } from '../model/index.ts';
import { buildZip } from '../image/analyzers/zip-builder.ts';
import { matchPackages } from './match.ts';
import { importOsv, openVulnDb } from './store.ts';
import { sharedVulnDir } from './version/fixtures.ts';

const recordsDir = join(sharedVulnDir, 'osv-records');
const absent = existsSync(recordsDir)
  ? undefined
  : `../shared/vuln is absent (${recordsDir}); it holds real OSV records`;
const fixtures = fileURLToPath(new URL('fixtures/', import.meta.url));
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

describe('OSV store', () => {
  it(
    'imports a directory of real records, reports status and answers lookups after reopening',
    { skip: absent },
    withTempDir(async (dir) => {
      const report = await importOsv(join(recordsDir, 'osv-scanner-offline-dbs'), dir, {
        now: () => fixed,
      });
      assert.deepEqual(report.problems, []);
      assert.ok(report.imported >= 20, `imported ${report.imported}`);
      // The GIT folder's CVE-/OSV- records carry only GIT ranges or no packages.
      assert.ok(report.ecosystems.includes('Debian') && report.ecosystems.includes('Alpine'));
      const db = await openVulnDb(dir);
      try {
        const status = db.status();
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
        const found = matchPackages(db, [
          {
            type: 'apk',
            name: 'musl',
            version: '1.2.4-r2',
            sourceName: 'musl',
            ecosystem: 'Alpine:v3.18',
            purl: 'pkg:apk/alpine/musl@1.2.4-r2',
            file: '/lib/apk/db/installed',
            layer: 'sha256:a',
          },
        ]);
        assert.deepEqual(
          found.map((v) => [v.id, v.fixedVersions]),
          [['ALPINE-CVE-2025-26519', ['1.2.4-r3']]],
        );
      } finally {
        db.close();
      }
    }),
  );

  it(
    'imports an all.zip of records and a zip of per-ecosystem zips',
    withTempDir(async (dir) => {
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
      const data = join(dir, 'data');
      const report = await importOsv(outer, data, { now: () => fixed });
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
      await importOsv(update, data, { now: () => fixed });
      const db = await openVulnDb(data);
      try {
        assert.equal(
          db.lookup('npm', 'lodash')[0]?.affected[0]?.ranges[0]?.events[1]?.fixed,
          '4.17.22',
        );
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
        db.close();
      }
    }),
  );

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
      const data = join(dir, 'data');
      await importOsv(first, data);
      let db = await openVulnDb(data);
      assert.equal(db.lookup('npm', 'left-pad').length, 1);
      db.close();

      const report = await importOsv(source, data);
      assert.equal(report.withdrawn, 1);
      assert.equal(report.problems.length, 1);
      assert.match(
        report.problems[0]?.message ?? '',
        /invalid-event\.json \(GHSA-xxxx-invalid-0001\)/,
      );
      db = await openVulnDb(data);
      assert.deepEqual(db.lookup('npm', 'left-pad'), []);
      assert.equal(db.lookup('Debian:12', 'glibc').length, 1);
      db.close();
    }),
  );

  it(
    'refuses to open a data directory that has no imported database',
    withTempDir(async (dir) => {
      await assert.rejects(
        openVulnDb(dir),
        (e: unknown) => e instanceof PalisadeError && e.code === 'vulndb-missing',
      );
    }),
  );

  it(
    'fails with the source named when the source does not exist',
    withTempDir(async (dir) => {
      await assert.rejects(importOsv(join(dir, 'nope'), dir), /importing OSV records from .*nope/);
    }),
  );
});
