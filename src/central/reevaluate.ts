// Re-evaluation after a policy changes: a disabled or deleted policy's active alerts resolve;
// otherwise every cluster is detected again with the enabled policies, so the changed policy's
// alerts appear, update or resolve and risk scores follow (other alerts are left as they are).

import type { Database } from '../store/index.ts';
import { getPolicy, listClusters, resolvePolicyAlerts } from '../store/index.ts';
import { detectCluster } from './detect.ts';
import { enabledPolicies } from './routes/inventory.ts';

export async function reevaluatePolicy(db: Database, policyId: string): Promise<void> {
  const record = await getPolicy(db, policyId);
  if (record === null || record.disabled) await resolvePolicyAlerts(db, policyId);
  const policies = await enabledPolicies(db);
  for (let offset = 0; ; offset += 1000) {
    const page = await listClusters(db, { limit: 1000, offset });
    for (const cluster of page.items) await detectCluster(db, cluster.id, policies);
    if (page.items.length < 1000) return;
  }
}
