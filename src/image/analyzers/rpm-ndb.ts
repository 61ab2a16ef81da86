// Header blobs of rpm's NDB `Packages.db` (/usr/lib/sysimage/rpm/Packages.db: SUSE and openSUSE
// since rpm 4.16): a 32-byte header, slot pages that say where each package's blob lies, and the
// blobs, each a head, an rpm header blob (rpm-header.ts) and a checksummed tail. Not for NDB's
// Index.db, and not for blobs compressed with rpm's compile-time RPMPKG_LZO option.
//
// Layout facts: rpm lib/backend/ndb/rpmpkg.c (PKGDB_*, SLOT_*, BLOBHEAD_*, BLOBTAIL_*, adler32 from
// RFC 1950) and knqyf263/go-rpmdb pkg/ndb. Every number is little-endian (rpmpkg.c le2h).
// Gives the same result shape as the Berkeley DB reader, rpm-bdb.ts.

import type { RpmdbBlob, RpmdbContents, RpmdbProblem } from './rpm-bdb.ts';

/** rpmpkg.c PKGDB_MAGIC 'RpmP', SLOT_MAGIC 'Slot', BLOBHEAD_MAGIC 'BlbS', BLOBTAIL_MAGIC 'BlbE'. */
const dbMagic = 0x506d7052;
const slotMagic = 0x746f6c53;
const blobHeadMagic = 0x53626c42;
const blobTailMagic = 0x45626c42;
const dbVersion = 0;
/** rpmpkg.c PKGDB_HEADER_SIZE and PKGDB_OFFSET_*: magic, version, generation, slot pages. */
const headerSize = 32;
const headerVersion = 4;
const headerSlotPages = 12;
/** rpmpkg.c PAGE_SIZE, SLOT_SIZE, BLK_SIZE: slots and blobs are counted in 16-byte units. */
const slotPageSize = 4096;
const slotSize = 16;
const blockSize = 16;
/** rpmpkg.c BLOBHEAD_SIZE (magic, pkgidx, timestamp, length) and BLOBTAIL_SIZE (adler32, length, magic). */
const blobHeadSize = 16;
const blobTailSize = 12;
/** A file this broken is not worth reading further (and a hostile one must not fill memory). */
const maxProblems = 25;

function malformed(message: string): RpmdbProblem {
  return { code: 'malformed-database', message };
}

