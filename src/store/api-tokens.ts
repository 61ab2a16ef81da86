// API tokens: the plain token is shown once at creation and only its SHA-256 is stored.
// Lookup hashes the presented token and compares hashes in constant time. Authorisation by
// role is central/'s job; a Sensor token is bound to one cluster.

import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { PalisadeError } from '../model/index.ts';
import type { Queryable } from './database.ts';
import { isoTime, isoTimeOrNull, isUuid, listPage, type Page, type PageRequest } from './page.ts';

export type TokenRole = 'Admin' | 'Analyst' | 'Continuous Integration' | 'Sensor';

export interface ApiTokenRecord {
  readonly id: string;
  readonly name: string;
  readonly role: TokenRole;
  /** The cluster a Sensor token may write to; null for the other roles. */
  readonly clusterId: string | null;
  readonly createdAt: string;
  readonly expiresAt: string | null;
  readonly revokedAt: string | null;
}

export type CreateApiTokenInput =
  | {
      readonly name: string;
      readonly role: 'Sensor';
      readonly clusterId: string;
      readonly expiresAt?: Date;
    }
  | {
      readonly name: string;
      readonly role: Exclude<TokenRole, 'Sensor'>;
      readonly expiresAt?: Date;
    };

export type TokenLookup =
  | { readonly status: 'valid'; readonly token: ApiTokenRecord }
  | { readonly status: 'expired' | 'revoked'; readonly token: ApiTokenRecord }
  | { readonly status: 'unknown' };

interface TokenRow {
  id: string;
  name: string;
  role: TokenRole;
  cluster_id: string | null;
  token_hash: string;
  created_at: Date;
  expires_at: Date | null;
  revoked_at: Date | null;
}

const columns = 'id, name, role, cluster_id, token_hash, created_at, expires_at, revoked_at';
const tokenPrefix = 'pal_';

function toToken(row: TokenRow): ApiTokenRecord {
  return {
    id: row.id,
    name: row.name,
    role: row.role,
    clusterId: row.cluster_id,
    createdAt: isoTime(row.created_at),
    expiresAt: isoTimeOrNull(row.expires_at),
    revokedAt: isoTimeOrNull(row.revoked_at),
  };
}

export function hashToken(plain: string): string {
  return createHash('sha256').update(plain, 'utf8').digest('hex');
}

/** Creates a token; the returned plain token is not stored anywhere and cannot be shown again. */
export async function createApiToken(
  db: Queryable,
  input: CreateApiTokenInput,
): Promise<{ readonly plainToken: string; readonly token: ApiTokenRecord }> {
  if (input.name.trim() === '') {
    throw new PalisadeError('token-invalid', 'a token needs a name');
  }
  const clusterId = input.role === 'Sensor' ? input.clusterId : null;
  if (clusterId !== null && !isUuid(clusterId)) {
    throw new PalisadeError('cluster-not-found', `no cluster has id '${clusterId}'`, {
      status: 404,
    });
  }
  // 32 random bytes: 256 bits, beyond guessing; the prefix lets secret scanners spot leaks.
  const plainToken = tokenPrefix + randomBytes(32).toString('base64url');
  const [row] = await db.query<TokenRow>(
    `INSERT INTO api_tokens (name, role, cluster_id, token_hash, expires_at)
     VALUES ($1, $2, $3, $4, $5::timestamptz) RETURNING ${columns}`,
    [
      input.name,
      input.role,
      clusterId,
      hashToken(plainToken),
      input.expiresAt?.toISOString() ?? null,
    ],
  );
  if (row === undefined) throw new Error('INSERT returned no row');
  return { plainToken, token: toToken(row) };
}

/** Finds the token a request presents; expired and revoked tokens are reported as such. */
export async function findApiToken(
  db: Queryable,
  plainToken: string,
  now: Date = new Date(),
): Promise<TokenLookup> {
  const hash = hashToken(plainToken);
  const [row] = await db.query<TokenRow>(
    `SELECT ${columns} FROM api_tokens WHERE token_hash = $1`,
    [hash],
  );
  if (row === undefined) return { status: 'unknown' };
  // The index lookup already matched; comparing again in constant time keeps the decision itself
  // free of a timing signal should the lookup ever become a prefix or collation match.
  if (!timingSafeEqual(Buffer.from(row.token_hash, 'utf8'), Buffer.from(hash, 'utf8'))) {
    return { status: 'unknown' };
  }
  const token = toToken(row);
  if (row.revoked_at !== null) return { status: 'revoked', token };
  if (row.expires_at !== null && row.expires_at.getTime() <= now.getTime()) {
    return { status: 'expired', token };
  }
  return { status: 'valid', token };
}

export async function revokeApiToken(db: Queryable, id: string, at?: Date): Promise<boolean> {
  if (!isUuid(id)) return false;
  const rows = await db.query<{ id: string }>(
    `UPDATE api_tokens SET revoked_at = coalesce($2::timestamptz, now())
     WHERE id = $1 AND revoked_at IS NULL RETURNING id`,
    [id, at?.toISOString() ?? null],
  );
  return rows.length > 0;
}

export function listApiTokens(
  db: Queryable,
  filter: { readonly role?: TokenRole; readonly clusterId?: string } = {},
  page: PageRequest = {},
): Promise<Page<ApiTokenRecord>> {
  return listPage(db, {
    select: columns,
    from: 'api_tokens',
    where: [
      ['role', '=', filter.role],
      ['cluster_id', 'uuid', filter.clusterId],
    ],
    orderBy: 'created_at, id',
    page,
    map: toToken,
  });
}
