// An image in a `docker save` archive: manifest.json ([{Config, RepoTags, Layers}]) plus the
// files it names, either the legacy layout (<id>/layer.tar, <image id>.json) or Docker 25+'s
// OCI layout inside the tar (blobs/sha256/…, index.json). The tar is indexed once, then each
// file is streamed from its offset; nothing is extracted. Compressed archives are not supported.

import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import { parseImageRef } from '../k8s/index.ts';
import { PalisadeError } from '../model/index.ts';
import { createVerifyStream, digestOf, parseDigest, verifyBytes } from './digest.ts';
import type { BlobFile } from './layer-inflate.ts';
import { normaliseEntryPath, PathEscapeError, symlinkTargetPath } from './layers-paths.ts';
import { limitExceeded } from './limits.ts';
import {
  parseImageConfig,
  parseJsonBytes,
  parseManifestDocument,
  type Descriptor,
} from './manifest.ts';
import {
  readStreamBounded,
  resolveFromRoot,
  type BlobStore,
  type ImageSource,
  type LayerBlob,
  type ResolveOptions,
  type ResolvedImage,
} from './source.ts';

interface ArchiveEntry {
  readonly type: 'file' | 'symlink' | 'link';
  readonly offset: number;
  readonly size: number;
  readonly linkname: string;
}

interface ArchiveManifestEntry {
  readonly Config: string;
  readonly RepoTags: readonly string[];
  readonly Layers: readonly string[];
}

/** Entries of an archive index at most; docker-save archives hold a few per layer. */
const maxArchiveEntries = 100_000;

function sourceInvalid(what: string, message: string, cause?: unknown): PalisadeError {
  return new PalisadeError('image-source-invalid', `${what}: ${message}`, {
    status: 400,
    ...(cause === undefined ? {} : { cause }),
  });
}

export class DockerArchiveSource implements ImageSource {
  readonly kind = 'docker-archive';
  readonly reference: string;
  private entries: Map<string, ArchiveEntry> | undefined;

  constructor(
    readonly path: string,
    /** A RepoTags entry ("app:1") choosing one image of a multi-image archive. */
    readonly tag: string | undefined,
  ) {
    this.reference = `docker-archive:${path}${tag === undefined ? '' : `:${tag}`}`;
  }

  async resolve(options: ResolveOptions): Promise<ResolvedImage> {
    const what = this.reference;
    const { limits, signal } = options;
    const entries = await this.index(signal);
    const manifestBytes = await this.readWhole('manifest.json', limits.maxManifestBytes, signal);
    const chosen = chooseImage(parseArchiveManifest(manifestBytes, what), this.tag, what);
    const store: BlobStore = {
      what,
      openBlob: (descriptor) => {
        const digest = parseDigest(descriptor.digest);
        if (digest === undefined) throw sourceInvalid(what, `bad digest ${descriptor.digest}`);
        return this.open(`blobs/${digest.algorithm}/${digest.hex}`);
      },
      blobFile: (descriptor) => {
        const digest = parseDigest(descriptor.digest);
        return digest === undefined
          ? undefined
          : this.fileOf(`blobs/${digest.algorithm}/${digest.hex}`);
      },
    };
    // Docker 25+: find the OCI manifest of this image, for its digest and media types.
    const configDigest = digestFromPath(chosen.Config);
    if (configDigest !== undefined && entries.has('index.json')) {
      const manifest = await this.findOciManifest(configDigest, options);
      if (manifest !== undefined) return resolveFromRoot(manifest, store, options);
    }
    // Legacy layout: no manifest; the config names the diff IDs that identify the layers.
    const configBytes = await this.readWhole(chosen.Config, limits.maxConfigBytes, signal);
    const configId = configDigest ?? digestOf(configBytes);
    verifyBytes(configBytes, configId, `${what}: config ${chosen.Config}`);
    const config = parseImageConfig(configBytes, `${what}: config ${chosen.Config}`);
    const diffIds = config.rootfs.diff_ids;
    if (diffIds.length !== chosen.Layers.length)
      throw sourceInvalid(
        what,
        `manifest.json lists ${chosen.Layers.length} layers but the config ${diffIds.length} diff IDs`,
      );
    if (chosen.Layers.length > limits.maxLayers)
      throw limitExceeded(`${what}: layers`, 'maxLayers', limits.maxLayers);
    const layers = chosen.Layers.map((layerPath, index): LayerBlob => {
      const diffId = diffIds[index] ?? '';
      const blobDigest = digestFromPath(layerPath);
      const entry = this.lookup(layerPath);
      return {
        digest: blobDigest ?? diffId,
        diffId,
        size: entry.size,
        mediaType: 'application/vnd.docker.image.rootfs.diff.tar',
        file: this.fileOf(layerPath),
        ...(blobDigest === undefined ? { checkDiffId: true } : {}),
        open: async () => {
          const raw = await this.open(layerPath);
          if (blobDigest === undefined) return raw;
          const verify = createVerifyStream({
            digest: blobDigest,
            size: entry.size,
            what: `${what}: layer ${layerPath}`,
          });
          raw.on('error', (error) => verify.destroy(error));
          return raw.pipe(verify);
        },
      };
    });
    return { digest: configId, mediaType: undefined, configDigest: configId, config, layers };
  }

