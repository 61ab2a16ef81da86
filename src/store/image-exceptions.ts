// Vulnerability exceptions: a CVE deferred or marked a false positive, with a reason and an
// optional expiry, for one image digest or for every image. While active, the CVE is left out
// of policy evaluation (as StackRox leaves out CVEs not in state OBSERVED) and of the counts.

import { PalisadeError } from '../model/index.ts';
import type { Queryable } from './database.ts';
import { isoTime, isoTimeOrNull, isUuid } from './page.ts';

export type VulnerabilityExceptionKind = 'DEFERRAL' | 'FALSE_POSITIVE';

export interface VulnerabilityExceptionInput {
  readonly cve: string;
  /** One image; every image when absent. */
  readonly digest?: string;
  readonly kind: VulnerabilityExceptionKind;
  readonly reason: string;
  /** ISO time after which the exception no longer applies; never when absent. */
  readonly expiresAt?: string;
  readonly createdBy: string;
}

export interface VulnerabilityException {
  readonly id: string;
  readonly cve: string;
  readonly digest: string | null;
  readonly kind: VulnerabilityExceptionKind;
  readonly reason: string;
  readonly expiresAt: string | null;
  readonly createdBy: string;
  readonly createdAt: string;
  readonly active: boolean;
}

interface ExceptionRow {
  id: string;
  cve: string;
  digest: string | null;
  kind: VulnerabilityExceptionKind;
  reason: string;
  expires_at: Date | null;
  created_by: string;
  created_at: Date;
  active: boolean;
}

function exceptionOf(row: ExceptionRow): VulnerabilityException {
  return {
    id: row.id,
    cve: row.cve,
    digest: row.digest,
    kind: row.kind,
    reason: row.reason,
    expiresAt: isoTimeOrNull(row.expires_at),
    createdBy: row.created_by,
    createdAt: isoTime(row.created_at),
    active: row.active,
  };
}

const columns = `id, cve, digest, kind, reason, expires_at, created_by, created_at,
  (expires_at IS NULL OR expires_at > now()) AS active`;

export async function createVulnerabilityException(
  db: Queryable,
  input: VulnerabilityExceptionInput,
): Promise<VulnerabilityException> {
  if (input.reason.trim() === '')
    throw new PalisadeError('exception-invalid', 'an exception needs a reason', { status: 400 });
  const rows = await db.query<ExceptionRow>(
    `INSERT INTO vulnerability_exceptions (cve, digest, kind, reason, expires_at, created_by)
     VALUES ($1, $2, $3, $4, $5, $6) RETURNING ${columns}`,
    [
      input.cve.toUpperCase(),
      input.digest ?? null,
      input.kind,
      input.reason,
      input.expiresAt ?? null,
      input.createdBy,
    ],
  );
  return exceptionOf(rows[0] as ExceptionRow);
}

/** Exceptions, newest first; only those in force when `active`. */
export async function listVulnerabilityExceptions(
  db: Queryable,
  filter: { readonly active?: boolean; readonly cve?: string } = {},
): Promise<VulnerabilityException[]> {
  const conditions: string[] = [];
  const params: unknown[] = [];
  if (filter.active === true) conditions.push('(expires_at IS NULL OR expires_at > now())');
  if (filter.cve !== undefined) {
    params.push(filter.cve.toUpperCase());
    conditions.push(`cve = $${params.length}`);
  }
  const rows = await db.query<ExceptionRow>(
    `SELECT ${columns} FROM vulnerability_exceptions
     ${conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : ''}
     ORDER BY created_at DESC, id`,
    params,
  );
  return rows.map(exceptionOf);
}

/** Removes an exception; false when there was none with that id. */
export async function deleteVulnerabilityException(db: Queryable, id: string): Promise<boolean> {
  if (!isUuid(id)) return false;
  const rows = await db.query<{ id: string }>(
    'DELETE FROM vulnerability_exceptions WHERE id = $1 RETURNING id',
    [id],
  );
  return rows.length > 0;
}
