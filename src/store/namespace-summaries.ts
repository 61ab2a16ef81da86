// Namespaces as a dashboard lists them: every namespace a cluster reports or a workload lives
// in, with its deployment count, active alerts by severity and risk (the sum of its
// deployments' scores, as StackRox ranks namespaces).

import type { Severity } from '../model/index.ts';
import type { Queryable } from './database.ts';
import { checkPage, isUuid, type Page, type PageRequest } from './page.ts';

export interface NamespaceSummary {
  readonly clusterId: string;
  readonly clusterName: string;
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly deployments: number;
  readonly activeAlerts: number;
  readonly activeAlertsBySeverity: Readonly<Record<Severity, number>>;
  readonly riskScore: number;
}

interface SummaryRow {
  cluster_id: string;
  cluster_name: string;
  name: string;
  labels: Record<string, string> | null;
  deployments: number;
  low: number;
  medium: number;
  high: number;
  critical: number;
  risk: number;
  total: number;
}

/** Riskiest first; filtered by cluster when given. */
export async function listNamespaceSummaries(
  db: Queryable,
  filter: { readonly clusterId?: string } = {},
  page: PageRequest = {},
): Promise<Page<NamespaceSummary>> {
  const { limit, offset } = checkPage(page);
  if (filter.clusterId !== undefined && !isUuid(filter.clusterId))
    return { items: [], total: 0, limit, offset };
  const rows = await db.query<SummaryRow>(
    `WITH names AS (
       SELECT cluster_id, name FROM namespaces WHERE $1::uuid IS NULL OR cluster_id = $1
       UNION
       SELECT DISTINCT cluster_id, namespace FROM workloads WHERE $1::uuid IS NULL OR cluster_id = $1
     ), summaries AS (
       SELECT n.cluster_id, c.name AS cluster_name, n.name, ns.labels,
         (SELECT count(*) FROM workloads w
           WHERE w.cluster_id = n.cluster_id AND w.namespace = n.name)::int AS deployments,
         a.low, a.medium, a.high, a.critical,
         (SELECT coalesce(sum(r.score), 0) FROM risk_scores r JOIN workloads w ON w.id = r.workload_id
           WHERE w.cluster_id = n.cluster_id AND w.namespace = n.name)::float8 AS risk
       FROM names n
       JOIN clusters c ON c.id = n.cluster_id
       LEFT JOIN namespaces ns ON ns.cluster_id = n.cluster_id AND ns.name = n.name
       CROSS JOIN LATERAL (
         SELECT count(*) FILTER (WHERE severity = 'LOW_SEVERITY')::int AS low,
           count(*) FILTER (WHERE severity = 'MEDIUM_SEVERITY')::int AS medium,
           count(*) FILTER (WHERE severity = 'HIGH_SEVERITY')::int AS high,
           count(*) FILTER (WHERE severity = 'CRITICAL_SEVERITY')::int AS critical
         FROM alerts WHERE cluster_id = n.cluster_id AND namespace = n.name AND state = 'ACTIVE'
       ) a
     )
     SELECT *, count(*) OVER ()::int AS total FROM summaries
     ORDER BY risk DESC, cluster_name, name LIMIT $2 OFFSET $3`,
    [filter.clusterId ?? null, limit, offset],
  );
  let total = rows[0]?.total;
  if (total === undefined) {
    // Past the last page: count without fetching.
    const [counted] = await db.query<{ total: number }>(
      `SELECT count(*)::int AS total FROM (
         SELECT cluster_id, name FROM namespaces WHERE $1::uuid IS NULL OR cluster_id = $1
         UNION
         SELECT DISTINCT cluster_id, namespace FROM workloads WHERE $1::uuid IS NULL OR cluster_id = $1
       ) names`,
      [filter.clusterId ?? null],
    );
    total = counted?.total ?? 0;
  }
  return {
    items: rows.map((r) => ({
      clusterId: r.cluster_id,
      clusterName: r.cluster_name,
      name: r.name,
      labels: r.labels ?? {},
      deployments: r.deployments,
      activeAlerts: r.low + r.medium + r.high + r.critical,
      activeAlertsBySeverity: {
        LOW_SEVERITY: r.low,
        MEDIUM_SEVERITY: r.medium,
        HIGH_SEVERITY: r.high,
        CRITICAL_SEVERITY: r.critical,
      },
      riskScore: r.risk,
    })),
    total,
    limit,
    offset,
  };
}