  close(): Promise<void> {
    this.entries = undefined;
    return Promise.resolve();
  }

  /** The OCI manifest (in index.json or one index below it) whose config is `configDigest`. */
  private async findOciManifest(configDigest: string, options: ResolveOptions) {
    const what = this.reference;
    const { limits, signal } = options;
    const index = parseManifestDocument(
      await this.readWhole('index.json', limits.maxManifestBytes, signal),
      undefined,
      `${what}: index.json`,
    );
    const queue: Descriptor[] = index.kind === 'index' ? [...index.index.manifests] : [];
    for (let visited = 0; queue.length > 0 && visited < 64; visited++) {
      const descriptor = queue.shift();
      if (descriptor === undefined || descriptor.size > limits.maxManifestBytes) continue;
      const digest = parseDigest(descriptor.digest);
      const path = digest === undefined ? undefined : `blobs/${digest.algorithm}/${digest.hex}`;
      if (path === undefined || !this.entries?.has(path)) continue;
      const bytes = await this.readWhole(path, limits.maxManifestBytes, signal);
      verifyBytes(bytes, descriptor.digest, `${what}: manifest ${descriptor.digest}`);
      const document = parseManifestDocument(
        bytes,
        descriptor.mediaType,
        `${what}: manifest ${descriptor.digest}`,
      );
      if (document.kind === 'index') queue.push(...document.index.manifests);
      else if (document.manifest.config.digest === configDigest)
        return { bytes, contentType: document.mediaType, digest: descriptor.digest };
    }
    return undefined;
  }

  private async index(signal: AbortSignal | undefined): Promise<Map<string, ArchiveEntry>> {
    if (this.entries !== undefined) return this.entries;
    const what = this.reference;
    try {
      if (!(await stat(this.path)).isFile()) throw sourceInvalid(what, 'not a file');
    } catch (error) {
      if (error instanceof PalisadeError) throw error;
      throw sourceInvalid(what, `reading ${this.path}: ${(error as Error).message}`, error);
    }
    const entries = new Map<string, ArchiveEntry>();
    const extract = tar.extract();
    extract.on('entry', (header, stream, next) => {
      stream.on('error', () => undefined);
      stream.on('end', () => next());
      stream.resume();
      if (entries.size >= maxArchiveEntries) {
        next(
          sourceInvalid(what, `more than ${maxArchiveEntries} entries; not a docker-save archive`),
        );
        return;
      }
      const type =
        header.type === 'file' || header.type === 'contiguous-file' ? 'file' : header.type;
      if (type !== 'file' && type !== 'symlink' && type !== 'link') return;
      let name: string;
      try {
        name = normaliseEntryPath(header.name).slice(1);
      } catch {
        return;
      }
      // tar-stream records where each entry's data starts in the stream.
      const offset = (header as { byteOffset?: unknown }).byteOffset;
      if (typeof offset !== 'number') return;
      entries.set(name, { type, offset, size: header.size ?? 0, linkname: header.linkname ?? '' });
    });
    try {
      await pipeline(
        createReadStream(this.path),
        extract,
        ...(signal === undefined ? [] : [{ signal }]),
      );
    } catch (error) {
      if (error instanceof PalisadeError) throw error;
      const hint = /invalid tar header/i.test(String(error))
        ? ' (compressed? decompress the archive first)'
        : '';
      throw sourceInvalid(
        what,
        `not a readable tar archive: ${(error as Error).message}${hint}`,
        error,
      );
    }
    if (!entries.has('manifest.json'))
      throw sourceInvalid(what, 'no manifest.json; not a docker-save archive');
    this.entries = entries;
    return entries;
  }

