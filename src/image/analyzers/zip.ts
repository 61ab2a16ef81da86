// A small, strict ZIP reader (PKWARE APPNOTE.TXT 6.3.10: §4.3.16 end of central directory,
// §4.3.14/§4.3.15 ZIP64 end of central directory record and locator, §4.3.12 central
// directory header, §4.3.7 local file header, §4.5.3 ZIP64 extended information extra field)
// for jar/war/ear files and OSV all.zip archives. Reads from a Buffer or from a file: for a
// file only the central directory is held in memory and each entry is read when asked for.
// Only stored (0) and deflated (8) entries; every size is bounded and checked against the
// archive, and inflation stops at a cap, so a zip bomb costs at most the cap.
// Not a general archiver: no encryption, no spanning.

import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
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
const zip64EocdSignature = 0x06064b50;
const zip64LocatorSignature = 0x07064b50;
const centralSignature = 0x02014b50;
const localSignature = 0x04034b50;
/** APPNOTE §4.5.2: header ID of the ZIP64 extended information extra field. */
const zip64ExtraId = 0x0001;
/** The largest central directory read into memory (npm's has ~300,000 entries, ~30 MB). */
const maxCentralDirectorySize = 512 * 1024 * 1024;

export interface ZipArchive {
  readonly entries: readonly ZipEntry[];
  /** The entry's bytes; throws ZipError when it is too big, bomb-like or corrupt. */
  read(entry: ZipEntry): Buffer;
}

/** An archive read from a file; close() releases the file. */
export interface ZipFile extends ZipArchive {
  readonly size: number;
  close(): void;
}

/** Random access to the archive's bytes. */
interface ByteSource {
  readonly size: number;
  /** Exactly `length` bytes at `offset` (the caller checked the range). */
  read(offset: number, length: number): Buffer;
}

/** Whether a buffer starts like a zip (a local header, or an empty archive's EOCD). */
export function looksLikeZip(data: Buffer): boolean {
  return (
    data.length >= 4 &&
    (data.readUInt32LE(0) === localSignature || data.readUInt32LE(0) === eocdSignature)
  );
}

export function openZip(data: Buffer, limits: ZipLimits = defaultZipLimits): ZipArchive {
  return openZipSource(
    { size: data.length, read: (offset, length) => data.subarray(offset, offset + length) },
    limits,
  );
}

/**
 * Opens a zip file without reading it whole: the central directory is read once, and each
 * entry from the file when asked for. The caller closes it.
 */
export function openZipFile(path: string, limits: ZipLimits = defaultZipLimits): ZipFile {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    const source: ByteSource = {
      size,
      read(offset, length) {
        const buffer = Buffer.allocUnsafe(length);
        let done = 0;
        while (done < length) {
          const n = readSync(fd, buffer, done, length - done, offset + done);
          if (n === 0) throw new ZipError(`unexpected end of file at ${offset + done}`);
          done += n;
        }
        return buffer;
      },
    };
    const archive = openZipSource(source, limits);
    let closed = false;
    return {
      ...archive,
      size,
      close() {
        if (!closed) closeSync(fd);
        closed = true;
      },
    };
  } catch (error) {
    closeSync(fd);
    throw error;
  }
}

interface Directory {
  readonly count: number;
  readonly size: number;
  readonly offset: number;
}

function openZipSource(source: ByteSource, limits: ZipLimits): ZipArchive {
  const directory = findCentralDirectory(source);
  const { count, size, offset } = directory;
  if (offset + size > source.size) throw new ZipError('central directory lies outside the file');
  if (count > limits.maxEntries) throw new ZipError(`more than ${limits.maxEntries} entries`);
  if (size > maxCentralDirectorySize)
    throw new ZipError(`central directory of ${size} bytes is too large`);
  const data = source.read(offset, size);
  const entries: ZipEntry[] = [];
  let at = 0;
  for (let k = 0; k < count; k++) {
    if (at + 46 > data.length || data.readUInt32LE(at) !== centralSignature) {
      throw new ZipError(`central directory entry ${k} is corrupt`);
    }
    const method = data.readUInt16LE(at + 10);
    let compressedSize = data.readUInt32LE(at + 20);
    let uncompressed = data.readUInt32LE(at + 24);
    const nameLength = data.readUInt16LE(at + 28);
    const extraLength = data.readUInt16LE(at + 30);
    const commentLength = data.readUInt16LE(at + 32);
    const diskStart = data.readUInt16LE(at + 34);
    let localHeaderOffset = data.readUInt32LE(at + 42);
    const end = at + 46 + nameLength + extraLength + commentLength;
    if (end > data.length) throw new ZipError(`central directory entry ${k} runs past the end`);
    const name = data.toString('utf8', at + 46, at + 46 + nameLength);
    if (
      uncompressed === 0xffffffff ||
      compressedSize === 0xffffffff ||
      localHeaderOffset === 0xffffffff ||
      diskStart === 0xffff
    ) {
      // §4.5.3: the ZIP64 field holds, in this order, only the values whose 32-bit (16-bit
      // for the disk) field is all ones.
      const extra = findExtraField(
        data.subarray(at + 46 + nameLength, at + 46 + nameLength + extraLength),
        zip64ExtraId,
      );
      if (extra === undefined) throw new ZipError(`${name}: ZIP64 extra field is missing`);
      let cursor = 0;
      const next = (): number => {
        if (cursor + 8 > extra.length) throw new ZipError(`${name}: ZIP64 extra field is short`);
        const value = readUInt64(extra, cursor);
        cursor += 8;
        return value;
      };
      if (uncompressed === 0xffffffff) uncompressed = next();
      if (compressedSize === 0xffffffff) compressedSize = next();
      if (localHeaderOffset === 0xffffffff) localHeaderOffset = next();
    }
    entries.push({ name, method, compressedSize, size: uncompressed, localHeaderOffset });
    at = end;
  }
  return { entries, read: (entry) => readEntry(source, entry, limits) };
}

