// Ingest of a cluster's inventory, as a Sensor (or the demo loader) sends it: a full snapshot
// (the cluster as it is now; anything absent is removed) or deltas (upserts and deletes of
// single objects). Objects arrive as the Kubernetes API returns them and are normalised with
// the same k8s/ code as `palisade check`. Wire format: docs/ingest.md.

import { z } from 'zod';
import { isWorkloadKind, normaliseObject } from '../k8s/index.ts';
import type { ClusterObject, ManifestObject, NamespaceObject, Workload } from '../model/index.ts';
import { PalisadeError } from '../model/index.ts';
import type { CheckObject, Database, Queryable } from '../store/index.ts';
import {
  deleteNamespace,
  deleteObject,
  deleteWorkload,
  pruneToSnapshot,
  recordClusterContact,
  resolveWorkloadAlerts,
  upsertNamespace,
  upsertNamespaces,
  upsertObject,
  upsertObjects,
  upsertWorkload,
  upsertWorkloads,
} from '../store/index.ts';

const kubernetesObject = z.looseObject({
  apiVersion: z.string().min(1),
  kind: z.string().min(1),
  metadata: z.looseObject({
    name: z.string().min(1).max(253),
    namespace: z.string().max(63).optional(),
    resourceVersion: z.string().max(64).optional(),
  }),
});

export const snapshotBody = z.strictObject({
  objects: z.array(kubernetesObject).max(500_000),
  sensorVersion: z.string().max(64).optional(),
});

const deltaEvent = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('UPSERT'), object: kubernetesObject }),
  z.strictObject({
    type: z.literal('DELETE'),
    kind: z.string().min(1),
    namespace: z.string().max(63).default(''),
    name: z.string().min(1).max(253),
    resourceVersion: z.string().max(64).optional(),
  }),
]);

export const deltasBody = z.strictObject({
  events: z.array(deltaEvent).min(1).max(100_000),
  sensorVersion: z.string().max(64).optional(),
});

export type SnapshotBody = z.infer<typeof snapshotBody>;
export type DeltasBody = z.infer<typeof deltasBody>;

export interface IngestResult {
  /** Namespaces whose inventory changed; detection re-evaluates them. */
  readonly changedNamespaces: ReadonlySet<string>;
  /** A cluster-scoped object (RBAC) changed: every namespace may be affected. */
  readonly clusterWide: boolean;
  readonly upserted: number;
  readonly deleted: number;
}

const sourceOf = (kind: string, namespace: string, name: string) => ({
  file: `cluster:${kind}/${namespace ? `${namespace}/` : ''}${name}`,
  line: 0,
});

function toManifest(raw: z.infer<typeof kubernetesObject>): ManifestObject {
  return {
    apiVersion: raw.apiVersion,
    kind: raw.kind,
    body: raw,
    source: sourceOf(raw.kind, raw.metadata.namespace ?? '', raw.metadata.name),
  };
}

async function storeObject(
  tx: Queryable,
  clusterId: string,
  object: ClusterObject,
): Promise<boolean> {
  if (object.kind === 'Workload') return (await upsertWorkload(tx, clusterId, object)).applied;
  if (object.kind === 'Namespace') return upsertNamespace(tx, clusterId, object);
  return (await upsertObject(tx, clusterId, object)).applied;
}

function isClusterScoped(object: ClusterObject): boolean {
  return object.meta.namespace === '';
}

