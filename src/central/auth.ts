// Who may call what: every route declares one permission in its config, and each token role maps
// to a fixed set of permissions. Tokens are Bearer API tokens checked through store/ (hashed).
// Not here: token issuance (routes/tokens.ts) and Sensor ingest itself (ingest.ts).

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
  }
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

export async function authenticate(db: Database, request: FastifyRequest): Promise<Principal> {
  const lookup = await findApiToken(db, bearerToken(request));
  switch (lookup.status) {
    case 'unknown':
      throw unauthorised('the API token is not valid');
    case 'expired':
      throw unauthorised(
        `the API token '${lookup.token.name}' expired at ${lookup.token.expiresAt ?? ''}; ask an admin for a new one`,
      );
    case 'revoked':
      throw unauthorised(`the API token '${lookup.token.name}' was revoked`);
    case 'valid':
      return { token: lookup.token, actor: lookup.token.name };
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
    const principal = await authenticate(db, request);
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
