// Image sources other than a registry: OCI image layout directories (chosen by ref name or the
// only image, multi-platform indexes) and `docker save` archives in the legacy and the Docker
// 25+ OCI layouts, found by openImageSource from what a user would type.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openImageSource, readImage, type KeepPredicate } from '../src/image/index.ts';
import { PalisadeError } from '../src/model/index.ts';
import { OciLayout, writeDockerArchive, type TestImage } from './kit/images.ts';

const keepAll: KeepPredicate = () => true;

function expectCode(code: string, ...patterns: RegExp[]) {
  return (error: unknown): boolean => {
    assert.ok(error instanceof PalisadeError, `expected a PalisadeError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    for (const pattern of patterns) assert.match(error.message, pattern);
    return true;
  };
}

const base: TestImage = {
  user: 'nobody',
  layers: [
    {
      createdBy: 'ADD base.tar /',
      entries: [
        { path: 'etc/os-release', content: 'ID=alpine' },
        { path: 'etc/motd', content: 'hi' },
      ],
    },
    {
      createdBy: 'RUN rm /etc/motd',
      entries: [{ path: 'etc/.wh.motd' }, { path: 'app/run', content: 'run', mode: 0o755 }],
    },
  ],
};

describe('OCI image layout directories', () => {
  let work: string;
  let layoutDir: string;
  let single: string;
  let v1Digest: string;

  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'palisade-sources-test-'));
    layoutDir = join(work, 'layout');
    const layout = new OciLayout(layoutDir);
    v1Digest = (await layout.addImage('v1', base)).manifestDigest;
    await layout.addImage('v2', { layers: [{ entries: [{ path: 'etc/version', content: '2' }] }] });
    await layout.addIndex('multi', [
      { architecture: 'amd64', layers: [{ entries: [{ path: 'etc/arch', content: 'amd64' }] }] },
      { architecture: 'arm64', layers: [{ entries: [{ path: 'etc/arch', content: 'arm64' }] }] },
    ]);
    single = join(work, 'single');
    await new OciLayout(single).addImage('only', base);
  });

  after(async () => {
    await rm(work, { recursive: true, force: true });
  });

  it('reads the image named by oci:<dir>:<name>', async () => {
    const source = await openImageSource(`oci:${layoutDir}:v1`);
    assert.equal(source.kind, 'oci-layout');
    const image = await readImage(source, { keep: keepAll });
    assert.equal(image.digest, v1Digest);
    assert.deepEqual([...image.files.files.keys()], ['/app/run', '/etc/os-release']);
    assert.equal(image.config.config?.User, 'nobody');
  });

  it('reads <dir>:<name> and a directory holding a single image without the oci: prefix', async () => {
    const named = await readImage(await openImageSource(`${layoutDir}:v2`), { keep: keepAll });
    assert.equal(named.files.files.get('/etc/version')?.content.toString(), '2');
    const only = await openImageSource(single);
    assert.equal(only.kind, 'oci-layout');
    assert.equal((await readImage(only, { keep: keepAll })).files.files.has('/app/run'), true);
  });

  it('asks for a name when the layout holds several images, and lists them', async () => {
    await assert.rejects(
      readImage(await openImageSource(layoutDir), { keep: keepAll }),
      expectCode('image-source-invalid', /'v1', 'v2', 'multi'/),
    );
    await assert.rejects(
      readImage(await openImageSource(`oci:${layoutDir}:v9`), { keep: keepAll }),
      expectCode('image-not-found', /v9/),
    );
  });

  it('says a path is missing, or holds no layout, instead of asking a registry for it', async () => {
    await assert.rejects(
      openImageSource(join(work, 'missing.tar')),
      expectCode('image-not-found', /missing\.tar: no such file or directory/),
    );
    await assert.rejects(
      openImageSource('./no-such-dir'),
      expectCode('image-not-found', /no-such-dir: no such file or directory/),
    );
    await assert.rejects(
      openImageSource(work),
      expectCode('image-source-invalid', /a directory without an OCI layout/),
    );
    // A plain reference still goes to its registry.
    assert.equal((await openImageSource('registry.example.com/app:1')).kind, 'registry');
  });

  it('selects the platform from an index in the layout', async () => {
    const image = await readImage(await openImageSource(`oci:${layoutDir}:multi`), {
      keep: keepAll,
      platform: 'linux/arm64',
    });
    assert.equal(image.files.files.get('/etc/arch')?.content.toString(), 'arm64');
  });

  it('fails with digest-mismatch when a blob in the layout was changed', async () => {
    const dir = join(work, 'tampered');
    const built = await new OciLayout(dir).addImage('t', {
      layers: [{ compression: 'none', entries: [{ path: 'etc/a', content: 'aaaa' }] }],
    });
    const path = join(dir, 'blobs', 'sha256', built.configDigest.slice(7));
    const config = await readFile(path, 'utf8');
    await writeFile(path, config.replace('"os":"linux"', '"os":"LINUX"'));
    await assert.rejects(
      readImage(await openImageSource(`oci:${dir}:t`), { keep: keepAll }),
      expectCode('digest-mismatch', /config/),
    );
  });
});

describe('docker save archives', () => {
  let work: string;

  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'palisade-archive-test-'));
  });

  after(async () => {
    await rm(work, { recursive: true, force: true });
  });

  it('reads a legacy archive: layer.tar files, the image ID as digest, diff IDs as layer digests', async () => {
    const path = join(work, 'legacy.tar');
    const [built] = await writeDockerArchive(
      path,
      [{ repoTags: ['example/app:1'], image: base }],
      'legacy',
    );
    const source = await openImageSource(path);
    assert.equal(source.kind, 'docker-archive');
    const image = await readImage(source, { keep: keepAll });
    assert.equal(image.digest, built?.configDigest);
    assert.deepEqual(
      image.layers.map((layer) => layer.digest),
      built?.layers.map((layer) => layer.diffId),
    );
    assert.deepEqual(
      image.layers.map((layer) => layer.createdBy),
      ['ADD base.tar /', 'RUN rm /etc/motd'],
    );
    assert.deepEqual([...image.files.files.keys()], ['/app/run', '/etc/os-release']);
  });

  for (const [where, workerThreshold] of [
    ['on the calling thread', Infinity],
    ['on a worker thread', 0],
  ] as const)
    it(`checks a legacy layer, which has no blob digest, against its diff ID ${where}`, async () => {
      const path = join(work, `legacy-forged-${workerThreshold}.tar`);
      await writeDockerArchive(
        path,
        [
          {
            repoTags: ['example/app:1'],
            image: {
              layers: [
                {
                  entries: [{ path: 'etc/os-release', content: 'ID=alpine' }],
                  diffId: `sha256:${'0'.repeat(64)}`,
                },
              ],
            },
          },
        ],
        'legacy',
      );
      await assert.rejects(
        readImage(await openImageSource(path), { keep: keepAll, workerThreshold }),
        expectCode('digest-mismatch', /diff ID/),
      );
    });

  it("chooses an image of a multi-image archive by tag, following docker's links for shared layers", async () => {
    const path = join(work, 'multi.tar');
    const shared = base.layers[0];
    assert.ok(shared);
    await writeDockerArchive(
      path,
      [
        { repoTags: ['example/app:1'], image: base },
        {
          repoTags: ['example/tool:2'],
          image: { layers: [shared, { entries: [{ path: 'usr/bin/tool', content: 'tool' }] }] },
        },
      ],
      'legacy',
    );
    const image = await readImage(await openImageSource(`docker-archive:${path}:example/tool:2`), {
      keep: keepAll,
    });
    assert.deepEqual(
      [...image.files.files.keys()],
      ['/etc/motd', '/etc/os-release', '/usr/bin/tool'],
    );
    // docker.io/ and library/ defaults apply when matching tags.
    await assert.rejects(
      readImage(await openImageSource(path), { keep: keepAll }),
      expectCode('image-source-invalid', /example\/app:1, example\/tool:2/),
    );
    await assert.rejects(
      readImage(await openImageSource(`docker-archive:${path}:example/none:1`), { keep: keepAll }),
      expectCode('image-not-found'),
    );
  });

  it('reads a Docker 25+ archive through its OCI layout, with the manifest digest', async () => {
    const path = join(work, 'oci.tar');
    const [built] = await writeDockerArchive(
      path,
      [{ repoTags: ['docker.io/library/app:1'], image: base }],
      'oci',
    );
    const image = await readImage(await openImageSource(`docker-archive:${path}:app:1`), {
      keep: keepAll,
    });
    assert.equal(image.digest, built?.manifestDigest);
    assert.deepEqual(
      image.layers.map((layer) => layer.digest),
      built?.layers.map((layer) => layer.digest),
    );
    assert.equal(image.files.files.get('/app/run')?.mode, 0o755);
  });

  it('reports a file that is not a tar archive', async () => {
    const path = join(work, 'not-a.tar');
    await writeFile(path, 'hello, this is not a tar archive at all'.repeat(20));
    await assert.rejects(
      readImage(await openImageSource(path), { keep: keepAll }),
      expectCode('image-source-invalid'),
    );
  });
});
