// Size caps for reading untrusted images (shared/STYLE.md: every stream has a size cap). The
// defaults fit real images with a wide margin: the largest public images are tens of GB
// uncompressed across all layers; package databases are a few MB.

import { PalisadeError } from '../model/index.ts';

export interface ImageLimits {
  /** Manifests and indexes; the distribution spec lets registries refuse over 4 MiB. */
  readonly maxManifestBytes: number;
  readonly maxConfigBytes: number;
  /** Uncompressed tar bytes of one layer (decompression bombs). */
  readonly maxLayerBytes: number;
  /** Uncompressed tar bytes of all layers of one image together. */
  readonly maxImageBytes: number;
  /** Size of one kept file. */
  readonly maxFileBytes: number;
  /** All kept files of the image together (they are held in memory). */
  readonly maxKeptBytes: number;
  /** Tar entries in one layer. */
  readonly maxEntries: number;
  /** Layers in one manifest. */
  readonly maxLayers: number;
  /** zstd window (memory a decoder must allocate); zstd's own default limit is 2^27. */
  readonly maxZstdWindowBytes: number;
}

export const defaultImageLimits: ImageLimits = {
  maxManifestBytes: 4 * 1024 * 1024,
  maxConfigBytes: 16 * 1024 * 1024,
  maxLayerBytes: 16 * 1024 ** 3,
  maxImageBytes: 64 * 1024 ** 3,
  maxFileBytes: 256 * 1024 * 1024,
  maxKeptBytes: 1024 ** 3,
  maxEntries: 1_000_000,
  maxLayers: 1000,
  maxZstdWindowBytes: 2 ** 27,
};

export function resolveLimits(partial: Partial<ImageLimits> | undefined): ImageLimits {
  return { ...defaultImageLimits, ...partial };
}

/** `limit-exceeded`, naming what went over which limit. */
export function limitExceeded(
  what: string,
  limit: keyof ImageLimits,
  value: number,
  details: Record<string, unknown> = {},
): PalisadeError {
  return new PalisadeError(
    'limit-exceeded',
    `${what}: exceeds ${limit} (${value} bytes or entries); raise the limit if the image is genuine`,
    { status: 413, details: { limit, value, ...details } },
  );
}
