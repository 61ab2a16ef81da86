// Downloads OSV's per-ecosystem exports (<source>/<ecosystem>/all.zip, the layout of the
// public osv-vulnerabilities bucket) and imports them with importOsv. Incremental where the
// server allows: the ETag and Last-Modified of the last imported download are kept in the
// database (OsvRecordStore.writeSource) and sent back (If-None-Match / If-Modified-Since, RFC
// 9110 §13.1); a 304 skips the ecosystem. Each download streams to a temporary file with a size
// cap and a timeout, is checked to be a zip, and only then replaces anything.

import { createWriteStream } from 'node:fs';
import { mkdir, open, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { randomBytes } from 'node:crypto';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { openZipFile } from '../image/index.ts';
import { importOsv } from './store.ts';
import type { ImportReport, OsvRecordStore, SourceState, UpdateSources } from './store.ts';

/** The public OSV export bucket. */
export const defaultOsvSource = 'https://osv-vulnerabilities.storage.googleapis.com';

/** OSV ecosystems whose packages Palisade finds in images (osv-schema "ecosystems"). */
export const defaultUpdateEcosystems: readonly string[] = [
  'Alpine',
  'AlmaLinux',
  'Debian',
  'Rocky Linux',
  'Ubuntu',
  'Go',
  'Maven',
  'npm',
  'NuGet',
  'Packagist',
  'PyPI',
  'RubyGems',
  'crates.io',
];

export interface UpdateOptions {
  /** A directory for the downloads in progress (removed when done). */
  readonly workDir: string;
  /** Base URL; default the public OSV bucket. */
  readonly source?: string;
  readonly ecosystems: readonly string[];
  /** Whole-download timeout per ecosystem; default 10 minutes. */
  readonly timeoutMs?: number;
  /** Download size cap per ecosystem; default 2 GiB. */
  readonly maxBytes?: number;
  /** Attempts per download on network errors and 5xx; default 3. */
  readonly attempts?: number;
  readonly retryDelayMs?: number;
  readonly signal?: AbortSignal;
  readonly now?: () => Date;
  /** Told when an ecosystem starts and ends (progress on a terminal). */
  readonly onProgress?: (event: { ecosystem: string; phase: 'download' | 'import' }) => void;
}

export type EcosystemUpdate =
  | {
      readonly ecosystem: string;
      readonly status: 'updated';
      readonly bytes: number;
      readonly report: ImportReport;
    }
  | { readonly ecosystem: string; readonly status: 'not-modified' }
  | { readonly ecosystem: string; readonly status: 'failed'; readonly error: string };

/** What `vulndb update` remembers per ecosystem (for `vulndb status`). */
export function readUpdateSources(store: OsvRecordStore): Promise<UpdateSources> {
  return store.readSources();
}

export function ecosystemUrl(source: string, ecosystem: string): string {
  return `${source.replace(/\/+$/, '')}/${encodeURIComponent(ecosystem)}/all.zip`;
}

class HttpStatusError extends Error {
  constructor(
    readonly status: number,
    url: string,
  ) {
    super(`${url} answered HTTP ${status}`);
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A transform that fails once more than `max` bytes went through. */
function sizeCap(max: number, counter: { bytes: number }): Transform {
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      counter.bytes += chunk.length;
      if (counter.bytes > max) callback(new Error(`download is larger than ${max} bytes`));
      else callback(null, chunk);
    },
  });
}

type Download =
  | { readonly kind: 'not-modified' }
  | {
      readonly kind: 'file';
      readonly bytes: number;
      readonly etag?: string;
      readonly lastModified?: string;
    };

async function downloadOnce(
  url: string,
  previous: SourceState | undefined,
  file: string,
  options: UpdateOptions,
): Promise<Download> {
  const signal = AbortSignal.any([
    AbortSignal.timeout(options.timeoutMs ?? 600_000),
    ...(options.signal === undefined ? [] : [options.signal]),
  ]);
  const headers: Record<string, string> = { accept: 'application/zip' };
  if (previous?.etag !== undefined) headers['if-none-match'] = previous.etag;
  if (previous?.lastModified !== undefined) headers['if-modified-since'] = previous.lastModified;
  const response = await fetch(url, { headers, signal, redirect: 'follow' });
  if (response.status === 304) {
    await response.body?.cancel();
    return { kind: 'not-modified' };
  }
  if (!response.ok || response.body === null) {
    await response.body?.cancel();
    throw new HttpStatusError(response.status, url);
  }
  const counter = { bytes: 0 };
  await pipeline(
    Readable.fromWeb(response.body as WebReadableStream<Uint8Array>),
    sizeCap(options.maxBytes ?? 2 * 1024 ** 3, counter),
    createWriteStream(file),
  );
  const expected = response.headers.get('content-length');
  if (expected !== null && Number(expected) !== counter.bytes)
    throw new Error(`download ended after ${counter.bytes} of ${expected} bytes`);
  const etag = response.headers.get('etag') ?? undefined;
  const lastModified = response.headers.get('last-modified') ?? undefined;
  return {
    kind: 'file',
    bytes: counter.bytes,
    ...(etag === undefined ? {} : { etag }),
    ...(lastModified === undefined ? {} : { lastModified }),
  };
}

