import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import initSqlJs from 'sql.js';
import { readBerkeleyDbPackages } from './rpm-bdb.ts';
import type { RpmdbContents } from './rpm-bdb.ts';

// test/fixtures/rpmdb/make-fixtures.sh: Packages and Packages.be were loaded by db5.3_load from
// the header blobs rpm wrote to rpmdb.sqlite, so they must give back exactly its rows.
const fixtures = new URL('../../../test/fixtures/rpmdb/', import.meta.url);
const fixture = (name: string): Buffer => readFileSync(new URL(name, fixtures));
const littleEndian = fixture('Packages');
const bigEndian = fixture('Packages.be');

async function sqliteRows(): Promise<{ instance: number; blob: Buffer }[]> {
  const SQL = await initSqlJs();
  const db = new SQL.Database(gunzipSync(fixture('rpmdb.sqlite.gz')));
  const [result] = db.exec('SELECT hnum, blob FROM Packages ORDER BY hnum');
  db.close();
  return (result?.values ?? []).map(([hnum, blob]) => ({
    instance: Number(hnum),
    blob: Buffer.from(blob as Uint8Array),
  }));
}
const rows = await sqliteRows();

/** The fixture's layout, read just far enough to aim the damage in the tests below. */
function layout(file: Buffer, little = true) {
  const u16 = (at: number) => (little ? file.readUInt16LE(at) : file.readUInt16BE(at));
  const u32 = (at: number) => (little ? file.readUInt32LE(at) : file.readUInt32BE(at));
  const pageSize = u32(20);
  const pages = Array.from({ length: file.length / pageSize }, (_, page) => {
    const start = page * pageSize;
    return { page, start, type: file[start + 25], next: u32(start + 16) };
  });
  const dataItems = pages
    .filter((p) => p.type === 13)
    .flatMap((p) => {
      const entries = u16(p.start + 20);
      const offset = (i: number) => u16(p.start + 26 + i * 2);
      return Array.from({ length: entries / 2 }, (_, pair) => {
        const at = p.start + offset(pair * 2 + 1);
        const end = p.start + offset(pair * 2);
        return {
          instance: u32(end + 1),
          at,
          type: file[at],
          length: end - at,
          firstPage: u32(at + 4),
        };
      });
    });
  return { pageSize, pages, dataItems };
}

function instances(contents: RpmdbContents): number[] {
  return contents.blobs.map((b) => b.instance);
}

function messages(contents: RpmdbContents): string[] {
  return contents.problems.map((p) => p.message);
}

