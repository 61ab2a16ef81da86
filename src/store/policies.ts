// Stored policies in StackRox's JSON format. The body is kept whole (unknown keys survive);
// name, severity and disabled are copied into columns for uniqueness and list filters.

import { PalisadeError, type Policy, type Severity } from '../model/index.ts';
import { isUniqueViolation, type Queryable } from './database.ts';
import { isoTime, listPage, type Page, type PageRequest } from './page.ts';

export interface PolicyRecord {
  readonly id: string;
  readonly name: string;
  readonly policy: Policy;
  readonly disabled: boolean;
  readonly severity: Severity;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface PolicyFilter {
  readonly disabled?: boolean;
  readonly severity?: Severity | readonly Severity[];
}

interface PolicyRow {
  id: string;
  name: string;
  body: Policy;
  disabled: boolean;
  severity: Severity;
  created_at: Date;
  updated_at: Date;
}

const columns = 'id, name, body, disabled, severity, created_at, updated_at';

function toPolicy(row: PolicyRow): PolicyRecord {
  return {
    id: row.id,
    name: row.name,
    policy: row.body,
    disabled: row.disabled,
    severity: row.severity,
    createdAt: isoTime(row.created_at),
    updatedAt: isoTime(row.updated_at),
  };
}

/** Creates the policy or replaces the one with its id; a name held by another id is refused. */
export async function savePolicy(db: Queryable, policy: Policy): Promise<PolicyRecord> {
  try {
    const [row] = await db.query<PolicyRow>(
      `INSERT INTO policies (id, name, body, disabled, severity) VALUES ($1, $2, $3::jsonb, $4, $5)
       ON CONFLICT (id) DO UPDATE SET name = excluded.name, body = excluded.body,
         disabled = excluded.disabled, severity = excluded.severity, updated_at = now()
       RETURNING ${columns}`,
      [policy.id, policy.name, JSON.stringify(policy), policy.disabled ?? false, policy.severity],
    );
    if (row === undefined) throw new Error('INSERT returned no row');
    return toPolicy(row);
  } catch (error) {
    if (isUniqueViolation(error)) {
      throw new PalisadeError('policy-name-taken', `another policy is named '${policy.name}'`, {
        status: 409,
        cause: error,
      });
    }
    throw error;
  }
}

export async function getPolicy(db: Queryable, id: string): Promise<PolicyRecord | null> {
  const [row] = await db.query<PolicyRow>(`SELECT ${columns} FROM policies WHERE id = $1`, [id]);
  return row === undefined ? null : toPolicy(row);
}

/** Enables or disables a policy, in its column and its body alike. */
export async function setPolicyDisabled(
  db: Queryable,
  id: string,
  disabled: boolean,
): Promise<PolicyRecord | null> {
  const [row] = await db.query<PolicyRow>(
    `UPDATE policies SET disabled = $2, body = jsonb_set(body, '{disabled}', to_jsonb($2::boolean)),
       updated_at = now()
     WHERE id = $1 RETURNING ${columns}`,
    [id, disabled],
  );
  return row === undefined ? null : toPolicy(row);
}

/** Removes a policy; its alerts stay as history. */
export async function deletePolicy(db: Queryable, id: string): Promise<boolean> {
  const rows = await db.query<{ id: string }>('DELETE FROM policies WHERE id = $1 RETURNING id', [
    id,
  ]);
  return rows.length > 0;
}

export function listPolicies(
  db: Queryable,
  filter: PolicyFilter = {},
  page: PageRequest = {},
): Promise<Page<PolicyRecord>> {
  const severities = typeof filter.severity === 'string' ? [filter.severity] : filter.severity;
  return listPage(db, {
    select: columns,
    from: 'policies',
    where: [
      ['disabled', '=', filter.disabled],
      ['severity', 'in', severities],
    ],
    orderBy: 'name',
    page,
    map: toPolicy,
  });
}
