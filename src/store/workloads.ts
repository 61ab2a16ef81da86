// Workloads (Deployments, DaemonSets, Pods, …) as normalised by k8s/, one row per object in a
// cluster. Writes are ordered per object by resourceVersion: an older version never replaces a
// newer one, so replays and out-of-order deltas are harmless.

import type { Workload, WorkloadContext, WorkloadKind } from '../model/index.ts';
import type { Queryable } from './database.ts';
import { forEachBatch, lastByKey } from './batch.ts';
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
  const [written] = await upsertWorkloads(db, clusterId, [workload]);
  if (written !== undefined) return { id: written.id, applied: true };
  const key = workloadKey(clusterId, workload);
  const stored = await getWorkload(db, key);
  if (stored === null) throw new Error(`workload ${key.namespace}/${key.name} vanished`);
  return { id: stored.id, applied: false };
}

/** A workload row that a bulk upsert wrote. */
export interface WrittenWorkload {
  readonly id: string;
  readonly namespace: string;
  readonly kind: WorkloadKind;
  readonly name: string;
}

/**
 * Upserts many workloads of one cluster, a batch per statement. Returns those written: a row
 * whose stored resourceVersion is newer, or whose stored object is identical, is left alone.
 */
export async function upsertWorkloads(
  db: Queryable,
  clusterId: string,
  workloads: readonly Workload[],
): Promise<WrittenWorkload[]> {
  const written: WrittenWorkload[] = [];
  const unique = lastByKey(
    workloads,
    (w) => `${w.meta.namespace}\u0000${w.workloadKind}\u0000${w.meta.name}`,
  );
  await forEachBatch(unique, async (batch) => {
    const rows = batch.map((w) => ({
      namespace: w.meta.namespace,
      kind: w.workloadKind,
      name: w.meta.name,
      uid: w.meta.uid ?? '',
      rv: w.meta.resourceVersion ?? '',
      sa: w.serviceAccountName,
      images: [...new Set(w.containers.map((c) => c.image.fullName))],
      object: w,
    }));
    written.push(
      ...(await db.query<WrittenWorkload>(
        `INSERT INTO workloads
           (cluster_id, namespace, kind, name, uid, resource_version, service_account, images, object)
         SELECT $1::uuid, r.namespace, r.kind, r.name, r.uid, r.rv, r.sa,
           ARRAY(SELECT jsonb_array_elements_text(r.images)), r.object
         FROM jsonb_to_recordset($2::jsonb) AS r(namespace text, kind text, name text, uid text,
           rv text, sa text, images jsonb, object jsonb)
         ON CONFLICT (cluster_id, namespace, kind, name) DO UPDATE SET uid = excluded.uid,
           resource_version = excluded.resource_version, service_account = excluded.service_account,
           images = excluded.images, object = excluded.object, updated_at = now()
         WHERE palisade_resource_version_newer(excluded.resource_version, workloads.resource_version)
           AND (workloads.object IS DISTINCT FROM excluded.object
             OR workloads.resource_version IS DISTINCT FROM excluded.resource_version)
         RETURNING id, namespace, kind, name`,
        [clusterId, JSON.stringify(rows)],
      )),
    );
  });
  return written;
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

/**
 * Every workload of a cluster (or of some of its namespaces) in one query, without stored
 * context: what detection reads (pages with OFFSET would cost quadratic time).
 */
export async function allWorkloadsOf(
  db: Queryable,
  clusterId: string,
  namespaces?: readonly string[],
): Promise<WorkloadRecord[]> {
  if (!isUuid(clusterId)) return [];
  const rows = await db.query<WorkloadRow>(
    `SELECT id, cluster_id, namespace, kind, name, uid, resource_version, object,
       NULL::jsonb AS context, updated_at
     FROM workloads WHERE cluster_id = $1 AND ($2::text[] IS NULL OR namespace = ANY($2))`,
    [clusterId, namespaces ?? null],
  );
  return rows.map(toWorkload);
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

/** Stores the contexts derived for many workloads; unchanged ones are not rewritten. */
export async function saveWorkloadContexts(
  db: Queryable,
  contexts: readonly { readonly id: string; readonly context: WorkloadContext }[],
): Promise<void> {
  await forEachBatch(
    contexts.filter((c) => isUuid(c.id)),
    async (batch) => {
      await db.query(
        `UPDATE workloads w SET context = r.context
         FROM jsonb_to_recordset($1::jsonb) AS r(id uuid, context jsonb)
         WHERE w.id = r.id AND w.context IS DISTINCT FROM r.context`,
        [JSON.stringify(batch)],
      );
    },
  );
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
