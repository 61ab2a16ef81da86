// Alerts as StackRox has them: ACTIVE while a workload violates a policy, RESOLVED once it no
// longer does (kept as history), ATTEMPTED for a denied admission. One ACTIVE alert per policy,
// workload and stage; raising it again updates its violations and last-seen time.

import {
  PalisadeError,
  type LifecycleStage,
  type Severity,
  type Violation,
  type WorkloadKind,
} from '../model/index.ts';
import { forEachBatch, lastByKey } from './batch.ts';
import type { Queryable } from './database.ts';
import {
  isoTime,
  isoTimeOrNull,
  isUuid,
  buildWhere,
  listPage,
  type Condition,
  type Page,
  type PageRequest,
  type TextMatch,
} from './page.ts';

export type AlertState = 'ACTIVE' | 'RESOLVED' | 'ATTEMPTED';

export interface AlertWorkloadRef {
  /** The stored workload, when there is one (an admission denial has none). */
  readonly id?: string;
  readonly namespace: string;
  readonly kind: WorkloadKind;
  readonly name: string;
}

/** An alert as lists show it: everything but its violations, which the detail carries. */
export interface AlertSummary {
  readonly id: string;
  readonly policyId: string;
  readonly policyName: string;
  readonly clusterId: string;
  readonly namespace: string;
  /** null once the workload is deleted. */
  readonly workloadId: string | null;
  readonly workloadKind: WorkloadKind;
  readonly workloadName: string;
  readonly state: AlertState;
  readonly severity: Severity;
  readonly lifecycleStage: LifecycleStage;
  readonly violationCount: number;
  readonly firstSeen: string;
  readonly lastSeen: string;
  readonly resolvedAt: string | null;
}

export interface AlertRecord extends AlertSummary {
  readonly violations: readonly Violation[];
}

export interface RaiseAlertInput {
  readonly policy: { readonly id: string; readonly name: string; readonly severity: Severity };
  readonly clusterId: string;
  readonly workload: AlertWorkloadRef;
  readonly lifecycleStage: LifecycleStage;
  readonly violations: readonly Violation[];
  /** ATTEMPTED records a denied admission: always a new alert. ACTIVE when omitted. */
  readonly state?: 'ACTIVE' | 'ATTEMPTED';
  readonly at?: Date;
}

export interface AlertFilter {
  readonly state?: AlertState | readonly AlertState[];
  readonly severity?: Severity | readonly Severity[];
  readonly policyId?: string;
  readonly clusterId?: string;
  readonly namespace?: string;
  readonly workloadId?: string;
  /** Last seen at or after. */
  readonly since?: Date;
  /** Last seen at or before. */
  readonly until?: Date;
  readonly lifecycleStage?: readonly LifecycleStage[];
  /** Search on the cluster's name (or id). */
  readonly cluster?: readonly TextMatch[];
  readonly namespaces?: readonly TextMatch[];
  /** Search on the workload's name. */
  readonly deployment?: readonly TextMatch[];
  /** Search on the policy's id or name. */
  readonly policy?: readonly TextMatch[];
}

/** Orders for alert lists: newest first unless asked; the id breaks ties. */
export const alertOrders = {
  '-lastSeen': 'last_seen DESC, id',
  lastSeen: 'last_seen, id',
  '-firstSeen': 'first_seen DESC, id',
  firstSeen: 'first_seen, id',
  // Severity names sort CRITICAL < HIGH < LOW < MEDIUM as text: rank them instead.
  '-severity': `array_position(ARRAY['LOW_SEVERITY','MEDIUM_SEVERITY','HIGH_SEVERITY','CRITICAL_SEVERITY'], severity) DESC, last_seen DESC, id`,
  severity: `array_position(ARRAY['LOW_SEVERITY','MEDIUM_SEVERITY','HIGH_SEVERITY','CRITICAL_SEVERITY'], severity), last_seen DESC, id`,
  policy: 'policy_name, last_seen DESC, id',
  '-policy': 'policy_name DESC, last_seen DESC, id',
  namespace: 'namespace, workload_name, last_seen DESC, id',
  '-namespace': 'namespace DESC, workload_name DESC, last_seen DESC, id',
  deployment: 'workload_name, namespace, last_seen DESC, id',
  '-deployment': 'workload_name DESC, namespace DESC, last_seen DESC, id',
} as const;

