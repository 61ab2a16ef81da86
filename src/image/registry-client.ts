// A client for one registry over the OCI Distribution API (distribution-spec spec.md: "Pulling
// manifests", "Pulling blobs") with fetch: plain http only for loopback hosts or when asked,
// auth following the registry's challenge, and clear errors. Verifying content is the caller's.

import type { Readable } from 'node:stream';
import { PalisadeError } from '../model/index.ts';
import { digestOf, digestMismatch, parseDigest } from './digest.ts';
import { manifestAccept } from './media-types.ts';
import {
  authFailed,
  basicHeader,
  parseChallenges,
  TokenCache,
  type Challenge,
} from './registry-auth.ts';
import {
  emptyAuthConfig,
  findCredentials,
  type CredentialLookup,
  type DockerAuthConfig,
} from './registry-credentials.ts';
import {
  bodyStream,
  defaultTransportOptions,
  isTlsMismatch,
  readBoundedBody,
  sendRequest,
  unreachable,
  type TransportOptions,
  type TransportResponse,
} from './registry-transport.ts';

export interface RegistryClientOptions {
  /** Credentials by registry (readDockerConfig, credentialsFromPullSecret). */
  readonly credentials?: DockerAuthConfig;
  /** Allow plain http to a registry that is not on loopback. */
  readonly insecure?: boolean;
  readonly timeoutMs?: number;
  readonly idleTimeoutMs?: number;
  /** Attempts per request, retries included. */
  readonly attempts?: number;
  readonly retryDelayMs?: number;
}

/** Docker Hub's API host (the reference says docker.io). */
export const dockerHubApiHost = 'registry-1.docker.io';

const loopbackHosts = new Set(['localhost', '127.0.0.1', '::1', '[::1]']);

/** The host part of "host:port" / "[::1]:port". */
export function hostName(hostAndPort: string): string {
  if (hostAndPort.startsWith('[')) return hostAndPort.slice(0, hostAndPort.indexOf(']') + 1);
  const colon = hostAndPort.lastIndexOf(':');
  return colon < 0 ? hostAndPort : hostAndPort.slice(0, colon);
}

export function isLoopbackHost(host: string): boolean {
  return loopbackHosts.has(host.toLowerCase());
}

export interface ManifestResponse {
  readonly bytes: Buffer;
  readonly contentType: string | undefined;
  /** The verified digest of `bytes`. */
  readonly digest: string;
}

export interface RegistryRequestCounts {
  manifests: number;
  blobs: number;
  tokens: number;
}

export class RegistryClient {
  /** The registry as references name it ("docker.io", "127.0.0.1:5000"). */
  readonly registry: string;
  /** The host the API is served from. */
  readonly apiHost: string;
  /** Requests made, for logs and tests. */
  readonly counts: RegistryRequestCounts = { manifests: 0, blobs: 0, tokens: 0 };
  private readonly transport: TransportOptions;
  private readonly tokens: TokenCache;
  private readonly credentials: CredentialLookup;
  private base: URL | undefined;
  private challenge: Challenge | undefined;
  private pinging: Promise<void> | undefined;

  constructor(registry: string, options: RegistryClientOptions = {}) {
    this.registry = registry;
    this.apiHost = registry === 'docker.io' ? dockerHubApiHost : registry;
    const httpAllowed = (host: string): boolean =>
      options.insecure === true || isLoopbackHost(host);
    this.transport = {
      timeoutMs: options.timeoutMs ?? defaultTransportOptions.timeoutMs,
      idleTimeoutMs: options.idleTimeoutMs ?? defaultTransportOptions.idleTimeoutMs,
      attempts: options.attempts ?? defaultTransportOptions.attempts,
      retryDelayMs: options.retryDelayMs ?? defaultTransportOptions.retryDelayMs,
      httpAllowed,
    };
    this.tokens = new TokenCache(this.transport);
    this.credentials = findCredentials(options.credentials ?? emptyAuthConfig, registry);
  }

