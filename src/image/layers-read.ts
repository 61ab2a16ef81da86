// Reads one layer tar as a stream and keeps only what the caller's predicate asks for: file
// contents, symlinks and hard links, plus what the layer removes (whiteouts, opaque
// directories, entries it replaces). Nothing is written to disk. Hostile input (path traversal,
// escaping links, bombs, truncation, entry floods) fails with `layer-invalid` or
// `limit-exceeded`, naming the layer and the entry. Flattening lives in layers-flatten.ts.

import { createHash } from 'node:crypto';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import { PalisadeError } from '../model/index.ts';
import { digestMismatch } from './digest.ts';
import { decompressLayer, type Compression } from './layers-decompress.ts';
import { classifyWhiteout, normaliseEntryPath, symlinkTargetPath } from './layers-paths.ts';
import { limitExceeded, type ImageLimits } from './limits.ts';

export type KeepType = 'file' | 'symlink' | 'link';

export interface KeepInfo {
  readonly type: KeepType;
  /** Bytes of a regular file; 0 for links. */
  readonly size: number;
  /** Permission bits (incl. setuid/setgid/sticky). */
  readonly mode: number;
  /** A symlink's target as written, or a hard link's target as a clean absolute path. */
  readonly linkTarget?: string;
}

/**
 * Which entries to keep: called for every regular file, symlink and hard link of every layer
 * (never for directories, devices or whiteouts) with its clean absolute path.
 */
export type KeepPredicate = (path: string, info: KeepInfo) => boolean;

export type LayerEntry =
  | {
      readonly type: 'file';
      readonly path: string;
      readonly mode: number;
      readonly content: Buffer;
    }
  | {
      readonly type: 'symlink';
      readonly path: string;
      readonly mode: number;
      readonly target: string;
    }
  /** A hard link; `target` is a clean absolute path in this or a lower layer. */
  | {
      readonly type: 'link';
      readonly path: string;
      readonly mode: number;
      readonly target: string;
    };

/** What one layer does to the file system below it, restricted to what was kept. */
export interface LayerChanges {
  /** Kept entries in tar order. */
  readonly entries: readonly LayerEntry[];
  /** Whiteouts: paths (with everything below them) deleted from lower layers. */
  readonly deleted: readonly string[];
  /** Opaque directories: everything below them in lower layers is hidden. */
  readonly opaque: readonly string[];
  /** Non-directory entries not kept: they still replace whatever lower layers had there. */
  readonly replaced: readonly string[];
  /** Directory entries: they replace a lower non-directory at the same path. */
  readonly directories: readonly string[];
  readonly entryCount: number;
  /** Uncompressed tar bytes. */
  readonly uncompressedBytes: number;
  /** Of those, file contents a worker thread left out (never kept in the layer cache). */
  readonly skippedBytes?: number;
  readonly compression: Compression;
}

/** Counters shared by the layers of one image, for the per-image caps. */
export interface ImageBudget {
  uncompressedBytes: number;
  keptBytes: number;
}

export interface ReadLayerOptions {
  readonly keep: KeepPredicate;
  readonly limits: ImageLimits;
  readonly budget: ImageBudget;
  /** Names the layer in errors: "layer sha256:… of registry.example/app:1". */
  readonly what: string;
  /**
   * Checks the uncompressed tar against this diff ID (config rootfs.diff_ids). Only for blobs
   * without a digest of their own: a verified blob digest already vouches for the content.
   */
  readonly diffId?: string | undefined;
  /** The blob was decompressed already (on a worker thread); this was its compression. */
  readonly decompressed?: Compression;
  /**
   * How many bytes of the tar the stream has given so far, when it leaves file contents out
   * (a worker's tar-elide.js): the caps count those, not the bytes that arrive.
   */
  readonly tarBytes?: (() => number) | undefined;
  /** Told each kept regular file as soon as it is read whole. */
  readonly onFile?: ((entry: LayerEntry & { readonly type: 'file' }) => void) | undefined;
  readonly signal?: AbortSignal | undefined;
}

export function layerInvalid(
  what: string,
  entry: string | undefined,
  message: string,
  cause?: unknown,
) {
  return new PalisadeError(
    'layer-invalid',
    `${what}${entry === undefined ? '' : `: entry '${entry}'`}: ${message}`,
    {
      status: 422,
      details: entry === undefined ? {} : { entry },
      ...(cause === undefined ? {} : { cause }),
    },
  );
}

