// @ts-check
// Skips the contents of tar entries no analyser could want, on the worker thread that
// decompresses a layer (layer-inflate-worker.js), so the main thread parses headers only: a
// typical layer is mostly such bytes. Every header still reaches the main thread, which reads
// the stream with the same tar reader as any other (layers-read.ts) and runs every check on
// it; a skipped file arrives there as the same header with size 0.
//
// The stream is walked exactly as tar-stream's extract walks it (extract.js of the pinned
// version: a 512-byte header, then the entry's size rounded up to 512, except directories;
// GNU long names and pax headers apply to the next entry, a global pax header only through a
// pax header that follows it), with tar-stream's own header decoder. Whatever this walker
// cannot follow (a bad checksum, an odd size, a long header over tar-stream's bound) ends the
// skipping: the rest passes through untouched, and the main thread reports it as it would
// have. Skipped only: regular files with content, whose clean path has no "..", whose size no
// pax header overrides, and which the hint rules out.

import { Buffer } from 'node:buffer';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/**
 * @typedef {object} HeaderCodec
 * @property {(block: Buffer, encoding: string, allowUnknownFormat: boolean) => TarHeader | null} decode
 * @property {(block: Buffer) => Record<string, string>} decodePax
 * @property {(block: Buffer, encoding: string) => string} decodeLongPath
 */

/**
 * tar-stream's header codec, the decoder the main thread's extract uses. The package exports
 * only its stream API, so the module is loaded by file path.
 */
const requireHere = createRequire(import.meta.url);
/** @type {(path: string) => HeaderCodec} */
const loadCodec = requireHere;
const headers = loadCodec(join(dirname(requireHere.resolve('tar-stream')), 'headers.js'));

/**
 * @typedef {object} TarHeader
 * @property {string} name
 * @property {number} mode
 * @property {number} size
 * @property {string | null} type
 */

/** Headers that apply to the entry after them (extract.js _consumeHeader). */
const longTypes = new Set([
  'gnu-long-path',
  'gnu-long-link-path',
  'pax-global-header',
  'pax-header',
]);

/** tar-stream's bound on a long header (extract.js MAX_HEADER_SIZE). */
const maxLongHeaderBytes = 4 * 1024 * 1024;

/** Bytes of padding after `size` bytes of content (extract.js overflow). */
function padding(/** @type {number} */ size) {
  const rest = size % 512;
  return rest === 0 ? 0 : 512 - rest;
}

/**
 * The clean absolute path of an entry name, as layers-paths.ts normaliseEntryPath gives it,
 * or undefined for a name with ".." (left to the main thread's rules).
 * @param {string} name
 */
function cleanPath(name) {
  const parts = [];
  for (const part of name.split('/')) {
    if (part === '..') return undefined;
    if (part !== '' && part !== '.') parts.push(part);
  }
  return `/${parts.join('/')}`;
}

/**
 * The same header with a size of 0, and its checksum recomputed (tar-stream's encoding: 11
 * octal digits and a space; the checksum in 6 digits and a space).
 * @param {Buffer} block
 */
function withoutContent(block) {
  const out = Buffer.from(block);
  out.write('00000000000 ', 124, 'latin1');
  let sum = 8 * 32;
  for (let i = 0; i < 148; i++) sum += /** @type {number} */ (out[i]);
  for (let i = 156; i < 512; i++) sum += /** @type {number} */ (out[i]);
  out.write(`${sum.toString(8).padStart(6, '0')} `, 148, 'latin1');
  return out;
}

/**
 * A tar filter: write() takes the next bytes of the stream and returns what to pass on, in
 * order; end() returns what to pass on when the stream ends. `skipped` counts the content
 * bytes left out.
 * @param {(path: string, mode: number) => boolean} wanted whether a regular file could be wanted
 */
