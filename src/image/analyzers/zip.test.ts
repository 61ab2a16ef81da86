import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openZip, openZipFile, ZipError } from './zip.ts';
import { buildZip } from './zip-builder.ts';

describe('zip reader', () => {
  it('reads stored and deflated entries', () => {
    const zip = openZip(
      buildZip([
        { name: 'a.txt', data: 'hello', method: 'store' },
        { name: 'b.txt', data: 'world '.repeat(100) },
      ]),
    );
    assert.deepEqual(
      zip.entries.map((e) => e.name),
      ['a.txt', 'b.txt'],
    );
    assert.equal(zip.read(zip.entries[0] ?? assert.fail()).toString(), 'hello');
    assert.equal(zip.read(zip.entries[1] ?? assert.fail()).toString(), 'world '.repeat(100));
  });

  it('refuses entries over the size cap and archives with too many entries', () => {
    const zip = openZip(buildZip([{ name: 'big', data: Buffer.alloc(2048) }]), {
      maxEntrySize: 1024,
      maxEntries: 10,
      maxRatio: 1000,
    });
    assert.throws(() => zip.read(zip.entries[0] ?? assert.fail()), /over the 1024 byte cap/);
    const many = buildZip(Array.from({ length: 11 }, (_, i) => ({ name: `${i}`, data: 'x' })));
    assert.throws(
      () => openZip(many, { maxEntrySize: 1024, maxEntries: 10, maxRatio: 1000 }),
      /more than 10 entries/,
    );
  });

  it('refuses a central directory that points past the end', () => {
    const zip = buildZip([{ name: 'a', data: 'x' }]);
    zip.writeUInt32LE(0x7fffffff, zip.length - 6);
    assert.throws(() => openZip(zip), ZipError);
    assert.throws(() => openZip(Buffer.from('no zip here')), /not a zip archive/);
  });

  it('reads a ZIP64 archive of more than 65,535 entries from a file, entry by entry', () => {
    const dir = mkdtempSync(join(tmpdir(), 'palisade-zip64-'));
    try {
      const count = 70_000;
      const path = join(dir, 'all.zip');
      const data = buildZip(
        Array.from({ length: count }, (_, i) => ({
          name: `GHSA-${i}.json`,
          data: `{"id":"GHSA-${i}"}`,
          method: i % 2 === 0 ? ('store' as const) : ('deflate' as const),
        })),
      );
      // The 16-bit EOCD count cannot hold 70,000: only the ZIP64 record can.
      assert.equal(data.readUInt16LE(data.length - 12), 0xffff);
      writeFileSync(path, data);
      const zip = openZipFile(path, { maxEntrySize: 1024, maxEntries: 100_000, maxRatio: 100 });
      try {
        assert.equal(zip.entries.length, count);
        const last = zip.entries[count - 1] ?? assert.fail();
        assert.equal(last.name, `GHSA-${count - 1}.json`);
        assert.equal(zip.read(last).toString(), `{"id":"GHSA-${count - 1}"}`);
        assert.equal(
          zip.read(zip.entries[40_000] ?? assert.fail()).toString(),
          '{"id":"GHSA-40000"}',
        );
      } finally {
        zip.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reads ZIP64 extra fields that replace the 32-bit sizes and offsets', () => {
    const zip = openZip(
      buildZip(
        [
          { name: 'a.txt', data: 'hello', method: 'store' },
          { name: 'b.txt', data: 'world '.repeat(100) },
        ],
        { zip64: true },
      ),
    );
    assert.deepEqual(
      zip.entries.map((e) => [e.name, e.size]),
      [
        ['a.txt', 5],
        ['b.txt', 600],
      ],
    );
    assert.equal(zip.read(zip.entries[1] ?? assert.fail()).toString(), 'world '.repeat(100));
  });

  it('refuses ZIP64 markers without the ZIP64 records they stand for', () => {
    const zip = buildZip([{ name: 'a', data: 'x' }]);
    zip.writeUInt16LE(0xffff, zip.length - 12);
    assert.throws(() => openZip(zip), /ZIP64 end of central directory locator is missing/);
    const zip64 = buildZip([{ name: 'a', data: 'x' }], { zip64: true });
    // Break the record's signature the locator points at.
    zip64.writeUInt32LE(0, zip64.length - 22 - 20 - 56);
    assert.throws(() => openZip(zip64), /ZIP64 end of central directory record is corrupt/);
  });

  it(
    'reads what Info-ZIP writes with zip -fz (forced ZIP64)',
    { skip: existsSync('/usr/bin/zip') ? undefined : '/usr/bin/zip is absent' },
    () => {
      const dir = mkdtempSync(join(tmpdir(), 'palisade-zip64-'));
      try {
        writeFileSync(join(dir, 'a.json'), '{"id":"A"}');
        writeFileSync(join(dir, 'b.json'), 'abcdefghij'.repeat(50));
        execFileSync('/usr/bin/zip', ['-q', '-fz', join(dir, 'out.zip'), 'a.json', 'b.json'], {
          cwd: dir,
        });
        const zip = openZipFile(join(dir, 'out.zip'));
        try {
          assert.deepEqual(
            zip.entries.map((e) => e.name),
            ['a.json', 'b.json'],
          );
          assert.equal(zip.read(zip.entries[0] ?? assert.fail()).toString(), '{"id":"A"}');
          assert.equal(
            zip.read(zip.entries[1] ?? assert.fail()).toString(),
            'abcdefghij'.repeat(50),
          );
        } finally {
          zip.close();
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});
