// Clusters (one per Sensor) and the namespaces reported for them. Deleting a cluster removes
// everything stored for it. Sensor tokens live in api-tokens (role Sensor, bound to a cluster).

import { PalisadeError, type NamespaceObject } from '../model/index.ts';
import { isUniqueViolation, type Queryable } from './database.ts';
import { forEachBatch, lastByKey } from './batch.ts';
import { isoTime, isoTimeOrNull, isUuid, listPage, type Page, type PageRequest } from './page.ts';

export interface ClusterRecord {
  readonly id: string;
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly createdAt: string;
  readonly lastContactAt: string | null;
  readonly sensorVersion: string | null;
}

interface ClusterRow {
  id: string;
  name: string;
  labels: Record<string, string>;
  created_at: Date;
  last_contact_at: Date | null;
  sensor_version: string | null;
}

const clusterColumns = 'id, name, labels, created_at, last_contact_at, sensor_version';

function toCluster(row: ClusterRow): ClusterRecord {
  return {
    id: row.id,
    name: row.name,
    labels: row.labels,
    createdAt: isoTime(row.created_at),
    lastContactAt: isoTimeOrNull(row.last_contact_at),
    sensorVersion: row.sensor_version,
  };
}

export async function createCluster(
  db: Queryable,
  input: { readonly name: string; readonly labels?: Readonly<Record<string, string>> },
): Promise<ClusterRecord> {
  try {
    const [row] = await db.query<ClusterRow>(
      `INSERT INTO clusters (name, labels) VALUES ($1, $2::jsonb) RETURNING ${clusterColumns}`,
      [input.name, JSON.stringify(input.labels ?? {})],
    );
    if (row === undefined) throw new Error('INSERT returned no row');
    return toCluster(row);
  } catch (error) {
    if (isUniqueViolation(error)) {
      throw new PalisadeError('cluster-exists', `a cluster named '${input.name}' already exists`, {
        status: 409,
        cause: error,
      });
    }
    throw error;
  }
}

export async function getCluster(db: Queryable, id: string): Promise<ClusterRecord | null> {
  if (!isUuid(id)) return null;
  const [row] = await db.query<ClusterRow>(`SELECT ${clusterColumns} FROM clusters WHERE id = $1`, [
    id,
  ]);
  return row === undefined ? null : toCluster(row);
}

export async function getClusterByName(db: Queryable, name: string): Promise<ClusterRecord | null> {
  const [row] = await db.query<ClusterRow>(
    `SELECT ${clusterColumns} FROM clusters WHERE name = $1`,
    [name],
  );
  return row === undefined ? null : toCluster(row);
}

export function listClusters(db: Queryable, page: PageRequest = {}): Promise<Page<ClusterRecord>> {
  return listPage(db, {
    select: clusterColumns,
    from: 'clusters',
    where: [],
    orderBy: 'name',
    page,
    map: toCluster,
  });
}

/** Called on every Sensor request: when it was last heard from, and which version it runs. */
export async function recordClusterContact(
  db: Queryable,
  id: string,
  contact: { readonly at?: Date; readonly sensorVersion?: string },
): Promise<boolean> {
  if (!isUuid(id)) return false;
  const rows = await db.query<{ id: string }>(
    `UPDATE clusters SET last_contact_at = coalesce($2::timestamptz, now()),
       sensor_version = coalesce($3, sensor_version)
     WHERE id = $1 RETURNING id`,
    [id, contact.at?.toISOString() ?? null, contact.sensorVersion ?? null],
  );
  return rows.length > 0;
}

export async function deleteCluster(db: Queryable, id: string): Promise<boolean> {
  if (!isUuid(id)) return false;
  const rows = await db.query<{ id: string }>('DELETE FROM clusters WHERE id = $1 RETURNING id', [
    id,
  ]);
  return rows.length > 0;
}

export interface NamespaceRecord {
  readonly clusterId: string;
  readonly name: string;
  readonly uid: string;
  readonly resourceVersion: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly namespace: NamespaceObject;
  readonly updatedAt: string;
}

