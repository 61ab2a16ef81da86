// The index text of advisory-index.ts: what a row holds for each release, that a scan parses
// only the lines and details it needs, and that damage is named. Rows are put together here as
// store/osv-records.ts's refresh does (lines by exact ecosystem and name, candidates and
// details in id order); the database round trip is in store/osv-records.test.ts.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PalisadeError } from '../model/index.ts';
import { advisoryDetails, decodeIndexedRow, indexAdvisory } from './advisory-index.ts';
import type { IndexedRow, RowKey } from './advisory-index.ts';
import { compactOsvRecord, parseOsvRecord } from './osv.ts';
import type { StoredAdvisory } from './osv.ts';

function advisory(id: string, affected: readonly object[]): StoredAdvisory {
  return compactOsvRecord(
    parseOsvRecord(
      {
        id,
        modified: '2025-01-01T00:00:00Z',
        summary: `summary of ${id}`,
        aliases: [`CVE-${id}`],
        affected,
      },
      'test',
    ),
  );
}

const entry = (ecosystem: string, name: string, fixed: string, extra: object = {}) => ({
  package: { ecosystem, name },
  ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed }] }],
  ...extra,
});

/** The row of `key` as the store's refresh builds it from these advisories. */
function rowOf(advisories: readonly StoredAdvisory[], key: RowKey): IndexedRow {
  const lines = new Map<string, { ids: string[]; candidates: Map<string, string> }>();
  const details = new Map<string, string>();
  for (const a of advisories) {
    const indexed = indexAdvisory(a);
    for (const p of indexed.packages) {
      if (p.ecosystem !== key.ecosystem || p.name !== key.name) continue;
      details.set(a.id, indexed.details);
      const line = `${p.exactEcosystem}\t${p.exactName}`;
      const known = lines.get(line) ?? { ids: [], candidates: new Map() };
      known.candidates.set(a.id, p.candidate);
      lines.set(line, known);
    }
  }
  const byId = (map: Map<string, string>) =>
    [...map].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, text]) => text);
  return {
    entries: [...lines]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([line, { candidates }]) => `${line}\t[${byId(candidates).join(',')}]`)
      .join('\n'),
    details: `[${byId(details).join(',')}]`,
  };
}

const debian: RowKey = { ecosystem: 'Debian', name: 'openssl' };

