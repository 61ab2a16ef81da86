// Header blobs of rpm's Berkeley DB `Packages` file (/var/lib/rpm/Packages: RHEL and CentOS 7/8,
// Amazon Linux 2): a Berkeley DB hash database whose keys are package instance numbers and whose
// data items are rpm header blobs (rpm-header.ts). Reads the file alone, without libdb; not for
// btree, queue or recno databases, encrypted or checksummed files, or rpm's index files.
//
// Layout facts: Berkeley DB dbinc/db_page.h (metadata page, page header, hash items, overflow
// pages) and rpm lib/backend/bdb_ro.c (rpm's own read-only reader: byte order, hash versions).
// Like knqyf263/go-rpmdb pkg/bdb this walks every hash page in file order instead of the bucket
// chains, so a damaged bucket or metadata page loses no more than the pages it touches.

export interface RpmdbBlob {
  /** The package's instance number in the database (rpm's "header instance"). */
  readonly instance: number;
  readonly blob: Uint8Array;
}

export interface RpmdbProblem {
  readonly code: 'malformed-database' | 'unsupported-rpmdb-format';
  readonly message: string;
}

export interface RpmdbContents {
  /** In instance order. */
  readonly blobs: readonly RpmdbBlob[];
  readonly problems: readonly RpmdbProblem[];
}

// db_page.h DBMETASIZE and the fields of DBMETA, the metadata page's generic header, that matter
// here (HMETA's hash fields after it locate buckets, which this reader does not walk).
const metaSize = 512;
const metaMagic = 12;
const metaVersion = 16;
const metaPageSize = 20;
const metaEncryptAlg = 24;
const metaFlags = 26;
const metaLastPage = 32;
/** db_page.h DBMETA_CHKSUM: page headers carry a checksum, and so are longer. */
const metaFlagChecksum = 0x01;
/** db_page.h / hash.h: DB_HASHMAGIC, DB_BTREEMAGIC. */
const hashMagic = 0x00061561;
const btreeMagic = 0x00053162;
/** The hash versions rpm's bdb_ro.c bdb_open accepts. */
const minHashVersion = 8;
const maxHashVersion = 10;

// db_page.h PAGE: 26-byte header (SIZEOF_PAGE), then the item index.
const pageNumber = 8;
const pageNext = 16;
const pageEntries = 20;
/** hf_offset; on overflow pages the number of data bytes on the page (OV_LEN). */
const pageHighFree = 22;
const pageType = 25;
const pageHeaderSize = 26;
/** db_page.h P_HASH_UNSORTED (written before Berkeley DB 4.6; RHEL 5 per go-rpmdb), P_HASH,
 * P_OVERFLOW. */
const hashUnsortedPage = 2;
const hashPage = 13;
const overflowPage = 7;

// db_page.h hash items: a type byte, then the bytes (H_KEYDATA) or HOFFPAGE's
// 3 unused bytes, first overflow page and total length.
const keyDataItem = 1;
const duplicateItem = 2;
const offPageItem = 3;
const offPageDuplicateItem = 4;
const offPageItemSize = 12;

/** A file this broken is not worth reading further (and a hostile one must not fill memory). */
const maxProblems = 25;
/** rpm lib/header.c hdrchkTags / hdrchkData: the largest header blob rpm accepts. */
const maxHeaderBlob = 8 + 0xffff * 16 + 0x0fffffff;

interface Database {
  readonly data: Buffer;
  readonly pageSize: number;
  /** Pages present in the file (the last may be short, and is then ignored). */
  readonly pageCount: number;
  readonly u16: (at: number) => number;
  readonly u32: (at: number) => number;
  readonly problems: RpmdbProblem[];
  /** Overflow page → instance whose chain it belongs to: each page serves one item. */
  readonly overflowOwner: Map<number, number>;
}

function malformed(message: string): RpmdbProblem {
  return { code: 'malformed-database', message };
}

function unsupported(message: string): RpmdbProblem {
  return {
    code: 'unsupported-rpmdb-format',
    message: `unsupported rpmdb format (${message}); rpm packages of this image are not listed`,
  };
}

