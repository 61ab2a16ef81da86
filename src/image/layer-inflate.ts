// Reads layer blobs on worker threads (layer-inflate-worker.js), from a local file the worker
// opens itself or from a registry stream this thread forwards: the hashing and gunzip of a
// 100 MB layer then run beside the main thread, which keeps parsing tar headers, analysing files
// and querying the vulnerability database meanwhile. The main thread still judges everything:
// the digest and size the worker reports, and zlib's errors, become the same errors the
// in-thread reader gives. Told which files could be kept (a file hint), the worker also leaves
// the other files' contents out of the tar it passes on (tar-elide.js): the main thread then
// parses headers only, and counts the caps in the tar's own bytes, which each chunk states.

import { availableParallelism } from 'node:os';
import { Readable } from 'node:stream';
import { Worker } from 'node:worker_threads';
import { PalisadeError } from '../model/index.ts';
import { blobSizeError, checkHashedBlob, requireDigest } from './digest.ts';
import type { FileHint } from './file-hints.js';
import { gzipStreamError } from './layers-decompress.ts';
import { limitExceeded } from './limits.ts';

/** Where a blob's raw bytes lie in a local file. */
export interface BlobFile {
  readonly path: string;
  /** Offset of the first byte. */
  readonly start: number;
  /**
   * Bytes to read from `start`; undefined reads to the end of the file (an OCI layout blob, so
   * a file longer than its descriptor fails as it would in-thread).
   */
  readonly length?: number;
}

export interface InflateOptions {
  /** The blob digest to verify; undefined when the source has none (legacy docker-save). */
  readonly digest: string | undefined;
  /** The descriptor's size, when known. */
  readonly size: number | undefined;
  /** Names the layer in errors. */
  readonly what: string;
  readonly signal?: AbortSignal | undefined;
  /** Unacknowledged bytes the worker may send ahead; default 32 MiB. */
  readonly windowBytes?: number;
  /**
   * Leave out of a gzip layer's tar the contents of regular files this hint rules out
   * (tar-elide.js): the caller must keep none of them.
   */
  readonly elide?: FileHint | undefined;
  /** Uncompressed bytes the tar may have (maxLayerBytes): more fail at once. */
  readonly maxTarBytes?: number | undefined;
}

export interface InflatedLayer {
  /** The tar when `gzip`, else the raw blob bytes (uncompressed tar or zstd). */
  readonly stream: Readable;
  readonly gzip: boolean;
  /** Bytes of the tar the stream has given so far, contents left out included. */
  readonly tarBytes: () => number;
}

/** Unacknowledged bytes a worker may have sent: bounds memory when the main thread is busy. */
const defaultWindowBytes = 32 * 1024 * 1024;
const chunkBytes = 1024 * 1024;
/** Blobs smaller than this are read in-thread: a worker's start-up would cost more. */
export const workerMinimumBytes = 4 * 1024 * 1024;

type WorkerMessage =
  | { type: 'format'; id: number; gzip: boolean }
  | { type: 'data'; id: number; chunk: Uint8Array; represents: number }
  | { type: 'end'; id: number; bytes: number; digest?: string }
  | {
      type: 'failed';
      id: number;
      stage: 'read' | 'gzip' | 'limit';
      message: string;
      code?: string;
      /** For gzip failures: the whole blob's digest and size, read again. */
      digest?: string;
      bytes?: number;
    }
  | { type: 'input-ack'; id: number; bytes: number }
  | { type: 'idle'; id: number };

interface Job {
  readonly id: number;
  onMessage(message: WorkerMessage): void;
  onCrash(error: Error): void;
}

/** A few long-lived workers shared by every read in the process; idle ones do not keep it alive. */
class InflatePool {
  private readonly idle: Worker[] = [];
  private readonly jobs = new Map<Worker, Job>();
  private readonly waiting: ((worker: Worker) => void)[] = [];
  private size = 0;
  private nextId = 1;

  constructor(private readonly max: number) {}

  /** Runs one read on a free worker; returns the job's id and a way to post to its worker. */
  async run(
    request: {
      path?: string;
      start: number;
      end?: number;
      hash?: string;
      window: number;
      elide?: FileHint;
      maxTarBytes?: number;
    },
    job: Omit<Job, 'id'>,
    signal: AbortSignal | undefined,
  ): Promise<{ id: number; post: (message: object, transfer?: ArrayBuffer[]) => void }> {
    const worker = await this.acquire(signal);
    const id = this.nextId++;
    this.jobs.set(worker, { ...job, id });
    worker.ref();
    worker.postMessage({ type: 'read', id, ...request, chunkSize: chunkBytes });
    return { id, post: (message, transfer) => worker.postMessage(message, transfer) };
  }