/** Reads every package header blob of an NDB `Packages.db`; never throws. */
export function readNdbPackages(data: Buffer): RpmdbContents {
  if (data.length < headerSize) {
    return {
      blobs: [],
      problems: [
        malformed(`NDB file of ${data.length} bytes is shorter than its ${headerSize}-byte header`),
      ],
    };
  }
  if (data.readUInt32LE(0) !== dbMagic) {
    return {
      blobs: [],
      problems: [
        malformed(`not an NDB Packages.db (magic 0x${data.readUInt32LE(0).toString(16)})`),
      ],
    };
  }
  const version = data.readUInt32LE(headerVersion);
  if (version !== dbVersion) {
    return {
      blobs: [],
      problems: [
        {
          code: 'unsupported-rpmdb-format',
          message: `unsupported rpmdb format (NDB version ${version}); rpm packages of this image are not listed`,
        },
      ],
    };
  }
  const problems: RpmdbProblem[] = [];
  const slotPages = data.readUInt32LE(headerSlotPages);
  const slotsEnd = slotPages * slotPageSize;
  if (slotPages === 0) problems.push(malformed('NDB header counts no slot pages'));
  else if (slotsEnd > data.length) {
    problems.push(
      malformed(
        `NDB file is truncated: its header counts ${slotPages} slot pages, the file holds ${data.length} bytes`,
      ),
    );
  }
  // rpmpkg.c rpmpkgReadSlots: blobs start after the slot pages.
  const firstBlock = slotsEnd / blockSize;
  const found = new Map<number, Buffer>();
  const lastSlot = Math.min(slotsEnd, data.length - (data.length % slotSize));
  // Slots are numbered from the start of the file; the header takes the room of the first two
  // (rpmpkg.c SLOT_START).
  for (let at = headerSize; at < lastSlot; at += slotSize) {
    const slot = at / slotSize;
    if (problems.length >= maxProblems) {
      problems.push(malformed(`NDB file has too many problems; slots from ${slot} on not read`));
      break;
    }
    if (data.readUInt32LE(at) !== slotMagic) {
      // rpmpkg.c rpmpkgReadSlots gives up on the whole file here; the slots before it are kept.
      problems.push(malformed(`NDB slot ${slot} has no slot magic; slots from it on not read`));
      break;
    }
    const packageIndex = data.readUInt32LE(at + 4);
    const blockOffset = data.readUInt32LE(at + 8);
    const blockCount = data.readUInt32LE(at + 12);
    if (blockOffset === 0) continue; // a free slot
    const fail = (message: string): void => {
      problems.push(malformed(`package instance ${packageIndex} (NDB slot ${slot}): ${message}`));
    };
    if (packageIndex === 0 || blockCount === 0) {
      fail(`slot for blocks ${blockOffset}+${blockCount} is not valid`);
      continue;
    }
    if (blockOffset < firstBlock) {
      fail(`blob at block ${blockOffset} lies inside the ${slotPages} slot pages`);
      continue;
    }
    if ((blockOffset + blockCount) * blockSize > data.length) {
      fail(
        `blob at blocks ${blockOffset}+${blockCount} lies beyond the end of the file (${data.length} bytes)`,
      );
      continue;
    }
    const blob = readBlob(data, packageIndex, blockOffset * blockSize, blockCount * blockSize);
    if (typeof blob === 'string') fail(blob);
    else if (found.has(packageIndex)) fail('appears in two slots; the first is kept');
    else found.set(packageIndex, blob);
  }
  const blobs: RpmdbBlob[] = [...found]
    .sort(([a], [b]) => a - b)
    .map(([instance, blob]) => ({ instance, blob }));
  return { blobs, problems };
}

/** The header blob of one slot's blocks, or what is wrong with them (rpmpkg.c rpmpkgReadBlob). */
function readBlob(
  data: Buffer,
  packageIndex: number,
  start: number,
  size: number,
): Buffer | string {
  if (size < blobHeadSize + blobTailSize) return `blob of ${size} bytes is too small`;
  if (data.readUInt32LE(start) !== blobHeadMagic) return 'blob has no head magic';
  const owner = data.readUInt32LE(start + 4);
  if (owner !== packageIndex) return `blob belongs to package instance ${owner}`;
  const length = data.readUInt32LE(start + 12);
  // The head, blob and tail are padded to whole blocks.
  const needed = Math.ceil((blobHeadSize + length + blobTailSize) / blockSize) * blockSize;
  if (needed !== size) return `blob claims ${length} bytes but its slot holds ${size}`;
  const tail = start + size - blobTailSize;
  if (data.readUInt32LE(tail + 8) !== blobTailMagic) return 'blob has no tail magic';
  if (data.readUInt32LE(tail + 4) !== length) return 'blob head and tail disagree on its length';
  // The checksum covers the head, the blob and the padding (rpmpkg.c rpmpkgWriteBlob).
  if (adler32(data.subarray(start, tail)) !== data.readUInt32LE(tail))
    return 'blob checksum does not match';
  return data.subarray(start + blobHeadSize, start + blobHeadSize + length);
}

/** Adler-32 (RFC 1950 section 8.2). */
function adler32(bytes: Uint8Array): number {
  const modulus = 65521;
  // Reduced every 5552 bytes (zlib's NMAX), as rpmpkg.c update_adler32 does.
  const run = 5552;
  let s1 = 1;
  let s2 = 0;
  for (let start = 0; start < bytes.length; start += run) {
    const end = Math.min(start + run, bytes.length);
    for (let i = start; i < end; i++) {
      s1 += bytes[i] ?? 0;
      s2 += s1;
    }
    s1 %= modulus;
    s2 %= modulus;
  }
  return (s2 * 65536 + s1) >>> 0;
}
