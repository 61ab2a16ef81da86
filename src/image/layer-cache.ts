// A directory cache of layers' kept changes, keyed by the layer's blob digest (verified by every
// read; a config's diff IDs are claims no read checks) and the caller's predicate id, so a second
// image sharing a base layer does not read that layer again. Entries are written whole to a
// temporary name and renamed; an entry that does not check out is a miss, never an error.

import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Compression } from './layers-decompress.ts';
import type { LayerChanges, LayerEntry } from './layers-read.ts';

const magic = Buffer.from('PALISADE-LAYER-CACHE 1\n');
/** Bump when the reader's output changes meaning, so old entries are never used. */
const formatVersion = '1';

interface EntryHeader {
  readonly type: LayerEntry['type'];
  readonly path: string;
  readonly mode: number;
  readonly target?: string;
  readonly length?: number;
}

interface CacheHeader {
  readonly diffId: string;
  readonly keepId: string;
  readonly entries: readonly EntryHeader[];
  readonly deleted: readonly string[];
  readonly opaque: readonly string[];
  readonly replaced: readonly string[];
  readonly directories: readonly string[];
  readonly entryCount: number;
  readonly uncompressedBytes: number;
  readonly compression: Compression;
  readonly bodyDigest: string;
}

export class LayerCache {
  constructor(readonly directory: string) {}

  private file(diffId: string, keepId: string): string {
    const key = createHash('sha256').update(`${formatVersion}\n${diffId}\n${keepId}`).digest('hex');
    return join(this.directory, 'layers', key.slice(0, 2), `${key}.bin`);
  }

  /** The cached changes, or undefined when absent or unreadable. */
  async get(diffId: string, keepId: string): Promise<LayerChanges | undefined> {
    let bytes: Buffer;
    try {
      bytes = await readFile(this.file(diffId, keepId));
    } catch {
      return undefined;
    }
    return decodeEntry(bytes, diffId, keepId);
  }

  async put(diffId: string, keepId: string, changes: LayerChanges): Promise<void> {
    const file = this.file(diffId, keepId);
    await mkdir(join(file, '..'), { recursive: true });
    const temporary = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
    try {
      await writeFile(temporary, encodeEntry(diffId, keepId, changes));
      await rename(temporary, file);
    } finally {
      await rm(temporary, { force: true });
    }
  }
}

function encodeEntry(diffId: string, keepId: string, changes: LayerChanges): Buffer {
  const bodies: Buffer[] = [];
  const entries = changes.entries.map((entry): EntryHeader => {
    switch (entry.type) {
      case 'file':
        bodies.push(entry.content);
        return { type: 'file', path: entry.path, mode: entry.mode, length: entry.content.length };
      case 'symlink':
      case 'link':
        return { type: entry.type, path: entry.path, mode: entry.mode, target: entry.target };
    }
  });
  const body = Buffer.concat(bodies);
  const header: CacheHeader = {
    diffId,
    keepId,
    entries,
    deleted: changes.deleted,
    opaque: changes.opaque,
    replaced: changes.replaced,
    directories: changes.directories,
    entryCount: changes.entryCount,
    uncompressedBytes: changes.uncompressedBytes,
    compression: changes.compression,
    bodyDigest: createHash('sha256').update(body).digest('hex'),
  };
  const headerBytes = Buffer.from(JSON.stringify(header));
  const length = Buffer.alloc(4);
  length.writeUInt32BE(headerBytes.length);
  return Buffer.concat([magic, length, headerBytes, body]);
}

function decodeEntry(bytes: Buffer, diffId: string, keepId: string): LayerChanges | undefined {
  try {
    if (!bytes.subarray(0, magic.length).equals(magic)) return undefined;
    const headerLength = bytes.readUInt32BE(magic.length);
    const bodyStart = magic.length + 4 + headerLength;
    if (bodyStart > bytes.length) return undefined;
    const header = JSON.parse(
      bytes.subarray(magic.length + 4, bodyStart).toString('utf8'),
    ) as CacheHeader;
    if (header.diffId !== diffId || header.keepId !== keepId) return undefined;
    const body = bytes.subarray(bodyStart);
    if (createHash('sha256').update(body).digest('hex') !== header.bodyDigest) return undefined;
    let offset = 0;
    const entries: LayerEntry[] = [];
    for (const entry of header.entries) {
      if (entry.type === 'file') {
        const length = entry.length ?? 0;
        if (offset + length > body.length) return undefined;
        // A copy, so the cache file's buffer is not kept alive by one small file.
        entries.push({
          type: 'file',
          path: entry.path,
          mode: entry.mode,
          content: Buffer.from(body.subarray(offset, offset + length)),
        });
        offset += length;
      } else {
        entries.push({
          type: entry.type,
          path: entry.path,
          mode: entry.mode,
          target: entry.target ?? '',
        });
      }
    }
    if (offset !== body.length) return undefined;
    return {
      entries,
      deleted: header.deleted,
      opaque: header.opaque,
      replaced: header.replaced,
      directories: header.directories,
      entryCount: header.entryCount,
      uncompressedBytes: header.uncompressedBytes,
      compression: header.compression,
    };
  } catch {
    return undefined;
  }
}
