// The Sensor's client for Central: ingest (docs/ingest.md), heartbeat and the enforcement
// endpoints (central/routes/sensor.ts), each with a timeout, and the one retry helper: a few
// quick attempts on network errors, 429 and 5xx, never on 401, 403 or another 4xx.

import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Writable } from 'node:stream';
import { createGzip, gzipSync } from 'node:zlib';
import { PalisadeError } from '../model/index.ts';
import { backoffDelay } from './informer.ts';

export interface CentralClientOptions {
  /** Central's base URL, e.g. https://central:8443. */
  readonly url: string;
  readonly token: string;
  readonly clusterId: string;
  /** PEM bundle that signs Central's certificate (when it is not publicly trusted). */
  readonly ca?: string | Buffer;
  readonly timeoutMs?: number;
  /** Attempts per call (1 = no retry). */
  readonly attempts?: number;
}

export type DeltaEvent =
  | { readonly type: 'UPSERT'; readonly object: unknown }
  | {
      readonly type: 'DELETE';
      readonly kind: string;
      readonly namespace: string;
      readonly name: string;
      readonly resourceVersion?: string;
    };

export interface PendingEnforcement {
  readonly alertId: string;
  readonly policyId: string;
  readonly policyName: string;
  readonly actions: readonly string[];
  readonly workload: { readonly namespace: string; readonly kind: string; readonly name: string };
}

export type EnforcementOutcome = 'SUCCEEDED' | 'FAILED' | 'SKIPPED';

export interface EnforcementReport {
  readonly alertId: string;
  readonly action: string;
  readonly outcome: EnforcementOutcome;
  readonly message: string;
}

/** Central answered with a status (or not at all: status 0). */
export class CentralError extends PalisadeError {
  constructor(
    readonly statusCode: number,
    message: string,
    options: { cause?: unknown } = {},
  ) {
    super('central-request-failed', message, {
      status: statusCode === 0 ? 502 : statusCode,
      ...(options.cause === undefined ? {} : { cause: options.cause }),
    });
  }

  get retryable(): boolean {
    return this.statusCode === 0 || this.statusCode === 429 || this.statusCode >= 500;
  }
}

export class CentralClient {
  private readonly base: URL;

  constructor(private readonly options: CentralClientOptions) {
    this.base = new URL(options.url.endsWith('/') ? options.url : `${options.url}/`);
  }

  get clusterId(): string {
    return this.options.clusterId;
  }

  /** The whole cluster, written object by object as the request goes out (snapshotPieces). */
  snapshot(body: { objects: readonly unknown[]; sensorVersion: string }): Promise<unknown> {
    return this.call(
      'POST',
      `api/v1/clusters/${this.options.clusterId}/snapshot`,
      { pieces: () => snapshotPieces(body.objects, body.sensorVersion) },
      120_000,
    );
  }

  deltas(body: { events: readonly DeltaEvent[]; sensorVersion: string }): Promise<unknown> {
    return this.call('POST', `api/v1/clusters/${this.options.clusterId}/deltas`, { json: body });
  }

  async heartbeat(sensorVersion: string): Promise<void> {
    await this.call('POST', `api/v1/clusters/${this.options.clusterId}/heartbeat`, {
      json: { sensorVersion },
    });
  }

  async pendingEnforcement(): Promise<PendingEnforcement[]> {
    const body = (await this.call(
      'GET',
      `api/v1/clusters/${this.options.clusterId}/enforcement/pending`,
    )) as { items?: PendingEnforcement[] } | null;
    return body?.items ?? [];
  }

  async recordEnforcement(report: EnforcementReport): Promise<void> {
    await this.call('POST', `api/v1/clusters/${this.options.clusterId}/enforcement`, {
      json: report,
    });
  }