export type AlertOrder = keyof typeof alertOrders;

interface AlertSummaryRow {
  id: string;
  policy_id: string;
  policy_name: string;
  cluster_id: string;
  namespace: string;
  workload_id: string | null;
  workload_kind: WorkloadKind;
  workload_name: string;
  state: AlertState;
  severity: Severity;
  lifecycle_stage: LifecycleStage;
  violation_count: number;
  first_seen: Date;
  last_seen: Date;
  resolved_at: Date | null;
}

interface AlertRow extends AlertSummaryRow {
  violations: Violation[];
}

const summaryColumns =
  'id, policy_id, policy_name, cluster_id, namespace, workload_id, workload_kind, workload_name, ' +
  'state, severity, lifecycle_stage, violation_count, first_seen, last_seen, resolved_at';
const columns = `${summaryColumns}, violations`;

function toAlert(row: AlertRow): AlertRecord {
  return { ...toAlertSummary(row), violations: row.violations };
}

function toAlertSummary(row: AlertSummaryRow): AlertSummary {
  return {
    id: row.id,
    policyId: row.policy_id,
    policyName: row.policy_name,
    clusterId: row.cluster_id,
    namespace: row.namespace,
    workloadId: row.workload_id,
    workloadKind: row.workload_kind,
    workloadName: row.workload_name,
    state: row.state,
    severity: row.severity,
    lifecycleStage: row.lifecycle_stage,
    violationCount: row.violation_count,
    firstSeen: isoTime(row.first_seen),
    lastSeen: isoTime(row.last_seen),
    resolvedAt: isoTimeOrNull(row.resolved_at),
  };
}

/**
 * Creates an alert, or for ACTIVE updates the open one for the same policy, workload and stage
 * (violations, severity, last seen). created tells which happened.
 */
export async function raiseAlert(
  db: Queryable,
  input: RaiseAlertInput,
): Promise<{ readonly alert: AlertRecord; readonly created: boolean }> {
  const state = input.state ?? 'ACTIVE';
  const values = [
    input.policy.id,
    input.policy.name,
    input.clusterId,
    input.workload.namespace,
    input.workload.id ?? null,
    input.workload.kind,
    input.workload.name,
    state,
    input.policy.severity,
    input.lifecycleStage,
    JSON.stringify(input.violations),
    (input.at ?? new Date()).toISOString(),
    input.violations.length,
  ];
  const insert = `INSERT INTO alerts (policy_id, policy_name, cluster_id, namespace, workload_id,
       workload_kind, workload_name, state, severity, lifecycle_stage, violations,
       violation_count, first_seen, last_seen)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11::jsonb, $13, $12::timestamptz,
       $12::timestamptz)`;
  // xmax is 0 for a row this statement inserted, non-zero for one it updated.
  const returning = `RETURNING ${columns}, (xmax::text = '0') AS created`;
  const sql =
    state === 'ATTEMPTED'
      ? `${insert} ${returning}`
      : `${insert}
     ON CONFLICT (policy_id, cluster_id, namespace, workload_kind, workload_name, lifecycle_stage)
       WHERE state = 'ACTIVE'
     DO UPDATE SET policy_name = excluded.policy_name, severity = excluded.severity,
       violations = excluded.violations, violation_count = excluded.violation_count,
       workload_id = coalesce(excluded.workload_id, alerts.workload_id),
       last_seen = greatest(alerts.last_seen, excluded.last_seen)
     ${returning}`;
  const [row] = await db.query<AlertRow & { created: boolean }>(sql, values);
  if (row === undefined) throw new Error('INSERT returned no row');
  return { alert: toAlert(row), created: row.created };
}