export function createTarElider(wanted) {
  /** 'header' (collecting a header block), 'long' (collecting a long header), 'pass' (content
   * passed on), 'skip' (content left out), 'off' (passing everything on, to the end). */
  let state = /** @type {'header' | 'long' | 'pass' | 'skip' | 'off'} */ ('header');
  let block = Buffer.alloc(512);
  let filled = 0;
  /** Bytes left in the current content (with padding), long header, or skipped entry. */
  let left = 0;
  /** @type {Buffer[]} */
  let long = [];
  /** @type {TarHeader | null} */
  let longHeader = null;
  /** @type {string | null} */
  let gnuPath = null;
  /** @type {Record<string, string> | null} */
  let pax = null;
  /** @type {Record<string, string> | null} */
  let paxGlobal = null;
  let skipped = 0;

  /**
   * Decides on a whole header block: what to pass on, and the state that follows.
   * @returns {Buffer}
   */
  const onHeader = () => {
    /** @type {TarHeader | null} */
    let header;
    try {
      header = headers.decode(block, 'utf-8', true);
    } catch {
      state = 'off';
      return block;
    }
    if (header === null) {
      state = 'header';
      return block;
    }
    if (longTypes.has(header.type ?? '')) {
      // An empty one tar-stream never applies, and reads what follows in a way of its own.
      if (!(header.size > 0) || header.size > maxLongHeaderBytes) {
        state = 'off';
        return block;
      }
      longHeader = header;
      long = [];
      left = header.size;
      state = 'long';
      return block;
    }
    // The long headers apply to this entry and are used up by it (extract.js
    // _applyLongHeaders: the GNU name, then the pax path and size over it).
    let name = header.name;
    let size = header.size;
    if (gnuPath !== null) name = gnuPath;
    const paxSize = pax?.['size'];
    if (pax?.['path']) name = pax['path'];
    if (paxSize) size = parseInt(paxSize, 10);
    gnuPath = null;
    pax = null;
    if (!(size >= 0)) {
      state = 'off';
      return block;
    }
    if (size === 0 || header.type === 'directory') {
      state = 'header';
      return block;
    }
    left = size + padding(size);
    // A pax size would have to change too: such entries (over 8 GiB) pass whole.
    const path =
      (header.type === 'file' || header.type === 'contiguous-file') && !paxSize
        ? cleanPath(name)
        : undefined;
    if (path !== undefined && !wanted(path, header.mode & 0o7777)) {
      skipped += size;
      state = 'skip';
      return withoutContent(block);
    }
    state = 'pass';
    return block;
  };

  /** @param {Buffer} content the whole long header */
  const applyLong = (content) => {
    try {
      // A GNU long link name is not needed: links carry no content to skip.
      const type = longHeader?.type;
      if (type === 'gnu-long-path') gnuPath = headers.decodeLongPath(content, 'utf-8');
      else if (type === 'pax-global-header') paxGlobal = headers.decodePax(content);
      else if (type === 'pax-header') pax = { ...(paxGlobal ?? {}), ...headers.decodePax(content) };
    } catch {
      state = 'off';
    }
  };

  return {
    get skipped() {
      return skipped;
    },
    /**
     * @param {Buffer} chunk
     * @returns {Buffer[]}
     */
    write(chunk) {
      /** @type {Buffer[]} */
      const out = [];
      let at = 0;
      while (at < chunk.length) {
        if (state === 'off') {
          out.push(chunk.subarray(at));
          break;
        }
        if (state === 'header') {
          const take = Math.min(512 - filled, chunk.length - at);
          chunk.copy(block, filled, at, at + take);
          filled += take;
          at += take;
          if (filled < 512) break;
          filled = 0;
          out.push(onHeader());
          block = Buffer.alloc(512);
          continue;
        }
        const take = Math.min(left, chunk.length - at);
        const part = chunk.subarray(at, at + take);
        at += take;
        left -= take;
        if (state === 'pass') out.push(part);
        else if (state === 'long') {
          out.push(part);
          long.push(Buffer.from(part));
        }
        if (left > 0) continue;
        if (state === 'long') {
          // The content as tar-stream reads it; the padding after it, as headers follow.
          const content = Buffer.concat(long).subarray(0, longHeader?.size ?? 0);
          const rest = padding(longHeader?.size ?? 0);
          long = [];
          applyLong(content);
          if (state === 'long') {
            // Its padding passes on like content.
            left = rest;
            state = rest === 0 ? 'header' : 'pass';
          }
        } else state = 'header';
      }
      return out;
    },
    /**
     * What ends the stream: a header block in the making, or, when the stream stops inside
     * skipped content, one byte, so the reader finds the stream truncated as it would have.
     * @returns {Buffer[]}
     */
    end() {
      if (state === 'header' && filled > 0) return [block.subarray(0, filled)];
      if (state === 'skip' && left > 0) return [Buffer.alloc(1)];
      return [];
    },
  };
}
