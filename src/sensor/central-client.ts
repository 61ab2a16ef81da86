// The Sensor's client for Central: ingest (docs/ingest.md), heartbeat and the enforcement
// endpoints (central/routes/sensor.ts), each with a timeout, and the one retry helper: a few
// quick attempts on network errors, 429 and 5xx, never on 401, 403 or another 4xx.

import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
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

  snapshot(body: { objects: readonly unknown[]; sensorVersion: string }): Promise<unknown> {
    return this.call('POST', `api/v1/clusters/${this.options.clusterId}/snapshot`, body, 120_000);
  }

  deltas(body: { events: readonly DeltaEvent[]; sensorVersion: string }): Promise<unknown> {
    return this.call('POST', `api/v1/clusters/${this.options.clusterId}/deltas`, body);
  }

  async heartbeat(sensorVersion: string): Promise<void> {
    await this.call('POST', `api/v1/clusters/${this.options.clusterId}/heartbeat`, {
      sensorVersion,
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
    await this.call('POST', `api/v1/clusters/${this.options.clusterId}/enforcement`, report);
  }

  /** One call with retries on network errors, 429 and 5xx (bounded, with backoff). */
  private async call(
    method: string,
    path: string,
    body?: unknown,
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

  private once(method: string, path: string, body: unknown, timeoutMs: number): Promise<unknown> {
    const url = new URL(path, this.base);
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const headers: Record<string, string> = {
      authorization: `Bearer ${this.options.token}`,
      accept: 'application/json',
    };
    if (payload !== undefined) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = String(Buffer.byteLength(payload));
    }
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
      req.end(payload);
    });
  }
}
