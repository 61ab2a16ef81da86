// Test images built in code: layer tars written with tar-stream (gzip with node:zlib, zstd with
// Debian's zstd binary), configs, manifests and indexes written into an OCI image layout, and
// docker-save archives in both the legacy and the Docker 25+ (OCI inside) layouts.

import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import tar from 'tar-stream';

export interface TestEntry {
  readonly path: string;
  readonly type?: 'file' | 'directory' | 'symlink' | 'link' | 'character-device' | 'fifo';
  readonly content?: string | Buffer;
  readonly mode?: number;
  readonly linkname?: string;
  /** Header size when it should differ from the content (hostile tests). */
  readonly size?: number;
}

export type TestCompression = 'gzip' | 'zstd' | 'none';

export interface TestLayer {
  readonly entries?: readonly TestEntry[];
  /** A ready tar, used as is instead of `entries`. */
  readonly tar?: Buffer;
  /** A ready blob, used as is (not compressed again); its diff ID is `diffId`. */
  readonly blob?: Buffer;
  readonly diffId?: string;
  readonly compression?: TestCompression;
  /** Overrides the media type (default follows the compression). */
  readonly mediaType?: string;
  readonly createdBy?: string;
}

export interface TestImage {
  readonly layers: readonly TestLayer[];
  readonly os?: string;
  readonly architecture?: string;
  readonly variant?: string;
  readonly user?: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly env?: readonly string[];
  readonly created?: string;
  /** History entries that made no layer, placed first (e.g. ENV lines). */
  readonly emptyHistory?: readonly string[];
}

export function sha256(bytes: Buffer | string): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

export async function buildTar(entries: readonly TestEntry[]): Promise<Buffer> {
  const pack = tar.pack();
  const done = (async () => {
    const chunks: Buffer[] = [];
    for await (const chunk of pack) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  })();
  for (const entry of entries) {
    const type = entry.type ?? 'file';
    const content = entry.content === undefined ? Buffer.alloc(0) : Buffer.from(entry.content);
    const header = {
      name: entry.path,
      type,
      mode: entry.mode ?? (type === 'directory' ? 0o755 : 0o644),
      mtime: new Date('2024-01-01T00:00:00Z'),
      ...(entry.linkname === undefined ? {} : { linkname: entry.linkname }),
      ...(type === 'file' ? { size: entry.size ?? content.length } : {}),
    };
    await new Promise<void>((resolve, reject) => {
      if (type === 'file')
        pack.entry(header, content, (error) => (error ? reject(error) : resolve()));
      else pack.entry(header, (error) => (error ? reject(error) : resolve()));
    });
  }
  pack.finalize();
  return done;
}

export function compress(data: Buffer, compression: TestCompression): Buffer {
  switch (compression) {
    case 'none':
      return data;
    case 'gzip':
      return gzipSync(data);
    case 'zstd':
      return execFileSync('/usr/bin/zstd', ['-q', '-c', '-3'], {
        input: data,
        maxBuffer: 1024 ** 3,
      });
  }
}

const layerMediaType: Readonly<Record<TestCompression, string>> = {
  none: 'application/vnd.oci.image.layer.v1.tar',
  gzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  zstd: 'application/vnd.oci.image.layer.v1.tar+zstd',
};

export interface BuiltLayer {
  readonly blob: Buffer;
  readonly digest: string;
  readonly diffId: string;
  readonly mediaType: string;
  readonly createdBy: string;
}

export interface BuiltImage {
  readonly manifest: Buffer;
  readonly manifestDigest: string;
  readonly config: Buffer;
  readonly configDigest: string;
  readonly layers: readonly BuiltLayer[];
}

export async function buildLayer(layer: TestLayer, index: number): Promise<BuiltLayer> {
  const compression = layer.compression ?? 'gzip';
  let blob: Buffer;
  let diffId: string;
  if (layer.blob !== undefined) {
    blob = layer.blob;
    diffId = layer.diffId ?? sha256(blob);
  } else {
    const tarBytes = layer.tar ?? (await buildTar(layer.entries ?? []));
    blob = compress(tarBytes, compression);
    diffId = layer.diffId ?? sha256(tarBytes);
  }
  return {
    blob,
    digest: sha256(blob),
    diffId,
    mediaType: layer.mediaType ?? layerMediaType[compression],
    createdBy: layer.createdBy ?? `/bin/sh -c #(nop) layer ${index}`,
  };
}