  /** The regular file `path` names, following symlinks/hard links inside the archive. */
  private lookup(path: string): ArchiveEntry & { readonly path: string } {
    const what = this.reference;
    let current = path;
    for (let hops = 0; hops < 8; hops++) {
      let normalised: string;
      try {
        normalised = normaliseEntryPath(current).slice(1);
      } catch (error) {
        throw sourceInvalid(what, `'${path}' leaves the archive`, error);
      }
      const entry = this.entries?.get(normalised);
      if (entry === undefined) throw sourceInvalid(what, `'${path}' is missing from the archive`);
      if (entry.type === 'file') return { ...entry, path: normalised };
      try {
        // docker save links duplicate layers: "<id>/layer.tar -> ../<other id>/layer.tar".
        current =
          entry.type === 'symlink'
            ? symlinkTargetPath(`/${normalised}`, entry.linkname)
            : entry.linkname;
      } catch (error) {
        if (error instanceof PathEscapeError)
          throw sourceInvalid(what, `'${path}' links outside the archive`, error);
        throw error;
      }
    }
    throw sourceInvalid(what, `'${path}' is a chain of too many links`);
  }

  /** Where a member's bytes lie in the archive file. */
  private fileOf(path: string): BlobFile {
    const entry = this.lookup(path);
    return { path: this.path, start: entry.offset, length: entry.size };
  }

  private open(path: string): Promise<Readable> {
    const entry = this.lookup(path);
    if (entry.size === 0) return Promise.resolve(Readable.from([]));
    return Promise.resolve(
      createReadStream(this.path, { start: entry.offset, end: entry.offset + entry.size - 1 }),
    );
  }

  private async readWhole(
    path: string,
    maxBytes: number,
    signal: AbortSignal | undefined,
  ): Promise<Buffer> {
    signal?.throwIfAborted();
    const entry = this.lookup(path);
    if (entry.size > maxBytes)
      throw limitExceeded(`${this.reference}: ${path}`, 'maxManifestBytes', maxBytes);
    return readStreamBounded(await this.open(path), maxBytes, `${this.reference}: ${path}`);
  }
}

function digestFromPath(path: string): string | undefined {
  // "blobs/sha256/<hex>" (Docker 25+) or "<hex>.json" (legacy config names are the image ID).
  const blob = /^(?:\.\/)?blobs\/(sha256|sha512)\/([a-f0-9]+)$/.exec(path);
  if (blob !== null)
    return parseDigest(`${blob[1]}:${blob[2]}`) === undefined ? undefined : `${blob[1]}:${blob[2]}`;
  const legacy = /^(?:\.\/)?([a-f0-9]{64})\.json$/.exec(path);
  return legacy === null ? undefined : `sha256:${legacy[1]}`;
}

function parseArchiveManifest(bytes: Buffer, what: string): ArchiveManifestEntry[] {
  const json = parseJsonBytes(bytes, `${what}: manifest.json`);
  if (!Array.isArray(json)) throw sourceInvalid(what, 'manifest.json is not a list of images');
  return json.map((item: unknown, index) => {
    const record = (typeof item === 'object' && item !== null ? item : {}) as Record<
      string,
      unknown
    >;
    const strings = (value: unknown): string[] =>
      Array.isArray(value)
        ? value.filter((entry): entry is string => typeof entry === 'string')
        : [];
    if (typeof record['Config'] !== 'string' || !Array.isArray(record['Layers']))
      throw sourceInvalid(what, `manifest.json entry ${index} has no Config or Layers`);
    return {
      Config: record['Config'],
      RepoTags: strings(record['RepoTags']),
      Layers: strings(record['Layers']),
    };
  });
}

function sameReference(a: string, b: string): boolean {
  const left = parseImageRef(a);
  const right = parseImageRef(b);
  return left.registry === right.registry && left.remote === right.remote && left.tag === right.tag;
}

function chooseImage(
  images: readonly ArchiveManifestEntry[],
  tag: string | undefined,
  what: string,
): ArchiveManifestEntry {
  const tags = images.flatMap((image) => image.RepoTags);
  if (tag !== undefined) {
    const found = images.find((image) =>
      image.RepoTags.some((candidate) => sameReference(candidate, tag)),
    );
    if (found === undefined)
      throw new PalisadeError(
        'image-not-found',
        `${what}: no image tagged '${tag}'; the archive has ${tags.length === 0 ? 'no tags' : tags.join(', ')}`,
        { status: 404 },
      );
    return found;
  }
  const [only, ...others] = images;
  if (only === undefined)
    throw new PalisadeError('image-not-found', `${what}: the archive holds no images`, {
      status: 404,
    });
  if (others.length > 0)
    throw sourceInvalid(
      what,
      `the archive holds ${images.length} images; name one as docker-archive:<path>:<tag> (${tags.join(', ')})`,
    );
  return only;
}
