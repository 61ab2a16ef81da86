// @ts-check
// A worker thread for layer blobs: it reads the bytes (from a local file, or as the main thread
// forwards them from a registry), hashes them, and gunzips gzip layers, sending the output to
// the main thread in transferred chunks, never more than a window of unacknowledged bytes
// ahead. It is plain JavaScript on purpose: a worker started with the TypeScript loader takes
// ~200 ms to boot, this one ~30 ms. It only reports facts (digest, byte count, format, zlib's
// error); the main thread (layer-inflate.ts) judges them and names the layer in errors.
//
// Given a file hint, it leaves out of a gzip layer's tar the contents of files the hint rules
// out (tar-elide.js); each chunk then says how many bytes of the tar it stands for, and the
// window counts those, so a layer whose contents are all left out still goes at the main
// thread's pace. A tar longer than the limit it is given fails at once.

import { Buffer } from 'node:buffer';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parentPort } from 'node:worker_threads';
import { createGunzip } from 'node:zlib';
import { compileHint } from './file-hints.js';
import { createTarElider } from './tar-elide.js';

/**
 * @typedef {{ type: 'read', id: number, path?: string, start: number, end?: number,
 *   hash?: 'sha256' | 'sha512', window: number, chunkSize: number,
 *   elide?: import('./file-hints.js').FileHint, maxTarBytes?: number }} ReadJob
 *   Without `path` the blob comes as 'input' messages.
 * @typedef {{ type: 'ack', id: number, bytes: number } | { type: 'cancel', id: number }
 *   | { type: 'input', id: number, chunk: Uint8Array } | { type: 'input-end', id: number }
 * } Control
 * @typedef {{ id: number, window: number, unacknowledged: number, cancelled: boolean,
 *   resume?: (() => void) | undefined, file?: import('node:fs').ReadStream,
 *   input: Buffer[], inputEnded: boolean, inputArrived?: (() => void) | undefined }} JobState
 */

if (parentPort === null) throw new Error('layer-inflate-worker.js runs only as a worker thread');
const port = parentPort;

/** The job being run: one at a time per worker. @type {JobState | undefined} */
let current;

