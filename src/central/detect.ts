// The detection loop's one step: re-derive workload context from a cluster's stored inventory,
// evaluate the compiled deploy-time policies over the affected workloads, and bring alerts,
// stored context and risk scores in line (raise, update, resolve). Alerts of policies not
// evaluated in this step are left alone, so a change to one policy re-evaluates only it.

import { deriveContexts, emptyWorkloadContext } from '../k8s/index.ts';
import type { ClusterObject, Violation, Workload } from '../model/index.ts';
import type { CompiledPolicy } from '../policy/index.ts';
import { evaluateAll } from '../policy/index.ts';
import { scoreWorkload } from '../risk/index.ts';
import type { Database, Page, PageRequest, Queryable, WorkloadRecord } from '../store/index.ts';
import {
  listNamespaces,
  listObjects,
  listWorkloads,
  raiseAlert,
  resolveWorkloadAlerts,
  saveRiskScore,
  saveWorkloadContext,
} from '../store/index.ts';

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

async function readAll<T>(list: (page: PageRequest) => Promise<Page<T>>): Promise<T[]> {
  const items: T[] = [];
  for (let offset = 0; ; offset += 1000) {
    const page = await list({ limit: 1000, offset });
    items.push(...page.items);
    if (page.items.length < 1000) return items;
  }
}

/** Everything stored for a cluster, as normalised objects (workloads without derived context). */
export async function loadInventory(db: Queryable, clusterId: string) {
  const [workloads, objects, namespaces] = await Promise.all([
    readAll((page) => listWorkloads(db, { clusterId }, page)),
    readAll((page) => listObjects(db, { clusterId }, page)),
    readAll((page) => listNamespaces(db, { clusterId }, page)),
  ]);
  return { workloads, objects, namespaces };
}

/** Runs detection for one cluster with the given (enabled, deploy-stage) policies. */
export async function detectCluster(
  db: Database,
  clusterId: string,
  policies: readonly CompiledPolicy[],
  scope: DetectionScope = {},
): Promise<DetectionResult> {
  const inventory = await loadInventory(db, clusterId);
  const records = new Map<Workload, WorkloadRecord>();
  const objects: ClusterObject[] = [];
  for (const record of inventory.workloads) {
    const workload = { ...record.workload, context: emptyWorkloadContext };
    records.set(workload, record);
    objects.push(workload);
  }
  for (const record of inventory.objects) objects.push(record.object);
  for (const record of inventory.namespaces) objects.push(record.namespace);
  const derived = deriveContexts(objects);
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
  const { violations } = evaluateAll(deployPolicies, targets, { stages: ['DEPLOY'] });
  const byWorkload = new Map<string, Violation[]>();
  for (const v of violations) {
    const key = `${v.object.namespace}\u0000${v.object.kind}\u0000${v.object.name}`;
    const list = byWorkload.get(key);
    if (list) list.push(v);
    else byWorkload.set(key, [v]);
  }
  const evaluatedIds = deployPolicies.map((p) => p.policy.id);
  return db.transaction(async (tx) => {
    let raised = 0;
    let resolved = 0;
    for (const workload of targets) {
      const key = `${workload.meta.namespace}\u0000${workload.workloadKind}\u0000${workload.meta.name}`;
      const record = byKey.get(key);
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
      for (const policyViolations of byPolicy.values()) {
        const first = policyViolations[0];
        if (!first) continue;
        const { created } = await raiseAlert(tx, {
          policy: first.policy,
          clusterId,
          workload: ref,
          lifecycleStage: 'DEPLOY',
          violations: policyViolations,
        });
        if (created) raised++;
      }
      const closed = await resolveWorkloadAlerts(tx, clusterId, ref, {
        keepPolicyIds: [...byPolicy.keys()],
        onlyPolicyIds: evaluatedIds,
      });
      resolved += closed.length;
      await saveWorkloadContext(tx, record.id, workload.context);
      const risk = scoreWorkload(workload, own);
      await saveRiskScore(tx, record.id, risk.score, risk.factors);
    }
    return { workloads: targets.length, violations: violations.length, raised, resolved };
  });
}