export async function buildImage(image: TestImage): Promise<BuiltImage> {
  const layers: BuiltLayer[] = [];
  for (const [index, layer] of image.layers.entries()) layers.push(await buildLayer(layer, index));
  const created = image.created ?? '2024-01-02T03:04:05Z';
  const config = Buffer.from(
    JSON.stringify({
      created,
      architecture: image.architecture ?? 'amd64',
      os: image.os ?? 'linux',
      ...(image.variant === undefined ? {} : { variant: image.variant }),
      config: {
        User: image.user ?? '',
        Env: image.env ?? ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'],
        Labels: image.labels ?? null,
      },
      rootfs: { type: 'layers', diff_ids: layers.map((layer) => layer.diffId) },
      history: [
        ...(image.emptyHistory ?? []).map((line) => ({
          created,
          created_by: line,
          empty_layer: true,
        })),
        ...layers.map((layer) => ({ created, created_by: layer.createdBy })),
      ],
    }),
  );
  const configDigest = sha256(config);
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: {
        mediaType: 'application/vnd.oci.image.config.v1+json',
        digest: configDigest,
        size: config.length,
      },
      layers: layers.map((layer) => ({
        mediaType: layer.mediaType,
        digest: layer.digest,
        size: layer.blob.length,
      })),
    }),
  );
  return { manifest, manifestDigest: sha256(manifest), config, configDigest, layers };
}

/** Writes blobs and index.json of an OCI image layout; each call adds images to index.json. */
export class OciLayout {
  private readonly entries: unknown[] = [];

  constructor(readonly directory: string) {}

  private async blob(bytes: Buffer): Promise<string> {
    const digest = sha256(bytes);
    const dir = join(this.directory, 'blobs', 'sha256');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, digest.slice('sha256:'.length)), bytes);
    return digest;
  }

  private async writeImage(image: TestImage): Promise<BuiltImage> {
    const built = await buildImage(image);
    for (const layer of built.layers) await this.blob(layer.blob);
    await this.blob(built.config);
    await this.blob(built.manifest);
    return built;
  }

  /** Adds a single-platform image named `tag`. */
  async addImage(tag: string, image: TestImage): Promise<BuiltImage> {
    const built = await this.writeImage(image);
    this.entries.push({
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      digest: built.manifestDigest,
      size: built.manifest.length,
      annotations: { 'org.opencontainers.image.ref.name': tag },
    });
    await this.writeIndex();
    return built;
  }

  /** Adds an image index named `tag` over one image per platform. */
  async addIndex(
    tag: string,
    images: readonly TestImage[],
  ): Promise<{ digest: string; images: BuiltImage[] }> {
    const built: BuiltImage[] = [];
    for (const image of images) built.push(await this.writeImage(image));
    const index = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.index.v1+json',
        manifests: built.map((image, position) => ({
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          digest: image.manifestDigest,
          size: image.manifest.length,
          platform: {
            os: images[position]?.os ?? 'linux',
            architecture: images[position]?.architecture ?? 'amd64',
            ...(images[position]?.variant === undefined
              ? {}
              : { variant: images[position]?.variant }),
          },
        })),
      }),
    );
    const digest = await this.blob(index);
    this.entries.push({
      mediaType: 'application/vnd.oci.image.index.v1+json',
      digest,
      size: index.length,
      annotations: { 'org.opencontainers.image.ref.name': tag },
    });
    await this.writeIndex();
    return { digest, images: built };
  }

  private async writeIndex(): Promise<void> {
    await mkdir(this.directory, { recursive: true });
    await writeFile(
      join(this.directory, 'oci-layout'),
      JSON.stringify({ imageLayoutVersion: '1.0.0' }),
    );
    await writeFile(
      join(this.directory, 'index.json'),
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.index.v1+json',
        manifests: this.entries,
      }),
    );
  }
}