/** Reads a layer blob (compressed or not) into its kept changes. */
export async function readLayer(blob: Readable, options: ReadLayerOptions): Promise<LayerChanges> {
  const { limits, what } = options;
  let compression: Compression = options.decompressed ?? 'none';
  const counter = new UncompressedCounter(options);
  const collector = new EntryCollector(options);
  // v7 (pre-POSIX) headers are still tar; the checksum is checked either way.
  const extractOptions = { allowUnknownFormat: true };
  const extract = tar.extract(extractOptions as Parameters<typeof tar.extract>[0]);
  extract.on('entry', (header, stream, next) =>
    collector.onEntry(header as EntryHeader, stream, next),
  );
  try {
    await pipeline(
      blob,
      options.decompressed === undefined
        ? decompressLayer({
            maxZstdWindowBytes: limits.maxZstdWindowBytes,
            what,
            onCompression: (found) => (compression = found),
          })
        : (source: AsyncIterable<Buffer>) => source,
      counter,
      extract,
      ...(options.signal === undefined ? [] : [{ signal: options.signal }]),
    );
  } catch (error) {
    if (error instanceof PalisadeError) throw error;
    if (options.signal?.aborted === true) throw error;
    const message = error instanceof Error ? error.message : String(error);
    const last =
      collector.currentEntry === undefined ? '' : `, last entry '${collector.currentEntry}'`;
    throw layerInvalid(
      what,
      undefined,
      /unexpected end/i.test(message)
        ? `the tar stream is truncated (${message}${last})`
        : `not a readable tar stream (${message}${last})`,
      error,
    );
  }
  return {
    ...collector.result(),
    uncompressedBytes: counter.bytes,
    skippedBytes: counter.bytes - counter.received,
    compression,
  };
}

/** Counts uncompressed bytes against the caps and checks the diff ID at the end. */
class UncompressedCounter extends Transform {
  /** Bytes of the tar, contents left out included. */
  bytes = 0;
  /** Bytes that arrived. */
  received = 0;
  private readonly hash;

  constructor(private readonly options: ReadLayerOptions) {
    super();
    this.hash =
      options.diffId === undefined
        ? undefined
        : createHash(options.diffId.startsWith('sha512:') ? 'sha512' : 'sha256');
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    const { limits, budget, what } = this.options;
    this.received += chunk.length;
    const added = this.options.tarBytes === undefined ? chunk.length : this.catchUp();
    this.bytes += added;
    budget.uncompressedBytes += added;
    if (this.bytes > limits.maxLayerBytes) {
      callback(limitExceeded(`${what}: uncompressed size`, 'maxLayerBytes', limits.maxLayerBytes));
      return;
    }
    if (budget.uncompressedBytes > limits.maxImageBytes) {
      callback(
        limitExceeded(
          `${what}: uncompressed size of the image`,
          'maxImageBytes',
          limits.maxImageBytes,
        ),
      );
      return;
    }
    this.hash?.update(chunk);
    callback(null, chunk);
  }

  /** Bytes the source stood for since the last count. */
  private catchUp(): number {
    const total = this.options.tarBytes?.() ?? this.bytes;
    return total - this.bytes;
  }

  override _flush(callback: TransformCallback): void {
    const { diffId, what } = this.options;
    // Contents left out after the last chunk that arrived.
    const added = this.catchUp();
    this.bytes += added;
    this.options.budget.uncompressedBytes += added;
    if (this.hash === undefined || diffId === undefined) {
      callback();
      return;
    }
    const actual = `${diffId.startsWith('sha512:') ? 'sha512' : 'sha256'}:${this.hash.digest('hex')}`;
    callback(
      actual === diffId
        ? null
        : digestMismatch(`${what}: uncompressed content (diff ID)`, diffId, actual),
    );
  }
}

/** tar-stream's entry stream (a streamx Readable). */
type EntryStream = tar.ExtractEvents['entry'][1];

/** tar-stream's header, as it is at run time (linkname may be null, type null for unknown). */
type EntryHeader = Omit<tar.Header, 'type' | 'linkname'> & {
  readonly type:
    | tar.Header['type']
    | 'pax-header'
    | 'pax-global-header'
    | 'gnu-long-link-path'
    | 'gnu-long-path'
    | null;
  readonly linkname: string | null;
};

class EntryCollector {
  private readonly entries: LayerEntry[] = [];
  private readonly deleted: string[] = [];
  private readonly opaque: string[] = [];
  private readonly replaced: string[] = [];
  private readonly directories: string[] = [];
  private entryCount = 0;
  /** The entry being read, for error messages. */
  currentEntry: string | undefined;

  constructor(private readonly options: ReadLayerOptions) {}