/** One ACTIVE alert a detection pass wants to exist. */
export interface ActiveAlertInput {
  readonly policy: { readonly id: string; readonly name: string; readonly severity: Severity };
  readonly workload: AlertWorkloadRef;
  readonly violations: readonly Violation[];
}

/**
 * Raises or updates many ACTIVE alerts of one cluster and stage, a batch per statement (the
 * detection loop's write). An open alert whose policy, severity and violations are unchanged
 * is not written at all: its last-seen time is the last time it changed. Returns how many
 * alerts were created.
 */
export async function raiseActiveAlerts(
  db: Queryable,
  clusterId: string,
  lifecycleStage: LifecycleStage,
  inputs: readonly ActiveAlertInput[],
  at: Date = new Date(),
): Promise<number> {
  let created = 0;
  const unique = lastByKey(
    inputs,
    (i) =>
      `${i.policy.id}\u0000${i.workload.namespace}\u0000${i.workload.kind}\u0000${i.workload.name}`,
  );
  await forEachBatch(
    unique,
    async (batch) => {
      const rows = batch.map((i) => ({
        policy_id: i.policy.id,
        policy_name: i.policy.name,
        severity: i.policy.severity,
        namespace: i.workload.namespace,
        workload_id: i.workload.id ?? null,
        workload_kind: i.workload.kind,
        workload_name: i.workload.name,
        violations: i.violations,
      }));
      const result = await db.query<{ created: boolean }>(
        `INSERT INTO alerts (policy_id, policy_name, cluster_id, namespace, workload_id,
         workload_kind, workload_name, state, severity, lifecycle_stage, violations,
         violation_count, first_seen, last_seen)
       SELECT r.policy_id, r.policy_name, $1::uuid, r.namespace, r.workload_id, r.workload_kind,
         r.workload_name, 'ACTIVE', r.severity, $2, r.violations, jsonb_array_length(r.violations),
         $3::timestamptz, $3::timestamptz
       FROM jsonb_to_recordset($4::jsonb) AS r(policy_id text, policy_name text, severity text,
         namespace text, workload_id uuid, workload_kind text, workload_name text, violations jsonb)
       ON CONFLICT (policy_id, cluster_id, namespace, workload_kind, workload_name, lifecycle_stage)
         WHERE state = 'ACTIVE'
       DO UPDATE SET policy_name = excluded.policy_name, severity = excluded.severity,
         violations = excluded.violations, violation_count = excluded.violation_count,
         workload_id = coalesce(excluded.workload_id, alerts.workload_id),
         last_seen = greatest(alerts.last_seen, excluded.last_seen)
       -- An alert detection finds unchanged is left as it is (last seen = last change): no
       -- rewrite of 100,000 rows when a resync confirms what is stored.
       WHERE alerts.violations IS DISTINCT FROM excluded.violations
         OR alerts.severity IS DISTINCT FROM excluded.severity
         OR alerts.policy_name IS DISTINCT FROM excluded.policy_name
         OR alerts.workload_id IS DISTINCT FROM coalesce(excluded.workload_id, alerts.workload_id)
       RETURNING (xmax::text = '0') AS created`,
        [clusterId, lifecycleStage, at.toISOString(), JSON.stringify(rows)],
      );
      for (const row of result) if (row.created) created++;
    },
    2000,
  );
  return created;
}

/**
 * Resolves the ACTIVE alerts of the given workloads for the given policies, except the
 * (workload, policy) pairs still violated: the detection loop's resolve step, in bulk.
 * Returns how many were resolved.
 */