/**
 * Writes a `docker save` archive. 'legacy': <id>/layer.tar (uncompressed), <image id>.json and
 * manifest.json, with a repeated layer stored once and linked as docker does. 'oci': Docker 25+,
 * an OCI layout (blobs/sha256, index.json, oci-layout) plus manifest.json naming blob paths.
 */
export async function writeDockerArchive(
  path: string,
  images: readonly { readonly repoTags: readonly string[]; readonly image: TestImage }[],
  layout: 'legacy' | 'oci',
): Promise<BuiltImage[]> {
  const pack = tar.pack();
  const done = (async () => {
    const chunks: Buffer[] = [];
    for await (const chunk of pack) chunks.push(chunk as Buffer);
    await writeFile(path, Buffer.concat(chunks));
  })();
  const add = (name: string, content: Buffer): Promise<void> =>
    new Promise((resolve, reject) =>
      pack.entry({ name, mode: 0o644, size: content.length }, content, (error) =>
        error ? reject(error) : resolve(),
      ),
    );
  const link = (name: string, target: string): Promise<void> =>
    new Promise((resolve, reject) =>
      pack.entry({ name, type: 'symlink', linkname: target }, (error) =>
        error ? reject(error) : resolve(),
      ),
    );
  const written = new Set<string>();
  const manifest: unknown[] = [];
  const indexEntries: unknown[] = [];
  const built: BuiltImage[] = [];
  for (const { repoTags, image } of images) {
    const uncompressed: TestImage =
      layout === 'legacy'
        ? {
            ...image,
            layers: image.layers.map((layer) => ({
              ...layer,
              compression: 'none' as const,
              mediaType: 'application/vnd.docker.image.rootfs.diff.tar',
            })),
          }
        : image;
    const result = await buildImage(uncompressed);
    built.push(result);
    const layerPaths: string[] = [];
    for (const layer of result.layers) {
      if (layout === 'legacy') {
        const id = createHash('sha256')
          .update(`${layer.diffId}${layerPaths.length}${repoTags.join()}`)
          .digest('hex');
        const name = `${id}/layer.tar`;
        const first = [...written].find(
          (candidate) => candidate.startsWith('legacy:') && candidate.endsWith(layer.diffId),
        );
        if (first === undefined) {
          await add(name, layer.blob);
          written.add(`legacy:${id}:${layer.diffId}`);
        } else {
          await link(name, `../${first.split(':')[1]}/layer.tar`);
        }
        layerPaths.push(name);
      } else {
        const name = `blobs/sha256/${layer.digest.slice(7)}`;
        if (!written.has(name)) await add(name, layer.blob);
        written.add(name);
        layerPaths.push(name);
      }
    }
    const configName =
      layout === 'legacy'
        ? `${result.configDigest.slice(7)}.json`
        : `blobs/sha256/${result.configDigest.slice(7)}`;
    if (!written.has(configName)) await add(configName, result.config);
    written.add(configName);
    if (layout === 'oci') {
      const manifestName = `blobs/sha256/${result.manifestDigest.slice(7)}`;
      if (!written.has(manifestName)) await add(manifestName, result.manifest);
      written.add(manifestName);
      indexEntries.push({
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        digest: result.manifestDigest,
        size: result.manifest.length,
        annotations: { 'io.containerd.image.name': repoTags[0] ?? '' },
      });
    }
    manifest.push({ Config: configName, RepoTags: repoTags, Layers: layerPaths });
  }
  if (layout === 'oci') {
    await add('oci-layout', Buffer.from(JSON.stringify({ imageLayoutVersion: '1.0.0' })));
    await add(
      'index.json',
      Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: 'application/vnd.oci.image.index.v1+json',
          manifests: indexEntries,
        }),
      ),
    );
  }
  await add('manifest.json', Buffer.from(JSON.stringify(manifest)));
  pack.finalize();
  await done;
  return built;
}
