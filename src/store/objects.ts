// Kubernetes objects other than workloads and namespaces that checks read: Services, Ingresses,
// NetworkPolicies, RBAC, ServiceAccounts, ConfigMaps, and Secrets' metadata (never their values).
// Keyed by the API kind (meta.kind: Secret, ClusterRoleBinding, …); ordered by resourceVersion.

import type { ClusterObject, NamespaceObject, Workload } from '../model/index.ts';
import type { Queryable } from './database.ts';
import { forEachBatch, lastByKey } from './batch.ts';
import { isoTime, isUuid, listPage, type Page, type PageRequest } from './page.ts';
import type { UpsertOutcome } from './workloads.ts';

/** What the objects table holds: everything normalised except workloads and namespaces. */
export type CheckObject = Exclude<ClusterObject, Workload | NamespaceObject>;

export interface ObjectKey {
  readonly clusterId: string;
  /** The API kind, e.g. Service, Secret, ClusterRole. */
  readonly kind: string;
  /** Empty for cluster-scoped objects. */
  readonly namespace: string;
  readonly name: string;
}

export interface ObjectRecord extends ObjectKey {
  readonly id: string;
  readonly uid: string;
  readonly resourceVersion: string;
  readonly object: CheckObject;
  readonly updatedAt: string;
}

export interface ObjectFilter {
  readonly clusterId?: string;
  readonly kind?: string | readonly string[];
  readonly namespace?: string;
}

interface ObjectRow {
  id: string;
  cluster_id: string;
  kind: string;
  namespace: string;
  name: string;
  uid: string;
  resource_version: string;
  object: CheckObject;
  updated_at: Date;
}

const columns = 'id, cluster_id, kind, namespace, name, uid, resource_version, object, updated_at';

function toObject(row: ObjectRow): ObjectRecord {
  return {
    id: row.id,
    clusterId: row.cluster_id,
    kind: row.kind,
    namespace: row.namespace,
    name: row.name,
    uid: row.uid,
    resourceVersion: row.resource_version,
    object: row.object,
    updatedAt: isoTime(row.updated_at),
  };
}

// kubectl apply copies the whole object, Secret data included, into this annotation.
const lastApplied = 'kubectl.kubernetes.io/last-applied-configuration';

/** A Secret keeps its keys and type only; anything that could carry its values is dropped. */
export function withoutSecretValues(object: CheckObject): CheckObject {
  if (object.kind !== 'Config' || object.flavour !== 'Secret') return object;
  const annotations = Object.fromEntries(
    Object.entries(object.meta.annotations).filter(([key]) => key !== lastApplied),
  );
  return { ...object, meta: { ...object.meta, annotations }, data: {} };
}

export async function upsertObject(
  db: Queryable,
  clusterId: string,
  object: CheckObject,
): Promise<UpsertOutcome> {
  const [written] = await upsertObjects(db, clusterId, [object]);
  if (written !== undefined) return { id: written.id, applied: true };
  const key: ObjectKey = {
    clusterId,
    kind: object.meta.kind,
    namespace: object.meta.namespace,
    name: object.meta.name,
  };
  const existing = await getObject(db, key);
  if (existing === null) throw new Error(`object ${key.kind} ${key.name} vanished`);
  return { id: existing.id, applied: false };
}

/** An object row that a bulk upsert wrote. */
export interface WrittenObject {
  readonly id: string;
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
}

/**
 * Upserts many objects of one cluster (Secrets without their values), a batch per statement.
 * Returns those written: a stored newer resourceVersion or an identical object is left alone.
 */
export async function upsertObjects(
  db: Queryable,
  clusterId: string,
  objects: readonly CheckObject[],
): Promise<WrittenObject[]> {
  const written: WrittenObject[] = [];
  const unique = lastByKey(
    objects,
    (o) => `${o.meta.kind}\u0000${o.meta.namespace}\u0000${o.meta.name}`,
  );
  await forEachBatch(unique, async (batch) => {
    const rows = batch.map((object) => {
      const stored = withoutSecretValues(object);
      return {
        kind: stored.meta.kind,
        namespace: stored.meta.namespace,
        name: stored.meta.name,
        uid: stored.meta.uid ?? '',
        rv: stored.meta.resourceVersion ?? '',
        object: stored,
      };
    });
    written.push(
      ...(await db.query<WrittenObject>(
        `INSERT INTO objects (cluster_id, kind, namespace, name, uid, resource_version, object)
         SELECT $1::uuid, r.kind, r.namespace, r.name, r.uid, r.rv, r.object
         FROM jsonb_to_recordset($2::jsonb)
           AS r(kind text, namespace text, name text, uid text, rv text, object jsonb)
         ON CONFLICT (cluster_id, kind, namespace, name) DO UPDATE SET uid = excluded.uid,
           resource_version = excluded.resource_version, object = excluded.object, updated_at = now()
         WHERE palisade_resource_version_newer(excluded.resource_version, objects.resource_version)
           AND (objects.object IS DISTINCT FROM excluded.object
             OR objects.resource_version IS DISTINCT FROM excluded.resource_version)
         RETURNING id, kind, namespace, name`,
        [clusterId, JSON.stringify(rows)],
      )),
    );
  });
  return written;
}

/** Deletes an object unless the stored one is newer than the given resourceVersion. */
export async function deleteObject(
  db: Queryable,
  key: ObjectKey,
  resourceVersion?: string,
): Promise<boolean> {
  if (!isUuid(key.clusterId)) return false;
  const rows = await db.query<{ id: string }>(
    `DELETE FROM objects
     WHERE cluster_id = $1 AND kind = $2 AND namespace = $3 AND name = $4
       AND ($5::text IS NULL OR palisade_resource_version_newer($5::text, resource_version))
     RETURNING id`,
    [key.clusterId, key.kind, key.namespace, key.name, resourceVersion ?? null],
  );
  return rows.length > 0;
}

export async function getObject(db: Queryable, key: ObjectKey): Promise<ObjectRecord | null> {
  if (!isUuid(key.clusterId)) return null;
  const [row] = await db.query<ObjectRow>(
    `SELECT ${columns} FROM objects
     WHERE cluster_id = $1 AND kind = $2 AND namespace = $3 AND name = $4`,
    [key.clusterId, key.kind, key.namespace, key.name],
  );
  return row === undefined ? null : toObject(row);
}

/**
 * Every object of a cluster in one query: what detection reads. With namespaces, those
 * namespaces' objects and every cluster-scoped one (RBAC reaches into every namespace).
 */
export async function allObjectsOf(
  db: Queryable,
  clusterId: string,
  namespaces?: readonly string[],
): Promise<ObjectRecord[]> {
  if (!isUuid(clusterId)) return [];
  const rows = await db.query<ObjectRow>(
    `SELECT ${columns} FROM objects WHERE cluster_id = $1
       AND ($2::text[] IS NULL OR namespace = '' OR namespace = ANY($2))`,
    [clusterId, namespaces ?? null],
  );
  return rows.map(toObject);
}

export function listObjects(
  db: Queryable,
  filter: ObjectFilter = {},
  page: PageRequest = {},
): Promise<Page<ObjectRecord>> {
  const kinds = typeof filter.kind === 'string' ? [filter.kind] : filter.kind;
  return listPage(db, {
    select: columns,
    from: 'objects',
    where: [
      ['cluster_id', 'uuid', filter.clusterId],
      ['namespace', '=', filter.namespace],
      ['kind', 'in', kinds],
    ],
    orderBy: 'namespace, kind, name, cluster_id',
    page,
    map: toObject,
  });
}
