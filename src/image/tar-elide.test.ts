import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import { createTarElider } from './tar-elide.js';

interface ReadEntry {
  readonly name: string;
  readonly type: string | null;
  readonly mode: number;
  readonly linkname: string | null;
  readonly size: number;
  readonly content: string;
}

/**
 * What the main thread's reader makes of a tar: every entry it started (so the last one names
 * where a failure came, as layers-read.ts reports it), with the content of those it finished,
 * and how it fails.
 */
async function readTar(bytes: Buffer): Promise<{ entries: ReadEntry[]; error?: string }> {
  const entries: ReadEntry[] = [];
  const extract = tar.extract({ allowUnknownFormat: true } as Parameters<typeof tar.extract>[0]);
  extract.on('entry', (header, stream, next) => {
    const entry = {
      name: header.name,
      type: header.type ?? null,
      mode: header.mode ?? 0,
      linkname: header.linkname ?? null,
      size: header.size ?? 0,
      content: '',
    };
    entries.push(entry);
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: unknown) => chunks.push(chunk as Buffer));
    stream.on('error', () => undefined);
    stream.on('end', () => {
      entry.content = Buffer.concat(chunks).toString('latin1');
      next();
    });
  });
  try {
    await pipeline(Readable.from([bytes]), extract);
    return { entries };
  } catch (error) {
    return { entries, error: (error as Error).message };
  }
}

/** Runs bytes through an elider in chunks of the given sizes (cycled). */
function elide(
  bytes: Buffer,
  wanted: (path: string, mode: number) => boolean,
  sizes = [bytes.length],
) {
  const elider = createTarElider(wanted);
  const out: Buffer[] = [];
  for (let at = 0, i = 0; at < bytes.length; i++) {
    const size = Math.max(1, sizes[i % sizes.length] ?? 1);
    out.push(...elider.write(bytes.subarray(at, at + size)));
    at += size;
  }
  out.push(...elider.end());
  return { bytes: Buffer.concat(out), skipped: elider.skipped };
}

interface PackEntry {
  readonly header: Partial<tar.Header> & { readonly name: string };
  readonly content?: string;
}

async function pack(entries: readonly PackEntry[]): Promise<Buffer> {
  const packer = tar.pack();
  const chunks: Buffer[] = [];
  packer.on('data', (chunk: unknown) => chunks.push(chunk as Buffer));
  const done = new Promise<void>((resolve) => packer.on('end', () => resolve()));
  for (const entry of entries) {
    await new Promise<void>((resolve, reject) =>
      packer.entry(entry.header, entry.content ?? '', (error) =>
        error ? reject(error) : resolve(),
      ),
    );
  }
  packer.finalize();
  await done;
  return Buffer.concat(chunks);
}

/** A raw header block, for what tar-stream's packer does not write (GNU long names). */
function rawHeader(name: string, type: string, size: number): Buffer {
  const block = Buffer.alloc(512);
  block.write(name.slice(0, 99), 0, 'latin1');
  block.write('0000644 ', 100, 'latin1');
  block.write('0000000 ', 108, 'latin1');
  block.write('0000000 ', 116, 'latin1');
  block.write(`${size.toString(8).padStart(11, '0')} `, 124, 'latin1');
  block.write('00000000000 ', 136, 'latin1');
  block.write(type, 156, 'latin1');
  block.write('ustar  \0', 257, 'latin1');
  let sum = 8 * 32;
  for (let i = 0; i < 512; i++) if (i < 148 || i >= 156) sum += block[i] ?? 0;
  block.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  return block;
}

function padded(content: string): Buffer {
  const bytes = Buffer.from(content, 'latin1');
  return Buffer.concat([bytes, Buffer.alloc((512 - (bytes.length % 512)) % 512)]);
}

const keepPackages = (path: string) => path.endsWith('/package.json') || path === '/etc/os-release';

/** The entries as the reader sees them once the skipped contents are taken out. */
function expectedAfterEliding(entries: readonly ReadEntry[], skipped: (e: ReadEntry) => boolean) {
  return entries.map((entry) => (skipped(entry) ? { ...entry, size: 0, content: '' } : entry));
}