  /** One call with retries on network errors, 429 and 5xx (bounded, with backoff). */
  private async call(
    method: string,
    path: string,
    body?: RequestBody,
    timeoutMs = this.options.timeoutMs ?? 30_000,
  ): Promise<unknown> {
    const attempts = this.options.attempts ?? 3;
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.once(method, path, body, timeoutMs);
      } catch (error) {
        if (!(error instanceof CentralError) || !error.retryable || attempt >= attempts)
          throw error;
        await new Promise((resolve) => setTimeout(resolve, backoffDelay(attempt, 200, 2000)));
      }
    }
  }

  private once(
    method: string,
    path: string,
    body: RequestBody | undefined,
    timeoutMs: number,
  ): Promise<unknown> {
    const url = new URL(path, this.base);
    // Bodies go gzipped (Central decodes them, request-encoding.ts): Kubernetes JSON compresses
    // about tenfold, and a 5,000-workload snapshot is tens of MB.
    const payload =
      body !== undefined && 'json' in body
        ? gzipSync(JSON.stringify(body.json), { level: gzipLevel })
        : undefined;
    const headers: Record<string, string> = {
      authorization: `Bearer ${this.options.token}`,
      accept: 'application/json',
    };
    if (body !== undefined) {
      headers['content-type'] = 'application/json';
      headers['content-encoding'] = 'gzip';
    }
    // A body in pieces goes out with chunked transfer encoding: no length is known up front.
    if (payload !== undefined) headers['content-length'] = String(payload.length);
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const where = `${method} ${url.pathname}`;
    return new Promise((resolve, reject) => {
      const req = send(url, {
        method,
        headers,
        signal: AbortSignal.timeout(timeoutMs),
        ...(this.options.ca === undefined ? {} : { ca: this.options.ca }),
      });
      req.once('error', (error) =>
        reject(new CentralError(0, `${where}: ${error.message}`, { cause: error })),
      );
      req.once('response', (response: IncomingMessage) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.once('error', (error) =>
          reject(new CentralError(0, `${where}: ${error.message}`, { cause: error })),
        );
        response.once('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown;
          try {
            parsed = text === '' ? null : JSON.parse(text);
          } catch {
            parsed = text;
          }
          const status = response.statusCode ?? 0;
          if (status >= 200 && status < 300) return resolve(parsed);
          const centralMessage =
            typeof parsed === 'object' && parsed !== null
              ? (parsed as { error?: { message?: unknown } }).error?.message
              : undefined;
          const message = typeof centralMessage === 'string' ? centralMessage : text.slice(0, 200);
          reject(new CentralError(status, `${where}: ${status}: ${message}`));
        });
      });
      if (body !== undefined && 'pieces' in body) {
        const gzip = createGzip({ level: gzipLevel });
        gzip.on('error', (error) => req.destroy(error));
        // A request that ends early (an error answer, a timeout) releases a writer waiting on gzip.
        req.once('close', () => gzip.destroy());
        gzip.pipe(req);
        writePieces(gzip, body.pieces(), () => req.destroyed).catch((error: unknown) =>
          req.destroy(error instanceof Error ? error : new Error(String(error))),
        );
      } else req.end(payload);
    });
  }
}

/** A JSON body: a value serialised at once, or pieces of JSON text written as they are made. */
type RequestBody = { readonly json: unknown } | { readonly pieces: () => Iterable<string> };

/**
 * A snapshot body as JSON text, one object at a time: with the objects already in memory (the
 * informers' caches), the text of all of them is never held at once.
 */
export function* snapshotPieces(
  objects: readonly unknown[],
  sensorVersion: string,
): Generator<string> {
  yield `{"sensorVersion":${JSON.stringify(sensorVersion)},"objects":[`;
  for (let i = 0; i < objects.length; i++)
    yield (i === 0 ? '' : ',') + (JSON.stringify(objects[i]) ?? 'null');
  yield ']}';
}

/** Pieces gathered to about this size before a write (fewer, larger chunks on the wire). */
const writeSize = 64 * 1024;

/** Fast compression: the Sensor's CPU matters more than the last few percent of size. */
const gzipLevel = 1;

/**
 * Writes pieces to a stream (the gzip stream in front of a request), waiting for it to drain
 * whenever its buffer is full, and stopping once the request is gone.
 */
async function writePieces(
  out: Writable,
  pieces: Iterable<string>,
  gone: () => boolean,
): Promise<void> {
  let gathered = '';
  for (const piece of pieces) {
    gathered += piece;
    if (gathered.length < writeSize) continue;
    if (gone()) return;
    const more = out.write(gathered);
    gathered = '';
    if (!more) await drained(out);
  }
  if (!gone()) out.end(gathered);
}

function drained(out: Writable): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      out.off('drain', done);
      out.off('close', done);
      resolve();
    };
    out.once('drain', done);
    out.once('close', done);
  });
}
