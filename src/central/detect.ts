// The detection loop's one step: re-derive workload context from a cluster's stored inventory,
// evaluate the compiled deploy-time policies over the affected workloads, and bring alerts,
// stored context and risk scores in line (raise, update, resolve). Alerts of policies not
// evaluated in this step are left alone, so a change to one policy re-evaluates only it.

import { deriveContexts, emptyWorkloadContext } from '../k8s/index.ts';
import type { ClusterObject, Violation, Workload } from '../model/index.ts';
import type { CompiledPolicy } from '../policy/index.ts';
import { evaluateAll } from '../policy/index.ts';
import { scoreWorkload } from '../risk/index.ts';
import type { RiskFactor } from '../risk/index.ts';
import type {
  ActiveAlertInput,
  AlertWorkloadRef,
  Database,
  Queryable,
  WorkloadRecord,
} from '../store/index.ts';
import {
  allNamespacesOf,
  allObjectsOf,
  allWorkloadsOf,
  listClusters,
  raiseActiveAlerts,
  refreshStatistics,
  resolveStaleAlerts,
  saveRiskScores,
  saveWorkloadContexts,
} from '../store/index.ts';
import { imagesForDetection } from './image-scanning-inputs.ts';

export interface DetectionScope {
  /** Only workloads in these namespaces (all when omitted). */
  readonly namespaces?: ReadonlySet<string>;
}

export interface DetectionResult {
  readonly workloads: number;
  readonly violations: number;
  readonly raised: number;
  readonly resolved: number;
}

/**
 * Everything stored for a cluster, as normalised objects (workloads without derived context);
 * with `namespaces`, only what those namespaces hold plus the cluster-scoped objects (RBAC),
 * which is all that a workload's context is derived from.
 */
export async function loadInventory(
  db: Queryable,
  clusterId: string,
  namespaces?: ReadonlySet<string>,
) {
  const only = namespaces === undefined ? undefined : [...namespaces];
  const [workloads, objects, namespaceRecords] = await Promise.all([
    allWorkloadsOf(db, clusterId, only),
    allObjectsOf(db, clusterId, only),
    allNamespacesOf(db, clusterId, only),
  ]);
  return { workloads, objects, namespaces: namespaceRecords };
}

/** A cluster's stored inventory, with each workload's context derived afresh from it. */
async function derivedInventory(
  db: Queryable,
  clusterId: string,
  namespaces?: ReadonlySet<string>,
) {
  const inventory = await loadInventory(db, clusterId, namespaces);
  const objects: ClusterObject[] = [];
  for (const record of inventory.workloads)
    objects.push({ ...record.workload, context: emptyWorkloadContext });
  for (const record of inventory.objects) objects.push(record.object);
  for (const record of inventory.namespaces) objects.push(record.namespace);
  return { inventory, derived: deriveContexts(objects) };
}

/**
 * Evaluates one (unsaved) policy over every cluster's stored inventory, writing nothing: the
 * dry run before saving a policy. Violations name their cluster.
 */
export async function dryRunOnInventory(db: Database, policy: CompiledPolicy) {
  const stages = (['DEPLOY', 'BUILD'] as const).filter((s) => policy.stages.has(s));
  const violations: (Violation & { readonly cluster: { id: string; name: string } })[] = [];
  let undecided = 0;
  let checked = 0;
  for (let offset = 0; ; offset += 100) {
    const page = await listClusters(db, { limit: 100, offset });
    for (const cluster of page.items) {
      const { derived } = await derivedInventory(db, cluster.id);
      const targets = derived.filter((o) => o.kind === policy.subject);
      checked += targets.length;
      const result = evaluateAll([policy], targets, { stages, cluster: cluster.id });
      const ref = { id: cluster.id, name: cluster.name };
      for (const v of result.violations) violations.push({ ...v, cluster: ref });
      undecided += result.undecided.length;
    }
    if (page.items.length < 100) break;
  }
  return { violations, undecided, checked };
}

