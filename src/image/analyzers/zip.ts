// A small, strict ZIP reader over a Buffer (PKWARE APPNOTE.TXT 6.3.10: §4.3.16 end of central
// directory, §4.3.12 central directory header, §4.3.7 local file header) for jar/war/ear files
// and OSV all.zip archives. Only stored (0) and deflated (8) entries; every size is bounded
// and checked against the buffer, and inflation stops at a cap, so a zip bomb costs at most
// the cap. Not a general archiver: no ZIP64, no encryption, no spanning.

import { inflateRawSync } from 'node:zlib';

export interface ZipEntry {
  readonly name: string;
  readonly method: number;
  readonly compressedSize: number;
  readonly size: number;
  readonly localHeaderOffset: number;
}

export interface ZipLimits {
  /** Largest uncompressed entry read. */
  readonly maxEntrySize: number;
  /** Most entries listed. */
  readonly maxEntries: number;
  /** Largest uncompressed/compressed ratio accepted for one entry. */
  readonly maxRatio: number;
}

export const defaultZipLimits: ZipLimits = {
  maxEntrySize: 64 * 1024 * 1024,
  maxEntries: 200_000,
  maxRatio: 200,
};

export class ZipError extends Error {
  override readonly name = 'ZipError';
}

const eocdSignature = 0x06054b50;
const centralSignature = 0x02014b50;
const localSignature = 0x04034b50;

export interface ZipArchive {
  readonly entries: readonly ZipEntry[];
  /** The entry's bytes; throws ZipError when it is too big, bomb-like or corrupt. */
  read(entry: ZipEntry): Buffer;
}

/** Whether a buffer starts like a zip (a local header, or an empty archive's EOCD). */
export function looksLikeZip(data: Buffer): boolean {
  return (
    data.length >= 4 &&
    (data.readUInt32LE(0) === localSignature || data.readUInt32LE(0) === eocdSignature)
  );
}

export function openZip(data: Buffer, limits: ZipLimits = defaultZipLimits): ZipArchive {
  const eocd = findEndOfCentralDirectory(data);
  const count = data.readUInt16LE(eocd + 10);
  const size = data.readUInt32LE(eocd + 12);
  const offset = data.readUInt32LE(eocd + 16);
  if (count === 0xffff || size === 0xffffffff || offset === 0xffffffff) {
    throw new ZipError('ZIP64 archives are not supported');
  }
  if (offset + size > data.length) throw new ZipError('central directory lies outside the file');
  if (count > limits.maxEntries) throw new ZipError(`more than ${limits.maxEntries} entries`);
  const entries: ZipEntry[] = [];
  let at = offset;
  for (let k = 0; k < count; k++) {
    if (at + 46 > data.length || data.readUInt32LE(at) !== centralSignature) {
      throw new ZipError(`central directory entry ${k} is corrupt`);
    }
    const method = data.readUInt16LE(at + 10);
    const compressedSize = data.readUInt32LE(at + 20);
    const uncompressed = data.readUInt32LE(at + 24);
    const nameLength = data.readUInt16LE(at + 28);
    const extraLength = data.readUInt16LE(at + 30);
    const commentLength = data.readUInt16LE(at + 32);
    const localHeaderOffset = data.readUInt32LE(at + 42);
    const end = at + 46 + nameLength + extraLength + commentLength;
    if (end > data.length) throw new ZipError(`central directory entry ${k} runs past the end`);
    const name = data.toString('utf8', at + 46, at + 46 + nameLength);
    entries.push({ name, method, compressedSize, size: uncompressed, localHeaderOffset });
    at = end;
  }
  return { entries, read: (entry) => readEntry(data, entry, limits) };
}

function findEndOfCentralDirectory(data: Buffer): number {
  // The EOCD is 22 bytes plus a comment of at most 65535 bytes, at the very end.
  const lowest = Math.max(0, data.length - 22 - 0xffff);
  for (let at = data.length - 22; at >= lowest; at--) {
    if (data.readUInt32LE(at) === eocdSignature) return at;
  }
  throw new ZipError('not a zip archive (no end of central directory record)');
}

function readEntry(data: Buffer, entry: ZipEntry, limits: ZipLimits): Buffer {
  if (entry.size > limits.maxEntrySize) {
    throw new ZipError(
      `${entry.name}: ${entry.size} bytes is over the ${limits.maxEntrySize} byte cap`,
    );
  }
  const at = entry.localHeaderOffset;
  if (at + 30 > data.length || data.readUInt32LE(at) !== localSignature) {
    throw new ZipError(`${entry.name}: local header is corrupt`);
  }
  const start = at + 30 + data.readUInt16LE(at + 26) + data.readUInt16LE(at + 28);
  const end = start + entry.compressedSize;
  if (end > data.length) throw new ZipError(`${entry.name}: data runs past the end of the archive`);
  const raw = data.subarray(start, end);
  if (entry.method === 0) {
    if (entry.compressedSize !== entry.size)
      throw new ZipError(`${entry.name}: stored sizes differ`);
    return raw;
  }
  if (entry.method !== 8)
    throw new ZipError(`${entry.name}: compression method ${entry.method} is not supported`);
  // A declared size can lie: cap the inflation itself, and refuse absurd ratios up front.
  if (entry.size > Math.max(1024, entry.compressedSize * limits.maxRatio)) {
    throw new ZipError(`${entry.name}: compression ratio over ${limits.maxRatio} (zip bomb?)`);
  }
  const cap = Math.min(limits.maxEntrySize, Math.max(entry.size, 1));
  let out: Buffer;
  try {
    out = inflateRawSync(raw, { maxOutputLength: cap });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ZipError(`${entry.name}: cannot inflate (${reason})`);
  }
  if (out.length !== entry.size) {
    throw new ZipError(`${entry.name}: inflated to ${out.length} bytes, header says ${entry.size}`);
  }
  return out;
}
