// Decides a layer's compression by its first bytes, not its media type (registries and tools
// mislabel layers: Docker's "tar.gzip" type is used for uncompressed tars by some builders), and
// decompresses it as a stream: gzip with node:zlib, zstd with layers-zstd.ts.

import { pipeline, Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { PalisadeError } from '../model/index.ts';
import { decompressZstd, isSkippableMagic, zstdMagic } from './layers-zstd.ts';

export type Compression = 'gzip' | 'zstd' | 'none';

/** RFC 1952 §2.3.1: ID1 = 31, ID2 = 139; CM = 8 (deflate). */
const gzipMagic = Buffer.from([0x1f, 0x8b, 0x08]);

export function detectCompression(head: Uint8Array): Compression {
  const bytes = Buffer.from(head.buffer, head.byteOffset, head.byteLength);
  if (bytes.length >= 3 && bytes.subarray(0, 3).equals(gzipMagic)) return 'gzip';
  if (bytes.length >= 4 && (bytes.subarray(0, 4).equals(zstdMagic) || isSkippableMagic(bytes)))
    return 'zstd';
  return 'none';
}

/** zlib's failure on a layer, as `layer-invalid`: a truncated stream or corrupt data. */
export function gzipStreamError(what: string, error: unknown): PalisadeError {
  const message = error instanceof Error ? error.message : String(error);
  return new PalisadeError(
    'layer-invalid',
    `${what}: gzip stream is ${/unexpected end/i.test(message) ? 'truncated' : 'corrupt'} (${message})`,
    { status: 422, cause: error },
  );
}

export interface DecompressOptions {
  readonly maxZstdWindowBytes: number;
  readonly what: string;
  /** Told the compression once the first bytes are seen. */
  readonly onCompression?: (compression: Compression) => void;
}

/**
 * An async-iterable stage for stream.pipeline: peeks at the first bytes, then yields the
 * decompressed content.
 */
export function decompressLayer(options: DecompressOptions) {
  return async function* decompress(source: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
    const iterator = source[Symbol.asyncIterator]();
    const head: Buffer[] = [];
    let headLength = 0;
    let ended = false;
    while (headLength < 4) {
      const next = await iterator.next();
      if (next.done === true) {
        ended = true;
        break;
      }
      head.push(next.value);
      headLength += next.value.length;
    }
    const compression = detectCompression(Buffer.concat(head));
    options.onCompression?.(compression);
    async function* rest(): AsyncGenerator<Buffer> {
      yield* head;
      if (ended) return;
      for (;;) {
        const next = await iterator.next();
        if (next.done === true) return;
        yield next.value;
      }
    }
    switch (compression) {
      case 'none':
        yield* rest();
        return;
      case 'zstd':
        yield* decompressZstd(rest(), {
          maxWindowBytes: options.maxZstdWindowBytes,
          what: options.what,
        });
        return;
      case 'gzip': {
        const gunzip = pipeline(
          Readable.from(rest()),
          // 256 KiB output chunks, not 16: each chunk costs a trip through the stages after.
          createGunzip({ chunkSize: 256 * 1024 }),
          () => undefined,
        );
        try {
          for await (const chunk of gunzip) yield chunk as Buffer;
        } catch (error) {
          if (error instanceof PalisadeError) throw error;
          throw gzipStreamError(options.what, error);
        } finally {
          gunzip.destroy();
        }
        return;
      }
    }
  };
}
