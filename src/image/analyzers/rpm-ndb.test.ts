import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import initSqlJs from 'sql.js';
import type { RpmdbContents } from './rpm-bdb.ts';
import { parseRpmHeader, rpmTag } from './rpm-header.ts';
import { readNdbPackages } from './rpm-ndb.ts';

// test/fixtures/rpmdb/make-fixtures.sh: rpm wrote Packages.db and rpmdb.sqlite in the same
// transactions, the last of which erased instance 4 and so left a free slot.
const fixtures = new URL('../../../test/fixtures/rpmdb/', import.meta.url);
const fixture = (name: string): Buffer => readFileSync(new URL(name, fixtures));
const ndb = fixture('Packages.db');

async function sqliteNames(): Promise<[number, string][]> {
  const SQL = await initSqlJs();
  const db = new SQL.Database(gunzipSync(fixture('rpmdb.sqlite.gz')));
  const [result] = db.exec('SELECT hnum, blob FROM Packages ORDER BY hnum');
  db.close();
  return (result?.values ?? []).map(([hnum, blob]) => [Number(hnum), nameOf(blob as Uint8Array)]);
}

function nameOf(blob: Uint8Array): string {
  return String(parseRpmHeader(blob).get(rpmTag.name));
}

/** The used slots of the fixture, read just far enough to aim the damage in the tests below. */
function slots(file: Buffer) {
  const used = [];
  for (let at = 32; at < file.readUInt32LE(12) * 4096; at += 16) {
    const blockOffset = file.readUInt32LE(at + 8);
    if (blockOffset !== 0) {
      used.push({
        slot: at / 16,
        at,
        instance: file.readUInt32LE(at + 4),
        blob: blockOffset * 16,
        end: (blockOffset + file.readUInt32LE(at + 12)) * 16,
      });
    }
  }
  return used;
}

function messages(contents: RpmdbContents): string[] {
  return contents.problems.map((p) => p.message);
}

describe('rpm NDB reader', () => {
  it('reads the header blobs of every used slot in instance order, as rpmdb.sqlite has them', async () => {
    const contents = readNdbPackages(ndb);
    assert.deepEqual(contents.problems, []);
    assert.deepEqual(
      contents.blobs.map((b) => [b.instance, nameOf(b.blob)]),
      await sqliteNames(),
    );
  });

  it('keeps the packages before the cut of a truncated file and names the one cut off', () => {
    const last = slots(ndb).at(-1);
    assert.ok(last);
    const contents = readNdbPackages(ndb.subarray(0, last.end - 100));
    assert.deepEqual(
      contents.blobs.map((b) => b.instance),
      slots(ndb)
        .slice(0, -1)
        .map((s) => s.instance)
        .sort((a, b) => a - b),
    );
    assert.deepEqual(messages(contents), [
      `package instance ${last.instance} (NDB slot ${last.slot}): blob at blocks ${last.blob / 16}+${(last.end - last.blob) / 16} lies beyond the end of the file (${last.end - 100} bytes)`,
    ]);
  });

  it('reports files cut inside the header or the slot pages', () => {
    assert.deepEqual(messages(readNdbPackages(ndb.subarray(0, 20))), [
      'NDB file of 20 bytes is shorter than its 32-byte header',
    ]);
    const contents = readNdbPackages(ndb.subarray(0, 2000));
    assert.deepEqual(contents.blobs, []);
    assert.match(
      messages(contents)[0] ?? '',
      /^NDB file is truncated: its header counts 1 slot pages, the file holds 2000 bytes$/,
    );
  });

  it('reports a slot that points beyond the end of the file and reads the others', () => {
    const [first] = slots(ndb);
    assert.ok(first);
    const damaged = Buffer.from(ndb);
    damaged.writeUInt32LE(0x7fffffff, first.at + 8);
    const contents = readNdbPackages(damaged);
    assert.equal(contents.blobs.length, slots(ndb).length - 1);
    assert.deepEqual(messages(contents), [
      `package instance ${first.instance} (NDB slot ${first.slot}): blob at blocks 2147483647+${(first.end - first.blob) / 16} lies beyond the end of the file (${ndb.length} bytes)`,
    ]);
  });

  it('refuses a blob whose checksum, length or owner is wrong', () => {
    const [first] = slots(ndb);
    assert.ok(first);
    const problemOf = (edit: (b: Buffer) => void): string => {
      const damaged = Buffer.from(ndb);
      edit(damaged);
      const contents = readNdbPackages(damaged);
      assert.equal(contents.blobs.length, slots(ndb).length - 1);
      return messages(contents).join();
    };
    const prefix = `package instance ${first.instance} (NDB slot ${first.slot}): `;
    assert.equal(
      problemOf((b) => (b[first.blob + 100] = (b[first.blob + 100] ?? 0) ^ 0xff)),
      `${prefix}blob checksum does not match`,
    );
    assert.equal(
      problemOf((b) => b.writeUInt32LE(0xffffffff, first.blob + 12)),
      `${prefix}blob claims 4294967295 bytes but its slot holds ${first.end - first.blob}`,
    );
    assert.equal(
      problemOf((b) => b.writeUInt32LE(99, first.blob + 4)),
      `${prefix}blob belongs to package instance 99`,
    );
    assert.equal(
      problemOf((b) => b.writeUInt32LE(0, first.end - 4)),
      `${prefix}blob has no tail magic`,
    );
  });

  it('stops at a slot without slot magic and keeps the slots before it', () => {
    const used = slots(ndb);
    const third = used[2];
    assert.ok(third);
    const damaged = Buffer.from(ndb);
    damaged.writeUInt32LE(0, third.at);
    const contents = readNdbPackages(damaged);
    assert.deepEqual(
      contents.blobs.map((b) => b.instance),
      used.slice(0, 2).map((s) => s.instance),
    );
    assert.deepEqual(messages(contents), [
      `NDB slot ${third.slot} has no slot magic; slots from it on not read`,
    ]);
  });

  it('survives an absurd slot page count without reading or allocating that much', () => {
    const damaged = Buffer.from(ndb);
    damaged.writeUInt32LE(0xffffffff, 12);
    const contents = readNdbPackages(damaged);
    assert.deepEqual(contents.blobs, []);
    assert.ok(contents.problems.length <= 27);
    assert.match(
      messages(contents)[0] ?? '',
      /^NDB file is truncated: its header counts 4294967295 slot pages/,
    );
  });

  it('stops reading a file with too many problems', () => {
    const damaged = Buffer.from(ndb);
    // 40 free slots turned into slots without a package.
    for (let slot = 100; slot < 140; slot++) damaged.writeUInt32LE(1, slot * 16 + 8);
    const contents = readNdbPackages(damaged);
    assert.equal(contents.blobs.length, slots(ndb).length);
    assert.equal(contents.problems.length, 26);
    assert.equal(
      messages(contents).at(-1),
      'NDB file has too many problems; slots from 125 on not read',
    );
  });

  it('tells a newer NDB version from a file that is not NDB at all', () => {
    const newer = Buffer.from(ndb);
    newer.writeUInt32LE(1, 4);
    assert.deepEqual(readNdbPackages(newer).problems, [
      {
        code: 'unsupported-rpmdb-format',
        message:
          'unsupported rpmdb format (NDB version 1); rpm packages of this image are not listed',
      },
    ]);
    assert.deepEqual(readNdbPackages(Buffer.from('SQLite format 3\0 and so on and on')).problems, [
      { code: 'malformed-database', message: 'not an NDB Packages.db (magic 0x694c5153)' },
    ]);
  });
});