describe('rpm Berkeley DB reader', () => {
  it('reads a little-endian Packages file into the header blobs rpm wrote, in instance order', () => {
    const { pages } = layout(littleEndian);
    // Off-page headers, one in a chain of several overflow pages (make-fixtures.sh bigfiles).
    assert.ok(pages.some((p) => p.type === 7 && p.next !== 0));
    const contents = readBerkeleyDbPackages(littleEndian);
    assert.deepEqual(contents.problems, []);
    assert.deepEqual(
      contents.blobs.map((b) => ({ instance: b.instance, blob: Buffer.from(b.blob) })),
      rows,
    );
  });

  it('reads a big-endian Packages file with headers both inline and on overflow pages', () => {
    const { dataItems } = layout(bigEndian, false);
    assert.ok(dataItems.some((item) => item.type === 1 && item.length > 8));
    assert.ok(dataItems.some((item) => item.type === 3));
    const contents = readBerkeleyDbPackages(bigEndian);
    assert.deepEqual(contents.problems, []);
    assert.deepEqual(
      contents.blobs.map((b) => ({ instance: b.instance, blob: Buffer.from(b.blob) })),
      rows,
    );
  });

  it('skips key 0, which holds the largest instance number', () => {
    const { dataItems } = layout(littleEndian);
    assert.ok(dataItems.some((item) => item.instance === 0 && item.length === 5));
    assert.ok(!instances(readBerkeleyDbPackages(littleEndian)).includes(0));
  });

  it('keeps the packages of a truncated file that it can still read and names the rest', () => {
    const { pageSize } = layout(littleEndian);
    for (const length of [8 * pageSize, 8 * pageSize + 100]) {
      const contents = readBerkeleyDbPackages(littleEndian.subarray(0, length));
      const kept = instances(contents);
      const lost = rows.map((r) => r.instance).filter((i) => !kept.includes(i));
      assert.ok(kept.length > 0 && lost.length > 0, `kept ${kept.join()} of ${length} bytes`);
      for (const blob of contents.blobs)
        assert.deepEqual(
          Buffer.from(blob.blob),
          rows.find((r) => r.instance === blob.instance)?.blob,
        );
      assert.match(
        messages(contents)[0] ?? '',
        /^Berkeley DB file is truncated: its metadata counts 13 pages/,
      );
      for (const instance of lost) {
        assert.ok(
          messages(contents).some((m) =>
            new RegExp(
              `^package instance ${instance}: overflow chain points to page \\d+, beyond the end of the file \\(8 pages\\)$`,
            ).test(m),
          ),
          `no problem names instance ${instance}: ${messages(contents).join('; ')}`,
        );
      }
    }
  });

  it('reports a file shorter than its metadata page', () => {
    assert.deepEqual(messages(readBerkeleyDbPackages(littleEndian.subarray(0, 100))), [
      'Berkeley DB file of 100 bytes is shorter than its 512-byte metadata page',
    ]);
  });

  it('reports an overflow page number beyond the end of the file and reads the other packages', () => {
    const { dataItems } = layout(littleEndian);
    const item = dataItems.find((i) => i.type === 3 && i.instance === 5);
    assert.ok(item);
    const damaged = Buffer.from(littleEndian);
    damaged.writeUInt32LE(0xfffffff0, item.at + 4);
    const contents = readBerkeleyDbPackages(damaged);
    assert.deepEqual(instances(contents), [1, 2, 3, 6]);
    assert.deepEqual(messages(contents), [
      'package instance 5: overflow chain points to page 4294967280, beyond the end of the file (13 pages)',
    ]);
  });

  it('stops an overflow chain that loops instead of following it forever', () => {
    const { pages, dataItems } = layout(littleEndian);
    const item = dataItems.find((i) => i.type === 3 && i.instance === 5);
    assert.ok(item);
    // The chain's second page points back to its first.
    const second = pages[item.firstPage]?.next ?? 0;
    const damaged = Buffer.from(littleEndian);
    damaged.writeUInt32LE(item.firstPage, (pages[second]?.start ?? 0) + 16);
    const contents = readBerkeleyDbPackages(damaged);
    assert.deepEqual(instances(contents), [1, 2, 3, 6]);
    assert.deepEqual(messages(contents), [
      `package instance 5: overflow chain loops back to page ${item.firstPage}`,
    ]);
  });

  it('refuses an overflow page that a second chain also claims', () => {
    const { dataItems } = layout(littleEndian);
    const first = dataItems.find((i) => i.type === 3 && i.instance === 2);
    const second = dataItems.find((i) => i.type === 3 && i.instance === 3);
    assert.ok(first && second);
    const damaged = Buffer.from(littleEndian);
    damaged.writeUInt32LE(first.firstPage, second.at + 4);
    const contents = readBerkeleyDbPackages(damaged);
    assert.equal(contents.blobs.length, 4);
    assert.match(
      messages(contents).join(),
      /overflow page \d+ also belongs to package instance [23]$/,
    );
  });

  it('refuses an absurd header length without allocating it', () => {
    const { dataItems } = layout(littleEndian);
    const item = dataItems.find((i) => i.type === 3 && i.instance === 6);
    assert.ok(item);
    const damaged = Buffer.from(littleEndian);
    damaged.writeUInt32LE(0xffffffff, item.at + 8);
    const contents = readBerkeleyDbPackages(damaged);
    assert.deepEqual(instances(contents), [1, 2, 3, 5]);
    assert.deepEqual(messages(contents), [
      `package instance 6: header of 4294967295 bytes cannot be right in a file of ${littleEndian.length} bytes`,
    ]);
  });

  it('reports an overflow chain that ends early or reaches a page of another kind', () => {
    const { pages, dataItems } = layout(littleEndian);
    const item = dataItems.find((i) => i.type === 3 && i.instance === 5);
    assert.ok(item);
    const ended = Buffer.from(littleEndian);
    ended.writeUInt32LE(0, (pages[item.firstPage]?.start ?? 0) + 16);
    assert.match(
      messages(readBerkeleyDbPackages(ended)).join(),
      /^package instance 5: overflow chain ends after 4070 of 21988 bytes$/,
    );
    const hashPage = pages.find((p) => p.type === 13)?.page ?? 0;
    const wrongKind = Buffer.from(littleEndian);
    wrongKind.writeUInt32LE(hashPage, item.at + 4);
    assert.match(
      messages(readBerkeleyDbPackages(wrongKind)).join(),
      new RegExp(
        `^package instance 5: overflow chain reaches page ${hashPage}, which is not an overflow page$`,
      ),
    );
  });

  it('skips a hash page that says it is another page', () => {
    const { pages } = layout(littleEndian);
    const hashPage = pages.find((p) => p.type === 13);
    assert.ok(hashPage);
    const damaged = Buffer.from(littleEndian);
    damaged.writeUInt32LE(99, hashPage.start + 8);
    const contents = readBerkeleyDbPackages(damaged);
    assert.ok(contents.blobs.length > 0 && contents.blobs.length < rows.length);
    assert.deepEqual(messages(contents), [
      `hash page ${hashPage.page} is marked as page 99; skipped`,
    ]);
  });

  it('stops reading a file with too many problems', () => {
    const { pageSize, pages } = layout(littleEndian);
    const hashPage = pages.find((p) => p.type === 13);
    assert.ok(hashPage);
    // 40 more copies of a hash page, each still marked with its old page number.
    const copy = littleEndian.subarray(hashPage.start, hashPage.start + pageSize);
    const grown = Buffer.concat([littleEndian, ...Array.from({ length: 40 }, () => copy)]);
    grown.writeUInt32LE(grown.length / pageSize - 1, 32);
    const contents = readBerkeleyDbPackages(grown);
    assert.equal(contents.problems.length, 26);
    assert.match(
      messages(contents).at(-1) ?? '',
      /^Berkeley DB file has too many problems; pages from \d+ on not read$/,
    );
  });

  it('tells databases it does not read from files that are not Berkeley DB at all', () => {
    const variant = (edit: (b: Buffer) => void): RpmdbContents => {
      const copy = Buffer.from(littleEndian);
      edit(copy);
      return readBerkeleyDbPackages(copy);
    };
    const problem = (contents: RpmdbContents) => [
      contents.problems[0]?.code,
      contents.problems[0]?.message,
    ];
    assert.deepEqual(problem(variant((b) => b.writeUInt32LE(0x053162, 12))), [
      'unsupported-rpmdb-format',
      'unsupported rpmdb format (Berkeley DB btree; rpm keeps packages in a hash database); rpm packages of this image are not listed',
    ]);
    assert.equal(
      problem(variant((b) => b.writeUInt8(1, 24)))[1]?.includes('(encrypted Berkeley DB)'),
      true,
    );
    assert.equal(
      problem(variant((b) => b.writeUInt8(1, 26)))[1]?.includes('(checksummed Berkeley DB pages)'),
      true,
    );
    assert.equal(
      problem(variant((b) => b.writeUInt32LE(7, 16)))[1]?.includes('(Berkeley DB hash version 7)'),
      true,
    );
    assert.deepEqual(problem(variant((b) => b.writeUInt32LE(3000, 20))), [
      'malformed-database',
      'invalid Berkeley DB page size 3000',
    ]);
    assert.deepEqual(problem(readBerkeleyDbPackages(Buffer.alloc(4096, 0x61))), [
      'malformed-database',
      'not a Berkeley DB hash database (magic 0x61616161)',
    ]);
  });
});
