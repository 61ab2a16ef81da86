// Streaming zstd decompression for layers (application/vnd.oci.image.layer.v1.tar+zstd) on
// Node 20, whose zlib has no zstd. fzstd decodes; in front of it we walk the frame and block
// headers ourselves (RFC 8878 §3.1) so that (1) a frame asking for a window larger than the
// limit is refused before fzstd allocates it, and (2) fzstd is fed at most one block per push,
// so one push yields at most 128 KiB and backpressure holds even for RLE-block bombs.

import { Decompress } from 'fzstd';
import { PalisadeError } from '../model/index.ts';

/** RFC 8878 §3.1.1: magic number 0xFD2FB528, little-endian. */
export const zstdMagic = Buffer.from([0x28, 0xb5, 0x2f, 0xfd]);
/** RFC 8878 §3.1.2: skippable frames use magic numbers 0x184D2A50 to 0x184D2A5F. */
export function isSkippableMagic(bytes: Uint8Array, at = 0): boolean {
  return (
    bytes[at + 1] === 0x2a &&
    bytes[at + 2] === 0x4d &&
    bytes[at + 3] === 0x18 &&
    ((bytes[at] ?? 0) & 0xf0) === 0x50
  );
}

/** RFC 8878 §3.1.1.2: Block_Maximum_Size is at most 128 KiB. */
const maxBlockSize = 128 * 1024;

type State =
  | { readonly at: 'frame-start' }
  | { readonly at: 'skippable'; remaining: number }
  | { readonly at: 'block-header'; readonly checksum: boolean; readonly blockLimit: number }
  | {
      readonly at: 'block-body';
      remaining: number;
      readonly last: boolean;
      readonly checksum: boolean;
      readonly blockLimit: number;
    }
  | { readonly at: 'checksum'; remaining: number };

export interface ZstdOptions {
  readonly maxWindowBytes: number;
  /** Names the layer in errors. */
  readonly what: string;
}

function zstdError(what: string, message: string, cause?: unknown): PalisadeError {
  return new PalisadeError('layer-invalid', `${what}: zstd stream ${message}`, {
    status: 422,
    ...(cause === undefined ? {} : { cause }),
  });
}

/**
 * Decompresses a zstd stream; yields buffers of at most a few blocks each. Fails on a truncated
 * stream, an oversized window, dictionaries (not used by image layers) and corrupt data.
 */
