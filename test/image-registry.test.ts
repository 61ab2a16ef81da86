// Pulling images from a real registry (Debian's docker-registry 2.8): by tag and by digest,
// platform selection from an index, anonymous/Basic/Bearer auth, digest verification, retries,
// and plain http refused unless the registry is on loopback or marked insecure.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  credentialsFromPullSecret,
  openImageSource,
  parseDockerConfig,
  readImage,
  RegistryImageSource,
  type KeepPredicate,
} from '../src/image/index.ts';
import { PalisadeError } from '../src/model/index.ts';
import { OciLayout, type TestImage } from './kit/images.ts';
import {
  blobDataPath,
  pushWithSkopeo,
  registrySkipReason,
  startProxy,
  startTestRegistry,
  type TestRegistry,
} from './kit/registry.ts';

const skip = registrySkipReason();
const keepAll: KeepPredicate = () => true;

const debianLike: TestImage = {
  user: 'app',
  labels: { maintainer: 'palisade' },
  env: ['PATH=/usr/bin', 'MODE=test'],
  emptyHistory: ['ENV MODE=test'],
  layers: [
    {
      createdBy: 'ADD rootfs.tar /',
      entries: [
        { path: 'etc/', type: 'directory' },
        { path: 'etc/os-release', content: 'ID=debian\nVERSION_ID="12"\n' },
        { path: 'var/lib/dpkg/status', content: 'Package: base-files\nVersion: 12.4\n\n' },
        { path: 'bin/sh', content: '#!', mode: 0o755 },
      ],
    },
    {
      createdBy: 'RUN apt-get install -y curl',
      compression: 'zstd',
      entries: [
        {
          path: 'var/lib/dpkg/status',
          content: 'Package: base-files\nVersion: 12.4\n\nPackage: curl\nVersion: 7.88\n\n',
        },
        { path: 'usr/bin/curl', content: 'ELF', mode: 0o755 },
      ],
    },
  ],
};