  /** GET a manifest or index by tag or digest; the result's digest is verified. */
  async getManifest(
    repository: string,
    reference: string,
    what: string,
    maxBytes: number,
    signal?: AbortSignal,
  ): Promise<ManifestResponse> {
    this.counts.manifests++;
    const result = await this.request(
      repository,
      `/v2/${repository}/manifests/${reference}`,
      { accept: manifestAccept },
      `${what}: manifest`,
      signal,
    );
    await this.expectOk(result, `${what}: manifest ${reference}`, 'manifest');
    const bytes = await readBoundedBody(
      result,
      maxBytes,
      `${what}: manifest`,
      this.transport.idleTimeoutMs,
    );
    const byDigest = parseDigest(reference);
    const header = result.response.headers.get('docker-content-digest') ?? undefined;
    // By digest, the content must hash to the reference; by tag, to the registry's
    // Docker-Content-Digest header when it sends one (distribution-spec: "Pulling manifests").
    const expected =
      byDigest !== undefined
        ? reference
        : header !== undefined && parseDigest(header) !== undefined
          ? header
          : undefined;
    const algorithm =
      expected === undefined ? 'sha256' : (parseDigest(expected)?.algorithm ?? 'sha256');
    const digest = digestOf(bytes, algorithm);
    if (expected !== undefined && digest !== expected)
      throw digestMismatch(`${what}: manifest ${reference}`, expected, digest);
    return { bytes, contentType: result.response.headers.get('content-type') ?? undefined, digest };
  }

  /** GET a blob as a stream (unverified: wrap it in createVerifyStream). */
  async openBlob(
    repository: string,
    digest: string,
    what: string,
    signal?: AbortSignal,
  ): Promise<Readable> {
    this.counts.blobs++;
    const result = await this.request(
      repository,
      `/v2/${repository}/blobs/${digest}`,
      {},
      what,
      signal,
    );
    await this.expectOk(result, what, 'blob');
    return bodyStream(result, what, this.transport.idleTimeoutMs);
  }

  private async expectOk(
    result: TransportResponse,
    what: string,
    kind: 'manifest' | 'blob',
  ): Promise<void> {
    const { status } = result.response;
    if (status === 200) return;
    const text = await readBoundedBody(result, 64 * 1024, what, this.transport.idleTimeoutMs).catch(
      () => Buffer.alloc(0),
    );
    const detail = registryErrorText(text);
    if (status === 404) {
      throw new PalisadeError(
        'image-not-found',
        `${what}: the registry ${this.registry} has no such ${kind}${detail === '' ? '' : ` (${detail})`}`,
        { status: 404 },
      );
    }
    throw new PalisadeError(
      status === 429 ? 'registry-rate-limited' : 'registry-error',
      `${what}: the registry ${this.registry} answered HTTP ${status}${detail === '' ? '' : ` (${detail})`}`,
      { status: 502, details: { httpStatus: status } },
    );
  }

  /** Sends an authorised GET; learns the auth challenge on a 401 and tries once more. */
  private async request(
    repository: string,
    path: string,
    headers: Record<string, string>,
    what: string,
    signal: AbortSignal | undefined,
  ): Promise<TransportResponse> {
    const base = await this.ensureBase(what, signal);
    const scope = `repository:${repository}:pull`;
    for (let round = 1; ; round++) {
      const authorization = await this.authorization(scope, what, signal);
      const result = await sendRequest(
        {
          method: 'GET',
          url: new URL(path, base),
          headers: authorization === undefined ? headers : { ...headers, authorization },
          what,
          signal,
        },
        this.transport,
      );
      const { status } = result.response;
      if (status !== 401 && status !== 403) return result;
      const challenge = parseChallenges(result.response.headers.get('www-authenticate') ?? '')[0];
      await result.response.body?.cancel().catch(() => undefined);
      if (status === 401 && round === 1 && challenge !== undefined) {
        if (this.challenge !== undefined) this.tokens.forget(this.challenge, scope);
        this.challenge = challenge;
        continue;
      }
      throw this.denied(status, scope, what);
    }
  }

  /** Why anonymous access was tried although the user has credentials somewhere. */
  private helperNote(): string {
    return this.credentials.kind === 'helper'
      ? `; the credentials for ${this.registry} are in the Docker credential helper '${this.credentials.helper}', which Palisade does not run: pass them as an auths entry (e.g. from an image pull secret)`
      : '';
  }