/** Reads every package header blob of a Berkeley DB hash `Packages` file; never throws. */
export function readBerkeleyDbPackages(data: Buffer): RpmdbContents {
  if (data.length < metaSize) {
    return {
      blobs: [],
      problems: [
        malformed(
          `Berkeley DB file of ${data.length} bytes is shorter than its ${metaSize}-byte metadata page`,
        ),
      ],
    };
  }
  // Berkeley DB writes in the byte order of the machine that made the file; the magic tells
  // which (bdb_ro.c bdb_open).
  const magicLittle = data.readUInt32LE(metaMagic);
  const magicBig = data.readUInt32BE(metaMagic);
  const littleEndian = magicLittle === hashMagic;
  if (!littleEndian && magicBig !== hashMagic) {
    const problem =
      magicLittle === btreeMagic || magicBig === btreeMagic
        ? unsupported('Berkeley DB btree; rpm keeps packages in a hash database')
        : malformed(`not a Berkeley DB hash database (magic 0x${magicLittle.toString(16)})`);
    return { blobs: [], problems: [problem] };
  }
  const u16 = (at: number): number =>
    littleEndian ? data.readUInt16LE(at) : data.readUInt16BE(at);
  const u32 = (at: number): number =>
    littleEndian ? data.readUInt32LE(at) : data.readUInt32BE(at);
  const version = u32(metaVersion);
  if (version < minHashVersion || version > maxHashVersion)
    return { blobs: [], problems: [unsupported(`Berkeley DB hash version ${version}`)] };
  if (data[metaEncryptAlg] !== 0)
    return { blobs: [], problems: [unsupported('encrypted Berkeley DB')] };
  if (((data[metaFlags] ?? 0) & metaFlagChecksum) !== 0)
    return { blobs: [], problems: [unsupported('checksummed Berkeley DB pages')] };
  const pageSize = u32(metaPageSize);
  // db_page.h: "Minimum page size is 512"; Berkeley DB's largest is 64 KiB, always a power of 2.
  if (pageSize < 512 || pageSize > 65536 || (pageSize & (pageSize - 1)) !== 0)
    return { blobs: [], problems: [malformed(`invalid Berkeley DB page size ${pageSize}`)] };

  const db: Database = {
    data,
    pageSize,
    pageCount: Math.floor(data.length / pageSize),
    u16,
    u32,
    problems: [],
    overflowOwner: new Map(),
  };
  const lastPage = u32(metaLastPage);
  if (lastPage >= db.pageCount) {
    db.problems.push(
      malformed(
        `Berkeley DB file is truncated: its metadata counts ${lastPage + 1} pages of ${pageSize} bytes, the file holds ${data.length} bytes`,
      ),
    );
  }
  const found = new Map<number, Buffer>();
  const end = Math.min(lastPage, db.pageCount - 1);
  for (let page = 1; page <= end; page++) {
    if (db.problems.length >= maxProblems) {
      db.problems.push(
        malformed(`Berkeley DB file has too many problems; pages from ${page} on not read`),
      );
      break;
    }
    readHashPage(db, page, found);
  }
  const blobs = [...found]
    .sort(([a], [b]) => a - b)
    .map(([instance, blob]) => ({ instance, blob }));
  return { blobs, problems: db.problems };
}