export async function* decompressZstd(
  source: AsyncIterable<Buffer>,
  options: ZstdOptions,
): AsyncGenerator<Buffer> {
  const { what } = options;
  let output: Buffer[] = [];
  const decoder = new Decompress((chunk) => {
    output.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
  });
  let state: State = { at: 'frame-start' };
  let pending: Buffer = Buffer.alloc(0);
  /** Bytes of `pending` already accounted for by the walker but not yet pushed to fzstd. */
  let walked = 0;
  let frames = 0;

  const push = (bytes: Buffer, final: boolean): Buffer[] => {
    try {
      decoder.push(bytes, final);
    } catch (error) {
      throw zstdError(
        what,
        `is corrupt: ${error instanceof Error ? error.message : String(error)}`,
        error,
      );
    }
    const out = output;
    output = [];
    return out;
  };

  for await (const chunk of source) {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    for (;;) {
      const available = pending.length - walked;
      switch (state.at) {
        case 'frame-start': {
          if (available < 4) break;
          if (isSkippableMagic(pending, walked)) {
            if (available < 8) break;
            // Skippable frames (metadata, e.g. zstd:chunked's) are dropped here rather than
            // buffered for fzstd, so their size costs no memory.
            for (const out of push(pending.subarray(0, walked), false)) yield out;
            state = { at: 'skippable', remaining: pending.readUInt32LE(walked + 4) };
            pending = pending.subarray(walked + 8);
            walked = 0;
            continue;
          }
          if (!pending.subarray(walked, walked + 4).equals(zstdMagic))
            throw zstdError(
              what,
              frames === 0 ? 'does not start with a zstd frame' : 'has garbage after a frame',
            );
          if (available < 6) break;
          const descriptor = pending[walked + 4] ?? 0;
          const fcsFlag = descriptor >> 6;
          const singleSegment = (descriptor >> 5) & 1;
          const checksum = ((descriptor >> 2) & 1) === 1;
          const dictionaryFlag = descriptor & 3;
          if (descriptor & 0x08) throw zstdError(what, 'has a reserved frame header bit set');
          if (dictionaryFlag !== 0)
            throw zstdError(what, 'needs a dictionary, which image layers never use');
          const fcsSize = fcsFlag === 0 ? singleSegment : 1 << fcsFlag;
          const headerSize = 4 + 1 + (singleSegment ? 0 : 1) + fcsSize;
          if (available < headerSize) break;
          let window: number;
          if (singleSegment) {
            window = readLittleEndian(pending, walked + 5, fcsSize) + (fcsSize === 2 ? 256 : 0);
          } else {
            // §3.1.1.1.2 Window_Descriptor: windowLog = 10 + Exponent; add Mantissa eighths.
            const windowDescriptor = pending[walked + 5] ?? 0;
            const base = 2 ** (10 + (windowDescriptor >> 3));
            window = base + (base / 8) * (windowDescriptor & 7);
          }
          if (window > options.maxWindowBytes) {
            throw new PalisadeError(
              'limit-exceeded',
              `${what}: zstd frame needs a ${window}-byte window, over maxZstdWindowBytes (${options.maxWindowBytes})`,
              { status: 413, details: { limit: 'maxZstdWindowBytes', value: window } },
            );
          }
          frames++;
          walked += headerSize;
          state = {
            at: 'block-header',
            checksum,
            blockLimit: Math.min(Math.max(window, 1), maxBlockSize),
          };
          continue;
        }
        case 'skippable': {
          const skip = Math.min(available, state.remaining);
          state.remaining -= skip;
          pending = pending.subarray(skip);
          if (state.remaining > 0) break;
          state = { at: 'frame-start' };
          continue;
        }
        case 'block-header': {
          if (available < 3) break;
          const header = readLittleEndian(pending, walked, 3);
          const last = (header & 1) === 1;
          const type = (header >> 1) & 3;
          const blockSize = header >>> 3;
          if (type === 3) throw zstdError(what, 'has a reserved block type');
          // §3.1.1.2.3: RLE blocks carry one byte; raw and compressed blocks carry Block_Size.
          const body = type === 1 ? 1 : blockSize;
          if (blockSize > state.blockLimit)
            throw zstdError(
              what,
              `has a ${blockSize}-byte block, over the ${state.blockLimit}-byte maximum`,
            );
          walked += 3;
          state = {
            at: 'block-body',
            remaining: body,
            last,
            checksum: state.checksum,
            blockLimit: state.blockLimit,
          };
          continue;
        }
        case 'block-body': {
          const take = Math.min(available, state.remaining);
          state.remaining -= take;
          walked += take;
          if (state.remaining > 0) break;
          // A whole block is walked: hand everything up to here to fzstd, then yield its output.
          const next: State = state.last
            ? state.checksum
              ? { at: 'checksum', remaining: 4 }
              : { at: 'frame-start' }
            : { at: 'block-header', checksum: state.checksum, blockLimit: state.blockLimit };
          state = next;
          const ready = pending.subarray(0, walked);
          pending = pending.subarray(walked);
          walked = 0;
          for (const out of push(ready, false)) yield out;
          continue;
        }
        case 'checksum': {
          const take = Math.min(available, state.remaining);
          state.remaining -= take;
          walked += take;
          if (state.remaining > 0) break;
          state = { at: 'frame-start' };
          continue;
        }
      }
      break;
    }
  }
  if (state.at !== 'frame-start' || pending.length !== walked || frames === 0)
    throw zstdError(what, frames === 0 ? 'is empty' : 'is truncated');
  for (const out of push(pending, true)) yield out;
}

function readLittleEndian(bytes: Uint8Array, at: number, length: number): number {
  let value = 0;
  for (let i = length - 1; i >= 0; i--) value = value * 256 + (bytes[at + i] ?? 0);
  return value;
}