const big = 'x'.repeat(5000);
const sample: PackEntry[] = [
  { header: { name: 'etc/', type: 'directory', mode: 0o755 } },
  { header: { name: 'etc/os-release', mode: 0o644 }, content: 'ID=debian\n' },
  { header: { name: 'usr/lib/libbig.so', mode: 0o644 }, content: big },
  { header: { name: 'usr/bin/tool', mode: 0o755 }, content: big.slice(0, 700) },
  { header: { name: 'app/node_modules/left-pad/package.json', mode: 0o644 }, content: '{}' },
  { header: { name: 'usr/lib/os-release.link', type: 'symlink', linkname: 'os-release' } },
  { header: { name: 'usr/lib/hard', type: 'link', linkname: 'usr/lib/libbig.so' } },
  {
    header: { name: `app/${'deep/'.repeat(40)}node_modules/x/package.json`, mode: 0o644 },
    content: '{"name":"x"}',
  },
  { header: { name: `opt/${'long/'.repeat(40)}data.bin`, mode: 0o644 }, content: big },
  // Names no ustar header can hold: tar-stream writes them in pax headers.
  { header: { name: `usr/${'p'.repeat(200)}/package.json`, mode: 0o644 }, content: '{"a":1}' },
  { header: { name: `opt/${'q'.repeat(200)}.bin`, mode: 0o644 }, content: big },
  { header: { name: 'usr/lib/.wh.old.so', mode: 0o644 }, content: '' },
  { header: { name: 'usr/share/empty.txt', mode: 0o644 }, content: '' },
];

