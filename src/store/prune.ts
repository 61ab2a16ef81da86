// Removes what a cluster snapshot no longer contains: a snapshot is the cluster as it is now,
// so every stored workload, object and namespace of that cluster not in it is deleted.

import type { WorkloadKind } from '../model/index.ts';
import type { Queryable } from './database.ts';
import { isUuid } from './page.ts';

export interface SnapshotKeys {
  /** [namespace, kind, name] of every workload in the snapshot. */
  readonly workloads: readonly (readonly [string, string, string])[];
  /** [kind, namespace, name] of every other object in the snapshot. */
  readonly objects: readonly (readonly [string, string, string])[];
  readonly namespaces: readonly string[];
}

export interface PrunedWorkload {
  readonly namespace: string;
  readonly kind: WorkloadKind;
  readonly name: string;
}

const column = (rows: readonly (readonly [string, string, string])[], i: 0 | 1 | 2) =>
  rows.map((r) => r[i]);

export interface Pruned {
  readonly workloads: readonly PrunedWorkload[];
  /** Namespaces of the other objects deleted ('' for cluster-scoped ones), without repeats. */
  readonly objectNamespaces: readonly string[];
  readonly objectsDeleted: number;
  readonly namespaces: readonly string[];
}

/** Deletes the cluster's rows absent from the snapshot; says what it deleted. */
export async function pruneToSnapshot(
  db: Queryable,
  clusterId: string,
  keep: SnapshotKeys,
): Promise<Pruned> {
  if (!isUuid(clusterId))
    return { workloads: [], objectNamespaces: [], objectsDeleted: 0, namespaces: [] };
  const workloads = await db.query<PrunedWorkload>(
    `DELETE FROM workloads w WHERE w.cluster_id = $1 AND NOT EXISTS (
       SELECT 1 FROM unnest($2::text[], $3::text[], $4::text[]) AS k(namespace, kind, name)
       WHERE k.namespace = w.namespace AND k.kind = w.kind AND k.name = w.name)
     RETURNING namespace, kind, name`,
    [clusterId, column(keep.workloads, 0), column(keep.workloads, 1), column(keep.workloads, 2)],
  );
  const objects = await db.query<{ namespace: string }>(
    `DELETE FROM objects o WHERE o.cluster_id = $1 AND NOT EXISTS (
       SELECT 1 FROM unnest($2::text[], $3::text[], $4::text[]) AS k(kind, namespace, name)
       WHERE k.kind = o.kind AND k.namespace = o.namespace AND k.name = o.name)
     RETURNING namespace`,
    [clusterId, column(keep.objects, 0), column(keep.objects, 1), column(keep.objects, 2)],
  );
  const namespaces = await db.query<{ name: string }>(
    'DELETE FROM namespaces WHERE cluster_id = $1 AND NOT (name = ANY($2::text[])) RETURNING name',
    [clusterId, [...keep.namespaces]],
  );
  return {
    workloads,
    objectNamespaces: [...new Set(objects.map((o) => o.namespace))],
    objectsDeleted: objects.length,
    namespaces: namespaces.map((n) => n.name),
  };
}
