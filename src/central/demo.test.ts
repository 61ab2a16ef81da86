import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { compilePolicy, loadBuiltinPolicies, selectPolicySet } from '../policy/index.ts';
import { listAlerts, listRiskRanking, openDatabase } from '../store/index.ts';
import { loadDemo } from './demo.ts';

describe('demo cluster', () => {
  it('loads through ingest and detection with alerts in several namespaces, and reloads idempotently', async () => {
    const db = await openDatabase();
    try {
      const policies = selectPolicySet(loadBuiltinPolicies(), 'default').map((p) =>
        compilePolicy(p),
      );
      const first = await loadDemo(db, policies);
      assert.ok(first.detection.workloads >= 30, `${first.detection.workloads} workloads`);
      const alerts = await listAlerts(
        db,
        { clusterId: first.clusterId, state: 'ACTIVE' },
        { limit: 1000 },
      );
      assert.ok(alerts.total > 50, `${alerts.total} alerts`);
      assert.ok(new Set(alerts.items.map((a) => a.namespace)).size >= 4);
      const ranking = await listRiskRanking(db, { clusterId: first.clusterId }, { limit: 5 });
      assert.ok((ranking.items[0]?.score ?? 0) > 2);
      const again = await loadDemo(db, policies);
      assert.equal(again.clusterId, first.clusterId);
      assert.equal(again.detection.raised, 0);
      assert.equal(
        (await listAlerts(db, { clusterId: first.clusterId, state: 'ACTIVE' })).total,
        alerts.total,
      );
    } finally {
      await db.close();
    }
  });
});