/** Bounded retries with backoff on network errors and 5xx; never on 4xx (STYLE "Errors"). */
async function download(
  url: string,
  previous: SourceState | undefined,
  file: string,
  options: UpdateOptions,
): Promise<Download> {
  const attempts = Math.max(1, options.attempts ?? 3);
  for (let attempt = 1; ; attempt++) {
    try {
      return await downloadOnce(url, previous, file, options);
    } catch (error) {
      const retryable =
        !(error instanceof HttpStatusError && error.status < 500) &&
        options.signal?.aborted !== true &&
        !(error instanceof Error && /larger than/.test(error.message));
      if (!retryable || attempt >= attempts) throw error;
      await sleep((options.retryDelayMs ?? 500) * 2 ** (attempt - 1));
    }
  }
}

/** Throws unless the file is a readable zip (local header or empty-archive signature). */
async function verifyZip(file: string): Promise<void> {
  const handle = await open(file, 'r');
  const magic = Buffer.alloc(4);
  try {
    await handle.read(magic, 0, 4, 0);
  } finally {
    await handle.close();
  }
  if (
    magic.toString('latin1') !== 'PK\u0003\u0004' &&
    magic.toString('latin1') !== 'PK\u0005\u0006'
  )
    throw new Error('the download is not a zip archive');
  try {
    openZipFile(file, { maxEntrySize: 1024 ** 3, maxEntries: 5_000_000, maxRatio: 1000 }).close();
  } catch (error) {
    throw new Error(
      `the download is a corrupt zip archive: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }
}

function describe(error: unknown): string {
  if (error instanceof Error && error.name === 'TimeoutError') return 'timed out';
  if (error instanceof Error) {
    const cause = (error as { cause?: unknown }).cause;
    return cause instanceof Error && cause.message !== error.message
      ? `${error.message} (${cause.message})`
      : error.message;
  }
  return String(error);
}

/** Downloads and imports each ecosystem; one failing does not stop the others. */
export async function updateVulnDb(
  store: OsvRecordStore,
  options: UpdateOptions,
): Promise<EcosystemUpdate[]> {
  const source = options.source ?? defaultOsvSource;
  const now = options.now ?? (() => new Date());
  const tmpDir = join(options.workDir, `osv-download-${randomBytes(4).toString('hex')}`);
  await mkdir(tmpDir, { recursive: true });
  const results: EcosystemUpdate[] = [];
  const sources = await store.readSources();
  for (const ecosystem of options.ecosystems) {
    const url = ecosystemUrl(source, ecosystem);
    const previous = sources[ecosystem]?.url === url ? sources[ecosystem] : undefined;
    const file = join(tmpDir, `${randomBytes(8).toString('hex')}.zip`);
    try {
      options.onProgress?.({ ecosystem, phase: 'download' });
      const result = await download(url, previous, file, options);
      const checkedAt = now().toISOString();
      if (result.kind === 'not-modified') {
        await store.writeSource(ecosystem, { ...(previous ?? { url }), checkedAt });
        results.push({ ecosystem, status: 'not-modified' });
      } else {
        await verifyZip(file);
        options.onProgress?.({ ecosystem, phase: 'import' });
        const report = await importOsv(file, store, { now });
        const state: SourceState = {
          url,
          ...(result.etag === undefined ? {} : { etag: result.etag }),
          ...(result.lastModified === undefined ? {} : { lastModified: result.lastModified }),
          updatedAt: checkedAt,
          checkedAt,
        };
        await store.writeSource(ecosystem, state);
        results.push({ ecosystem, status: 'updated', bytes: result.bytes, report });
      }
    } catch (error) {
      results.push({ ecosystem, status: 'failed', error: `${url}: ${describe(error)}` });
    } finally {
      await rm(file, { force: true });
    }
  }
  await rm(tmpDir, { recursive: true, force: true });
  return results;
}
