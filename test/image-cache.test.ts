// The layer cache: a second image sharing a base layer with one already read takes that layer
// from the cache directory and does not fetch its blob from the registry again.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  OciLayoutSource,
  readImage,
  RegistryImageSource,
  type KeepPredicate,
} from '../src/image/index.ts';
import { OciLayout, type TestImage, type TestLayer } from './kit/images.ts';
import {
  pushWithSkopeo,
  registrySkipReason,
  startProxy,
  startTestRegistry,
  type TestProxy,
  type TestRegistry,
} from './kit/registry.ts';

const skip = registrySkipReason();
const keepDpkg: KeepPredicate = (path) =>
  path.startsWith('/var/lib/dpkg/') || path === '/etc/os-release';

const baseLayer: TestLayer = {
  entries: [
    { path: 'etc/os-release', content: 'ID=debian\nVERSION_ID=12\n' },
    { path: 'var/lib/dpkg/status', content: 'Package: libc6\nVersion: 2.36\n\n' },
    { path: 'usr/lib/big', content: Buffer.alloc(200_000, 5) },
  ],
};
const appOne: TestImage = { layers: [baseLayer, { entries: [{ path: 'app/one', content: '1' }] }] };
const appTwo: TestImage = {
  layers: [
    baseLayer,
    {
      entries: [
        {
          path: 'var/lib/dpkg/status',
          content: 'Package: libc6\nVersion: 2.36\n\nPackage: curl\nVersion: 7\n\n',
        },
      ],
    },
  ],
};

describe('the layer cache', { skip }, () => {
  let registry: TestRegistry;
  let proxy: TestProxy;
  let work: string;
  let cacheDir: string;
  let baseDigest: string;

  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'palisade-cache-test-'));
    cacheDir = join(work, 'cache');
    registry = await startTestRegistry();
    const layout = new OciLayout(join(work, 'layout'));
    baseDigest = (await layout.addImage('one', appOne)).layers[0]?.digest ?? '';
    await layout.addImage('two', appTwo);
    await pushWithSkopeo(join(work, 'layout'), 'one', `${registry.host}/team/one:1`);
    await pushWithSkopeo(join(work, 'layout'), 'two', `${registry.host}/team/two:1`);
    proxy = await startProxy(registry.host);
  });

  after(async () => {
    await proxy?.stop();
    await registry?.stop();
    await rm(work, { recursive: true, force: true });
  });

  const layerFetches = (from: number): string[] =>
    proxy.log
      .slice(from)
      .filter((entry) => entry.path.includes('/blobs/'))
      .map((entry) => entry.path.slice(entry.path.lastIndexOf('/') + 1));

  it('reads a shared base layer once across two images', async () => {
    const start = proxy.log.length;
    const one = await readImage(new RegistryImageSource(`${proxy.host}/team/one:1`), {
      keep: keepDpkg,
      keepId: 'dpkg-1',
      cacheDir,
    });
    assert.deepEqual(one.cache, { hits: 0, misses: 2, writeErrors: [] });
    assert.equal(layerFetches(start).filter((digest) => digest === baseDigest).length, 1);

    const second = proxy.log.length;
    const two = await readImage(new RegistryImageSource(`${proxy.host}/team/two:1`), {
      keep: keepDpkg,
      keepId: 'dpkg-1',
      cacheDir,
    });
    assert.deepEqual(two.cache, { hits: 1, misses: 1, writeErrors: [] });
    assert.equal(
      layerFetches(second).includes(baseDigest),
      false,
      'the base layer blob was fetched again',
    );
    assert.deepEqual(
      two.layers.map((layer) => layer.fromCache),
      [true, false],
    );
    // The cached layer's files are as good as freshly read ones.
    assert.equal(two.files.files.get('/etc/os-release')?.layer, baseDigest);
    assert.match(two.files.files.get('/var/lib/dpkg/status')?.content.toString() ?? '', /curl/);
    assert.equal(two.files.files.has('/usr/lib/big'), false);
  });

  it('does not share entries between predicates with different ids', async () => {
    const start = proxy.log.length;
    const all = await readImage(new RegistryImageSource(`${proxy.host}/team/one:1`), {
      keep: () => true,
      keepId: 'everything',
      cacheDir,
    });
    assert.equal(all.cache.hits, 0);
    assert.equal(all.files.files.get('/usr/lib/big')?.content.length, 200_000);
    assert.equal(layerFetches(start).includes(baseDigest), true);
  });

  it('treats a damaged cache entry as a miss and reads the layer again', async () => {
    const files: string[] = [];
    for (const dir of await readdir(join(cacheDir, 'layers'))) {
      for (const name of await readdir(join(cacheDir, 'layers', dir)))
        files.push(join(cacheDir, 'layers', dir, name));
    }
    assert.ok(files.length >= 3);
    for (const file of files) await writeFile(file, 'garbage');
    const image = await readImage(new RegistryImageSource(`${proxy.host}/team/one:1`), {
      keep: keepDpkg,
      keepId: 'dpkg-1',
      cacheDir,
    });
    assert.deepEqual(image.cache, { hits: 0, misses: 2, writeErrors: [] });
    assert.equal(image.files.files.has('/etc/os-release'), true);
  });

  it('caches nothing without a predicate id', async () => {
    const image = await readImage(new RegistryImageSource(`${proxy.host}/team/one:1`), {
      keep: keepDpkg,
      cacheDir: join(work, 'unused'),
    });
    assert.deepEqual(image.cache, { hits: 0, misses: 2, writeErrors: [] });
    await assert.rejects(readdir(join(work, 'unused')));
  });
});

describe('the layer cache key', () => {
  let work: string;

  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'palisade-cache-key-test-'));
  });

  after(async () => {
    await rm(work, { recursive: true, force: true });
  });

  it("is the verified blob digest: a config claiming another layer's diff ID cannot poison it", async () => {
    const cacheDir = join(work, 'cache');
    const layout = new OciLayout(join(work, 'layout'));
    const honest = await layout.addImage('honest', appTwo);
    const claimed = honest.layers[1]?.diffId;
    assert.ok(claimed);
    // The same claimed diff ID over a layer that hides curl.
    await layout.addImage('forged', {
      layers: [
        baseLayer,
        {
          entries: [{ path: 'var/lib/dpkg/status', content: 'Package: libc6\nVersion: 2.36\n\n' }],
          diffId: claimed,
        },
      ],
    });
    const read = (tag: string) =>
      readImage(new OciLayoutSource(join(work, 'layout'), tag), {
        keep: keepDpkg,
        keepId: 'dpkg-1',
        cacheDir,
      });
    await read('forged');
    const image = await read('honest');
    assert.deepEqual(image.cache, { hits: 1, misses: 1, writeErrors: [] });
    assert.match(image.files.files.get('/var/lib/dpkg/status')?.content.toString() ?? '', /curl/);
  });
});
