import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { PalisadeError } from '../model/index.ts';
import { compactOsvRecord, parseOsvRecord } from './osv.ts';
import { sharedVulnDir } from './version/fixtures.ts';

const recordsDir = join(sharedVulnDir, 'osv-records');
const schemaPath = join(sharedVulnDir, 'osv-schema', 'schema-v1.8.0.json');
const absent = existsSync(recordsDir)
  ? undefined
  : `../shared/vuln is absent (${recordsDir}); it holds real OSV records`;
const fixture = (name: string): unknown =>
  JSON.parse(readFileSync(fileURLToPath(new URL(`fixtures/${name}`, import.meta.url)), 'utf8'));

function jsonFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? jsonFiles(path) : name.endsWith('.json') ? [path] : [];
  });
}

function recordsIn(path: string): unknown[] {
  const value = JSON.parse(readFileSync(path, 'utf8')) as unknown;
  const vulns = (value as { vulns?: unknown }).vulns;
  return Array.isArray(vulns) ? vulns : [value];
}

describe('OSV records', () => {
  it(
    'accepts exactly the real records that the OSV 1.8.0 JSON schema accepts',
    { skip: absent },
    () => {
      const ajv = new Ajv2020({ strict: false, allErrors: false });
      addFormats.default(ajv);
      const validate = ajv.compile(JSON.parse(readFileSync(schemaPath, 'utf8')) as object);
      let count = 0;
      for (const file of jsonFiles(recordsDir)) {
        for (const record of recordsIn(file)) {
          count++;
          const valid = validate(record);
          let parsed = true;
          try {
            parseOsvRecord(record, file);
          } catch {
            parsed = false;
          }
          // Our schema is laxer on ids and ecosystems (new ones appear) but never stricter.
          if (valid) assert.ok(parsed, `${file}: valid by the OSV schema but refused`);
        }
      }
      assert.ok(count >= 600, `only ${count} records read`);
    },
  );

  it('names the file and the record in the error for an invalid record', () => {
    assert.throws(
      () => parseOsvRecord(fixture('invalid-event.json'), 'fixtures/invalid-event.json'),
      (error: unknown) =>
        error instanceof PalisadeError &&
        error.code === 'osv-invalid' &&
        error.message.includes('fixtures/invalid-event.json (GHSA-xxxx-invalid-0001)') &&
        error.message.includes('affected.0.ranges.0.events.0'),
    );
    assert.throws(() => parseOsvRecord({ id: 'X' }, 'x.json'), /x\.json \(X\).*modified/);
  });

  it(
    'keeps aliases and upstream ids, drops GIT ranges, and rates severity',
    { skip: absent },
    () => {
      const path = join(recordsDir, 'osv-scanner-offline-dbs/PyPI/PYSEC-2023-74.json');
      const advisory = compactOsvRecord(
        parseOsvRecord(JSON.parse(readFileSync(path, 'utf8')), path),
      );
      assert.deepEqual(advisory.aliases, ['CVE-2023-32681', 'GHSA-j8r2-6x86-q33q']);
      assert.deepEqual(
        advisory.affected[0]?.ranges.map((r) => r.type),
        ['ECOSYSTEM'],
      );
      const alpine = join(recordsDir, 'osv-scanner-offline-dbs/Alpine/ALPINE-CVE-2025-26519.json');
      const musl = compactOsvRecord(
        parseOsvRecord(JSON.parse(readFileSync(alpine, 'utf8')), alpine),
      );
      assert.deepEqual(musl.aliases, ['CVE-2025-26519']);
      assert.equal(musl.cvss?.baseScore, 7.0);
      assert.equal(musl.severity, 'IMPORTANT');
    },
  );

  it('refuses ids, ecosystems and package names with a tab or a line break', () => {
    // The per-package index separates them with tabs and line breaks (advisory-index.ts).
    const record = (id: string, ecosystem: string, name: string) => ({
      id,
      modified: '2025-01-01T00:00:00Z',
      affected: [{ package: { ecosystem, name }, versions: ['1'] }],
    });
    assert.ok(parseOsvRecord(record('GHSA-1', 'npm', 'left-pad'), 'ok.json'));
    for (const [bad, where] of [
      [record('GHSA-1\tx', 'npm', 'left-pad'), /id: contains a tab or a line break/],
      [record('GHSA-1', 'Debian:12\n', 'x'), /affected\.0\.package\.ecosystem: contains a tab/],
      [record('GHSA-1', 'npm', 'a\rb'), /affected\.0\.package\.name: contains a tab/],
    ] as const)
      assert.throws(() => parseOsvRecord(bad, 'bad.json'), where);
  });

  it('takes a per-package Debian urgency over the record CVSS band', () => {
    const advisory = compactOsvRecord(parseOsvRecord(fixture('debian-urgency.json'), 'x'));
    assert.equal(advisory.severity, 'CRITICAL');
    assert.equal(advisory.affected[0]?.severity, 'LOW');
    assert.equal(advisory.affected[1]?.severity, undefined);
  });
});
