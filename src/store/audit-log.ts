// The audit log of user actions: append-only, newest first when listed. What counts as an
// action (and who the actor is) is decided by central/; this file only records it.

import type { Queryable } from './database.ts';
import { isoTime, listPage, type Page, type PageRequest } from './page.ts';

export interface AuditEntry {
  readonly id: string;
  readonly actor: string;
  readonly action: string;
  readonly target: string;
  readonly at: string;
  readonly details: Readonly<Record<string, unknown>>;
}

export interface AuditInput {
  /** Who: a token name or id, "system" for Central itself. */
  readonly actor: string;
  /** What, kebab-case: policy-update, token-create, alert-resolve, … */
  readonly action: string;
  readonly target?: string;
  readonly details?: Readonly<Record<string, unknown>>;
  readonly at?: Date;
}

interface AuditRow {
  id: string;
  actor: string;
  action: string;
  target: string;
  at: Date;
  details: Record<string, unknown>;
}

// bigint ids are read as text: pg gives int8 as a string and PGlite as a number.
const columns = 'id::text AS id, actor, action, target, at, details';

function toEntry(row: AuditRow): AuditEntry {
  return { ...row, at: isoTime(row.at) };
}

export async function appendAudit(db: Queryable, input: AuditInput): Promise<AuditEntry> {
  const [row] = await db.query<AuditRow>(
    `INSERT INTO audit_log (actor, action, target, details, at)
     VALUES ($1, $2, $3, $4::jsonb, coalesce($5::timestamptz, now())) RETURNING ${columns}`,
    [
      input.actor,
      input.action,
      input.target ?? '',
      JSON.stringify(input.details ?? {}),
      input.at?.toISOString() ?? null,
    ],
  );
  if (row === undefined) throw new Error('INSERT returned no row');
  return toEntry(row);
}

export function listAudit(
  db: Queryable,
  filter: { readonly actor?: string; readonly action?: string; readonly since?: Date } = {},
  page: PageRequest = {},
): Promise<Page<AuditEntry>> {
  return listPage(db, {
    select: columns,
    from: 'audit_log',
    where: [
      ['actor', '=', filter.actor],
      ['action', '=', filter.action],
      ['at', '>=', filter.since?.toISOString()],
    ],
    orderBy: 'at DESC, audit_log.id DESC',
    page,
    map: toEntry,
  });
}