function expectCode(code: string, pattern?: RegExp) {
  return (error: unknown): boolean => {
    assert.ok(error instanceof PalisadeError, `expected a PalisadeError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    if (pattern !== undefined) assert.match(error.message, pattern);
    return true;
  };
}

describe('reading images from a registry', { skip }, () => {
  let registry: TestRegistry;
  let work: string;
  let manifestDigest: string;
  let layerDigests: string[];

  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'palisade-image-test-'));
    registry = await startTestRegistry();
    const layout = new OciLayout(join(work, 'layout'));
    const built = await layout.addImage('v1', debianLike);
    manifestDigest = built.manifestDigest;
    layerDigests = built.layers.map((layer) => layer.digest);
    await layout.addIndex('multi', [
      { architecture: 'amd64', layers: [{ entries: [{ path: 'etc/arch', content: 'amd64' }] }] },
      {
        architecture: 'arm64',
        variant: 'v8',
        layers: [{ entries: [{ path: 'etc/arch', content: 'arm64' }] }],
      },
      {
        architecture: 'arm',
        variant: 'v7',
        layers: [{ entries: [{ path: 'etc/arch', content: 'armv7' }] }],
      },
    ]);
    await pushWithSkopeo(join(work, 'layout'), 'v1', `${registry.host}/team/app:v1`);
    await pushWithSkopeo(join(work, 'layout'), 'multi', `${registry.host}/team/multi:1`, {
      all: true,
    });
  });

  after(async () => {
    await registry?.stop();
    await rm(work, { recursive: true, force: true });
  });

  it('pulls an image by tag: config, layers with their Dockerfile lines, and the flattened files', async () => {
    const source = await openImageSource(`${registry.host}/team/app:v1`);
    assert.equal(source.kind, 'registry');
    const image = await readImage(source, { keep: keepAll });
    assert.equal(image.digest, manifestDigest);
    assert.equal(image.config.os, 'linux');
    assert.equal(image.config.architecture, 'amd64');
    assert.equal(image.config.config?.User, 'app');
    assert.deepEqual(image.config.config?.Labels, { maintainer: 'palisade' });
    assert.deepEqual(image.config.config?.Env, ['PATH=/usr/bin', 'MODE=test']);
    assert.deepEqual(
      image.layers.map((layer) => [layer.digest, layer.compression, layer.createdBy]),
      [
        [layerDigests[0], 'gzip', 'ADD rootfs.tar /'],
        [layerDigests[1], 'zstd', 'RUN apt-get install -y curl'],
      ],
    );
    const status = image.files.files.get('/var/lib/dpkg/status');
    assert.ok(status);
    assert.match(status.content.toString(), /Package: curl/);
    assert.equal(status.layer, layerDigests[1]);
    assert.equal(image.files.files.get('/etc/os-release')?.layer, layerDigests[0]);
    assert.equal(image.files.files.get('/usr/bin/curl')?.mode, 0o755);
  });

  it('reads registry layers on worker threads with the same result', async () => {
    const read = async (workerThreshold: number) => {
      const image = await readImage(await openImageSource(`${registry.host}/team/app:v1`), {
        keep: keepAll,
        workerThreshold,
      });
      return {
        layers: image.layers.map((layer) => [layer.digest, layer.compression]),
        files: [...image.files.files.values()].map((file) => [
          file.path,
          file.layer,
          file.mode,
          file.content.toString('base64'),
        ]),
      };
    };
    const inThread = await read(Infinity);
    assert.ok(inThread.files.length > 0);
    assert.deepEqual(await read(0), inThread);
  });

  it('pulls an image by digest and keeps only the files the predicate asks for', async () => {
    const seen: string[] = [];
    const image = await readImage(
      await openImageSource(`${registry.host}/team/app@${manifestDigest}`),
      {
        keep: (path, info) => {
          seen.push(`${info.type}:${path}`);
          return path === '/etc/os-release';
        },
      },
    );
    assert.equal(image.digest, manifestDigest);
    assert.deepEqual([...image.files.files.keys()], ['/etc/os-release']);
    assert.ok(seen.includes('file:/usr/bin/curl'));
  });

  it('chooses the platform from an image index, linux/amd64 by default', async () => {
    const reference = `${registry.host}/team/multi:1`;
    const read = async (platform?: string) => {
      const image = await readImage(await openImageSource(reference), {
        keep: keepAll,
        ...(platform === undefined ? {} : { platform }),
      });
      return `${image.config.architecture}:${image.files.files.get('/etc/arch')?.content.toString() ?? ''}`;
    };
    assert.equal(await read(), 'amd64:amd64');
    assert.equal(await read('linux/arm64'), 'arm64:arm64');
    assert.equal(await read('linux/arm64/v8'), 'arm64:arm64');
    assert.equal(await read('linux/arm/v7'), 'arm:armv7');
    await assert.rejects(read('linux/s390x'), expectCode('platform-not-found', /linux\/arm64\/v8/));
  });

  it('reports a missing tag and a missing repository as image-not-found without retrying', async () => {
    const proxy = await startProxy(registry.host);
    try {
      await assert.rejects(
        readImage(await openImageSource(`${proxy.host}/team/app:nope`), { keep: keepAll }),
        expectCode('image-not-found', /nope/),
      );
      assert.equal(proxy.log.filter((entry) => entry.path.includes('/manifests/')).length, 1);
      await assert.rejects(
        readImage(await openImageSource(`${proxy.host}/team/none:v1`), { keep: keepAll }),
        expectCode('image-not-found'),
      );
    } finally {
      await proxy.stop();
    }
  });

  it('retries 5xx and 429 answers with backoff, then succeeds', async () => {
    let failures = 0;
    const proxy = await startProxy(registry.host, {
      intercept: (_method, path) =>
        path.includes('/blobs/') && failures++ < 2 ? (failures === 1 ? 503 : 429) : undefined,
    });
    try {
      const source = new RegistryImageSource(`${proxy.host}/team/app:v1`, { retryDelayMs: 10 });
      const image = await readImage(source, { keep: keepAll, concurrency: 1 });
      assert.equal(image.digest, manifestDigest);
      assert.deepEqual(
        proxy.log.filter((entry) => entry.status >= 429).map((entry) => entry.status),
        [503, 429],
      );
    } finally {
      await proxy.stop();
    }
  });

  it('gives up after the bounded retries with registry-error', async () => {
    const proxy = await startProxy(registry.host, {
      intercept: (_m, path) => (path.includes('/manifests/') ? 500 : undefined),
    });
    try {
      const source = new RegistryImageSource(`${proxy.host}/team/app:v1`, {
        retryDelayMs: 1,
        attempts: 3,
      });
      await assert.rejects(
        readImage(source, { keep: keepAll }),
        expectCode('registry-error', /HTTP 500/),
      );
      assert.equal(proxy.log.filter((entry) => entry.path.includes('/manifests/')).length, 3);
    } finally {
      await proxy.stop();
    }
  });

  it('reports a registry that is not listening as registry-unreachable', async () => {
    const source = new RegistryImageSource('127.0.0.1:9/team/app:v1', {
      attempts: 2,
      retryDelayMs: 1,
    });
    await assert.rejects(
      readImage(source, { keep: keepAll }),
      expectCode('registry-unreachable', /127\.0\.0\.1:9/),
    );
  });

  it('fails with digest-mismatch naming the layer when a blob on the registry is corrupt', async () => {
    const layout = new OciLayout(join(work, 'corrupt'));
    const built = await layout.addImage('v1', {
      layers: [
        {
          compression: 'none',
          entries: [{ path: 'etc/passwd', content: 'root:x:0:0::/root:/bin/sh\n' }],
        },
      ],
    });
    await pushWithSkopeo(join(work, 'corrupt'), 'v1', `${registry.host}/team/corrupt:v1`, {
      preserveDigests: true,
    });
    const layer = built.layers[0]?.digest ?? '';
    const path = blobDataPath(registry, layer);
    const bytes = await readFile(path);
    const at = bytes.indexOf('root:x');
    bytes[at] = 'R'.charCodeAt(0);
    await writeFile(path, bytes);
    // Checked on the calling thread and on a worker thread (layer-inflate.ts) alike.
    for (const workerThreshold of [Infinity, 0])
      await assert.rejects(
        readImage(await openImageSource(`${registry.host}/team/corrupt:v1`), {
          keep: keepAll,
          workerThreshold,
        }),
        expectCode('digest-mismatch', new RegExp(`layer ${layer}`)),
      );
  });

  it('fails with digest-mismatch when the manifest on the registry is corrupt', async () => {
    const layout = new OciLayout(join(work, 'corrupt-manifest'));
    const built = await layout.addImage('v1', {
      layers: [{ entries: [{ path: 'a', content: 'a' }] }],
    });
    await pushWithSkopeo(
      join(work, 'corrupt-manifest'),
      'v1',
      `${registry.host}/team/corrupt-manifest:v1`,
    );
    const path = blobDataPath(registry, built.manifestDigest);
    const text = (await readFile(path, 'utf8')).replace('"schemaVersion":2', '"schemaVersion":2 ');
    await writeFile(path, text);
    await assert.rejects(
      readImage(await openImageSource(`${registry.host}/team/corrupt-manifest:v1`), {
        keep: keepAll,
      }),
      expectCode('digest-mismatch', /manifest/),
    );
  });

  it('refuses plain http to a registry that is not on loopback unless insecure is set', async () => {
    // 127.0.0.2 is a loopback address, but not one of the names plain http is allowed for.
    const other = await startTestRegistry({ listenHost: '127.0.0.2' });
    try {
      await pushWithSkopeo(join(work, 'layout'), 'v1', `${other.host}/team/app:v1`);
      await assert.rejects(
        readImage(new RegistryImageSource(`${other.host}/team/app:v1`, { attempts: 1 }), {
          keep: keepAll,
        }),
        expectCode('registry-unreachable', /insecure/),
      );
      const image = await readImage(
        new RegistryImageSource(`${other.host}/team/app:v1`, { insecure: true }),
        { keep: keepAll },
      );
      assert.equal(image.digest, manifestDigest);
    } finally {
      await other.stop();
    }
  });
});

describe('registry authentication', { skip }, () => {
  const alice = { username: 'alice', password: 'wonderland' };
  let work: string;
  let layoutDir: string;

  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'palisade-image-auth-'));
    layoutDir = join(work, 'layout');
    await new OciLayout(layoutDir).addImage('v1', debianLike);
  });

  after(async () => {
    await rm(work, { recursive: true, force: true });
  });

  describe('Bearer tokens', () => {
    let registry: TestRegistry;

    before(async () => {
      registry = await startTestRegistry({ auth: 'token', users: [alice] });
      await pushWithSkopeo(layoutDir, 'v1', `${registry.host}/private/app:v1`, { creds: alice });
    });

    after(async () => {
      await registry?.stop();
    });

    it('gets a token from the realm with credentials from config.json and caches it per scope', async () => {
      const auth = Buffer.from('alice:wonderland').toString('base64');
      const credentials = parseDockerConfig(
        JSON.stringify({ auths: { [`http://${registry.host}/v2/`]: { auth } } }),
      );
      const before = registry.token?.requests.count ?? 0;
      const source = new RegistryImageSource(`${registry.host}/private/app:v1`, { credentials });
      const image = await readImage(source, { keep: keepAll });
      assert.equal(image.files.files.has('/usr/bin/curl'), true);
      assert.equal(source.client.counts.tokens, 1, 'one token for the one scope');
      assert.equal((registry.token?.requests.count ?? 0) - before, 1);
    });

    it('uses credentials from an image pull secret', async () => {
      const secret = JSON.stringify({
        auths: { [registry.host]: { username: 'alice', password: 'wonderland' } },
      });
      const source = new RegistryImageSource(`${registry.host}/private/app:v1`, {
        credentials: credentialsFromPullSecret(secret),
      });
      const image = await readImage(source, { keep: keepAll });
      assert.equal(image.layers.length, 2);
    });

    it('exchanges an identity token (OAuth2 refresh token)', async () => {
      registry.token?.addRefreshToken('refresh-123', 'alice');
      const credentials = parseDockerConfig(
        JSON.stringify({ auths: { [registry.host]: { identitytoken: 'refresh-123' } } }),
      );
      const image = await readImage(
        new RegistryImageSource(`${registry.host}/private/app:v1`, { credentials }),
        { keep: keepAll },
      );
      assert.equal(image.layers.length, 2);
    });

    it('reports a wrong password as registry-auth-failed', async () => {
      const credentials = credentialsFromPullSecret(
        JSON.stringify({ auths: { [registry.host]: { username: 'alice', password: 'wrong' } } }),
      );
      await assert.rejects(
        readImage(new RegistryImageSource(`${registry.host}/private/app:v1`, { credentials }), {
          keep: keepAll,
        }),
        expectCode('registry-auth-failed', /private\/app/),
      );
    });

    it('reports anonymous access to a private registry as registry-auth-failed', async () => {
      await assert.rejects(
        readImage(new RegistryImageSource(`${registry.host}/private/app:v1`), { keep: keepAll }),
        expectCode('registry-auth-failed', /anonymous/),
      );
    });

    it('says when the credentials are in a credential helper it does not run', async () => {
      const credentials = parseDockerConfig(JSON.stringify({ auths: {}, credsStore: 'desktop' }));
      await assert.rejects(
        readImage(new RegistryImageSource(`${registry.host}/private/app:v1`, { credentials }), {
          keep: keepAll,
        }),
        expectCode('registry-auth-failed', /credential helper 'desktop'/),
      );
    });
  });

  describe('anonymous Bearer tokens', () => {
    it('gets an anonymous token when the registry grants anonymous pull', async () => {
      const registry = await startTestRegistry({
        auth: 'token',
        users: [alice],
        anonymousPull: true,
      });
      try {
        await pushWithSkopeo(layoutDir, 'v1', `${registry.host}/public/app:v1`, { creds: alice });
        const source = new RegistryImageSource(`${registry.host}/public/app:v1`);
        const image = await readImage(source, { keep: keepAll });
        assert.equal(image.layers.length, 2);
        assert.equal(source.client.counts.tokens, 1);
      } finally {
        await registry.stop();
      }
    });
  });

  describe('Basic auth (a proxy in front of the registry)', () => {
    let registry: TestRegistry;

    before(async () => {
      registry = await startTestRegistry();
      await pushWithSkopeo(layoutDir, 'v1', `${registry.host}/team/app:v1`);
    });

    after(async () => {
      await registry?.stop();
    });

    it('sends Basic credentials after the challenge, and fails clearly with a wrong password', async () => {
      const proxy = await startProxy(registry.host, { basicAuth: alice });
      try {
        const good = parseDockerConfig(
          JSON.stringify({
            auths: { [proxy.host]: { auth: Buffer.from('alice:wonderland').toString('base64') } },
          }),
        );
        const image = await readImage(
          new RegistryImageSource(`${proxy.host}/team/app:v1`, { credentials: good }),
          { keep: keepAll },
        );
        assert.equal(image.layers.length, 2);
        const bad = parseDockerConfig(
          JSON.stringify({ auths: { [proxy.host]: { username: 'alice', password: 'nope' } } }),
        );
        await assert.rejects(
          readImage(new RegistryImageSource(`${proxy.host}/team/app:v1`, { credentials: bad }), {
            keep: keepAll,
          }),
          expectCode('registry-auth-failed', /configured credentials/),
        );
        await assert.rejects(
          readImage(new RegistryImageSource(`${proxy.host}/team/app:v1`), { keep: keepAll }),
          expectCode('registry-auth-failed'),
        );
      } finally {
        await proxy.stop();
      }
    });
  });
});