interface NamespaceRow {
  cluster_id: string;
  name: string;
  uid: string;
  resource_version: string;
  labels: Record<string, string>;
  object: NamespaceObject;
  updated_at: Date;
}

function toNamespace(row: NamespaceRow): NamespaceRecord {
  return {
    clusterId: row.cluster_id,
    name: row.name,
    uid: row.uid,
    resourceVersion: row.resource_version,
    labels: row.labels,
    namespace: row.object,
    updatedAt: isoTime(row.updated_at),
  };
}

/** Stores a namespace unless the stored one has a newer resourceVersion; true when written. */
export async function upsertNamespace(
  db: Queryable,
  clusterId: string,
  namespace: NamespaceObject,
): Promise<boolean> {
  return (await upsertNamespaces(db, clusterId, [namespace])).length > 0;
}

/** Upserts many namespaces of one cluster; returns the names written (not newer, not same). */
export async function upsertNamespaces(
  db: Queryable,
  clusterId: string,
  namespaces: readonly NamespaceObject[],
): Promise<string[]> {
  const written: string[] = [];
  await forEachBatch(
    lastByKey(namespaces, (n) => n.meta.name),
    async (batch) => {
      const rows = batch.map((n) => ({
        name: n.meta.name,
        uid: n.meta.uid ?? '',
        rv: n.meta.resourceVersion ?? '',
        labels: n.meta.labels,
        object: n,
      }));
      const result = await db.query<{ name: string }>(
        `INSERT INTO namespaces (cluster_id, name, uid, resource_version, labels, object)
         SELECT $1::uuid, r.name, r.uid, r.rv, r.labels, r.object
         FROM jsonb_to_recordset($2::jsonb)
           AS r(name text, uid text, rv text, labels jsonb, object jsonb)
         ON CONFLICT (cluster_id, name) DO UPDATE SET uid = excluded.uid,
           resource_version = excluded.resource_version, labels = excluded.labels,
           object = excluded.object, updated_at = now()
         WHERE palisade_resource_version_newer(excluded.resource_version, namespaces.resource_version)
           AND (namespaces.object IS DISTINCT FROM excluded.object
             OR namespaces.resource_version IS DISTINCT FROM excluded.resource_version)
         RETURNING name`,
        [clusterId, JSON.stringify(rows)],
      );
      written.push(...result.map((r) => r.name));
    },
  );
  return written;
}

export async function deleteNamespace(
  db: Queryable,
  clusterId: string,
  name: string,
): Promise<boolean> {
  if (!isUuid(clusterId)) return false;
  const rows = await db.query<{ name: string }>(
    'DELETE FROM namespaces WHERE cluster_id = $1 AND name = $2 RETURNING name',
    [clusterId, name],
  );
  return rows.length > 0;
}

/** Every namespace of a cluster (or those named) in one query: what detection reads. */
export async function allNamespacesOf(
  db: Queryable,
  clusterId: string,
  names?: readonly string[],
): Promise<NamespaceRecord[]> {
  if (!isUuid(clusterId)) return [];
  const rows = await db.query<NamespaceRow>(
    `SELECT cluster_id, name, uid, resource_version, labels, object, updated_at
     FROM namespaces WHERE cluster_id = $1 AND ($2::text[] IS NULL OR name = ANY($2))`,
    [clusterId, names ?? null],
  );
  return rows.map(toNamespace);
}

export function listNamespaces(
  db: Queryable,
  filter: { readonly clusterId?: string } = {},
  page: PageRequest = {},
): Promise<Page<NamespaceRecord>> {
  return listPage(db, {
    select: 'cluster_id, name, uid, resource_version, labels, object, updated_at',
    from: 'namespaces',
    where: [['cluster_id', 'uuid', filter.clusterId]],
    orderBy: 'cluster_id, name',
    page,
    map: toNamespace,
  });
}