  result() {
    return {
      entries: this.entries,
      deleted: this.deleted,
      opaque: this.opaque,
      replaced: this.replaced,
      directories: this.directories,
      entryCount: this.entryCount,
    };
  }

  onEntry(header: EntryHeader, stream: EntryStream, next: (error?: Error | null) => void): void {
    this.currentEntry = header.name;
    // The extract stream reports errors; the entry stream repeats them when destroyed.
    stream.on('error', () => undefined);
    try {
      this.handle(header, stream, next);
    } catch (error) {
      stream.resume();
      // The predicate is the caller's code: name the entry it failed on.
      next(error instanceof Error ? error : new Error(String(error)));
    }
  }

  private fail(header: EntryHeader, message: string, cause?: unknown): PalisadeError {
    return layerInvalid(this.options.what, header.name, message, cause);
  }

  private handle(
    header: EntryHeader,
    stream: EntryStream,
    next: (error?: Error | null) => void,
  ): void {
    const { limits, what, keep, budget } = this.options;
    const skip = (): void => {
      stream.on('end', () => next());
      stream.resume();
    };
    if (++this.entryCount > limits.maxEntries)
      throw limitExceeded(`${what}: entries`, 'maxEntries', limits.maxEntries);
    let path: string;
    try {
      path = normaliseEntryPath(header.name);
    } catch (error) {
      throw this.fail(header, `path traversal: ${(error as Error).message}`, error);
    }
    if (path === '/') {
      skip();
      return;
    }
    const mode = (header.mode ?? 0) & 0o7777;
    const type = header.type;
    if (type === 'directory') {
      this.directories.push(path);
      skip();
      return;
    }
    const whiteout = classifyWhiteout(path);
    if (whiteout !== undefined) {
      if (whiteout.kind === 'opaque') this.opaque.push(whiteout.directory);
      if (whiteout.kind === 'delete') this.deleted.push(whiteout.path);
      skip();
      return;
    }
    switch (type) {
      case 'file':
      case 'contiguous-file': {
        const size = header.size ?? 0;
        if (!keep(path, { type: 'file', size, mode })) {
          this.replaced.push(path);
          skip();
          return;
        }
        if (size > limits.maxFileBytes)
          throw limitExceeded(
            `${what}: entry '${header.name}'`,
            'maxFileBytes',
            limits.maxFileBytes,
            { entry: header.name },
          );
        budget.keptBytes += size;
        if (budget.keptBytes > limits.maxKeptBytes)
          throw limitExceeded(
            `${what}: kept files, at entry '${header.name}'`,
            'maxKeptBytes',
            limits.maxKeptBytes,
          );
        const chunks: Buffer[] = [];
        let received = 0;
        stream.on('data', (data: unknown) => {
          const chunk = data as Buffer;
          received += chunk.length;
          if (received <= size) chunks.push(chunk);
        });
        stream.on('end', () => {
          if (received !== size) {
            next(this.fail(header, `has ${received} bytes, its header says ${size}`));
            return;
          }
          const entry = { type: 'file', path, mode, content: Buffer.concat(chunks, size) } as const;
          this.entries.push(entry);
          this.options.onFile?.(entry);
          next();
        });
        return;
      }
      case 'symlink': {
        const target = header.linkname ?? '';
        if (target === '') throw this.fail(header, 'symlink without a target');
        try {
          symlinkTargetPath(path, target);
        } catch (error) {
          throw this.fail(header, `symlink escape: ${(error as Error).message}`, error);
        }
        if (keep(path, { type: 'symlink', size: 0, mode, linkTarget: target }))
          this.entries.push({ type: 'symlink', path, mode, target });
        else this.replaced.push(path);
        skip();
        return;
      }
      case 'link': {
        let target: string;
        try {
          target = normaliseEntryPath(header.linkname ?? '');
        } catch (error) {
          throw this.fail(
            header,
            `hard link to outside the image root: ${(error as Error).message}`,
            error,
          );
        }
        if (target === '/' || target === path)
          throw this.fail(header, `hard link to '${header.linkname ?? ''}' names no file`);
        if (keep(path, { type: 'link', size: 0, mode, linkTarget: target }))
          this.entries.push({ type: 'link', path, mode, target });
        else this.replaced.push(path);
        skip();
        return;
      }
      case 'character-device':
      case 'block-device':
      case 'fifo':
      case null:
        // Devices and unknown types carry nothing to analyse, but do replace lower entries.
        this.replaced.push(path);
        skip();
        return;
      case 'pax-header':
      case 'pax-global-header':
      case 'gnu-long-link-path':
      case 'gnu-long-path':
        // tar-stream consumes these itself; never an entry.
        skip();
        return;
    }
  }
}
