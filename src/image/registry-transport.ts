// HTTP for the registry client: one request with a timeout and the caller's AbortSignal, bounded
// retries with backoff on network errors, 5xx and 429 only (never on other 4xx), redirects
// followed by hand so credentials never leave the origin and https never drops to http.

import { pipeline, Readable, Transform, type TransformCallback } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { setTimeout as sleep } from 'node:timers/promises';
import { PalisadeError } from '../model/index.ts';

export interface TransportOptions {
  /** Time to the response headers, per attempt. */
  readonly timeoutMs: number;
  /** Longest pause between two chunks of a response body. */
  readonly idleTimeoutMs: number;
  /** Attempts in all (1 = no retry). */
  readonly attempts: number;
  /** First backoff delay; doubled per attempt, with jitter, capped at 10 s. */
  readonly retryDelayMs: number;
  /** Whether plain http may be used for this host (a redirect target, a token realm). */
  readonly httpAllowed: (host: string) => boolean;
}

export const defaultTransportOptions: Omit<TransportOptions, 'httpAllowed'> = {
  timeoutMs: 30_000,
  idleTimeoutMs: 60_000,
  attempts: 4,
  retryDelayMs: 250,
};

export interface TransportRequest {
  readonly method: 'GET' | 'HEAD' | 'POST';
  readonly url: URL;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
  /** Names the request in errors: "manifest of registry.example/app:1". */
  readonly what: string;
  readonly signal?: AbortSignal | undefined;
}

export interface TransportResponse {
  readonly response: Response;
  /** The URL that answered, after redirects. */
  readonly url: URL;
  /** Aborts the response body (used by the idle timer). */
  readonly abort: (reason: unknown) => void;
}

const maxRedirects = 5;

/** Whether retrying can help: network trouble and overload, never a client error. */
function retryableStatus(status: number): boolean {
  return status === 429 || status >= 500;
}

function backoff(options: TransportOptions, attempt: number, retryAfter: string | null): number {
  const seconds = retryAfter === null ? Number.NaN : Number(retryAfter);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.min(seconds * 1000, 10_000);
  const base = Math.min(options.retryDelayMs * 2 ** (attempt - 1), 10_000);
  return base / 2 + Math.random() * (base / 2);
}

/** The innermost cause's message and code: "connect ECONNREFUSED 127.0.0.1:5000". */
export function describeNetworkError(error: unknown): string {
  let current: unknown = error;
  let text = error instanceof Error ? error.message : String(error);
  for (
    let depth = 0;
    depth < 5 && current instanceof Error && current.cause !== undefined;
    depth++
  ) {
    current = current.cause;
    if (current instanceof Error) text = current.message;
  }
  return text;
}

function networkCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 6 && current instanceof Error; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    current = current.cause;
  }
  return undefined;
}

/** TLS spoken to a plain-http server (or the reverse) fails with one of these. */
export function isTlsMismatch(error: unknown): boolean {
  const code = networkCode(error) ?? '';
  const text = describeNetworkError(error);
  return (
    code === 'EPROTO' ||
    code.startsWith('ERR_SSL') ||
    /wrong version number|packet length too long|ssl3_get_record|http request to an https server/i.test(
      text,
    )
  );
}

class TimeoutReason extends Error {
  constructor(what: string, ms: number) {
    super(`${what}: no response within ${ms} ms`);
  }
}

/** One request, with retries and redirects. Throws registry-unreachable when retries run out. */
export async function sendRequest(
  request: TransportRequest,
  options: TransportOptions,
): Promise<TransportResponse> {
  let lastError: unknown;
  for (let attempt = 1; attempt <= options.attempts; attempt++) {
    request.signal?.throwIfAborted();
    try {
      const result = await sendFollowingRedirects(request, options);
      if (!retryableStatus(result.response.status) || attempt === options.attempts) return result;
      await result.response.body?.cancel().catch(() => undefined);
      await sleep(
        backoff(options, attempt, result.response.headers.get('retry-after')),
        undefined,
        {
          signal: request.signal,
        },
      );
    } catch (error) {
      if (error instanceof PalisadeError) throw error;
      if (request.signal?.aborted === true) throw request.signal.reason;
      lastError = error;
      // A TLS/plain-http mismatch will not heal by retrying.
      if (attempt === options.attempts || isTlsMismatch(error)) break;
      await sleep(backoff(options, attempt, null), undefined, { signal: request.signal });
    }
  }
  throw unreachable(request, lastError);
}

export function unreachable(request: TransportRequest, error: unknown): PalisadeError {
  const hint = isTlsMismatch(error)
    ? request.url.protocol === 'https:'
      ? '; the registry does not speak https: pass insecure: true to allow plain http'
      : '; the registry speaks https only'
    : '';
  return new PalisadeError(
    'registry-unreachable',
    `${request.what}: ${request.method} ${request.url.origin}${request.url.pathname} failed: ${describeNetworkError(error)}${hint}`,
    { status: 502, cause: error, details: { url: request.url.toString() } },
  );
}

