// @ts-check
// A worker thread for layer blobs held in local files (OCI layouts, docker-save archives): it
// reads the bytes, hashes them, and gunzips gzip layers, sending the output to the main thread
// in transferred chunks, never more than a window of unacknowledged bytes ahead. It is plain
// JavaScript on purpose: a worker started with the TypeScript loader takes ~200 ms to boot, this
// one ~30 ms. It only reports facts (digest, byte count, format, zlib's error); the main thread
// (layer-inflate.ts) judges them and names the layer in errors.

import { Buffer } from 'node:buffer';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parentPort } from 'node:worker_threads';
import { createGunzip } from 'node:zlib';

/**
 * @typedef {{ type: 'read', id: number, path: string, start: number, end?: number,
 *   hash?: 'sha256' | 'sha512', window: number, chunkSize: number }} ReadJob
 * @typedef {{ type: 'ack', id: number, bytes: number } | { type: 'cancel', id: number }} Control
 */

if (parentPort === null) throw new Error('layer-inflate-worker.js runs only as a worker thread');
const port = parentPort;

/**
 * @typedef {{ id: number, window: number, unacknowledged: number, cancelled: boolean,
 *   resume?: (() => void) | undefined, source?: import('node:fs').ReadStream }} JobState
 */

/** The job being run: one at a time per worker. @type {JobState | undefined} */
let current;

port.on('message', (/** @type {ReadJob | Control} */ message) => {
  if (message.type === 'read') {
    void run(message);
    return;
  }
  if (current === undefined || current.id !== message.id) return;
  if (message.type === 'ack') current.unacknowledged -= message.bytes;
  else {
    current.cancelled = true;
    current.source?.destroy();
  }
  if (current.cancelled || current.unacknowledged < current.window) wake(current);
});

/** @param {JobState} job */
function wake(job) {
  const resume = job.resume;
  job.resume = undefined;
  resume?.();
}

/** RFC 1952 §2.3.1: ID1 = 31, ID2 = 139, CM = 8 (deflate); the same test as layers-decompress.ts. */
function isGzip(/** @type {Buffer} */ head) {
  return head.length >= 3 && head[0] === 0x1f && head[1] === 0x8b && head[2] === 0x08;
}

/**
 * Sends one chunk, transferring its memory when the chunk owns it whole (zlib and fs hand out
 * views into buffers they keep writing to; those are copied).
 * @param {JobState} job
 * @param {Buffer} chunk
 */
async function send(job, chunk) {
  if (job.cancelled) return;
  const owned =
    chunk.byteOffset === 0 && chunk.byteLength === chunk.buffer.byteLength
      ? chunk
      : Buffer.from(chunk);
  job.unacknowledged += owned.byteLength;
  port.postMessage({ type: 'data', id: job.id, chunk: owned }, [
    /** @type {ArrayBuffer} */ (owned.buffer),
  ]);
  if (job.unacknowledged >= job.window && !job.cancelled)
    await new Promise((resolve) => (job.resume = () => resolve(undefined)));
}

/**
 * The digest and byte count of the whole blob, read again.
 * @param {ReadJob} message
 */
async function hashFile(message) {
  const hash = createHash(message.hash ?? 'sha256');
  let bytes = 0;
  const source = createReadStream(message.path, {
    start: message.start,
    ...(message.end === undefined ? {} : { end: message.end }),
    highWaterMark: message.chunkSize,
  });
  for await (const chunk of /** @type {AsyncIterable<Buffer>} */ (source)) {
    bytes += chunk.length;
    hash.update(chunk);
  }
  return { digest: `${message.hash}:${hash.digest('hex')}`, bytes };
}

/** @param {ReadJob} message */
async function run(message) {
  /** @type {JobState} */
  const job = { id: message.id, window: message.window, unacknowledged: 0, cancelled: false };
  current = job;
  const hash = message.hash === undefined ? undefined : createHash(message.hash);
  let bytes = 0;
  /** A read of the file failed (not zlib): reported as such even mid-gzip. */
  let readFailed = false;
  try {
    const source = createReadStream(message.path, {
      start: message.start,
      ...(message.end === undefined ? {} : { end: message.end }),
      highWaterMark: message.chunkSize,
    });
    job.source = source;
    /** @type {AsyncIterator<Buffer>} */
    const iterator = source[Symbol.asyncIterator]();
    /** @type {Buffer[]} */
    const head = [];
    let headLength = 0;
    let ended = false;
    while (headLength < 3) {
      const next = await iterator.next();
      if (next.done === true) {
        ended = true;
        break;
      }
      const chunk = /** @type {Buffer} */ (next.value);
      bytes += chunk.length;
      hash?.update(chunk);
      head.push(chunk);
      headLength += chunk.length;
    }
    const gzip = isGzip(Buffer.concat(head));
    port.postMessage({ type: 'format', id: job.id, gzip });
    const rest = async function* () {
      yield* head;
      if (ended) return;
      for (;;) {
        let next;
        try {
          next = await iterator.next();
        } catch (error) {
          readFailed = true;
          throw error;
        }
        if (next.done === true) return;
        const chunk = /** @type {Buffer} */ (next.value);
        bytes += chunk.length;
        hash?.update(chunk);
        yield chunk;
      }
    };
    if (gzip) {
      const gunzip = createGunzip({ chunkSize: message.chunkSize });
      /** @type {Error | undefined} */
      let gzipError;
      gunzip.once('error', (error) => (gzipError = error));
      try {
        await pipeline(
          Readable.from(rest()),
          gunzip,
          async (/** @type {AsyncIterable<Buffer>} */ output) => {
            for await (const chunk of output) await send(job, chunk);
          },
        );
      } catch (error) {
        if (readFailed || gzipError === undefined || job.cancelled) throw error;
        // A blob that does not match its digest is reported as such, not as bad gzip: hash
        // all of it again, as the in-thread reader's digest check would have.
        const whole = message.hash === undefined ? undefined : await hashFile(message);
        port.postMessage({
          type: 'failed',
          id: job.id,
          stage: 'gzip',
          message: gzipError.message,
          ...(whole === undefined ? {} : whole),
        });
        return;
      }
    } else {
      for await (const chunk of rest()) await send(job, chunk);
    }
    if (job.cancelled) return;
    port.postMessage({
      type: 'end',
      id: job.id,
      bytes,
      ...(hash === undefined ? {} : { digest: `${message.hash}:${hash.digest('hex')}` }),
    });
  } catch (error) {
    if (job.cancelled) return;
    const failure = /** @type {NodeJS.ErrnoException} */ (error);
    port.postMessage({
      type: 'failed',
      id: job.id,
      stage: 'read',
      message: failure?.message ?? String(error),
      ...(typeof failure?.code === 'string' ? { code: failure.code } : {}),
    });
  } finally {
    if (current === job) current = undefined;
    port.postMessage({ type: 'idle', id: job.id });
  }
}