/** Applies a full snapshot in one transaction: upserts everything, prunes what is absent. */
export async function ingestSnapshot(
  db: Database,
  clusterId: string,
  body: SnapshotBody,
): Promise<IngestResult> {
  const normalised = body.objects
    .map((raw) => normaliseObject(toManifest(raw)))
    .filter((o): o is ClusterObject => o !== null);
  const workloads: Workload[] = [];
  const namespaces: NamespaceObject[] = [];
  const others: CheckObject[] = [];
  for (const object of normalised) {
    if (object.kind === 'Workload') workloads.push(object);
    else if (object.kind === 'Namespace') namespaces.push(object);
    else others.push(object);
  }
  return db.transaction(async (tx) => {
    const changed = new Set<string>();
    let clusterWide = false;
    // Bulk writes: a row is "written" only when it is new or changed, so a resync of an
    // unchanged cluster writes (and re-detects) nothing.
    const writtenWorkloads = await upsertWorkloads(tx, clusterId, workloads);
    const writtenObjects = await upsertObjects(tx, clusterId, others);
    const writtenNamespaces = await upsertNamespaces(tx, clusterId, namespaces);
    for (const w of writtenWorkloads) changed.add(w.namespace);
    for (const o of writtenObjects) {
      if (o.namespace === '') clusterWide = true;
      else changed.add(o.namespace);
    }
    if (writtenNamespaces.length > 0) clusterWide = true;
    const upserted = writtenWorkloads.length + writtenObjects.length + writtenNamespaces.length;
    const pruned = await pruneToSnapshot(tx, clusterId, {
      workloads: workloads.map((w) => [w.meta.namespace, w.workloadKind, w.meta.name] as const),
      objects: others.map((o) => [o.meta.kind, o.meta.namespace, o.meta.name] as const),
      namespaces: namespaces.map((n) => n.meta.name),
    });
    for (const workload of pruned.workloads) {
      await resolveWorkloadAlerts(tx, clusterId, workload);
      changed.add(workload.namespace);
    }
    for (const namespace of pruned.objectNamespaces) {
      if (namespace === '') clusterWide = true;
      else changed.add(namespace);
    }
    if (pruned.namespaces.length > 0) clusterWide = true;
    await recordClusterContact(
      tx,
      clusterId,
      body.sensorVersion === undefined ? {} : { sensorVersion: body.sensorVersion },
    );
    return {
      changedNamespaces: changed,
      clusterWide,
      upserted,
      deleted: pruned.workloads.length + pruned.objectsDeleted + pruned.namespaces.length,
    };
  });
}

/** Applies deltas in order, in one transaction; older resourceVersions never win. */
export async function ingestDeltas(
  db: Database,
  clusterId: string,
  body: DeltasBody,
): Promise<IngestResult> {
  return db.transaction(async (tx) => {
    const changed = new Set<string>();
    let clusterWide = false;
    let upserted = 0;
    let deleted = 0;
    for (const event of body.events) {
      if (event.type === 'UPSERT') {
        const object = normaliseObject(toManifest(event.object));
        if (object === null) continue;
        if (await storeObject(tx, clusterId, object)) {
          upserted++;
          if (isClusterScoped(object)) clusterWide = true;
          else changed.add(object.meta.namespace);
        }
        continue;
      }
      const { kind, namespace, name, resourceVersion } = event;
      let removed: boolean;
      if (isWorkloadKind(kind)) {
        removed = await deleteWorkload(tx, { clusterId, namespace, kind, name }, resourceVersion);
        if (removed) await resolveWorkloadAlerts(tx, clusterId, { namespace, kind, name });
      } else if (kind === 'Namespace') {
        removed = await deleteNamespace(tx, clusterId, name);
      } else {
        removed = await deleteObject(tx, { clusterId, kind, namespace, name }, resourceVersion);
      }
      if (removed) {
        deleted++;
        if (namespace === '') clusterWide = true;
        else changed.add(namespace);
      }
    }
    await recordClusterContact(
      tx,
      clusterId,
      body.sensorVersion === undefined ? {} : { sensorVersion: body.sensorVersion },
    );
    return { changedNamespaces: changed, clusterWide, upserted, deleted };
  });
}

/** Turns a zod failure of an ingest body into a 400 naming the field. */
export function parseIngestBody<T>(schema: z.ZodType<T>, body: unknown, what: string): T {
  const result = schema.safeParse(body);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new PalisadeError(
      'ingest-invalid',
      `${what}: ${issue ? `${issue.path.join('.') || '(body)'}: ${issue.message}` : 'invalid'}`,
      { status: 400 },
    );
  }
  return result.data;
}
