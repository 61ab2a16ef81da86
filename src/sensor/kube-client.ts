// The Sensor's Kubernetes API client: @kubernetes/client-node's KubeConfig for loading a
// kubeconfig (or the in-cluster service account) and for authentication and TLS, and plain
// node:http(s) requests on top, so objects stay exactly as the API server sent them (client-node's
// typed models turn timestamps into Dates and drop unknown fields). Not an informer: informer.ts.

import { request as httpRequest, type Agent, type IncomingMessage } from 'node:http';
import { request as httpsRequest, type RequestOptions } from 'node:https';
import { createInterface } from 'node:readline';
import { KubeConfig } from '@kubernetes/client-node';
import { PalisadeError, wrapError } from '../model/index.ts';

export type KubeObject = Record<string, unknown> & {
  apiVersion?: string;
  kind?: string;
  metadata?: Record<string, unknown>;
};

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
  private agent: Agent | undefined;

  private constructor(
    private readonly config: KubeConfig,
    /** The API server's base URL, without a trailing slash. */
    readonly server: string,
  ) {}

  /**
   * From a kubeconfig file; without one, client-node's default order: $KUBECONFIG,
   * ~/.kube/config, then the in-cluster service account.
   */
  static fromKubeconfig(path?: string, context?: string): KubeClient {
    const config = new KubeConfig();
    try {
      if (path === undefined) config.loadFromDefault();
      else config.loadFromFile(path);
      if (context !== undefined) config.setCurrentContext(context);
    } catch (error) {
      throw wrapError(`loading kubeconfig ${path ?? '(default)'}`, error, 'kubeconfig-invalid');
    }
    return KubeClient.fromConfig(config, path ?? '(default)');
  }

  /** From kubeconfig text (YAML or JSON). */
  static fromKubeconfigText(text: string): KubeClient {
    const config = new KubeConfig();
    try {
      config.loadFromString(text);
    } catch (error) {
      throw wrapError('reading kubeconfig', error, 'kubeconfig-invalid');
    }
    return KubeClient.fromConfig(config, '(text)');
  }

  private static fromConfig(config: KubeConfig, where: string): KubeClient {
    const cluster = config.getCurrentCluster();
    if (cluster === null)
      throw new PalisadeError('kubeconfig-invalid', `kubeconfig ${where} has no current cluster`);
    return new KubeClient(config, cluster.server.replace(/\/+$/, ''));
  }

  /** TLS, proxy and auth options for one request; tokens are re-read (they rotate). */
  private async options(): Promise<RequestOptions> {
    const options: RequestOptions = {};
    await this.config.applyToHTTPSOptions(options);
    // One agent for the client's life (keep-alive); the fresh options carry current headers.
    this.agent ??= options.agent as Agent;
    return { ...options, agent: this.agent };
  }

  private async open(
    method: string,
    path: string,
    options: KubeRequestOptions,
    accept = 'application/json',
  ): Promise<IncomingMessage> {
    const url = new URL(this.server + path);
    const base = await this.options();
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
    let response: IncomingMessage;
    try {
      response = await this.open(method, path, { timeoutMs: 30_000, ...options });
    } catch (error) {
      throw wrapError(`${method} ${path}`, error, 'kubernetes-unreachable');
    }
    const text = await readBody(response, options.timeoutMs ?? 60_000);
    let body: unknown = text;
    try {
      body = text === '' ? null : JSON.parse(text);
    } catch {
      // A non-JSON answer (a proxy's HTML page): kept as text for the error message.
    }
    const status = response.statusCode ?? 0;
    if (status < 200 || status >= 300) {
      const { reason, message } = statusMessage(body);
      throw new KubeApiError(
        status,
        reason,
        `${method} ${path}: ${status} ${reason}${message ? `: ${message}` : ''}`,
      );
    }
    return body;
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

function readBody(response: IncomingMessage, timeoutMs: number): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const chunks: Buffer[] = [];
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
      chunks.push(chunk);
    });
    response.once('end', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks).toString('utf8'));
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
