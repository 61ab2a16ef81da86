// The Sensor's Kubernetes API client: plain node:http(s) requests, so objects stay exactly as the
// API server sent them (client-node's typed models turn timestamps into Dates and drop unknown
// fields), with the server, TLS and credentials of a kubeconfig or the in-cluster service account
// (kube-config.ts). Not an informer: informer.ts.

import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { createInterface } from 'node:readline';
import { PalisadeError, wrapError } from '../model/index.ts';
import {
  kubeAccessFromDefault,
  kubeAccessFromFiles,
  kubeAccessFromText,
  type KubeAccess,
} from './kube-config.ts';
import { ListReader } from './list-reader.ts';

export type KubeObject = Record<string, unknown> & {
  apiVersion?: string;
  kind?: string;
  metadata?: Record<string, unknown>;
};

/** A list response without its items (KubeClient.list hands them over one by one). */
export interface KubeList {
  readonly metadata?: { readonly resourceVersion?: string; readonly continue?: string };
}

export interface KubeResponse {
  readonly status: number;
  readonly body: unknown;
}

export interface KubeRequestOptions {
  readonly body?: unknown;
  readonly contentType?: string;
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
}

/** A response body larger than this is refused (a list page of 500 objects stays far below). */
const maxBodyBytes = 256 * 1024 * 1024;

/** An API call that answered with a non-2xx status: the Kubernetes Status message is kept. */
export class KubeApiError extends PalisadeError {
  constructor(
    readonly statusCode: number,
    readonly reason: string,
    message: string,
  ) {
    super('kubernetes-api-error', message, { status: statusCode, details: { reason } });
  }
}

function statusMessage(body: unknown): { reason: string; message: string } {
  if (typeof body === 'object' && body !== null) {
    const status = body as { reason?: unknown; message?: unknown };
    return {
      reason: typeof status.reason === 'string' ? status.reason : '',
      message: typeof status.message === 'string' ? status.message : '',
    };
  }
  return { reason: '', message: typeof body === 'string' ? body.slice(0, 200) : '' };
}

export class KubeClient {
  private constructor(private readonly access: KubeAccess) {}

  /** The API server's base URL, without a trailing slash. */
  get server(): string {
    return this.access.server;
  }

  /**
   * From a kubeconfig file; without one, kubectl's default order: $KUBECONFIG, ~/.kube/config,
   * then the in-cluster service account.
   */
  static fromKubeconfig(path?: string, context?: string): KubeClient {
    return new KubeClient(
      path === undefined ? kubeAccessFromDefault(context) : kubeAccessFromFiles([path], context),
    );
  }

  /** From kubeconfig text (YAML or JSON). */
  static fromKubeconfigText(text: string): KubeClient {
    return new KubeClient(kubeAccessFromText(text));
  }

  private async open(
    method: string,
    path: string,
    options: KubeRequestOptions,
    accept = 'application/json',
  ): Promise<IncomingMessage> {
    const url = new URL(this.server + path);
    const base = await this.access.requestOptions();
    const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
    const headers: Record<string, string> = {
      ...(base.headers as Record<string, string> | undefined),
      accept,
      'user-agent': 'palisade-sensor',
    };
    if (payload !== undefined) {
      headers['content-type'] = options.contentType ?? 'application/json';
      headers['content-length'] = String(Buffer.byteLength(payload));
    }
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise<IncomingMessage>((resolve, reject) => {
      const req = send(url, {
        ...base,
        method,
        headers,
        ...(options.signal === undefined ? {} : { signal: options.signal }),
      });
      const timer =
        options.timeoutMs === undefined
          ? undefined
          : setTimeout(
              () => req.destroy(new Error(`no answer in ${options.timeoutMs} ms`)),
              options.timeoutMs,
            );
      req.once('response', (response) => {
        if (timer !== undefined) clearTimeout(timer);
        resolve(response);
      });
      req.once('error', (error) => {
        if (timer !== undefined) clearTimeout(timer);
        reject(error);
      });
      req.end(payload);
    });
  }

  /** One JSON request; non-2xx answers throw KubeApiError with the Status message. */
  async request(method: string, path: string, options: KubeRequestOptions = {}): Promise<unknown> {
    const response = await this.send(method, path, options);
    const text = await readBody(response, options.timeoutMs ?? 60_000);
    const body = parseAnswer(text);
    const status = response.statusCode ?? 0;
    if (status < 200 || status >= 300) throw apiErrorOf(method, path, status, body);
    return body;
  }