  /** A free worker; waiting for one ends when `signal` aborts. */
  private acquire(signal: AbortSignal | undefined): Promise<Worker> {
    const worker = this.idle.pop();
    if (worker !== undefined) return Promise.resolve(worker);
    if (this.size < this.max) {
      this.size++;
      return Promise.resolve(this.spawn());
    }
    return new Promise((resolve, reject) => {
      const waiter = (free: Worker) => {
        signal?.removeEventListener('abort', giveUp);
        resolve(free);
      };
      const giveUp = () => {
        const index = this.waiting.indexOf(waiter);
        if (index >= 0) this.waiting.splice(index, 1);
        reject(abortError(signal));
      };
      signal?.addEventListener('abort', giveUp, { once: true });
      this.waiting.push(waiter);
    });
  }

  private spawn(): Worker {
    // No --import tsx for this plain-JavaScript worker: the loader is what makes boots slow.
    const worker = new Worker(new URL('./layer-inflate-worker.js', import.meta.url), {
      execArgv: [],
    });
    let gone = false;
    worker.on('message', (message: WorkerMessage) => {
      const job = this.jobs.get(worker);
      if (job === undefined || job.id !== message.id) return;
      if (message.type === 'idle') {
        this.jobs.delete(worker);
        this.release(worker);
      } else job.onMessage(message);
    });
    const lose = (error: Error) => {
      if (gone) return;
      gone = true;
      this.jobs.get(worker)?.onCrash(error);
      this.jobs.delete(worker);
      this.size--;
      const index = this.idle.indexOf(worker);
      if (index >= 0) this.idle.splice(index, 1);
      // Whoever waits for a worker gets a fresh one instead.
      const waiter = this.waiting.shift();
      if (waiter !== undefined) {
        this.size++;
        waiter(this.spawn());
      }
    };
    worker.on('error', lose);
    worker.on('exit', (code) => lose(new Error(`it exited with code ${code}`)));
    return worker;
  }

  private release(worker: Worker): void {
    const waiter = this.waiting.shift();
    if (waiter !== undefined) {
      waiter(worker);
      return;
    }
    worker.unref();
    this.idle.push(worker);
  }
}

let pool: InflatePool | undefined;

function sharedPool(): InflatePool {
  pool ??= new InflatePool(Math.max(1, Math.min(3, availableParallelism())));
  return pool;
}

/** The error stream.pipeline gives when its signal aborts, so both readers fail alike. */
function abortError(signal: AbortSignal | undefined): Error {
  return Object.assign(new Error('The operation was aborted', { cause: signal?.reason }), {
    name: 'AbortError',
    code: 'ABORT_ERR',
  });
}

/** The worker's read failure as the error the in-thread sources give. */
function readError(what: string, file: BlobFile, message: string, code: string | undefined) {
  return code === 'ENOENT'
    ? new PalisadeError('image-not-found', `${what}: ${file.path} is missing`, { status: 404 })
    : new PalisadeError('image-source-invalid', `${what}: reading ${file.path}: ${message}`, {
        status: 400,
      });
}

/** Raw bytes the main thread may have forwarded unacknowledged (a registry blob). */
const inputWindowBytes = 8 * 1024 * 1024;

/** A forwarded chunk in memory of its own, so it can be transferred. */
function ownedCopy(chunk: Buffer): Buffer {
  return chunk.byteOffset === 0 && chunk.byteLength === chunk.buffer.byteLength
    ? chunk
    : Buffer.from(chunk);
}

/**
 * Starts reading a blob on a worker thread: a local file the worker reads itself, or the raw
 * (unverified) bytes of a registry blob, which this thread forwards. The stream ends only after
 * the worker's digest and byte count were checked, and fails with the in-thread reader's
 * errors otherwise.
 */
