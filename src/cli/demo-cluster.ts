// The demo as a live cluster, for `palisade serve --demo` (`npm start`): the simulated API
// server loaded with demo/manifests, a kubeconfig for it in the data directory, and a Sensor in
// this process that watches it and reports to this Central with its own Sensor token. So a user
// can `kubectl --kubeconfig .palisade/demo.kubeconfig apply -f demo/examples/privileged.yaml`
// and watch the alert appear. Enforcement stays off in the demo.

import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { demoClusterName, demoManifests } from '../central/index.ts';
import { readManifests } from '../k8s/index.ts';
import { PalisadeError } from '../model/index.ts';
import { KubeClient, Sensor } from '../sensor/index.ts';
import { resourceDefinitions, startSimCluster } from '../simcluster/index.ts';
import {
  createApiToken,
  createCluster,
  getClusterByName,
  revokeApiToken,
  type Database,
} from '../store/index.ts';

export interface DemoCluster {
  readonly kubeconfigPath: string;
  readonly apiServer: string;
  close(): Promise<void>;
}

export interface DemoClusterOptions {
  readonly db: Database;
  /** Where this Central listens (the Sensor's --central). */
  readonly centralUrl: string;
  /** The data directory: the kubeconfig is written there as demo.kubeconfig. */
  readonly dataDir: string;
  readonly sensorVersion: string;
  readonly logger: Logger;
}

export async function startDemoCluster(options: DemoClusterOptions): Promise<DemoCluster> {
  const manifests = await readManifests([demoManifests]);
  const problem = manifests.problems.find((p) => p.level === 'error');
  if (problem)
    throw new PalisadeError('demo-invalid', `${problem.file}:${problem.line}: ${problem.message}`);
  const cluster =
    (await getClusterByName(options.db, demoClusterName)) ??
    (await createCluster(options.db, { name: demoClusterName, labels: { demo: 'true' } }));
  // Kinds the simulated API server does not serve (IngressClass) are left out.
  const served = new Set(
    resourceDefinitions.map(
      (d) => `${d.group === '' ? d.version : `${d.group}/${d.version}`} ${d.kind}`,
    ),
  );
  const objects = manifests.objects.filter((o) => served.has(`${o.apiVersion} ${o.kind}`));
  const sim = await startSimCluster({ objects: objects.map((o) => o.body) });
  const kubeconfigPath = join(options.dataDir, 'demo.kubeconfig');
  let sensor: Sensor | undefined;
  let tokenId: string | undefined;
  try {
    await writeFile(kubeconfigPath, sim.kubeconfig(), { mode: 0o600 });
    const token = await createApiToken(options.db, {
      name: 'sensor-demo (serve --demo)',
      role: 'Sensor',
      clusterId: cluster.id,
    });
    tokenId = token.token.id;
    sensor = await Sensor.start({
      kube: KubeClient.fromKubeconfigText(sim.kubeconfig()),
      central: { url: options.centralUrl, token: token.plainToken, clusterId: cluster.id },
      sensorVersion: options.sensorVersion,
      logger: options.logger.child({ component: 'sensor' }),
      sync: { maxBackoffMs: 2000 },
    });
  } catch (error) {
    await sim.close();
    throw error;
  }
  return {
    kubeconfigPath,
    apiServer: sim.url,
    async close() {
      await sensor?.stop();
      await sim.close();
      if (tokenId !== undefined) await revokeApiToken(options.db, tokenId).catch(() => undefined);
      await rm(kubeconfigPath, { force: true });
    },
  };
}