  /**
   * A list (GET of a collection): each item goes to onItem as the response arrives
   * (list-reader.ts), and the list comes back without them, for its metadata. A page is never
   * held whole beside the objects made of it.
   */
  async list(
    path: string,
    onItem: (item: KubeObject) => void,
    options: KubeRequestOptions = {},
  ): Promise<KubeList> {
    const response = await this.send('GET', path, options);
    const status = response.statusCode ?? 0;
    if (status < 200 || status >= 300) {
      const body = parseAnswer(await readBody(response, options.timeoutMs ?? 60_000));
      throw apiErrorOf('GET', path, status, body);
    }
    const reader = new ListReader((item) => {
      if (typeof item === 'object' && item !== null && !Array.isArray(item))
        onItem(item as KubeObject);
    });
    await streamBody(response, options.timeoutMs ?? 60_000, (chunk) => reader.write(chunk));
    const list = reader.end() as KubeList | null;
    return list ?? {};
  }

  private async send(
    method: string,
    path: string,
    options: KubeRequestOptions,
  ): Promise<IncomingMessage> {
    try {
      return await this.open(method, path, { timeoutMs: 30_000, ...options });
    } catch (error) {
      throw wrapError(`${method} ${path}`, error, 'kubernetes-unreachable');
    }
  }

  /**
   * A watch stream: calls onEvent for each line until the server ends the stream, the signal
   * aborts or no line arrives for idleMs. A non-200 answer throws KubeApiError.
   */
  async watch(
    path: string,
    onEvent: (event: { type: string; object: KubeObject }) => void,
    options: { readonly signal: AbortSignal; readonly idleMs: number },
  ): Promise<void> {
    const controller = new AbortController();
    const abort = () => controller.abort();
    options.signal.addEventListener('abort', abort, { once: true });
    try {
      const response = await this.open('GET', path, {
        signal: controller.signal,
        timeoutMs: 30_000,
      });
      if (response.statusCode !== 200) {
        const text = await readBody(response, 30_000);
        let body: unknown = text;
        try {
          body = JSON.parse(text);
        } catch {
          // kept as text
        }
        const { reason, message } = statusMessage(body);
        throw new KubeApiError(response.statusCode ?? 0, reason, `watch ${path}: ${message}`);
      }
      let idle = setTimeout(abort, options.idleMs);
      const lines = createInterface({ input: response, crlfDelay: Infinity });
      try {
        for await (const line of lines) {
          clearTimeout(idle);
          idle = setTimeout(abort, options.idleMs);
          if (line.trim() === '') continue;
          const event = JSON.parse(line) as { type?: unknown; object?: unknown };
          if (typeof event.type === 'string' && typeof event.object === 'object')
            onEvent({ type: event.type, object: event.object as KubeObject });
        }
      } catch (error) {
        // An abort (stop, idle) ends the stream like a server close; anything else is an error.
        if (!controller.signal.aborted) throw error;
      } finally {
        clearTimeout(idle);
        response.destroy();
      }
    } catch (error) {
      if (controller.signal.aborted && !(error instanceof KubeApiError)) return;
      throw error;
    } finally {
      options.signal.removeEventListener('abort', abort);
    }
  }
}

function parseAnswer(text: string): unknown {
  try {
    return text === '' ? null : JSON.parse(text);
  } catch {
    // A non-JSON answer (a proxy's HTML page): kept as text for the error message.
    return text;
  }
}

function apiErrorOf(method: string, path: string, status: number, body: unknown): KubeApiError {
  const { reason, message } = statusMessage(body);
  return new KubeApiError(
    status,
    reason,
    `${method} ${path}: ${status} ${reason}${message ? `: ${message}` : ''}`,
  );
}

/** Hands each chunk of a response body to onChunk, within a time and a size limit. */
function streamBody(
  response: IncomingMessage,
  timeoutMs: number,
  onChunk: (chunk: Buffer) => void,
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let size = 0;
    const timer = setTimeout(() => {
      response.destroy(new Error(`response body not complete in ${timeoutMs} ms`));
    }, timeoutMs);
    response.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBodyBytes) {
        response.destroy(new Error(`response body over ${maxBodyBytes} bytes`));
        return;
      }
      try {
        onChunk(chunk);
      } catch (error) {
        response.destroy(error instanceof Error ? error : new Error(String(error)));
      }
    });
    response.once('end', () => {
      clearTimeout(timer);
      resolve();
    });
    response.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    response.once('close', () => {
      clearTimeout(timer);
      if (!response.complete) reject(new Error('connection closed before the body was complete'));
    });
  });
}

async function readBody(response: IncomingMessage, timeoutMs: number): Promise<string> {
  const chunks: Buffer[] = [];
  await streamBody(response, timeoutMs, (chunk) => chunks.push(chunk));
  return Buffer.concat(chunks).toString('utf8');
}