export async function inflateLayerInWorker(
  blob: BlobFile | Readable,
  options: InflateOptions,
): Promise<InflatedLayer> {
  const file = blob instanceof Readable ? undefined : blob;
  const raw = blob instanceof Readable ? blob : undefined;
  const { what, signal } = options;
  if (signal?.aborted === true) throw abortError(signal);
  const algorithm =
    options.digest === undefined ? undefined : requireDigest(options.digest, what).algorithm;
  const queue: { chunk: Buffer; represents: number }[] = [];
  let delivered = 0;
  let ended = false;
  let wanted = false;
  let post: (message: object, transfer?: ArrayBuffer[]) => void = () => undefined;
  let forwardedUnacknowledged = 0;
  let inputAcknowledged: (() => void) | undefined;
  let id = 0;
  // Chunks are handed over one per read() and acknowledged only then, so the worker's window
  // bounds what waits here as well as what is in flight.
  const deliver = () => {
    while (wanted) {
      const item = queue.shift();
      if (item === undefined) {
        if (ended) {
          wanted = false;
          stream.push(null);
        }
        return;
      }
      post({ type: 'ack', id, bytes: item.represents });
      delivered += item.represents;
      // A chunk whose contents were all left out only moves the count on.
      if (item.chunk.length > 0) wanted = stream.push(item.chunk);
    }
  };
  const stream = new Readable({
    highWaterMark: 1,
    read() {
      wanted = true;
      deliver();
    },
    destroy(error, callback) {
      if (!ended) post({ type: 'cancel', id });
      raw?.destroy();
      inputAcknowledged?.();
      callback(error);
    },
  });
  let settleFormat: { resolve(gzip: boolean): void; reject(error: unknown): void } | undefined;
  const format = new Promise<boolean>((resolve, reject) => (settleFormat = { resolve, reject }));
  // A failure can come before anyone awaits the format or reads the stream (an abort while
  // waiting for a free worker): both are awaited or piped later, which reports it.
  format.catch(() => undefined);
  stream.on('error', () => undefined);
  const fail = (error: Error) => {
    settleFormat?.reject(error);
    stream.destroy(error);
  };
  /** The blob's digest or size error, when the worker hashed it and it does not match. */
  const digestError = (hashed: { digest?: string; bytes?: number }) =>
    options.digest === undefined || hashed.digest === undefined || hashed.bytes === undefined
      ? undefined
      : checkHashedBlob(
          {
            digest: options.digest,
            what,
            ...(options.size === undefined ? {} : { size: options.size }),
          },
          { digest: hashed.digest, bytes: hashed.bytes },
        );
  const onMessage = (message: WorkerMessage): void => {
    switch (message.type) {
      case 'format':
        settleFormat?.resolve(message.gzip);
        return;
      case 'data':
        queue.push({
          chunk: Buffer.from(
            message.chunk.buffer,
            message.chunk.byteOffset,
            message.chunk.byteLength,
          ),
          represents: message.represents,
        });
        deliver();
        return;
      case 'end': {
        const error = digestError(message);
        if (error !== undefined) {
          fail(error);
          return;
        }
        ended = true;
        deliver();
        return;
      }
      case 'failed':
        fail(
          message.stage === 'limit'
            ? limitExceeded(
                `${what}: uncompressed size`,
                'maxLayerBytes',
                options.maxTarBytes ?? Number.NaN,
              )
            : message.stage === 'gzip'
              ? (digestError(message) ?? gzipStreamError(what, new Error(message.message)))
              : file !== undefined
                ? readError(what, file, message.message, message.code)
                : new PalisadeError('internal', `${what}: ${message.message}`, { status: 500 }),
        );
        return;
      case 'input-ack': {
        forwardedUnacknowledged -= message.bytes;
        const acknowledged = inputAcknowledged;
        inputAcknowledged = undefined;
        acknowledged?.();
        return;
      }
      case 'idle':
        return;
    }
  };
  const abort = () => fail(abortError(signal));
  /**
   * Sends the raw bytes to the worker, at most a window ahead of what it took. More bytes than
   * the descriptor states fail at once, as the in-thread digest check does.
   */
  const forward = async (source: Readable): Promise<void> => {
    let sent = 0;
    try {
      for await (const data of source) {
        if (stream.destroyed) return;
        const chunk = ownedCopy(data as Buffer);
        sent += chunk.length;
        if (options.size !== undefined && sent > options.size) {
          fail(blobSizeError(what, options.size, sent));
          return;
        }
        forwardedUnacknowledged += chunk.length;
        post({ type: 'input', id, chunk }, [chunk.buffer as ArrayBuffer]);
        while (forwardedUnacknowledged >= inputWindowBytes && !stream.destroyed)
          await new Promise<void>((resolve) => (inputAcknowledged = resolve));
      }
      post({ type: 'input-end', id });
    } catch (error) {
      if (stream.destroyed) return;
      fail(
        error instanceof PalisadeError
          ? error
          : new PalisadeError(
              'image-source-invalid',
              `${what}: reading the blob: ${error instanceof Error ? error.message : String(error)}`,
              { status: 502, cause: error },
            ),
      );
    }
  };
  signal?.addEventListener('abort', abort, { once: true });
  stream.once('close', () => signal?.removeEventListener('abort', abort));
  const started = await sharedPool().run(
    {
      ...(file === undefined
        ? { start: 0 }
        : {
            path: file.path,
            start: file.start,
            ...(file.length === undefined ? {} : { end: file.start + file.length - 1 }),
          }),
      ...(algorithm === undefined ? {} : { hash: algorithm }),
      ...(options.elide === undefined ? {} : { elide: options.elide }),
      ...(options.maxTarBytes === undefined ? {} : { maxTarBytes: options.maxTarBytes }),
      window: options.windowBytes ?? defaultWindowBytes,
    },
    {
      onMessage,
      onCrash: (error) =>
        fail(
          new PalisadeError(
            'internal',
            `${what}: the layer reader thread failed: ${error.message}`,
            {
              status: 500,
              cause: error,
            },
          ),
        ),
    },
    signal,
  );
  id = started.id;
  post = started.post;
  if (stream.destroyed) post({ type: 'cancel', id });
  if (raw !== undefined) void forward(raw);
  return { stream, gzip: await format, tarBytes: () => delivered };
}
