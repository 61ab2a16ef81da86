// Workloads (Deployments, DaemonSets, Pods, …) as normalised by k8s/, one row per object in a
// cluster. Writes are ordered per object by resourceVersion: an older version never replaces a
// newer one, so replays and out-of-order deltas are harmless.

import type { Workload, WorkloadContext, WorkloadKind } from '../model/index.ts';
import type { Queryable } from './database.ts';
import { isoTime, isUuid, listPage, type Page, type PageRequest } from './page.ts';

export interface WorkloadKey {
  readonly clusterId: string;
  readonly namespace: string;
  readonly kind: WorkloadKind;
  readonly name: string;
}

export interface WorkloadRecord extends WorkloadKey {
  readonly id: string;
  readonly uid: string;
  readonly resourceVersion: string;
  readonly workload: Workload;
  readonly updatedAt: string;
}

export interface WorkloadFilter {
  readonly clusterId?: string;
  readonly namespace?: string;
  readonly kind?: WorkloadKind;
  readonly name?: string;
  /** Workloads with a container running exactly this image reference. */
  readonly image?: string;
}

/** applied is false when the stored object has a newer resourceVersion and was kept. */
export interface UpsertOutcome {
  readonly id: string;
  readonly applied: boolean;
}

interface WorkloadRow {
  id: string;
  cluster_id: string;
  namespace: string;
  kind: WorkloadKind;
  name: string;
  uid: string;
  resource_version: string;
  object: Workload;
  context: WorkloadContext | null;
  updated_at: Date;
}

const columns =
  'id, cluster_id, namespace, kind, name, uid, resource_version, object, context, updated_at';

function toWorkload(row: WorkloadRow): WorkloadRecord {
  return {
    id: row.id,
    clusterId: row.cluster_id,
    namespace: row.namespace,
    kind: row.kind,
    name: row.name,
    uid: row.uid,
    resourceVersion: row.resource_version,
    // The stored object carries no context; detection writes the derived one beside it.
    workload: row.context === null ? row.object : { ...row.object, context: row.context },
    updatedAt: isoTime(row.updated_at),
  };
}

export function workloadKey(clusterId: string, workload: Workload): WorkloadKey {
  return {
    clusterId,
    namespace: workload.meta.namespace,
    kind: workload.workloadKind,
    name: workload.meta.name,
  };
}

export async function upsertWorkload(
  db: Queryable,
  clusterId: string,
  workload: Workload,
): Promise<UpsertOutcome> {
  const key = workloadKey(clusterId, workload);
  const images = [...new Set(workload.containers.map((c) => c.image.fullName))];
  const [written] = await db.query<{ id: string }>(
    `INSERT INTO workloads
       (cluster_id, namespace, kind, name, uid, resource_version, service_account, images, object)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8::text[], $9::jsonb)
     ON CONFLICT (cluster_id, namespace, kind, name) DO UPDATE SET uid = excluded.uid,
       resource_version = excluded.resource_version, service_account = excluded.service_account,
       images = excluded.images, object = excluded.object, updated_at = now()
     WHERE palisade_resource_version_newer(excluded.resource_version, workloads.resource_version)
     RETURNING id`,
    [
      key.clusterId,
      key.namespace,
      key.kind,
      key.name,
      workload.meta.uid ?? '',
      workload.meta.resourceVersion ?? '',
      workload.serviceAccountName,
      images,
      JSON.stringify(workload),
    ],
  );
  if (written !== undefined) return { id: written.id, applied: true };
  const stored = await getWorkload(db, key);
  if (stored === null) throw new Error(`workload ${key.namespace}/${key.name} vanished`);
  return { id: stored.id, applied: false };
}

/**
 * Deletes a workload. With a resourceVersion, a stored object newer than it is kept (the delete
 * is older than the last update). Its alerts stay as history, its risk score goes.
 */
export async function deleteWorkload(
  db: Queryable,
  key: WorkloadKey,
  resourceVersion?: string,
): Promise<boolean> {
  if (!isUuid(key.clusterId)) return false;
  const rows = await db.query<{ id: string }>(
    `DELETE FROM workloads
     WHERE cluster_id = $1 AND namespace = $2 AND kind = $3 AND name = $4
       AND ($5::text IS NULL OR palisade_resource_version_newer($5::text, resource_version))
     RETURNING id`,
    [key.clusterId, key.namespace, key.kind, key.name, resourceVersion ?? null],
  );
  return rows.length > 0;
}

export async function getWorkload(db: Queryable, key: WorkloadKey): Promise<WorkloadRecord | null> {
  if (!isUuid(key.clusterId)) return null;
  const [row] = await db.query<WorkloadRow>(
    `SELECT ${columns} FROM workloads
     WHERE cluster_id = $1 AND namespace = $2 AND kind = $3 AND name = $4`,
    [key.clusterId, key.namespace, key.kind, key.name],
  );
  return row === undefined ? null : toWorkload(row);
}

export async function getWorkloadById(db: Queryable, id: string): Promise<WorkloadRecord | null> {
  if (!isUuid(id)) return null;
  const [row] = await db.query<WorkloadRow>(`SELECT ${columns} FROM workloads WHERE id = $1`, [id]);
  return row === undefined ? null : toWorkload(row);
}

export function listWorkloads(
  db: Queryable,
  filter: WorkloadFilter = {},
  page: PageRequest = {},
): Promise<Page<WorkloadRecord>> {
  return listPage(db, {
    select: columns,
    from: 'workloads',
    where: [
      ['cluster_id', 'uuid', filter.clusterId],
      ['namespace', '=', filter.namespace],
      ['kind', '=', filter.kind],
      ['name', '=', filter.name],
      ['images', 'has', filter.image],
    ],
    orderBy: 'namespace, name, kind, cluster_id',
    page,
    map: toWorkload,
  });
}

/** Stores the context derived for a workload from the objects around it. */
export async function saveWorkloadContext(
  db: Queryable,
  id: string,
  context: WorkloadContext,
): Promise<boolean> {
  if (!isUuid(id)) return false;
  const rows = await db.query<{ id: string }>(
    'UPDATE workloads SET context = $2::jsonb WHERE id = $1 RETURNING id',
    [id, JSON.stringify(context)],
  );
  return rows.length > 0;
}
