// Loads the bundled demo cluster (demo/manifests) into Central through the same ingest and
// detection path a Sensor's snapshot takes, so the demo exercises the real pipeline.

import { fileURLToPath } from 'node:url';
import { readManifests } from '../k8s/index.ts';
import { PalisadeError } from '../model/index.ts';
import type { CompiledPolicy } from '../policy/index.ts';
import type { Database } from '../store/index.ts';
import { createCluster, getClusterByName } from '../store/index.ts';
import { detectCluster } from './detect.ts';
import type { DetectionResult } from './detect.ts';
import { ingestSnapshot, parseIngestBody, snapshotBody } from './ingest.ts';

export const demoManifests = fileURLToPath(new URL('../../demo/manifests/', import.meta.url));
export const demoClusterName = 'demo';

export interface DemoLoad {
  readonly clusterId: string;
  readonly objects: number;
  readonly detection: DetectionResult;
}

/** Creates the demo cluster if needed, ingests demo/manifests as a snapshot, runs detection. */
export async function loadDemo(
  db: Database,
  policies: readonly CompiledPolicy[],
  directory = demoManifests,
): Promise<DemoLoad> {
  const manifests = await readManifests([directory]);
  const problem = manifests.problems.find((p) => p.level === 'error');
  if (problem)
    throw new PalisadeError('demo-invalid', `${problem.file}:${problem.line}: ${problem.message}`, {
      status: 500,
    });
  const cluster =
    (await getClusterByName(db, demoClusterName)) ??
    (await createCluster(db, { name: demoClusterName, labels: { demo: 'true' } }));
  const body = parseIngestBody(
    snapshotBody,
    { objects: manifests.objects.map((o) => o.body), sensorVersion: 'demo' },
    'demo snapshot',
  );
  await ingestSnapshot(db, cluster.id, body);
  const detection = await detectCluster(db, cluster.id, policies);
  return { clusterId: cluster.id, objects: manifests.objects.length, detection };
}