  private denied(status: number, scope: string, what: string): PalisadeError {
    const helperNote = this.helperNote();
    const who =
      this.credentials.kind === 'found' ? 'the configured credentials' : 'anonymous access';
    return authFailed(
      what,
      `the registry ${this.registry} refused ${who} for ${scope} (HTTP ${status})${helperNote}`,
    );
  }

  private async authorization(
    scope: string,
    what: string,
    signal: AbortSignal | undefined,
  ): Promise<string | undefined> {
    const challenge = this.challenge;
    if (challenge === undefined) return undefined;
    const credentials =
      this.credentials.kind === 'found' ? this.credentials.credentials : undefined;
    if (challenge.scheme === 'basic') {
      if (credentials?.kind === 'basic')
        return basicHeader(credentials.username, credentials.password);
      return undefined;
    }
    if (challenge.scheme === 'bearer') {
      const before = this.tokens.requests;
      try {
        return `Bearer ${await this.tokens.token({ challenge, scope, credentials, what, signal })}`;
      } catch (error) {
        if (
          error instanceof PalisadeError &&
          error.code === 'registry-auth-failed' &&
          this.helperNote() !== ''
        )
          throw new PalisadeError(error.code, `${error.message}${this.helperNote()}`, {
            status: error.status,
            cause: error,
          });
        throw error;
      } finally {
        this.counts.tokens += this.tokens.requests - before;
      }
    }
    throw authFailed(
      what,
      `the registry ${this.registry} asks for '${challenge.scheme}' authentication, which is not supported`,
    );
  }

  /**
   * Decides the scheme with a GET /v2/ (distribution-spec: "the API version check"), which also
   * tells whether and how the registry wants authentication.
   */
  private async ensureBase(what: string, signal: AbortSignal | undefined): Promise<URL> {
    if (this.base !== undefined) return this.base;
    this.pinging ??= this.ping(what, signal).finally(() => (this.pinging = undefined));
    await this.pinging;
    if (this.base === undefined)
      throw new PalisadeError(
        'registry-unreachable',
        `${what}: no usable endpoint for ${this.registry}`,
        { status: 502 },
      );
    return this.base;
  }

  private async ping(what: string, signal: AbortSignal | undefined): Promise<void> {
    const schemes = this.transport.httpAllowed(hostName(this.apiHost))
      ? ['https:', 'http:']
      : ['https:'];
    let firstError: unknown;
    for (const scheme of schemes) {
      const base = new URL(`${scheme}//${this.apiHost}/`);
      try {
        const result = await sendRequest(
          {
            method: 'GET',
            url: new URL('/v2/', base),
            headers: {},
            what: `${what}: registry ${this.registry}`,
            signal,
          },
          // One attempt for a scheme probe that fails on TLS; the transport retries the rest.
          this.transport,
        );
        await result.response.body?.cancel().catch(() => undefined);
        const { status } = result.response;
        if (status === 401)
          this.challenge = parseChallenges(
            result.response.headers.get('www-authenticate') ?? '',
          )[0];
        else if (status !== 200)
          throw new PalisadeError(
            'registry-error',
            `${what}: ${base.origin} answered HTTP ${status} to the API version check; is ${this.registry} an OCI registry?`,
            { status: 502 },
          );
        this.base = base;
        return;
      } catch (error) {
        if (!(error instanceof PalisadeError) || error.code !== 'registry-unreachable') throw error;
        firstError ??= error;
        if (!isTlsMismatch(error.cause)) throw error;
      }
    }
    throw firstError instanceof PalisadeError
      ? firstError
      : unreachable(
          { method: 'GET', url: new URL(`https://${this.apiHost}/v2/`), headers: {}, what },
          firstError,
        );
  }
}

/** The messages of a distribution-spec error body: {"errors":[{"code","message"}]}. */
function registryErrorText(body: Buffer): string {
  try {
    const json = JSON.parse(body.toString('utf8')) as {
      errors?: { code?: unknown; message?: unknown }[];
    };
    return (json.errors ?? [])
      .map((error) =>
        [error.code, error.message].filter((part) => typeof part === 'string').join(': '),
      )
      .filter((text) => text !== '')
      .join('; ');
  } catch {
    return body.toString('utf8').slice(0, 200).trim();
  }
}