async function sendFollowingRedirects(
  request: TransportRequest,
  options: TransportOptions,
): Promise<TransportResponse> {
  let url = request.url;
  let headers: Record<string, string> = { ...request.headers };
  for (let hop = 0; ; hop++) {
    const result = await sendOnce({ ...request, url, headers }, options);
    const { status } = result.response;
    if (status < 300 || status >= 400 || status === 304) return result;
    const location = result.response.headers.get('location');
    await result.response.body?.cancel().catch(() => undefined);
    if (location === null || hop >= maxRedirects) {
      throw new PalisadeError(
        'registry-error',
        `${request.what}: ${location === null ? `redirect ${status} without a Location` : `more than ${maxRedirects} redirects`}`,
        { status: 502 },
      );
    }
    const next = new URL(location, url);
    if (
      next.protocol !== 'https:' &&
      !(next.protocol === 'http:' && options.httpAllowed(next.hostname))
    ) {
      throw new PalisadeError(
        'registry-error',
        `${request.what}: refusing redirect from ${url.origin} to ${next.origin} (plain http or unknown scheme)`,
        { status: 502 },
      );
    }
    // Blob redirects go to storage (S3, a CDN) with their own signed URL: our credentials stay home.
    if (next.origin !== url.origin) {
      headers = Object.fromEntries(
        Object.entries(headers).filter(([name]) => name.toLowerCase() !== 'authorization'),
      );
    }
    url = next;
  }
}

async function sendOnce(
  request: TransportRequest,
  options: TransportOptions,
): Promise<TransportResponse> {
  const controller = new AbortController();
  const signal =
    request.signal === undefined
      ? controller.signal
      : AbortSignal.any([controller.signal, request.signal]);
  const timer = setTimeout(
    () => controller.abort(new TimeoutReason(request.what, options.timeoutMs)),
    options.timeoutMs,
  );
  try {
    const init: RequestInit = {
      method: request.method,
      headers: request.headers,
      redirect: 'manual',
      signal,
    };
    if (request.body !== undefined) init.body = request.body;
    const response = await fetch(request.url, init);
    return { response, url: request.url, abort: (reason) => controller.abort(reason) };
  } finally {
    clearTimeout(timer);
  }
}

/** Reads a whole body of at most `maxBytes` (manifests, configs, token responses). */
export async function readBoundedBody(
  result: TransportResponse,
  maxBytes: number,
  what: string,
  idleTimeoutMs: number,
): Promise<Buffer> {
  const declared = Number(result.response.headers.get('content-length') ?? Number.NaN);
  if (Number.isFinite(declared) && declared > maxBytes) {
    await result.response.body?.cancel().catch(() => undefined);
    throw tooLarge(what, maxBytes);
  }
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of bodyStream(result, what, idleTimeoutMs)) {
    const buffer = chunk as Buffer;
    total += buffer.length;
    if (total > maxBytes) {
      result.abort(tooLarge(what, maxBytes));
      throw tooLarge(what, maxBytes);
    }
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}

function tooLarge(what: string, maxBytes: number): PalisadeError {
  return new PalisadeError('limit-exceeded', `${what}: larger than ${maxBytes} bytes`, {
    status: 413,
    details: { limit: maxBytes },
  });
}

/** The response body as a Node stream that fails when no data arrives for `idleTimeoutMs`. */
export function bodyStream(
  result: TransportResponse,
  what: string,
  idleTimeoutMs: number,
): Readable {
  const body = result.response.body;
  if (body === null) return Readable.from([]);
  const source = Readable.fromWeb(body as WebReadableStream<Uint8Array>);
  const idle = new IdleTimeout(idleTimeoutMs, () => {
    const error = new PalisadeError(
      'registry-unreachable',
      `${what}: no data for ${idleTimeoutMs} ms while reading from ${result.url.origin}`,
      { status: 504 },
    );
    result.abort(error);
    source.destroy(error);
  });
  // pipeline, not pipe: a network error must reach the consumer.
  pipeline(source, idle, () => idle.stop());
  return idle;
}

class IdleTimeout extends Transform {
  private timer: NodeJS.Timeout;

  constructor(
    ms: number,
    private readonly onIdle: () => void,
  ) {
    super();
    this.timer = setTimeout(() => this.check(), ms).unref();
  }

  /** Data waiting in our buffers means the consumer is slow, not the registry: wait on. */
  private check(): void {
    if (this.readableLength > 0 || this.writableLength > 0) this.timer.refresh();
    else this.onIdle();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.timer.refresh();
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    this.stop();
    callback();
  }

  override _destroy(error: Error | null, callback: (error: Error | null) => void): void {
    this.stop();
    callback(error);
  }

  stop(): void {
    clearTimeout(this.timer);
  }
}