port.on('message', (/** @type {ReadJob | Control} */ message) => {
  if (message.type === 'read') {
    void run(message);
    return;
  }
  const job = current;
  if (job === undefined || job.id !== message.id) return;
  switch (message.type) {
    case 'ack':
      job.unacknowledged -= message.bytes;
      break;
    case 'cancel':
      job.cancelled = true;
      job.file?.destroy();
      break;
    case 'input':
      job.input.push(
        Buffer.from(message.chunk.buffer, message.chunk.byteOffset, message.chunk.byteLength),
      );
      break;
    case 'input-end':
      job.inputEnded = true;
      break;
  }
  if (job.cancelled || job.unacknowledged < job.window) wake(job);
  const arrived = job.inputArrived;
  job.inputArrived = undefined;
  arrived?.();
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
 * views into buffers they keep writing to; those are copied). `represents` is how many bytes
 * of the stream it stands for: more than its length when contents were left out of it.
 * @param {JobState} job
 * @param {Buffer} chunk
 * @param {number} [represents]
 */
async function send(job, chunk, represents = chunk.length) {
  if (job.cancelled) return;
  const owned =
    chunk.byteOffset === 0 && chunk.byteLength === chunk.buffer.byteLength
      ? chunk
      : Buffer.from(chunk);
  job.unacknowledged += represents;
  port.postMessage({ type: 'data', id: job.id, chunk: owned, represents }, [
    /** @type {ArrayBuffer} */ (owned.buffer),
  ]);
  if (job.unacknowledged >= job.window && !job.cancelled)
    await new Promise((resolve) => (job.resume = () => resolve(undefined)));
}

/**
 * The blob's raw chunks, one at a time (undefined at the end): from the file, or from the main
 * thread's messages, each acknowledged as taken so the main thread can send more.
 * @param {ReadJob} message
 * @param {JobState} job
 * @returns {() => Promise<Buffer | undefined>}
 */
function blobInput(message, job) {
  if (message.path !== undefined) {
    const file = createReadStream(message.path, {
      start: message.start,
      ...(message.end === undefined ? {} : { end: message.end }),
      highWaterMark: message.chunkSize,
    });
    job.file = file;
    /** @type {AsyncIterator<Buffer>} */
    const iterator = file[Symbol.asyncIterator]();
    return async () => {
      const next = await iterator.next();
      return next.done === true ? undefined : next.value;
    };
  }
  return async () => {
    for (;;) {
      const chunk = job.input.shift();
      if (chunk !== undefined) {
        port.postMessage({ type: 'input-ack', id: job.id, bytes: chunk.length });
        return chunk;
      }
      if (job.inputEnded || job.cancelled) return undefined;
      await new Promise((resolve) => (job.inputArrived = () => resolve(undefined)));
    }
  };
}

/** @param {ReadJob} message */
async function run(message) {
  /** @type {JobState} */
  const job = {
    id: message.id,
    window: message.window,
    unacknowledged: 0,
    cancelled: false,
    input: [],
    inputEnded: false,
  };
  current = job;
  const hash = message.hash === undefined ? undefined : createHash(message.hash);
  let bytes = 0;
  /** Reading the blob failed (not zlib): reported as such even mid-gzip. */
  let readFailed = false;
  const input = blobInput(message, job);
  /** The next raw chunk, hashed and counted as it is taken. */
  const take = async () => {
    let chunk;
    try {
      chunk = await input();
    } catch (error) {
      readFailed = true;
      throw error;
    }
    if (chunk !== undefined) {
      bytes += chunk.length;
      hash?.update(chunk);
    }
    return chunk;
  };
  try {
    /** @type {Buffer[]} */
    const head = [];
    let headLength = 0;
    let ended = false;
    while (headLength < 3) {
      const chunk = await take();
      if (chunk === undefined) {
        ended = true;
        break;
      }
      head.push(chunk);
      headLength += chunk.length;
    }
    const gzip = isGzip(Buffer.concat(head));
    port.postMessage({ type: 'format', id: job.id, gzip });
    const rest = async function* () {
      yield* head;
      if (ended) return;
      for (let chunk = await take(); chunk !== undefined; chunk = await take()) yield chunk;
    };
    if (gzip) {
      const gunzip = createGunzip({ chunkSize: message.chunkSize });
      /** The tar went over maxTarBytes: the pipeline fails, and this is what is reported. */
      let tooLong = false;
      /** @type {Error | undefined} */
      let gzipError;
      gunzip.once('error', (error) => (gzipError = error));
      try {
        await pipeline(
          Readable.from(rest()),
          gunzip,
          async (/** @type {AsyncIterable<Buffer>} */ output) => {
            const elider =
              message.elide === undefined ? undefined : createTarElider(compileHint(message.elide));
            let tarBytes = 0;
            for await (const chunk of output) {
              tarBytes += chunk.length;
              if (message.maxTarBytes !== undefined && tarBytes > message.maxTarBytes) {
                tooLong = true;
                throw new Error('tar too long');
              }
              if (elider === undefined) await send(job, chunk);
              else await send(job, joined(elider.write(chunk)), chunk.length);
            }
            const tail = elider?.end() ?? [];
            if (tail.length > 0) await send(job, joined(tail), 0);
          },
        );
      } catch (error) {
        if (tooLong) {
          port.postMessage({ type: 'failed', id: job.id, stage: 'limit', message: 'tar too long' });
          return;
        }
        if (readFailed || gzipError === undefined || job.cancelled) throw error;
        // A blob that does not match its digest is reported as such, not as bad gzip: the
        // rest of it is hashed too, as the in-thread reader's digest check would have.
        if (hash !== undefined) while ((await take()) !== undefined);
        port.postMessage({
          type: 'failed',
          id: job.id,
          stage: 'gzip',
          message: gzipError.message,
          ...(hash === undefined ? {} : { digest: `${message.hash}:${hash.digest('hex')}`, bytes }),
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

/** One buffer of the parts (most chunks are one part already). @param {Buffer[]} parts */
function joined(parts) {
  return parts.length === 1 ? /** @type {Buffer} */ (parts[0]) : Buffer.concat(parts);
}
