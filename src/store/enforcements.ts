// Enforcement on alerts: which ACTIVE alerts of a cluster ask for an enforcement action that the
// Sensor has not yet taken (their policy lists enforcementActions), and the outcome of each
// action the Sensor took, kept per alert and action (migration 0004).

import { PalisadeError } from '../model/index.ts';
import type { Queryable } from './database.ts';
import { isoTime, isUuid } from './page.ts';

export type EnforcementOutcome = 'SUCCEEDED' | 'FAILED' | 'SKIPPED';

/** A FAILED action is offered again until it has failed this often. */
export const maxEnforcementAttempts = 3;

export interface PendingEnforcement {
  readonly alertId: string;
  readonly policyId: string;
  readonly policyName: string;
  readonly actions: readonly string[];
  readonly workload: { readonly namespace: string; readonly kind: string; readonly name: string };
}

export interface EnforcementRecord {
  readonly alertId: string;
  readonly action: string;
  readonly outcome: EnforcementOutcome;
  readonly message: string;
  readonly attempts: number;
  readonly firstAt: string;
  readonly lastAt: string;
}

interface PendingRow {
  alert_id: string;
  policy_id: string;
  policy_name: string;
  namespace: string;
  workload_kind: string;
  workload_name: string;
  actions: unknown;
  done: string[] | null;
}

/** ACTIVE alerts of the cluster with enforcement actions not yet taken (oldest first). */
export async function listPendingEnforcement(
  db: Queryable,
  clusterId: string,
  limit = 500,
): Promise<PendingEnforcement[]> {
  if (!isUuid(clusterId)) return [];
  const rows = await db.query<PendingRow>(
    `SELECT a.id AS alert_id, a.policy_id, a.policy_name, a.namespace, a.workload_kind,
        a.workload_name, p.body->'enforcementActions' AS actions,
        (SELECT array_agg(e.action) FROM alert_enforcements e
          WHERE e.alert_id = a.id AND (e.outcome <> 'FAILED' OR e.attempts >= $2)) AS done
     FROM alerts a JOIN policies p ON p.id = a.policy_id
     WHERE a.cluster_id = $1 AND a.state = 'ACTIVE' AND NOT p.disabled
       AND jsonb_typeof(p.body->'enforcementActions') = 'array'
       AND jsonb_array_length(p.body->'enforcementActions') > 0
     ORDER BY a.first_seen, a.id
     LIMIT $3`,
    [clusterId, maxEnforcementAttempts, limit],
  );
  const pending: PendingEnforcement[] = [];
  for (const row of rows) {
    const done = new Set(row.done ?? []);
    const actions = (Array.isArray(row.actions) ? row.actions : []).filter(
      (a): a is string => typeof a === 'string' && !done.has(a),
    );
    if (actions.length === 0) continue;
    pending.push({
      alertId: row.alert_id,
      policyId: row.policy_id,
      policyName: row.policy_name,
      actions,
      workload: { namespace: row.namespace, kind: row.workload_kind, name: row.workload_name },
    });
  }
  return pending;
}

interface RecordRow {
  alert_id: string;
  action: string;
  outcome: EnforcementOutcome;
  message: string;
  attempts: number;
  first_at: Date;
  last_at: Date;
}

function toRecord(row: RecordRow): EnforcementRecord {
  return {
    alertId: row.alert_id,
    action: row.action,
    outcome: row.outcome,
    message: row.message,
    attempts: row.attempts,
    firstAt: isoTime(row.first_at),
    lastAt: isoTime(row.last_at),
  };
}

const recordColumns = 'alert_id, action, outcome, message, attempts, first_at, last_at';

/** Records the outcome of one action on an alert of the cluster; 404 for another's alert. */
export async function recordEnforcement(
  db: Queryable,
  clusterId: string,
  input: {
    readonly alertId: string;
    readonly action: string;
    readonly outcome: EnforcementOutcome;
    readonly message: string;
  },
): Promise<EnforcementRecord> {
  const notFound = () =>
    new PalisadeError('alert-not-found', `cluster '${clusterId}' has no alert '${input.alertId}'`, {
      status: 404,
    });
  if (!isUuid(input.alertId) || !isUuid(clusterId)) throw notFound();
  const [row] = await db.query<RecordRow>(
    `INSERT INTO alert_enforcements (alert_id, action, cluster_id, outcome, message)
     SELECT a.id, $3, a.cluster_id, $4, $5 FROM alerts a WHERE a.id = $1 AND a.cluster_id = $2
     ON CONFLICT (alert_id, action) DO UPDATE SET outcome = excluded.outcome,
       message = excluded.message, attempts = alert_enforcements.attempts + 1, last_at = now()
     RETURNING ${recordColumns}`,
    [input.alertId, clusterId, input.action, input.outcome, input.message],
  );
  if (row === undefined) throw notFound();
  return toRecord(row);
}

/** The enforcement actions taken for an alert of the cluster, oldest first. */
export async function listAlertEnforcements(
  db: Queryable,
  clusterId: string,
  alertId: string,
): Promise<EnforcementRecord[]> {
  if (!isUuid(alertId) || !isUuid(clusterId)) return [];
  const rows = await db.query<RecordRow>(
    `SELECT ${recordColumns} FROM alert_enforcements
     WHERE alert_id = $1 AND cluster_id = $2 ORDER BY first_at, action`,
    [alertId, clusterId],
  );
  return rows.map(toRecord);
}