export async function resolveStaleAlerts(
  db: Queryable,
  clusterId: string,
  input: {
    readonly workloads: readonly Omit<AlertWorkloadRef, 'id'>[];
    readonly policyIds: readonly string[];
    /** [namespace, kind, name, policyId] still violated. */
    readonly keep: readonly (readonly [string, string, string, string])[];
    readonly at?: Date;
  },
): Promise<number> {
  if (!isUuid(clusterId) || input.policyIds.length === 0) return 0;
  const keep = new Map<string, string[]>();
  for (const [namespace, kind, name, policyId] of input.keep) {
    const key = `${namespace}\u0000${kind}\u0000${name}`;
    const list = keep.get(key);
    if (list) list.push(policyId);
    else keep.set(key, [policyId]);
  }
  let resolved = 0;
  await forEachBatch(input.workloads, async (batch) => {
    const rows = batch.map((w) => ({
      namespace: w.namespace,
      kind: w.kind,
      name: w.name,
      keep: keep.get(`${w.namespace}\u0000${w.kind}\u0000${w.name}`) ?? [],
    }));
    const result = await db.query<{ id: string }>(
      `UPDATE alerts a SET state = 'RESOLVED', resolved_at = coalesce($3::timestamptz, now())
       FROM jsonb_to_recordset($4::jsonb) AS r(namespace text, kind text, name text, keep jsonb)
       WHERE a.state = 'ACTIVE' AND a.cluster_id = $1 AND a.namespace = r.namespace
         AND a.workload_kind = r.kind AND a.workload_name = r.name
         AND a.policy_id = ANY($2::text[]) AND NOT (r.keep ? a.policy_id)
       RETURNING a.id`,
      [clusterId, [...input.policyIds], input.at?.toISOString() ?? null, JSON.stringify(rows)],
    );
    resolved += result.length;
  });
  return resolved;
}

/**
 * Resolves the open (ACTIVE or ATTEMPTED) alerts among the given ids, or among those matching
 * a filter (bounded by `limit`); returns the ids resolved. Already resolved alerts are skipped.
 */
export async function resolveAlerts(
  db: Queryable,
  target:
    { readonly ids: readonly string[] } | { readonly filter: AlertFilter; readonly limit: number },
  at?: Date,
): Promise<string[]> {
  if ('ids' in target) {
    const ids = target.ids.filter(isUuid);
    if (ids.length === 0) return [];
    const rows = await db.query<{ id: string }>(
      `UPDATE alerts SET state = 'RESOLVED', resolved_at = coalesce($2::timestamptz, now())
       WHERE id = ANY($1::uuid[]) AND state <> 'RESOLVED' RETURNING id`,
      [ids, at?.toISOString() ?? null],
    );
    return rows.map((r) => r.id);
  }
  const where = buildWhere(alertConditions({ ...target.filter, state: ['ACTIVE', 'ATTEMPTED'] }));
  const n = where.params.length;
  const rows = await db.query<{ id: string }>(
    `UPDATE alerts SET state = 'RESOLVED', resolved_at = coalesce($${n + 2}::timestamptz, now())
     WHERE id IN (SELECT id FROM alerts ${where.sql} LIMIT $${n + 1}) RETURNING id`,
    [...where.params, target.limit, at?.toISOString() ?? null],
  );
  return rows.map((r) => r.id);
}

/** Resolves one ACTIVE or ATTEMPTED alert; a resolved alert is history and cannot change. */
export async function resolveAlert(db: Queryable, id: string, at?: Date): Promise<AlertRecord> {
  const notFound = new PalisadeError('alert-not-found', `no alert has id '${id}'`, { status: 404 });
  if (!isUuid(id)) throw notFound;
  const [row] = await db.query<AlertRow>(
    `UPDATE alerts SET state = 'RESOLVED', resolved_at = coalesce($2::timestamptz, now())
     WHERE id = $1 AND state <> 'RESOLVED' RETURNING ${columns}`,
    [id, at?.toISOString() ?? null],
  );
  if (row !== undefined) return toAlert(row);
  const existing = await getAlert(db, id);
  if (existing === null) throw notFound;
  throw new PalisadeError('alert-already-resolved', `alert '${id}' is already resolved`, {
    status: 409,
    details: { resolvedAt: existing.resolvedAt },
  });
}