describe('advisory index rows', () => {
  const advisories = [
    advisory('DEBIAN-CVE-2024-2', [
      entry('Debian:11', 'openssl', '1.1.1w-0+deb11u2'),
      entry('Debian:12', 'openssl', '3.0.14-1~deb12u1', {
        ecosystem_specific: { urgency: 'low' },
      }),
      entry('Debian:13', 'openssl', '3.3.1-1'),
    ]),
    advisory('DEBIAN-CVE-2024-1', [
      entry('Debian:12', 'openssl', '3.0.13-1~deb12u1'),
      entry('Debian:12', 'OpenSSL', '3.0.13-1~deb12u2'),
      entry('Debian:12', 'libssl3', '3.0.13-1~deb12u1'),
    ]),
    advisory('DEBIAN-CVE-2023-9', [entry('Debian', 'openssl', '3.0.0-1')]),
  ];
  const row = rowOf(advisories, debian);

  it("gives a component only its release's entries, and release-less ones", () => {
    const found = decodeIndexedRow(row, debian, 'Debian:12');
    assert.deepEqual(
      found
        .map((c) => [c.id, c.affected.map((a) => a.ranges[0]?.events[1]?.fixed ?? '').sort()])
        .sort(),
      [
        ['DEBIAN-CVE-2023-9', ['3.0.0-1']],
        // Both spellings of the name are the same key; libssl3 has a row of its own.
        ['DEBIAN-CVE-2024-1', ['3.0.13-1~deb12u1', '3.0.13-1~deb12u2']],
        ['DEBIAN-CVE-2024-2', ['3.0.14-1~deb12u1']],
      ],
    );
    assert.equal(
      decodeIndexedRow(row, debian, 'Debian:12').find((c) => c.id === 'DEBIAN-CVE-2024-2')
        ?.affected[0]?.severity,
      'LOW',
    );
    assert.deepEqual(
      decodeIndexedRow(row, debian, 'Debian:11').map((c) => c.id),
      ['DEBIAN-CVE-2023-9', 'DEBIAN-CVE-2024-2'],
    );
    // A component without a release matches only release-less entries (match.ts).
    assert.deepEqual(
      decodeIndexedRow(row, debian, 'Debian').map((c) => c.id),
      ['DEBIAN-CVE-2023-9'],
    );
    assert.deepEqual(
      decodeIndexedRow(
        rowOf(advisories, { ecosystem: 'Debian', name: 'libssl3' }),
        debian,
        'Debian:12',
      ).map((c) => c.id),
      ['DEBIAN-CVE-2024-1'],
    );
  });

  it('keeps details apart, the same as the advisory without its entries', () => {
    const [first] = decodeIndexedRow(row, debian, 'Debian:11');
    assert.ok(first);
    const stored = advisories.find((a) => a.id === first.id);
    assert.ok(stored);
    assert.deepEqual(first.details(), advisoryDetails(stored));
    assert.equal(first.details(), first.details());
    assert.equal('affected' in first.details(), false);
  });

  it('parses neither other releases’ lines nor details until asked', () => {
    // Damage the Debian:11 line and the details: a Debian:12 scan that matches nothing still
    // reads the row; the damage is reported, naming the row, only where it is read.
    const damaged: IndexedRow = {
      entries: row.entries
        .split('\n')
        .map((line) => (line.startsWith('Debian:11\t') ? `${line.slice(0, -1)}` : line))
        .join('\n'),
      details: row.details.slice(0, 40),
    };
    const found = decodeIndexedRow(damaged, debian, 'Debian:12');
    assert.equal(found.length, 3);
    const error = (() => {
      try {
        found[0]?.details();
      } catch (caught) {
        return caught;
      }
      return undefined;
    })();
    assert.ok(error instanceof PalisadeError);
    assert.equal(error.code, 'vulndb-corrupt');
    assert.match(error.message, /index row for Debian openssl is damaged/);
    assert.throws(() => decodeIndexedRow(damaged, debian, 'Debian:11'), {
      code: 'vulndb-corrupt',
    });
    assert.throws(
      () => decodeIndexedRow({ entries: 'Debian:12 no tabs', details: '[]' }, debian, 'Debian:12'),
      {
        code: 'vulndb-corrupt',
      },
    );
  });

  it('covers longer releases by prefix', () => {
    const ubuntu = advisory('UBUNTU-CVE-2024-1', [
      entry('Ubuntu:22.04:LTS', 'openssl', '3.0.2-0ubuntu1.15'),
      entry('Ubuntu:Pro:18.04:LTS', 'openssl', '1.1.1-1ubuntu2.1~18.04.23+esm4'),
    ]);
    const key = { ecosystem: 'Ubuntu', name: 'openssl' };
    const found = decodeIndexedRow(rowOf([ubuntu], key), key, 'Ubuntu:22.04');
    assert.deepEqual(
      found.map((c) => c.affected.map((a) => a.ranges[0]?.events[1]?.fixed)),
      [['3.0.2-0ubuntu1.15']],
    );
  });

  it('reads lines written by migration 0008, filtering their entries itself', () => {
    // What the migration writes for a record stored before it: every entry, no ecosystem.
    const [stored] = advisories;
    assert.ok(stored);
    const legacy: IndexedRow = {
      entries: `\t\t${JSON.stringify([[stored.id, ...stored.affected]])}`,
      details: JSON.stringify([advisoryDetails(stored)]),
    };
    const [found] = decodeIndexedRow(legacy, debian, 'Debian:12');
    assert.deepEqual(
      found?.affected.map((a) => a.ranges[0]?.events[1]?.fixed),
      ['3.0.14-1~deb12u1'],
    );
    assert.equal(found?.details().summary, `summary of ${stored.id}`);
    assert.deepEqual(
      decodeIndexedRow(legacy, { ecosystem: 'Debian', name: 'gnutls28' }, 'Debian:12'),
      [],
    );
  });
});
