// Layer semantics and hostile layers, read from OCI layouts built in code: whiteouts and opaque
// directories across layers, symlinks and hard links, compression by magic bytes, and every
// kind of hostile entry failing with an error that names the layer and the entry.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  openImageSource,
  readImage,
  type ImageLimits,
  type KeepPredicate,
} from '../src/image/index.ts';
import { PalisadeError } from '../src/model/index.ts';
import {
  buildTar,
  compress,
  OciLayout,
  sha256,
  type TestImage,
  type TestLayer,
} from './kit/images.ts';

const keepAll: KeepPredicate = () => true;
const keepNothing: KeepPredicate = () => false;
const hasZstd = existsSync('/usr/bin/zstd');

function expectCode(code: string, ...patterns: RegExp[]) {
  return (error: unknown): boolean => {
    assert.ok(error instanceof PalisadeError, `expected a PalisadeError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    for (const pattern of patterns) assert.match(error.message, pattern);
    return true;
  };
}

// Every behaviour holds whether a layer is read on the calling thread or on a worker thread
// (layer-inflate.ts), with the same errors; and on worker threads told what could be kept, so
// that they leave other files' contents out (tar-elide.js): all of them when nothing is kept.
const modes = [
  { name: 'on the calling thread', workerThreshold: Infinity, hinted: false },
  { name: 'on worker threads', workerThreshold: 0, hinted: false },
  { name: 'on worker threads that leave out what is not kept', workerThreshold: 0, hinted: true },
];

for (const mode of modes)
  describe(`reading layers ${mode.name}`, () => {
    let work: string;
    let counter = 0;

    before(async () => {
      work = await mkdtemp(join(tmpdir(), 'palisade-layers-test-'));
    });

    after(async () => {
      await rm(work, { recursive: true, force: true });
    });

    async function read(
      image: TestImage,
      options: { keep?: KeepPredicate; limits?: Partial<ImageLimits> } = {},
    ) {
      const dir = join(work, `layout-${++counter}`);
      const built = await new OciLayout(dir).addImage('t', image);
      const keep = options.keep ?? keepAll;
      const result = await readImage(await openImageSource(`oci:${dir}:t`), {
        keep,
        ...(mode.hinted ? { keepHint: keep === keepNothing ? {} : { prefixes: ['/'] } } : {}),
        workerThreshold: mode.workerThreshold,
        ...(options.limits === undefined ? {} : { limits: options.limits }),
      });
      return { result, built };
    }

    it('applies whiteouts and opaque directories in layer order', async () => {
      const { result, built } = await read(
        {
          layers: [
            {
              entries: [
                { path: 'etc/a', content: 'a' },
                { path: 'etc/b', content: 'b' },
                { path: 'opt/app/x', content: 'x' },
                { path: 'opt/app/sub/y', content: 'y' },
                { path: 'var/keep', content: 'keep' },
                { path: 'srv/tree/deep/file', content: 'deep' },
              ],
            },
            {
              entries: [
                { path: 'etc/.wh.a' },
                { path: 'opt/app/.wh..wh..opq' },
                { path: 'opt/app/z', content: 'z' },
                { path: 'srv/.wh.tree' },
              ],
            },
            {
              entries: [
                { path: 'etc/b/', type: 'directory' },
                { path: 'etc/b/c', content: 'c' },
                { path: 'var/keep', type: 'symlink', linkname: '/etc/b/c' },
                { path: 'srv/tree/new', content: 'new' },
              ],
            },
          ],
        },
        { keep: (_path, info) => info.type === 'file' },
      );
      const layers = built.layers.map((layer) => layer.digest);
      assert.deepEqual([...result.files.files.keys()], ['/etc/b/c', '/opt/app/z', '/srv/tree/new']);
      assert.equal(result.files.files.get('/opt/app/z')?.layer, layers[1]);
      assert.equal(result.files.files.get('/etc/b/c')?.layer, layers[2]);
    });

    it('keeps the upper copy of a file and attributes it to the layer that last wrote it', async () => {
      const { result, built } = await read({
        layers: [
          { entries: [{ path: 'etc/os-release', content: 'ID=old', mode: 0o600 }] },
          {
            compression: 'none',
            entries: [{ path: 'etc/os-release', content: 'ID=new', mode: 0o644 }],
          },
        ],
      });
      const file = result.files.files.get('/etc/os-release');
      assert.equal(file?.content.toString(), 'ID=new');
      assert.equal(file?.mode, 0o644);
      assert.equal(file?.layer, built.layers[1]?.digest);
      assert.deepEqual(
        result.layers.map((layer) => layer.compression),
        ['gzip', 'none'],
      );
    });

    it('detects compression by magic bytes, not by the media type', async () => {
      const tarBytes = await buildTar([{ path: 'etc/hostname', content: 'box' }]);
      const { result } = await read({
        layers: [
          // Labelled gzip, actually uncompressed.
          {
            tar: tarBytes,
            compression: 'none',
            mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
          },
          ...(hasZstd
            ? [
                {
                  entries: [{ path: 'etc/z', content: 'zstd' }],
                  compression: 'zstd',
                  mediaType: 'application/vnd.oci.image.layer.v1.tar',
                } as TestLayer,
              ]
            : []),
        ],
      });
      assert.equal(result.files.files.get('/etc/hostname')?.content.toString(), 'box');
      assert.equal(result.layers[0]?.compression, 'none');
      if (hasZstd) assert.equal(result.layers[1]?.compression, 'zstd');
    });

    it('keeps symlinks and resolves them inside the image root', async () => {
      const { result } = await read({
        layers: [
          {
            entries: [
              { path: 'usr/lib/os-release', content: 'ID=debian' },
              { path: 'etc/os-release', type: 'symlink', linkname: '../usr/lib/os-release' },
              { path: 'lib', type: 'symlink', linkname: 'usr/lib' },
              { path: 'etc/mtab', type: 'symlink', linkname: '/proc/self/mounts' },
              { path: 'loop1', type: 'symlink', linkname: 'loop2' },
              { path: 'loop2', type: 'symlink', linkname: 'loop1' },
            ],
          },
        ],
      });
      assert.equal(result.files.symlinks.get('/etc/os-release')?.target, '../usr/lib/os-release');
      assert.equal(result.files.read('/etc/os-release')?.content.toString(), 'ID=debian');
      assert.equal(result.files.read('/lib/os-release')?.path, '/usr/lib/os-release');
      assert.equal(result.files.resolve('/etc/mtab'), '/proc/self/mounts');
      assert.equal(result.files.resolve('/loop1'), undefined);
    });

    it('gives a hard link the content of its target', async () => {
      const { result } = await read({
        layers: [
          { entries: [{ path: 'usr/bin/python3.11', content: 'ELF', mode: 0o755 }] },
          { entries: [{ path: 'usr/bin/python3', type: 'link', linkname: 'usr/bin/python3.11' }] },
        ],
      });
      assert.equal(result.files.files.get('/usr/bin/python3')?.content.toString(), 'ELF');
      assert.equal(result.files.files.get('/usr/bin/python3')?.mode, 0o755);
    });

    it('takes absolute entry names as relative to the image root, as docker does', async () => {
      const { result } = await read({
        layers: [
          {
            entries: [
              { path: '/etc/abs', content: 'x' },
              { path: './etc/./dot', content: 'y' },
            ],
          },
        ],
      });
      assert.deepEqual([...result.files.files.keys()], ['/etc/abs', '/etc/dot']);
    });

    it('ignores device files and fifos', async () => {
      const { result } = await read({
        layers: [
          {
            entries: [
              { path: 'dev/null', type: 'character-device' },
              { path: 'run/pipe', type: 'fifo' },
              { path: 'etc/ok', content: 'ok' },
            ],
          },
        ],
      });
      assert.deepEqual([...result.files.files.keys()], ['/etc/ok']);
    });

    it('returns the layer list with sizes, media types and created_by', async () => {
      const { result, built } = await read({
        emptyHistory: ['ENV A=1'],
        layers: [{ createdBy: 'COPY . /app', entries: [{ path: 'app/x', content: 'x' }] }],
      });
      assert.deepEqual(
        result.layers.map(({ digest, size, mediaType, createdBy, diffId }) => ({
          digest,
          size,
          mediaType,
          createdBy,
          diffId,
        })),
        [
          {
            digest: built.layers[0]?.digest,
            size: built.layers[0]?.blob.length,
            mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
            createdBy: 'COPY . /app',
            diffId: built.layers[0]?.diffId,
          },
        ],
      );
    });

    describe('hostile layers', () => {
      it('refuses path traversal, naming the layer and the entry', async () => {
        const layer: TestLayer = {
          entries: [
            { path: 'etc/ok', content: 'ok' },
            { path: '../../etc/passwd', content: 'evil' },
          ],
        };
        await assert.rejects(read({ layers: [layer] }), (error: unknown) => {
          expectCode(
            'layer-invalid',
            /path traversal/,
            /'\.\.\/\.\.\/etc\/passwd'/,
            /layer sha256:[a-f0-9]{64}/,
          )(error);
          return true;
        });
      });

      it('refuses a symlink that climbs out of the image root', async () => {
        await assert.rejects(
          read({
            layers: [
              {
                entries: [
                  { path: 'etc/evil', type: 'symlink', linkname: '../../../../etc/shadow' },
                ],
              },
            ],
          }),
          expectCode('layer-invalid', /symlink escape/, /'etc\/evil'/),
        );
      });

      it('refuses a hard link to outside the image root', async () => {
        await assert.rejects(
          read({
            layers: [{ entries: [{ path: 'etc/hl', type: 'link', linkname: '../../etc/passwd' }] }],
          }),
          expectCode('layer-invalid', /hard link to outside/, /'etc\/hl'/),
        );
      });

      it('never follows a symlink out of the root when resolving paths', async () => {
        // Absolute targets and chains of ".." end at the image root, as in a chroot.
        const { result } = await read({
          layers: [
            {
              entries: [
                { path: 'etc/passwd', content: 'image passwd' },
                { path: 'a/b', type: 'symlink', linkname: '/' },
                { path: 'a/up', type: 'symlink', linkname: '..' },
              ],
            },
          ],
        });
        assert.equal(
          result.files.read('/a/b/../../../etc/passwd')?.content.toString(),
          'image passwd',
        );
        assert.equal(result.files.resolve('/a/up/a/up/../../etc/passwd'), '/etc/passwd');
      });

      it('stops a gzip bomb at the per-layer cap', async () => {
        // The gzip trailer is broken: a reader that went on to the end would report that.
        const tarBytes = await buildTar([
          { path: 'zeros', content: Buffer.alloc(8 * 1024 * 1024) },
        ]);
        const gzip = Buffer.from(compress(tarBytes, 'gzip'));
        gzip.writeUInt32LE((gzip.readUInt32LE(gzip.length - 8) ^ 1) >>> 0, gzip.length - 8);
        const bomb: TestLayer = { blob: gzip, diffId: sha256(tarBytes) };
        await assert.rejects(
          read({ layers: [bomb] }, { limits: { maxLayerBytes: 1024 * 1024 }, keep: keepNothing }),
          expectCode('limit-exceeded', /maxLayerBytes/, /layer sha256:/),
        );
      });

      it(
        'stops a zstd bomb at the per-layer cap',
        { skip: hasZstd ? false : '/usr/bin/zstd is not installed' },
        async () => {
          const bomb: TestLayer = {
            compression: 'zstd',
            entries: [{ path: 'zeros', content: Buffer.alloc(8 * 1024 * 1024) }],
          };
          await assert.rejects(
            read({ layers: [bomb] }, { limits: { maxLayerBytes: 1024 * 1024 }, keep: keepNothing }),
            expectCode('limit-exceeded', /maxLayerBytes/),
          );
        },
      );

      it('refuses a zstd frame that asks for a huge window before allocating it', async () => {
        // RFC 8878: magic, descriptor 0 (no content size), window descriptor exponent 21 → 2 GiB.
        const frame = Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x00, 21 << 3, 0x01, 0x00, 0x00]);
        await assert.rejects(
          read({ layers: [{ blob: frame, diffId: sha256('x'), compression: 'zstd' }] }),
          expectCode('limit-exceeded', /maxZstdWindowBytes/),
        );
      });

      it('stops at the per-image cap across layers', async () => {
        const layer = (name: string): TestLayer => ({
          entries: [{ path: name, content: Buffer.alloc(600 * 1024, 1) }],
        });
        await assert.rejects(
          read(
            { layers: [layer('a'), layer('b')] },
            { limits: { maxImageBytes: 1024 * 1024 }, keep: keepNothing },
          ),
          expectCode('limit-exceeded', /maxImageBytes/),
        );
      });

      it('refuses a kept file over the per-file cap, naming it', async () => {
        await assert.rejects(
          read(
            {
              layers: [
                {
                  entries: [
                    { path: 'var/lib/rpm/Packages', content: Buffer.alloc(2 * 1024 * 1024, 7) },
                  ],
                },
              ],
            },
            { limits: { maxFileBytes: 1024 * 1024 } },
          ),
          expectCode('limit-exceeded', /maxFileBytes/, /var\/lib\/rpm\/Packages/),
        );
      });

      it('refuses a layer with too many entries', async () => {
        const entries = Array.from({ length: 60 }, (_, index) => ({
          path: `f${index}`,
          content: '',
        }));
        await assert.rejects(
          read({ layers: [{ entries }] }, { limits: { maxEntries: 50 } }),
          expectCode('limit-exceeded', /maxEntries/),
        );
      });

      it('reports a truncated gzip layer', async () => {
        const tarBytes = await buildTar([{ path: 'big', content: Buffer.alloc(100_000, 3) }]);
        const gzip = compress(tarBytes, 'gzip');
        await assert.rejects(
          read({
            layers: [{ blob: gzip.subarray(0, gzip.length - 40), diffId: sha256(tarBytes) }],
          }),
          expectCode('layer-invalid', /truncated/, /layer sha256:/),
        );
      });

      it('reports a truncated tar', async () => {
        const tarBytes = await buildTar([{ path: 'big', content: Buffer.alloc(100_000, 3) }]);
        const cut = tarBytes.subarray(0, 50_000);
        await assert.rejects(
          read({ layers: [{ blob: cut, diffId: sha256(cut), compression: 'none' }] }),
          expectCode('layer-invalid', /truncated/),
        );
      });

      it('reports a file shorter than its header says', async () => {
        const tarBytes = await buildTar([{ path: 'etc/short', content: 'abc' }]);
        // Claim 10 000 bytes in the header (and fix the checksum): the data runs out.
        const header = Buffer.from(tarBytes.subarray(0, 512));
        header.write('00000023420\0', 124, 'latin1');
        header.fill(' ', 148, 156);
        let sum = 0;
        for (const byte of header) sum += byte;
        header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
        const forged = Buffer.concat([header, tarBytes.subarray(512, 1024)]);
        await assert.rejects(
          read({ layers: [{ blob: forged, diffId: sha256(forged), compression: 'none' }] }),
          expectCode('layer-invalid', /truncated/),
        );
      });

      it('reads a layer whose config diff ID is wrong: the verified blob digest vouches for it', async () => {
        // The diff ID is the config's claim; the layer cache is keyed by the blob digest, so a
        // false claim cannot poison it (test/image-cache.test.ts).
        const { result } = await read({
          layers: [{ entries: [{ path: 'a', content: 'a' }], diffId: sha256('something else') }],
        });
        assert.equal(result.files.files.get('/a')?.content.toString(), 'a');
        assert.equal(result.layers[0]?.diffId, sha256('something else'));
      });

      it('fails with digest-mismatch when a blob in the layout was altered', async () => {
        const dir = join(work, `layout-${++counter}`);
        const built = await new OciLayout(dir).addImage('t', {
          layers: [{ entries: [{ path: 'a', content: 'a'.repeat(4096) }] }],
        });
        const digest = built.layers[0]?.digest ?? '';
        const blobPath = join(dir, 'blobs', 'sha256', digest.slice('sha256:'.length));
        const blob = await readFile(blobPath);
        blob[blob.length - 9] = (blob[blob.length - 9] ?? 0) ^ 0xff;
        await writeFile(blobPath, blob);
        await assert.rejects(
          readImage(await openImageSource(`oci:${dir}:t`), {
            keep: keepAll,
            workerThreshold: mode.workerThreshold,
          }),
          expectCode('digest-mismatch', new RegExp(`layer ${digest}`), /tampered/),
        );
      });

      it('fails when a blob in the layout is longer than its descriptor says', async () => {
        const dir = join(work, `layout-${++counter}`);
        const built = await new OciLayout(dir).addImage('t', {
          layers: [{ entries: [{ path: 'a', content: 'a' }] }],
        });
        const digest = built.layers[0]?.digest ?? '';
        const blobPath = join(dir, 'blobs', 'sha256', digest.slice('sha256:'.length));
        await writeFile(blobPath, Buffer.concat([await readFile(blobPath), Buffer.alloc(10)]));
        await assert.rejects(
          readImage(await openImageSource(`oci:${dir}:t`), {
            keep: keepAll,
            workerThreshold: mode.workerThreshold,
          }),
          expectCode('digest-mismatch', /is larger than the \d+ bytes its descriptor states/),
        );
      });

      it('stops when the caller aborts', async () => {
        const dir = join(work, `layout-${++counter}`);
        await new OciLayout(dir).addImage('t', {
          layers: [{ entries: [{ path: 'a', content: 'a' }] }],
        });
        const controller = new AbortController();
        controller.abort(new Error('the scan was cancelled'));
        await assert.rejects(
          readImage(await openImageSource(`oci:${dir}:t`), {
            keep: keepAll,
            workerThreshold: mode.workerThreshold,
            signal: controller.signal,
          }),
          /The operation was aborted/,
        );
      });

      it('reads nothing into the file system when the predicate keeps nothing', async () => {
        const { result } = await read(
          { layers: [{ entries: [{ path: 'etc/a', content: 'a' }] }] },
          { keep: keepNothing },
        );
        assert.equal(result.files.files.size, 0);
      });
    });
  });

// Worker threads told which files could be kept leave the others' contents out of the tar
// they pass on (tar-elide.js); what the reader makes of a layer must not change.
describe('leaving out contents no hint matches', () => {
  let work: string;
  let counter = 0;
  const hint = {
    paths: ['/etc/os-release'],
    suffixes: ['/package.json'],
    prefixes: ['/var/lib/dpkg/'],
  };
  const keepHinted: KeepPredicate = (path, info) =>
    info.type !== 'file' ||
    path === '/etc/os-release' ||
    path.endsWith('/package.json') ||
    path.startsWith('/var/lib/dpkg/');

  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'palisade-elide-test-'));
  });

  after(async () => {
    await rm(work, { recursive: true, force: true });
  });

  async function layout(image: TestImage): Promise<string> {
    const dir = join(work, `layout-${++counter}`);
    await new OciLayout(dir).addImage('t', image);
    return `oci:${dir}:t`;
  }

  const readBoth = async (reference: string) => {
    const inThread = await readImage(await openImageSource(reference), {
      keep: keepHinted,
      workerThreshold: Infinity,
    });
    const elided = await readImage(await openImageSource(reference), {
      keep: keepHinted,
      keepHint: hint,
      workerThreshold: 0,
    });
    return { inThread, elided };
  };

  it('gives the same files, links, whiteouts and sizes as reading everything', async () => {
    const reference = await layout({
      layers: [
        {
          entries: [
            { path: 'etc/os-release', content: 'ID=debian\n' },
            { path: 'var/lib/dpkg/status', content: 'Package: a\nVersion: 1\n' },
            { path: 'usr/lib/libbig.so', content: Buffer.alloc(3 * 1024 * 1024, 7) },
            { path: 'usr/bin/tool', content: Buffer.alloc(100_000, 1), mode: 0o755 },
            { path: 'usr/lib/gone.so', content: Buffer.alloc(50_000, 2) },
            { path: `opt/${'n'.repeat(200)}/package.json`, content: '{"name":"long"}' },
            { path: `opt/${'m'.repeat(200)}.bin`, content: Buffer.alloc(70_000, 3) },
          ],
        },
        {
          entries: [
            { path: 'usr/lib/.wh.gone.so' },
            { path: 'app/node_modules/x/package.json', content: '{"name":"x"}' },
            { path: 'app/node_modules/x/index.js', content: Buffer.alloc(20_000, 4) },
            { path: 'usr/lib/libbig.link', type: 'link', linkname: 'usr/lib/libbig.so' },
            { path: 'etc/alias', type: 'symlink', linkname: 'os-release' },
          ],
        },
      ],
    });
    const { inThread, elided } = await readBoth(reference);
    const files = (read: typeof inThread) =>
      [...read.files.files.values()].map((f) => [
        f.path,
        f.layer,
        f.mode,
        f.content.toString('hex'),
      ]);
    assert.deepEqual(files(elided), files(inThread));
    assert.deepEqual([...elided.files.symlinks.entries()], [...inThread.files.symlinks.entries()]);
    assert.equal(elided.files.read('/usr/lib/gone.so'), undefined);
    assert.equal(elided.files.resolve('/etc/alias'), inThread.files.resolve('/etc/alias'));
    assert.deepEqual(
      elided.layers.map((l) => l.uncompressedSize),
      inThread.layers.map((l) => l.uncompressedSize),
    );
    assert.equal(files(elided).length, 4);
    // The contents were left out indeed: all but the kept files' and the headers.
    assert.deepEqual(
      inThread.layers.map((l) => l.skippedBytes),
      [0, 0],
    );
    assert.ok((elided.layers[0]?.skippedBytes ?? 0) > 3 * 1024 * 1024 + 200_000);
    assert.equal(elided.layers[1]?.skippedBytes, 20_480); // index.js with its padding
  });

  it('reports a layer cut inside left-out contents as truncated, as reading everything does', async () => {
    const tarBytes = await buildTar([
      { path: 'etc/os-release', content: 'ID=debian\n' },
      { path: 'usr/lib/big', content: Buffer.alloc(200_000, 5) },
    ]);
    const cut = tarBytes.subarray(0, 100_000);
    const reference = await layout({
      layers: [{ blob: compress(cut, 'gzip'), diffId: sha256(cut) }],
    });
    const errors = await Promise.all(
      [
        { keep: keepHinted, workerThreshold: Infinity },
        { keep: keepHinted, keepHint: hint, workerThreshold: 0 },
      ].map(async (options) =>
        readImage(await openImageSource(reference), options).then(
          () => 'no error',
          (error: unknown) => (error instanceof Error ? error.message : String(error)),
        ),
      ),
    );
    assert.match(errors[0] ?? '', /truncated.*last entry 'usr\/lib\/big'/);
    assert.equal(errors[1], errors[0]);
  });

  it('still refuses an entry that climbs out of the root, whatever its contents', async () => {
    const reference = await layout({
      layers: [{ entries: [{ path: 'a/../../etc/shadow', content: Buffer.alloc(10_000, 1) }] }],
    });
    await assert.rejects(
      readImage(await openImageSource(reference), {
        keep: keepHinted,
        keepHint: hint,
        workerThreshold: 0,
      }),
      expectCode('layer-invalid', /path traversal/),
    );
  });

  it('keeps nothing outside the hint, whatever the predicate says', async () => {
    const reference = await layout({
      layers: [{ entries: [{ path: 'srv/data.bin', content: Buffer.alloc(10_000, 1) }] }],
    });
    for (const workerThreshold of [Infinity, 0]) {
      const read = await readImage(await openImageSource(reference), {
        keep: keepAll,
        keepHint: hint,
        workerThreshold,
      });
      assert.equal(read.files.files.size, 0, `threshold ${workerThreshold}`);
    }
  });
});
