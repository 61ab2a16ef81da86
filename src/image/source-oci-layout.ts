// An image in an OCI image layout directory (image-spec image-layout.md): "oci-layout",
// "index.json" and "blobs/<alg>/<encoded>". An image is chosen by the
// org.opencontainers.image.ref.name annotation ("dir:tag"), or is the only one.

import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { PalisadeError } from '../model/index.ts';
import { digestOf, requireDigest } from './digest.ts';
import type { BlobFile } from './layer-inflate.ts';
import type { ImageLimits } from './limits.ts';
import { parseIndexBytes, parseJsonBytes, type Descriptor, type ImageIndex } from './manifest.ts';
import { ociIndex } from './media-types.ts';
import {
  readVerifiedBlob,
  resolveFromRoot,
  type BlobStore,
  type ImageSource,
  type ResolveOptions,
  type ResolvedImage,
  type RootDocument,
} from './source.ts';

/** image-spec annotations.md: the reference name of an image in a layout. */
export const refNameAnnotation = 'org.opencontainers.image.ref.name';

function sourceInvalid(what: string, message: string, cause?: unknown): PalisadeError {
  return new PalisadeError('image-source-invalid', `${what}: ${message}`, {
    status: 400,
    ...(cause === undefined ? {} : { cause }),
  });
}

/**
 * The entry of index.json to read: the one whose ref name is `tag`; without a tag, the only
 * entry. Undefined when there is no tag and several entries all carry a platform (then
 * index.json itself acts as the image index).
 */
export function selectLayoutEntry(
  index: ImageIndex,
  tag: string | undefined,
  what: string,
): Descriptor | undefined {
  const names = index.manifests
    .map((entry) => entry.annotations?.[refNameAnnotation])
    .filter((name) => name !== undefined);
  if (tag !== undefined) {
    const entry = index.manifests.find(
      (candidate) => candidate.annotations?.[refNameAnnotation] === tag,
    );
    if (entry === undefined)
      throw new PalisadeError(
        'image-not-found',
        `${what}: no image named '${tag}'; the layout has ${names.length === 0 ? 'no named images' : names.map((name) => `'${name}'`).join(', ')}`,
        { status: 404 },
      );
    return entry;
  }
  const [only, ...others] = index.manifests;
  if (only === undefined)
    throw new PalisadeError('image-not-found', `${what}: the layout holds no images`, {
      status: 404,
    });
  if (others.length === 0) return only;
  if (index.manifests.every((entry) => entry.platform !== undefined)) return undefined;
  throw sourceInvalid(
    what,
    `the layout holds ${index.manifests.length} images; name one as <dir>:<name> (${names.map((name) => `'${name}'`).join(', ')})`,
  );
}

/** Blobs of a layout, by digest: <root>/blobs/<alg>/<hex>. */
export function layoutBlobStore(
  what: string,
  open: (path: string) => Promise<Readable>,
  fileOf?: (path: string) => BlobFile | undefined,
): BlobStore {
  // The digest was validated (hex only), so the path cannot leave blobs/.
  const pathOf = (descriptor: Descriptor) => {
    const { algorithm, hex } = requireDigest(descriptor.digest, what);
    return `blobs/${algorithm}/${hex}`;
  };
  return {
    what,
    openBlob: (descriptor) => open(pathOf(descriptor)),
    ...(fileOf === undefined ? {} : { blobFile: (descriptor) => fileOf(pathOf(descriptor)) }),
  };
}

/** Reads index.json and resolves the chosen image, for a directory or a tar holding a layout. */
export async function resolveLayout(
  indexBytes: Buffer,
  tag: string | undefined,
  store: BlobStore,
  options: ResolveOptions,
): Promise<ResolvedImage> {
  const { what } = store;
  const layout = parseIndexBytes(indexBytes, `${what}: index.json`);
  const entry = selectLayoutEntry(layout, tag, what);
  let root: RootDocument;
  if (entry === undefined) {
    root = { bytes: indexBytes, contentType: ociIndex, digest: digestOf(indexBytes) };
  } else {
    const bytes = await readEntry(store, entry, options.limits, options.signal);
    root = { bytes, contentType: entry.mediaType, digest: entry.digest };
  }
  return resolveFromRoot(root, store, options);
}

async function readEntry(
  store: BlobStore,
  entry: Descriptor,
  limits: ImageLimits,
  signal: AbortSignal | undefined,
): Promise<Buffer> {
  return readVerifiedBlob(
    store,
    entry,
    limits.maxManifestBytes,
    `${store.what}: manifest ${entry.digest}`,
    signal,
    'maxManifestBytes',
  );
}

export class OciLayoutSource implements ImageSource {
  readonly kind = 'oci-layout';
  readonly reference: string;

  constructor(
    readonly directory: string,
    readonly tag: string | undefined,
  ) {
    this.reference = `oci:${directory}${tag === undefined ? '' : `:${tag}`}`;
  }

  async resolve(options: ResolveOptions): Promise<ResolvedImage> {
    const what = this.reference;
    const layoutFile = await readSmallFile(join(this.directory, 'oci-layout'), what, 4096);
    const layout = parseJsonBytes(layoutFile, `${what}: oci-layout`) as {
      imageLayoutVersion?: unknown;
    };
    if (typeof layout.imageLayoutVersion !== 'string')
      throw sourceInvalid(what, 'oci-layout has no imageLayoutVersion; not an OCI image layout');
    const indexBytes = await readSmallFile(
      join(this.directory, 'index.json'),
      what,
      options.limits.maxManifestBytes,
    );
    const store = layoutBlobStore(
      what,
      (path) => this.openFile(path, what),
      // Read to the end of the file, so a blob longer than its descriptor fails as in-thread.
      (path) => ({ path: join(this.directory, path), start: 0 }),
    );
    return resolveLayout(indexBytes, this.tag, store, options);
  }

  private openFile(path: string, what: string): Promise<Readable> {
    return new Promise((resolve, reject) => {
      const stream = createReadStream(join(this.directory, path));
      stream.once('open', () => resolve(stream));
      stream.once('error', (error: NodeJS.ErrnoException) =>
        reject(
          error.code === 'ENOENT'
            ? new PalisadeError('image-not-found', `${what}: ${path} is missing from the layout`, {
                status: 404,
                cause: error,
              })
            : sourceInvalid(what, `reading ${path}: ${error.message}`, error),
        ),
      );
    });
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

async function readSmallFile(path: string, what: string, maxBytes: number): Promise<Buffer> {
  try {
    if ((await stat(path)).size > maxBytes)
      throw sourceInvalid(what, `${path} is larger than ${maxBytes} bytes`);
    return await readFile(path);
  } catch (error) {
    if (error instanceof PalisadeError) throw error;
    throw sourceInvalid(what, `reading ${path}: ${(error as Error).message}`, error);
  }
}
