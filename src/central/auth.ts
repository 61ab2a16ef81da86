// Who may call what: every route declares one permission in its config, and each token role maps
// to a fixed set of permissions. Tokens are Bearer API tokens checked through store/ (hashed).
// Not here: token issuance (routes/tokens.ts) and Sensor ingest itself (ingest.ts).

import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ApiTokenRecord, Database, TokenRole } from '../store/index.ts';
import { findApiToken } from '../store/index.ts';
import { PalisadeError } from '../model/index.ts';

export const permissions = [
  'policies:read',
  'policies:write',
  'clusters:read',
  'clusters:write',
  'tokens:read',
  'tokens:write',
  'audit:read',
  'deployments:read',
  'alerts:read',
  'alerts:write',
  'check',
  'ingest',
] as const;
export type Permission = (typeof permissions)[number];

/** `public` routes take no token (health, metrics, API docs). */
export type RouteAccess = Permission | 'public';

/**
 * The role table. Analyst gets every `:read` permission (token metadata and the audit log too:
 * neither holds a secret). Continuous Integration gets `check` only — a CI job sends manifests and
 * reads the verdict; it does not need to enumerate or export Central's policies, so a leaked CI
 * token reveals no policy set. Sensor gets `ingest`, and only for its own cluster (see
 * `clusterParam`).
 */
export const rolePermissions: Readonly<Record<TokenRole, ReadonlySet<Permission>>> = {
  Admin: new Set(permissions),
  Analyst: new Set(permissions.filter((p) => p.endsWith(':read'))),
  'Continuous Integration': new Set<Permission>(['check']),
  Sensor: new Set<Permission>(['ingest']),
};

export function roleAllows(role: TokenRole, permission: Permission): boolean {
  return rolePermissions[role].has(permission);
}

export interface Principal {
  readonly token: ApiTokenRecord;
  /** What the audit log records as the actor: the token's name. */
  readonly actor: string;
}

export interface RouteEntry {
  readonly method: string;
  readonly url: string;
  readonly access: RouteAccess;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The permission a caller needs; every route must declare one. */
    access?: RouteAccess;
    /** A route parameter naming a cluster: a Sensor token may only act on its own cluster. */
    clusterParam?: string;
  }
  interface FastifyRequest {
    principal: Principal | null;
  }
  interface FastifyInstance {
    /** Every registered route with its declared access, for docs and the auth-matrix test. */
    readonly routeTable: readonly RouteEntry[];
    /** Recently validated tokens; call forget() after revoking tokens or deleting a cluster. */
    readonly tokenCache: TokenCache;
  }
}

/**
 * Valid token lookups, kept for a few seconds: nearly every request comes from a handful of
 * tokens, and each lookup is a query. Revoking on this replica forgets at once; another
 * replica stops accepting a revoked token within `ttlMs`. An expiry is never cached past.
 */
export class TokenCache {
  readonly #entries = new Map<string, { principal: Principal; until: number }>();

  constructor(
    readonly ttlMs = 5000,
    readonly maxEntries = 1000,
  ) {}

  get(token: string, now = Date.now()): Principal | undefined {
    const key = tokenKey(token);
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.until > now) return entry.principal;
    this.#entries.delete(key);
    return undefined;
  }

  set(token: string, principal: Principal, now = Date.now()): void {
    if (this.#entries.size >= this.maxEntries) this.#entries.clear();
    const expires =
      principal.token.expiresAt === null ? Infinity : Date.parse(principal.token.expiresAt);
    this.#entries.set(tokenKey(token), { principal, until: Math.min(now + this.ttlMs, expires) });
  }

  forget(): void {
    this.#entries.clear();
  }
}

/** Cache keys are digests: the cache never holds a plain token. */
function tokenKey(token: string): string {
  return createHash('sha256').update(token).digest('base64');
}

function unauthorised(message: string): PalisadeError {
  return new PalisadeError('unauthorized', message, { status: 401 });
}

function forbidden(message: string): PalisadeError {
  return new PalisadeError('forbidden', message, { status: 403 });
}

/** Reads `Authorization: Bearer <token>`; anything else is a 401 naming what is expected. */
function bearerToken(request: FastifyRequest): string {
  const header = request.headers.authorization;
  if (header === undefined || header === '') {
    throw unauthorised('an API token is required: send "Authorization: Bearer <token>"');
  }
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (match?.[1] === undefined) {
    throw unauthorised('the Authorization header must be "Bearer <token>"');
  }
  return match[1];
}

export async function authenticate(
  db: Database,
  request: FastifyRequest,
  cache?: TokenCache,
): Promise<Principal> {
  const plain = bearerToken(request);
  const cached = cache?.get(plain);
  if (cached !== undefined) return cached;
  const lookup = await findApiToken(db, plain);
  switch (lookup.status) {
    case 'unknown':
      throw unauthorised('the API token is not valid');
    case 'expired':
      throw unauthorised(
        `the API token '${lookup.token.name}' expired at ${lookup.token.expiresAt ?? ''}; ask an admin for a new one`,
      );
    case 'revoked':
      throw unauthorised(`the API token '${lookup.token.name}' was revoked`);
    case 'valid': {
      const principal = { token: lookup.token, actor: lookup.token.name };
      cache?.set(plain, principal);
      return principal;
    }
  }
}

export function authorise(
  principal: Principal,
  permission: Permission,
  clusterId: string | undefined,
): void {
  const { role } = principal.token;
  if (!roleAllows(role, permission)) {
    throw forbidden(`the role ${role} may not do this (it needs the permission '${permission}')`);
  }
  if (role === 'Sensor' && clusterId !== undefined && principal.token.clusterId !== clusterId) {
    throw forbidden('a Sensor token may only act on its own cluster');
  }
}

/**
 * Registers the route table and the access hook. A route registered without `config.access`
 * fails at start-up, so no route can be reachable by accident. Routes under `publicPrefixes`
 * (plugins such as the docs UI, whose routes we do not declare) are public.
 */
export function installAuth(
  app: FastifyInstance,
  db: Database,
  options: { readonly publicPrefixes: readonly string[] },
): void {
  const table: RouteEntry[] = [];
  app.decorate('routeTable', table);
  const cache = new TokenCache();
  app.decorate('tokenCache', cache);
  app.decorateRequest('principal', null);
  app.addHook('onRoute', (route) => {
    const declared = route.config?.access;
    const access =
      declared ?? (options.publicPrefixes.some((p) => route.url.startsWith(p)) ? 'public' : null);
    if (access === null) {
      throw new Error(`route ${String(route.method)} ${route.url} declares no access permission`);
    }
    route.config = { ...route.config, access };
    for (const method of [route.method].flat()) table.push({ method, url: route.url, access });
  });
  app.addHook('onRequest', async (request) => {
    const config = request.routeOptions.config;
    const access = config.access;
    // Unmatched URLs reach the not-found handler, which has no access config: answer 404 there.
    if (access === undefined || access === 'public') return;
    const principal = await authenticate(db, request, cache);
    const params = request.params as Record<string, string | undefined>;
    const clusterId = config.clusterParam === undefined ? undefined : params[config.clusterParam];
    authorise(principal, access, clusterId);
    request.principal = principal;
  });
}

/** The caller of an authenticated route; routes without `access` never call this. */
export function principalOf(request: FastifyRequest): Principal {
  if (request.principal === null) throw new Error('route reached without authentication');
  return request.principal;
}
