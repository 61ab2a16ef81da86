// Registry authentication: parsing WWW-Authenticate challenges (RFC 7235 §4.1) and getting
// bearer tokens from the realm they name (distribution docs/spec/auth/token.md, and oauth.md for
// identity tokens), cached per realm, service and scope until shortly before they expire.

import { PalisadeError } from '../model/index.ts';
import type { RegistryCredentials } from './registry-credentials.ts';
import { readBoundedBody, sendRequest, type TransportOptions } from './registry-transport.ts';

export interface Challenge {
  /** Lower-case scheme: "bearer", "basic". */
  readonly scheme: string;
  readonly params: Readonly<Record<string, string>>;
}

/**
 * Parses a WWW-Authenticate value into challenges:
 * `Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="…"`.
 */
export function parseChallenges(header: string): Challenge[] {
  const challenges: { scheme: string; params: Record<string, string> }[] = [];
  let i = 0;
  const skip = (pattern: RegExp): void => {
    while (i < header.length && pattern.test(header[i] ?? '')) i++;
  };
  const token = (): string => {
    const start = i;
    while (i < header.length && /[!#$%&'*+\-.^_`|~0-9A-Za-z]/.test(header[i] ?? '')) i++;
    return header.slice(start, i);
  };
  while (i < header.length) {
    skip(/[\s,]/);
    const name = token();
    if (name === '') {
      i++;
      continue;
    }
    skip(/\s/);
    const current = challenges.at(-1);
    if (header[i] === '=' && current !== undefined) {
      // An auth-param of the current challenge.
      i++;
      skip(/\s/);
      let value = '';
      if (header[i] === '"') {
        i++;
        while (i < header.length && header[i] !== '"') {
          if (header[i] === '\\') i++;
          value += header[i] ?? '';
          i++;
        }
        i++;
      } else {
        // Lenient: registries write unquoted URLs, which are not RFC 7230 tokens.
        const start = i;
        while (i < header.length && !/[\s,]/.test(header[i] ?? '')) i++;
        value = header.slice(start, i);
      }
      current.params[name.toLowerCase()] = value;
    } else {
      challenges.push({ scheme: name.toLowerCase(), params: {} });
    }
  }
  return challenges;
}

interface CachedToken {
  readonly token: string;
  readonly expiresAt: number;
}

export interface TokenRequest {
  readonly challenge: Challenge;
  readonly scope: string;
  readonly credentials: RegistryCredentials | undefined;
  /** Names the image in errors. */
  readonly what: string;
  readonly signal?: AbortSignal | undefined;
}

/** Bearer tokens per realm, service and scope. */
export class TokenCache {
  private readonly tokens = new Map<string, CachedToken>();
  /** Token requests made (for tests and logs). */
  requests = 0;

  constructor(private readonly transport: TransportOptions) {}

  forget(challenge: Challenge, scope: string): void {
    this.tokens.delete(cacheKey(challenge, scope));
  }

  async token(request: TokenRequest): Promise<string> {
    const key = cacheKey(request.challenge, request.scope);
    const cached = this.tokens.get(key);
    if (cached !== undefined && cached.expiresAt > Date.now()) return cached.token;
    const fetched = await this.fetchToken(request);
    this.tokens.set(key, fetched);
    return fetched.token;
  }

  private async fetchToken(request: TokenRequest): Promise<CachedToken> {
    const { challenge, scope, credentials, what } = request;
    const realmText = challenge.params['realm'];
    if (realmText === undefined || realmText === '')
      throw authFailed(what, 'the registry asks for a bearer token but names no realm');
    let realm: URL;
    try {
      realm = new URL(realmText);
    } catch {
      throw authFailed(what, `the token realm '${realmText}' is not a URL`);
    }
    if (
      realm.protocol !== 'https:' &&
      !(realm.protocol === 'http:' && this.transport.httpAllowed(realm.hostname))
    )
      throw authFailed(what, `refusing to ask for a token over plain http at ${realm.origin}`);
    const service = challenge.params['service'];
    const headers: Record<string, string> = { accept: 'application/json' };
    let method: 'GET' | 'POST' = 'GET';
    let body: string | undefined;
    if (credentials?.kind === 'identity-token') {
      // oauth.md: a refresh token is exchanged with a form POST.
      method = 'POST';
      const form = new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: credentials.token,
        client_id: 'palisade',
        scope,
      });
      if (service !== undefined) form.set('service', service);
      body = form.toString();
      headers['content-type'] = 'application/x-www-form-urlencoded';
    } else {
      if (service !== undefined) realm.searchParams.set('service', service);
      realm.searchParams.set('scope', scope);
      if (credentials?.kind === 'basic')
        headers['authorization'] = basicHeader(credentials.username, credentials.password);
      if (credentials?.kind === 'registry-token')
        return { token: credentials.token, expiresAt: Number.POSITIVE_INFINITY };
    }
    this.requests++;
    const result = await sendRequest(
      {
        method,
        url: realm,
        headers,
        ...(body === undefined ? {} : { body }),
        what: `${what}: token`,
        signal: request.signal,
      },
      this.transport,
    );
    const status = result.response.status;
    if (status === 401 || status === 403) {
      await result.response.body?.cancel().catch(() => undefined);
      throw authFailed(
        what,
        `the token server ${realm.origin} refused ${credentials === undefined ? 'anonymous access' : 'the credentials'} for ${scope} (HTTP ${status})`,
      );
    }
    const text = await readBoundedBody(
      result,
      1024 * 1024,
      `${what}: token`,
      this.transport.idleTimeoutMs,
    );
    if (status !== 200)
      throw authFailed(
        what,
        `the token server ${realm.origin} answered HTTP ${status}: ${text.toString('utf8').slice(0, 200)}`,
      );
    let json: unknown;
    try {
      json = JSON.parse(text.toString('utf8')) as unknown;
    } catch {
      throw authFailed(what, `the token server ${realm.origin} answered something other than JSON`);
    }
    const record = (typeof json === 'object' && json !== null ? json : {}) as Record<
      string,
      unknown
    >;
    // token.md: "token" or (OAuth 2) "access_token"; expires_in defaults to 60 seconds.
    const token =
      typeof record['token'] === 'string' && record['token'] !== ''
        ? record['token']
        : record['access_token'];
    if (typeof token !== 'string' || token === '')
      throw authFailed(what, `the token server ${realm.origin} answered without a token`);
    const expiresIn =
      typeof record['expires_in'] === 'number' && record['expires_in'] > 0
        ? record['expires_in']
        : 60;
    // Renew 10 s early so a token does not expire between our check and the registry's.
    return { token, expiresAt: Date.now() + Math.max(expiresIn - 10, 1) * 1000 };
  }
}

function cacheKey(challenge: Challenge, scope: string): string {
  return JSON.stringify([challenge.params['realm'], challenge.params['service'], scope]);
}

export function basicHeader(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`, 'utf8').toString('base64')}`;
}

export function authFailed(what: string, message: string): PalisadeError {
  return new PalisadeError('registry-auth-failed', `${what}: ${message}`, { status: 401 });
}
