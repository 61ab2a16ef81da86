// Stored deployment risk scores and their explaining factors, ranked per cluster and namespace.
// Computing them is risk/'s job; this file only keeps the latest result per workload.

import type { WorkloadKind } from '../model/index.ts';
import type { RiskFactor } from '../risk/index.ts';
import { forEachBatch } from './batch.ts';
import type { Queryable } from './database.ts';
import { isoTime, isUuid, listPage, type Page, type PageRequest } from './page.ts';

export interface RiskScoreRecord {
  readonly workloadId: string;
  readonly clusterId: string;
  readonly namespace: string;
  readonly workloadKind: WorkloadKind;
  readonly workloadName: string;
  readonly score: number;
  readonly factors: readonly RiskFactor[];
  readonly computedAt: string;
}

interface RiskRow {
  workload_id: string;
  cluster_id: string;
  namespace: string;
  kind: WorkloadKind;
  name: string;
  score: number;
  factors: RiskFactor[];
  computed_at: Date;
}

const columns =
  'r.workload_id, w.cluster_id, w.namespace, w.kind, w.name, r.score, r.factors, r.computed_at';
const from = 'risk_scores r JOIN workloads w ON w.id = r.workload_id';

function toRisk(row: RiskRow): RiskScoreRecord {
  return {
    workloadId: row.workload_id,
    clusterId: row.cluster_id,
    namespace: row.namespace,
    workloadKind: row.kind,
    workloadName: row.name,
    score: row.score,
    factors: row.factors,
    computedAt: isoTime(row.computed_at),
  };
}

/** Replaces many workloads' scores; workloads that no longer exist are skipped. */
export async function saveRiskScores(
  db: Queryable,
  scores: readonly {
    readonly workloadId: string;
    readonly score: number;
    readonly factors: readonly RiskFactor[];
  }[],
): Promise<void> {
  await forEachBatch(
    scores.filter((s) => isUuid(s.workloadId)),
    async (batch) => {
      await db.query(
        `INSERT INTO risk_scores (workload_id, score, factors)
         SELECT w.id, r.score, r.factors
         FROM jsonb_to_recordset($1::jsonb) AS r(id uuid, score double precision, factors jsonb)
         JOIN workloads w ON w.id = r.id
         ON CONFLICT (workload_id) DO UPDATE SET score = excluded.score,
           factors = excluded.factors, computed_at = now()
         WHERE risk_scores.score IS DISTINCT FROM excluded.score
           OR risk_scores.factors IS DISTINCT FROM excluded.factors`,
        [
          JSON.stringify(
            batch.map((s) => ({ id: s.workloadId, score: s.score, factors: s.factors })),
          ),
        ],
      );
    },
  );
}

/** Replaces the workload's score; false when the workload no longer exists. */
export async function saveRiskScore(
  db: Queryable,
  workloadId: string,
  score: number,
  factors: readonly RiskFactor[],
): Promise<boolean> {
  if (!isUuid(workloadId)) return false;
  const rows = await db.query<{ workload_id: string }>(
    `INSERT INTO risk_scores (workload_id, score, factors)
     SELECT id, $2, $3::jsonb FROM workloads WHERE id = $1
     ON CONFLICT (workload_id) DO UPDATE SET score = excluded.score, factors = excluded.factors,
       computed_at = now()
     RETURNING workload_id`,
    [workloadId, score, JSON.stringify(factors)],
  );
  return rows.length > 0;
}

export async function getRiskScore(
  db: Queryable,
  workloadId: string,
): Promise<RiskScoreRecord | null> {
  if (!isUuid(workloadId)) return null;
  const [row] = await db.query<RiskRow>(`SELECT ${columns} FROM ${from} WHERE r.workload_id = $1`, [
    workloadId,
  ]);
  return row === undefined ? null : toRisk(row);
}

/** Riskiest first. */
export function listRiskRanking(
  db: Queryable,
  filter: { readonly clusterId?: string; readonly namespace?: string } = {},
  page: PageRequest = {},
): Promise<Page<RiskScoreRecord>> {
  return listPage(db, {
    select: columns,
    from,
    where: [
      ['w.cluster_id', 'uuid', filter.clusterId],
      ['w.namespace', '=', filter.namespace],
    ],
    orderBy: 'r.score DESC, w.namespace, w.name, r.workload_id',
    page,
    map: toRisk,
  });
}
