// What every image source (registry, OCI layout directory, docker-save archive) provides, and
// the resolution they share: from a top document (index or manifest) through platform
// selection to a verified manifest, config and layer list (OCI image-spec manifest.md, config.md).

import type { Readable } from 'node:stream';
import { PalisadeError } from '../model/index.ts';
import { createVerifyStream, verifyBytes } from './digest.ts';
import type { BlobFile } from './layer-inflate.ts';
import { limitExceeded, type ImageLimits } from './limits.ts';
import {
  checkImageManifest,
  parseImageConfig,
  parseManifestDocument,
  type Descriptor,
  type ImageConfig,
  type ManifestDocument,
} from './manifest.ts';
import { selectPlatform, type PlatformSpec } from './platform.ts';

export type ImageSourceKind = 'registry' | 'oci-layout' | 'docker-archive';

/** One layer as a source offers it. */
export interface LayerBlob {
  /** The layer's digest: its blob digest, or for legacy docker-save archives its diff ID. */
  readonly digest: string;
  /** Digest of the uncompressed tar (config rootfs.diff_ids). */
  readonly diffId: string;
  readonly size: number | undefined;
  readonly mediaType: string;
  /** The blob bytes; the stream fails at its end if they do not match `digest`. */
  open(signal?: AbortSignal): Promise<Readable>;
  /** Where the raw (unverified) blob bytes lie when they are in a local file. */
  readonly file?: BlobFile;
  /** The blob bytes unverified, for a reader that checks the digest itself (layer-inflate.ts). */
  openRaw?(signal?: AbortSignal): Promise<Readable>;
  /**
   * The blob has no digest of its own (a legacy docker-save layer, whose `digest` is its diff
   * ID): the uncompressed tar is checked against the diff ID instead.
   */
  readonly checkDiffId?: boolean;
}

export interface ResolvedImage {
  /** Manifest digest; for a legacy docker-save archive (no manifest) the config digest. */
  readonly digest: string;
  readonly mediaType: string | undefined;
  /** The image ID. */
  readonly configDigest: string;
  readonly config: ImageConfig;
  readonly layers: readonly LayerBlob[];
}

export interface ResolveOptions {
  readonly platform: PlatformSpec;
  readonly limits: ImageLimits;
  readonly signal?: AbortSignal | undefined;
}

export interface ImageSource {
  readonly kind: ImageSourceKind;
  /** The image as people should see it in messages and reports. */
  readonly reference: string;
  resolve(options: ResolveOptions): Promise<ResolvedImage>;
  close(): Promise<void>;
}

/** How a manifest-based source reaches its documents and blobs. */
export interface BlobStore {
  /** Names the image in errors. */
  readonly what: string;
  /** A blob's raw bytes, unverified. */
  openBlob(descriptor: Descriptor, signal?: AbortSignal): Promise<Readable>;
  /** Where a blob's raw bytes lie, when they are in a local file. */
  blobFile?(descriptor: Descriptor): BlobFile | undefined;
  /** A child manifest of an index; defaults to reading its blob. */
  readManifest?(descriptor: Descriptor, maxBytes: number, signal?: AbortSignal): Promise<Buffer>;
}

export interface RootDocument {
  readonly bytes: Buffer;
  readonly contentType: string | undefined;
  /** The verified digest of `bytes`. */
  readonly digest: string;
}

/** Reads a stream whole, failing beyond `maxBytes`. */
export async function readStreamBounded(
  stream: Readable,
  maxBytes: number,
  what: string,
  limit: keyof ImageLimits = 'maxConfigBytes',
): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of stream) {
    const buffer = chunk as Buffer;
    total += buffer.length;
    if (total > maxBytes) {
      stream.destroy();
      throw limitExceeded(what, limit, maxBytes);
    }
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}

/** A blob read whole and verified against its descriptor. */
export async function readVerifiedBlob(
  store: BlobStore,
  descriptor: Descriptor,
  maxBytes: number,
  what: string,
  signal?: AbortSignal,
  limit: keyof ImageLimits = 'maxConfigBytes',
): Promise<Buffer> {
  if (descriptor.size > maxBytes)
    throw limitExceeded(what, limit, maxBytes, { size: descriptor.size });
  const bytes = await readStreamBounded(
    await store.openBlob(descriptor, signal),
    maxBytes,
    what,
    limit,
  );
  if (bytes.length !== descriptor.size) {
    throw new PalisadeError(
      'digest-mismatch',
      `${what}: ${bytes.length} bytes, its descriptor says ${descriptor.size}`,
      { status: 422 },
    );
  }
  verifyBytes(bytes, descriptor.digest, what);
  return bytes;
}

const maxIndexDepth = 4;

/** From the top document to the image for the wanted platform. */
export async function resolveFromRoot(
  root: RootDocument,
  store: BlobStore,
  options: ResolveOptions,
): Promise<ResolvedImage> {
  const { what } = store;
  const { limits, signal } = options;
  let document: ManifestDocument = parseManifestDocument(root.bytes, root.contentType, what);
  let digest = root.digest;
  for (let depth = 0; document.kind === 'index'; depth++) {
    if (depth >= maxIndexDepth)
      throw new PalisadeError(
        'manifest-invalid',
        `${what}: image indexes nested deeper than ${maxIndexDepth}`,
        { status: 422 },
      );
    const entry = selectPlatform(document.index, options.platform, what);
    const childWhat = `${what}: manifest ${entry.digest}`;
    const bytes =
      store.readManifest === undefined
        ? await readVerifiedBlob(
            store,
            entry,
            limits.maxManifestBytes,
            childWhat,
            signal,
            'maxManifestBytes',
          )
        : await store.readManifest(entry, limits.maxManifestBytes, signal);
    verifyBytes(bytes, entry.digest, childWhat);
    document = parseManifestDocument(bytes, entry.mediaType, childWhat);
    digest = entry.digest;
  }
  const { manifest } = document;
  checkImageManifest(manifest, what);
  if (manifest.layers.length > limits.maxLayers)
    throw limitExceeded(`${what}: layers`, 'maxLayers', limits.maxLayers);
  const configBytes = await readVerifiedBlob(
    store,
    manifest.config,
    limits.maxConfigBytes,
    `${what}: config ${manifest.config.digest}`,
    signal,
  );
  const config = parseImageConfig(configBytes, `${what}: config ${manifest.config.digest}`);
  const diffIds = config.rootfs.diff_ids;
  if (diffIds.length !== manifest.layers.length) {
    throw new PalisadeError(
      'manifest-invalid',
      `${what}: the manifest lists ${manifest.layers.length} layers but the config ${diffIds.length} diff IDs`,
      { status: 422 },
    );
  }
  const layers = manifest.layers.map((descriptor, index): LayerBlob => {
    const file = store.blobFile?.(descriptor);
    return {
      ...(file === undefined ? {} : { file }),
      digest: descriptor.digest,
      diffId: diffIds[index] ?? '',
      size: descriptor.size,
      mediaType: descriptor.mediaType,
      async open(signal?: AbortSignal) {
        const raw = await store.openBlob(descriptor, signal);
        const verify = createVerifyStream({
          digest: descriptor.digest,
          size: descriptor.size,
          what: `${what}: layer ${descriptor.digest}`,
        });
        raw.on('error', (error) => verify.destroy(error));
        return raw.pipe(verify);
      },
      openRaw: (signal?: AbortSignal) => store.openBlob(descriptor, signal),
    };
  });
  return {
    digest,
    mediaType: document.mediaType,
    configDigest: manifest.config.digest,
    config,
    layers,
  };
}