/** The data of the first extra field with this header ID (§4.5.1: ID, size, data). */
function findExtraField(extra: Buffer, id: number): Buffer | undefined {
  let at = 0;
  while (at + 4 <= extra.length) {
    const fieldId = extra.readUInt16LE(at);
    const size = extra.readUInt16LE(at + 2);
    if (at + 4 + size > extra.length) return undefined;
    if (fieldId === id) return extra.subarray(at + 4, at + 4 + size);
    at += 4 + size;
  }
  return undefined;
}

/** A little-endian 64-bit value that must fit a JavaScript number exactly. */
function readUInt64(data: Buffer, at: number): number {
  const value = data.readBigUInt64LE(at);
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new ZipError('a ZIP64 value is too large');
  return Number(value);
}

function findCentralDirectory(source: ByteSource): Directory {
  // The EOCD is 22 bytes plus a comment of at most 65535 bytes, at the very end; a ZIP64
  // locator (20 bytes) sits right before it.
  const tailLength = Math.min(source.size, 22 + 0xffff + 20);
  const tailStart = source.size - tailLength;
  const tail = source.read(tailStart, tailLength);
  let eocd = -1;
  for (let at = tail.length - 22; at >= 0; at--) {
    if (tail.readUInt32LE(at) === eocdSignature) {
      eocd = at;
      break;
    }
  }
  if (eocd < 0) throw new ZipError('not a zip archive (no end of central directory record)');
  const count = tail.readUInt16LE(eocd + 10);
  const size = tail.readUInt32LE(eocd + 12);
  const offset = tail.readUInt32LE(eocd + 16);
  const locator = eocd - 20;
  if (locator >= 0 && tail.readUInt32LE(locator) === zip64LocatorSignature) {
    // §4.3.15: the locator gives the absolute offset of the ZIP64 EOCD record (§4.3.14),
    // whose 64-bit fields replace the EOCD's.
    const recordOffset = readUInt64(tail, locator + 8);
    if (recordOffset + 56 > source.size)
      throw new ZipError('ZIP64 end of central directory lies outside the file');
    const record = source.read(recordOffset, 56);
    if (record.readUInt32LE(0) !== zip64EocdSignature)
      throw new ZipError('ZIP64 end of central directory record is corrupt');
    return {
      count: readUInt64(record, 32),
      size: readUInt64(record, 40),
      offset: readUInt64(record, 48),
    };
  }
  if (count === 0xffff || size === 0xffffffff || offset === 0xffffffff)
    throw new ZipError('ZIP64 end of central directory locator is missing');
  return { count, size, offset };
}

function readEntry(source: ByteSource, entry: ZipEntry, limits: ZipLimits): Buffer {
  if (entry.size > limits.maxEntrySize) {
    throw new ZipError(
      `${entry.name}: ${entry.size} bytes is over the ${limits.maxEntrySize} byte cap`,
    );
  }
  const at = entry.localHeaderOffset;
  if (at + 30 > source.size) throw new ZipError(`${entry.name}: local header is corrupt`);
  const header = source.read(at, 30);
  if (header.readUInt32LE(0) !== localSignature) {
    throw new ZipError(`${entry.name}: local header is corrupt`);
  }
  const start = at + 30 + header.readUInt16LE(26) + header.readUInt16LE(28);
  const end = start + entry.compressedSize;
  if (end > source.size) throw new ZipError(`${entry.name}: data runs past the end of the archive`);
  if (entry.method === 0) {
    if (entry.compressedSize !== entry.size)
      throw new ZipError(`${entry.name}: stored sizes differ`);
    return source.read(start, entry.compressedSize);
  }
  if (entry.method !== 8)
    throw new ZipError(`${entry.name}: compression method ${entry.method} is not supported`);
  // A declared size can lie: cap the inflation itself, and refuse absurd ratios up front.
  if (entry.size > Math.max(1024, entry.compressedSize * limits.maxRatio)) {
    throw new ZipError(`${entry.name}: compression ratio over ${limits.maxRatio} (zip bomb?)`);
  }
  const raw = source.read(start, entry.compressedSize);
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