/** Runs detection for one cluster with the given (enabled, deploy-stage) policies. */
export async function detectCluster(
  db: Database,
  clusterId: string,
  policies: readonly CompiledPolicy[],
  scope: DetectionScope = {},
): Promise<DetectionResult> {
  // A change in some namespaces re-derives and re-evaluates only them (deltas are small).
  const { inventory, derived } = await derivedInventory(db, clusterId, scope.namespaces);
  const byKey = new Map<string, WorkloadRecord>();
  for (const record of inventory.workloads)
    byKey.set(`${record.namespace}\u0000${record.kind}\u0000${record.name}`, record);
  const targets = derived.filter(
    (o): o is Workload =>
      o.kind === 'Workload' &&
      (scope.namespaces === undefined || scope.namespaces.has(o.meta.namespace)),
  );
  const deployPolicies = policies.filter(
    (p) => p.policy.disabled !== true && p.stages.has('DEPLOY'),
  );
  // Queues the images for scanning; the scans there are decide image criteria and image risk.
  const images = await imagesForDetection(db, targets);
  // Scopes and exclusions name clusters by id, as StackRox's do.
  const { violations } = evaluateAll(deployPolicies, targets, {
    stages: ['DEPLOY'],
    cluster: clusterId,
    imageScans: images.imageScans,
  });
  const byWorkload = new Map<string, Violation[]>();
  for (const v of violations) {
    const key = `${v.object.namespace}\u0000${v.object.kind}\u0000${v.object.name}`;
    const list = byWorkload.get(key);
    if (list) list.push(v);
    else byWorkload.set(key, [v]);
  }
  const evaluatedIds = deployPolicies.map((p) => p.policy.id);
  const alerts: ActiveAlertInput[] = [];
  const keep: [string, string, string, string][] = [];
  const refs: AlertWorkloadRef[] = [];
  const contexts: { id: string; context: Workload['context'] }[] = [];
  const scores: { workloadId: string; score: number; factors: RiskFactor[] }[] = [];
  for (const workload of targets) {
    const record = byKey.get(
      `${workload.meta.namespace}\u0000${workload.workloadKind}\u0000${workload.meta.name}`,
    );
    if (!record) continue;
    const own =
      byWorkload.get(
        `${workload.meta.namespace}\u0000${workload.meta.kind}\u0000${workload.meta.name}`,
      ) ?? [];
    const byPolicy = new Map<string, Violation[]>();
    for (const v of own) {
      const list = byPolicy.get(v.policy.id);
      if (list) list.push(v);
      else byPolicy.set(v.policy.id, [v]);
    }
    const ref = {
      id: record.id,
      namespace: record.namespace,
      kind: record.kind,
      name: record.name,
    };
    refs.push(ref);
    for (const [policyId, policyViolations] of byPolicy) {
      const first = policyViolations[0];
      if (!first) continue;
      alerts.push({ policy: first.policy, workload: ref, violations: policyViolations });
      keep.push([ref.namespace, ref.kind, ref.name, policyId]);
    }
    contexts.push({ id: record.id, context: workload.context });
    const risk = scoreWorkload(workload, own, images.vulnerabilitiesOf(workload));
    scores.push({ workloadId: record.id, score: risk.score, factors: [...risk.factors] });
  }
  const outcome = await db.transaction(async (tx) => {
    // Resolve before raising: the resolve step then scans only alerts that existed before this
    // pass (none on a first snapshot), and it never touches the pairs about to be raised.
    const resolved = await resolveStaleAlerts(tx, clusterId, {
      workloads: refs,
      policyIds: evaluatedIds,
      keep,
    });
    const raised = await raiseActiveAlerts(tx, clusterId, 'DEPLOY', alerts);
    await saveWorkloadContexts(tx, contexts);
    await saveRiskScores(tx, scores);
    return { workloads: targets.length, violations: violations.length, raised, resolved };
  });
  // A bulk change leaves the planner's statistics stale (PGlite has no autovacuum at all).
  if (outcome.raised + outcome.resolved + contexts.length > bulkWrite)
    await refreshStatistics(db, ['alerts', 'workloads', 'objects', 'risk_scores']);
  return outcome;
}

/** Rows written by one detection pass above which table statistics are refreshed. */
const bulkWrite = 2000;