/**
 * Resolves the ACTIVE alerts of one workload, except those of the policies it still violates
 * (keepPolicyIds). Deleting a workload passes none. Returns the resolved alerts.
 */
export async function resolveWorkloadAlerts(
  db: Queryable,
  clusterId: string,
  workload: Omit<AlertWorkloadRef, 'id'>,
  options: {
    readonly keepPolicyIds?: readonly string[];
    /** Resolve only alerts of these policies (those just re-evaluated); all when omitted. */
    readonly onlyPolicyIds?: readonly string[];
    readonly at?: Date;
  } = {},
): Promise<AlertRecord[]> {
  if (!isUuid(clusterId)) return [];
  const rows = await db.query<AlertRow>(
    `UPDATE alerts SET state = 'RESOLVED', resolved_at = coalesce($5::timestamptz, now())
     WHERE state = 'ACTIVE' AND cluster_id = $1 AND namespace = $2 AND workload_kind = $3
       AND workload_name = $4 AND NOT (policy_id = ANY($6::text[]))
       AND ($7::text[] IS NULL OR policy_id = ANY($7::text[]))
     RETURNING ${columns}`,
    [
      clusterId,
      workload.namespace,
      workload.kind,
      workload.name,
      options.at?.toISOString() ?? null,
      options.keepPolicyIds ?? [],
      options.onlyPolicyIds ?? null,
    ],
  );
  return rows.map(toAlert);
}

export async function getAlert(db: Queryable, id: string): Promise<AlertRecord | null> {
  if (!isUuid(id)) return null;
  const [row] = await db.query<AlertRow>(`SELECT ${columns} FROM alerts WHERE id = $1`, [id]);
  return row === undefined ? null : toAlert(row);
}

/** Newest first (by last seen); summaries without violations (getAlert has them). */
export function listAlerts(
  db: Queryable,
  filter: AlertFilter = {},
  page: PageRequest = {},
  order: AlertOrder = '-lastSeen',
): Promise<Page<AlertSummary>> {
  return listPage(db, {
    select: summaryColumns,
    from: 'alerts',
    where: alertConditions(filter),
    orderBy: alertOrders[order],
    page,
    map: toAlertSummary,
  });
}

/** The list conditions of an alert filter (columns come from here, values are parameters). */
function alertConditions(filter: AlertFilter): Condition[] {
  const states = typeof filter.state === 'string' ? [filter.state] : filter.state;
  const severities = typeof filter.severity === 'string' ? [filter.severity] : filter.severity;
  return [
    ['state', 'in', states],
    ['severity', 'in', severities],
    ['policy_id', '=', filter.policyId],
    ['cluster_id', 'uuid', filter.clusterId],
    ['namespace', '=', filter.namespace],
    ['workload_id', 'uuid', filter.workloadId],
    ['last_seen', '>=', filter.since?.toISOString()],
    ['last_seen', '<=', filter.until?.toISOString()],
    ['lifecycle_stage', 'in', filter.lifecycleStage],
    [
      ['cluster_id::text', '(SELECT c.name FROM clusters c WHERE c.id = alerts.cluster_id)'],
      'match',
      filter.cluster,
    ],
    [['namespace'], 'match', filter.namespaces],
    [['workload_name'], 'match', filter.deployment],
    [['policy_id', 'policy_name'], 'match', filter.policy],
  ];
}

/** Resolves every ACTIVE alert of a policy (it was disabled or deleted); returns how many. */
export async function resolvePolicyAlerts(
  db: Queryable,
  policyId: string,
  at?: Date,
): Promise<number> {
  const rows = await db.query<{ id: string }>(
    `UPDATE alerts SET state = 'RESOLVED', resolved_at = coalesce($2::timestamptz, now())
     WHERE policy_id = $1 AND state = 'ACTIVE' RETURNING id`,
    [policyId, at?.toISOString() ?? null],
  );
  return rows.length;
}
