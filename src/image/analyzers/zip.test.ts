import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { openZip, ZipError } from './zip.ts';
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
});