/** Collects the key/data pairs of one page, if it is a hash page. */
function readHashPage(db: Database, page: number, found: Map<number, Buffer>): void {
  const { data, pageSize, u16, u32, problems } = db;
  const start = page * pageSize;
  const type = data[start + pageType];
  if (type !== hashPage && type !== hashUnsortedPage) return;
  const claimed = u32(start + pageNumber);
  if (claimed !== page) {
    problems.push(malformed(`hash page ${page} is marked as page ${claimed}; skipped`));
    return;
  }
  const entries = u16(start + pageEntries);
  const itemsStart = pageHeaderSize + entries * 2;
  if (entries % 2 !== 0 || itemsStart > pageSize) {
    problems.push(malformed(`hash page ${page} claims ${entries} items; skipped`));
    return;
  }
  const offset = (index: number): number => u16(start + pageHeaderSize + index * 2);
  for (let index = 0; index < entries && problems.length < maxProblems; index += 2) {
    // db_page.h LEN_HITEM: an item ends where the item before it in the index begins.
    const keyAt = offset(index);
    const keyEnd = index === 0 ? pageSize : offset(index - 1);
    const dataAt = offset(index + 1);
    if (!(itemsStart <= dataAt && dataAt < keyAt && keyAt < keyEnd && keyEnd <= pageSize)) {
      problems.push(malformed(`hash page ${page}: item ${index / 2} lies outside the page`));
      continue;
    }
    if (data[start + keyAt] !== keyDataItem || keyEnd - keyAt !== 5) {
      problems.push(
        malformed(`hash page ${page}: item ${index / 2} has a key that is not an instance number`),
      );
      continue;
    }
    // rpm lib/rpmdb.c: the key is the 32-bit instance number in the database's byte order.
    const instance = u32(start + keyAt + 1);
    // rpm lib/rpmdb.c pkgInstance: "Key 0 holds the current largest instance".
    if (instance === 0) continue;
    const blob = readDataItem(db, page, instance, start + dataAt, keyAt - dataAt);
    if (blob === undefined) continue;
    if (found.has(instance)) {
      problems.push(malformed(`package instance ${instance} appears twice; the first is kept`));
      continue;
    }
    found.set(instance, blob);
  }
}

function readDataItem(
  db: Database,
  page: number,
  instance: number,
  at: number,
  length: number,
): Buffer | undefined {
  const type = db.data[at];
  if (type === keyDataItem) return db.data.subarray(at + 1, at + length);
  if (type === offPageItem && length === offPageItemSize)
    return readOverflowChain(db, instance, db.u32(at + 4), db.u32(at + 8));
  const what =
    type === duplicateItem || type === offPageDuplicateItem
      ? 'duplicate data items, which rpm never writes'
      : `an item of unknown type ${String(type)}`;
  db.problems.push(malformed(`package instance ${instance} (hash page ${page}) has ${what}`));
  return undefined;
}

/**
 * Concatenates the overflow pages of one item (db_page.h "OVERFLOW PAGE LAYOUT": linked by
 * next_pgno, each holding OV_LEN bytes after its header). Bounded by the file: a page that is
 * missing, of another type, already used, or that would give more than the item's length ends it.
 */
function readOverflowChain(
  db: Database,
  instance: number,
  first: number,
  length: number,
): Buffer | undefined {
  const { data, pageSize, pageCount, u16, u32, problems, overflowOwner } = db;
  const fail = (message: string): undefined => {
    problems.push(malformed(`package instance ${instance}: ${message}`));
    return undefined;
  };
  const room = Math.max(0, pageCount - 1) * (pageSize - pageHeaderSize);
  if (length === 0 || length > maxHeaderBlob || length > room) {
    return fail(`header of ${length} bytes cannot be right in a file of ${data.length} bytes`);
  }
  const chunks: Buffer[] = [];
  const chain = new Set<number>();
  let remaining = length;
  let page = first;
  while (remaining > 0) {
    if (page === 0)
      return fail(`overflow chain ends after ${length - remaining} of ${length} bytes`);
    if (page >= pageCount) {
      return fail(
        `overflow chain points to page ${page}, beyond the end of the file (${pageCount} pages)`,
      );
    }
    if (chain.has(page)) return fail(`overflow chain loops back to page ${page}`);
    const owner = overflowOwner.get(page);
    if (owner !== undefined)
      return fail(`overflow page ${page} also belongs to package instance ${owner}`);
    chain.add(page);
    overflowOwner.set(page, instance);
    const start = page * pageSize;
    if (data[start + pageType] !== overflowPage)
      return fail(`overflow chain reaches page ${page}, which is not an overflow page`);
    if (u32(start + pageNumber) !== page)
      return fail(`overflow page ${page} is marked as page ${u32(start + pageNumber)}`);
    const bytes = u16(start + pageHighFree);
    if (bytes === 0 || pageHeaderSize + bytes > pageSize || bytes > remaining)
      return fail(`overflow page ${page} claims ${bytes} bytes`);
    chunks.push(data.subarray(start + pageHeaderSize, start + pageHeaderSize + bytes));
    remaining -= bytes;
    page = u32(start + pageNext);
  }
  return Buffer.concat(chunks, length);
}