describe('tar content elision', () => {
  it('skips the contents the predicate rules out, and the reader sees every header the same', async () => {
    const original = await pack(sample);
    const before = await readTar(original);
    const out = elide(original, keepPackages);
    const after = await readTar(out.bytes);
    const isSkipped = (e: ReadEntry) =>
      e.type === 'file' && e.size > 0 && !keepPackages(`/${e.name}`);
    assert.equal(before.error, undefined);
    assert.equal(after.error, undefined);
    assert.deepEqual(after.entries, expectedAfterEliding(before.entries, isSkipped));
    assert.equal(out.skipped, 5000 + 700 + 5000 + 5000);
    assert.ok(out.bytes.length < original.length - 10_000);
  });

  it('gives the same bytes whatever the chunking', async () => {
    const original = await pack(sample);
    const whole = elide(original, keepPackages).bytes;
    for (const sizes of [[1], [7], [511], [512], [513], [100, 3, 1024, 17]])
      assert.deepEqual(
        elide(original, keepPackages, sizes).bytes,
        whole,
        `chunks ${sizes.join(',')}`,
      );
  });

  it('is given clean absolute paths and the permission bits', async () => {
    const seen: string[] = [];
    const original = await pack([
      { header: { name: './usr//bin/./tool', mode: 0o4755 }, content: 'x' },
      { header: { name: '/abs/file', mode: 0o600 }, content: 'x' },
    ]);
    elide(original, (path, mode) => {
      seen.push(`${path} ${mode.toString(8)}`);
      return true;
    });
    assert.deepEqual(seen, ['/usr/bin/tool 4755', '/abs/file 600']);
  });

  it('never skips a name with "..", leaving it to the reader to refuse', async () => {
    const original = await pack([{ header: { name: 'a/../../etc/passwd' }, content: 'root' }]);
    const out = elide(original, () => false);
    assert.deepEqual(out.bytes, original);
    assert.equal(out.skipped, 0);
  });

  it('follows GNU long names and pax paths when deciding', async () => {
    const longName = `usr/${'x'.repeat(150)}/package.json`;
    const gnu = Buffer.concat([
      rawHeader('././@LongLink', 'L', longName.length + 1),
      padded(`${longName}\0`),
      rawHeader('short-name', '0', 3),
      padded('abc'),
      Buffer.alloc(1024),
    ]);
    const kept = elide(gnu, keepPackages);
    assert.deepEqual(kept.bytes, gnu);
    assert.deepEqual(
      (await readTar(kept.bytes)).entries.map((e) => [e.name, e.content]),
      [[longName, 'abc']],
    );
    const ruledOut = elide(gnu, () => false);
    assert.deepEqual(
      (await readTar(ruledOut.bytes)).entries.map((e) => [e.name, e.size]),
      [[longName, 0]],
    );
  });

  it('passes whole an entry whose size a pax header gives', async () => {
    const original = await pack([
      { header: { name: 'big.bin', pax: { size: '3' } }, content: 'abc' },
    ]);
    const out = elide(original, () => false);
    assert.deepEqual(out.bytes, original);
  });

  it('applies a global pax header only through a pax header after it, as the reader does', async () => {
    const globalPath = ' path=usr/lib/package.json\n';
    const record = `${globalPath.length + String(globalPath.length + 2).length}${globalPath}`;
    const tarWithGlobal = Buffer.concat([
      rawHeader('global', 'g', record.length),
      padded(record),
      rawHeader('plain.bin', '0', 3),
      padded('abc'),
      Buffer.alloc(1024),
    ]);
    const before = await readTar(tarWithGlobal);
    const after = await readTar(elide(tarWithGlobal, keepPackages).bytes);
    // No pax header follows: the reader names the entry plain.bin, and so is it judged.
    assert.deepEqual(
      before.entries.map((e) => e.name),
      ['plain.bin'],
    );
    assert.deepEqual(
      after.entries.map((e) => [e.name, e.size]),
      [['plain.bin', 0]],
    );
  });

  it('makes a stream cut inside skipped content fail as truncated, as it would have', async () => {
    const original = await pack(sample);
    const cutAt = original.indexOf(Buffer.from(big.slice(0, 100))) + 2000;
    const cut = original.subarray(0, cutAt);
    const before = await readTar(cut);
    const after = await readTar(elide(cut, keepPackages).bytes);
    assert.match(before.error ?? '', /Unexpected end of data/);
    assert.equal(after.error, before.error);
    assert.deepEqual(
      after.entries.map((e) => e.name),
      before.entries.map((e) => e.name),
    );
  });

  it('stops skipping at a header it cannot read, and passes the rest through untouched', async () => {
    const original = await pack(sample);
    const broken = Buffer.from(original);
    // Corrupt the checksum of the header after the first skipped file.
    const second = broken.indexOf(Buffer.from('usr/bin/tool'));
    broken[second + 148] = 0x39;
    const out = elide(broken, keepPackages);
    const before = await readTar(broken);
    const after = await readTar(out.bytes);
    assert.match(before.error ?? '', /Invalid tar header/);
    assert.equal(after.error, before.error);
    assert.ok(
      out.bytes
        .subarray(out.bytes.length - (broken.length - second))
        .equals(broken.subarray(second)),
    );
  });

  it('matches the reader on random streams, cut and corrupted', async () => {
    let seed = 7;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let round = 0; round < 40; round++) {
      const entries: PackEntry[] = Array.from(
        { length: 1 + Math.floor(next() * 8) },
        (_, i): PackEntry => {
          const kind = next();
          const name = `${'d/'.repeat(Math.floor(next() * 60))}f${i}${next() < 0.3 ? '/package.json' : '.bin'}`;
          if (kind < 0.15) return { header: { name, type: 'directory' as const } };
          if (kind < 0.25)
            return { header: { name, type: 'symlink' as const, linkname: 'target' } };
          return {
            header: { name, mode: next() < 0.3 ? 0o755 : 0o644 },
            content: 'y'.repeat(Math.floor(next() * 2000)),
          };
        },
      );
      const original = await pack(entries);
      const damaged = Buffer.from(
        original.subarray(0, next() < 0.5 ? original.length : Math.floor(next() * original.length)),
      );
      if (next() < 0.3 && damaged.length > 0) {
        const at = Math.floor(next() * damaged.length);
        damaged[at] = (damaged[at] ?? 0) ^ 0xff;
      }
      const wanted = (path: string) => path.endsWith('/package.json');
      const before = await readTar(damaged);
      const after = await readTar(elide(damaged, wanted, [1 + Math.floor(next() * 700)]).bytes);
      const isSkipped = (e: ReadEntry) =>
        e.type === 'file' &&
        e.size > 0 &&
        !e.name.split('/').includes('..') &&
        !wanted(`/${e.name}`);
      assert.equal(after.error, before.error, `round ${round}`);
      // An entry cut short is reported by the reader before it ends; compare the whole ones.
      assert.deepEqual(
        after.entries.map((e) => [e.name, e.type, e.mode, e.linkname]),
        before.entries.map((e) => [e.name, e.type, e.mode, e.linkname]),
        `round ${round}`,
      );
      if (before.error === undefined)
        assert.deepEqual(
          after.entries,
          expectedAfterEliding(before.entries, isSkipped),
          `round ${round}`,
        );
    }
  });
});
