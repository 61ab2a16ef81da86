// Benchmark for the Sensor (issue 4): the simulated API server (its own process) holding 5,000
// workloads and 20,000 pods, Central in this process (PGlite in memory) and `palisade sensor` as
// a process, with the V8 settings deploy/sensor.yaml gives it. Reports the time from Sensor start
// to Central in sync, then 200 changes/s for 30 s (each makes a deployment privileged, or safe
// again) with event-to-alert latency taken from the alerts' own first-seen and resolved times,
// and the Sensor's peak RSS (VmHWM).

import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCentral } from '../src/central/index.ts';
import { sensorNodeOptions } from '../src/sensor/index.ts';
import { openDatabase } from '../src/store/index.ts';
import { root, startChild, startSimProcess, waitFor } from '../test/kit/processes.ts';

const namespaces = 50;
const perNamespace = 100; // 5,000 workloads
const podsPerWorkload = 4; // 20,000 pods
const changesPerSecond = 200;
const seconds = 30;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

function deployment(namespace: string, name: string, privileged: boolean) {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace, labels: { app: name } },
    spec: {
      replicas: podsPerWorkload,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          containers: [
            {
              name: 'app',
              image: `registry.example.com/${name}:1.0`,
              securityContext: { privileged },
              resources: { limits: { cpu: '1', memory: '256Mi' } },
            },
          ],
        },
      },
    },
  };
}

function pod(namespace: string, workload: string, index: number) {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: `${workload}-6d4cf56db6-${index}`,
      namespace,
      labels: { app: workload },
      ownerReferences: [
        {
          apiVersion: 'apps/v1',
          kind: 'ReplicaSet',
          name: `${workload}-6d4cf56db6`,
          uid: `00000000-0000-0000-0000-${String(index).padStart(12, '0')}`,
          controller: true,
        },
      ],
    },
    spec: { containers: [{ name: 'app', image: `registry.example.com/${workload}:1.0` }] },
  };
}

async function peakRss(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return kb * 1024;
}

export async function runSensorBench(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'palisade-bench-sensor-'));
  const db = await openDatabase();
  const app = await createCentral({
    db,
    adminToken: 'pal_bench-sensor-admin-token',
    imageScanning: false,
  });
  const sim = await startSimProcess({ eventWindow: 50_000 });
  let sensor: ReturnType<typeof startChild> | undefined;
  try {
    await app.listen({ port: 0, host: '127.0.0.1' });
    const centralUrl = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    const headers = {
      authorization: 'Bearer pal_bench-sensor-admin-token',
      'content-type': 'application/json',
    };
    const created = (await (
      await fetch(`${centralUrl}/api/v1/clusters`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ name: 'bench' }),
      })
    ).json()) as { cluster: { id: string }; sensorToken: string };
    const clusterId = created.cluster.id;

    const loadStart = performance.now();
    const names: [string, string][] = [];
    for (let n = 0; n < namespaces; n++) {
      const namespace = `team-${n}`;
      const objects: unknown[] = [
        { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } },
      ];
      for (let w = 0; w < perNamespace; w++) {
        const name = `svc-${w}`;
        names.push([namespace, name]);
        objects.push(deployment(namespace, name, false));
        for (let p = 0; p < podsPerWorkload; p++) objects.push(pod(namespace, name, p));
      }
      await sim.command({ op: 'apply', objects });
    }
    const loadSeconds = (performance.now() - loadStart) / 1000;
    console.log(
      `bench sensor: loaded ${names.length} workloads and ${names.length * podsPerWorkload} pods in ${loadSeconds.toFixed(1)} s`,
    );
    const kubeconfig = join(dir, 'kubeconfig');
    await writeFile(kubeconfig, sim.kubeconfig);

    const syncStart = performance.now();
    sensor = startChild(
      [
        join(root, 'bin', 'palisade'),
        'sensor',
        '--central',
        centralUrl,
        '--token',
        created.sensorToken,
        '--cluster-id',
        clusterId,
        '--kubeconfig',
        kubeconfig,
        '--listen',
        '127.0.0.1:0',
      ],
      // The V8 heap settings deploy/sensor.yaml runs it with.
      { NODE_OPTIONS: sensorNodeOptions },
    );
    const line = await sensor.out.next((l) => /health on http/.test(l), 60_000, 'Sensor start');
    const health = /health on (http:\/\/\S+)/.exec(line)?.[1] ?? '';
    await waitFor(
      'Central in sync',
      async () => {
        const ready = (await fetch(`${health}/readyz`)).ok;
        if (!ready) return false;
        const page = (await (
          await fetch(`${centralUrl}/api/v1/deployments?cluster=${clusterId}&limit=1`, { headers })
        ).json()) as { total: number };
        return page.total === names.length;
      },
      300_000,
      250,
    );
    const syncSeconds = (performance.now() - syncStart) / 1000;
    console.log(`bench sensor: initial sync ${syncSeconds.toFixed(1)} s`);

    // 200 changes/s for 30 s: 20 every 100 ms. The first pass makes deployments privileged
    // (an alert is raised); changes beyond one per deployment make them safe (it resolves).
    const total = changesPerSecond * seconds;
    const applied: { namespace: string; name: string; privileged: boolean; at: number }[] = [];
    const runStart = Date.now();
    for (let tick = 0; tick < seconds * 10; tick++) {
      const due = runStart + tick * 100;
      const wait = due - Date.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      const objects: unknown[] = [];
      const at = Date.now();
      for (let i = 0; i < changesPerSecond / 10; i++) {
        const index = tick * (changesPerSecond / 10) + i;
        const [namespace, name] = names[index % names.length] ?? ['', ''];
        const privileged = index < names.length;
        objects.push(deployment(namespace, name, privileged));
        applied.push({ namespace, name, privileged, at });
      }
      await sim.command({ op: 'apply', objects });
    }
    const applySeconds = (Date.now() - runStart) / 1000;
    // Drained: every change's alert state is in Central.
    const lastResolve = applied.filter((a) => !a.privileged);
    await waitFor(
      'alerts current',
      async () => {
        const [row] = await db.query<{ raised: number; resolved: number }>(
          `SELECT count(*) FILTER (WHERE first_seen IS NOT NULL)::int AS raised,
             count(*) FILTER (WHERE state = 'RESOLVED')::int AS resolved
           FROM alerts WHERE cluster_id = $1 AND policy_id = 'privileged-container'`,
          [clusterId],
        );
        return (
          row !== undefined && row.raised >= names.length && row.resolved >= lastResolve.length
        );
      },
      300_000,
      250,
    );
    const drainSeconds = (Date.now() - runStart) / 1000;
    const alerts = await db.query<{
      namespace: string;
      workload_name: string;
      first_seen: Date;
      resolved_at: Date | null;
    }>(
      `SELECT namespace, workload_name, first_seen, resolved_at FROM alerts
       WHERE cluster_id = $1 AND policy_id = 'privileged-container'`,
      [clusterId],
    );
    const byWorkload = new Map(alerts.map((a) => [`${a.namespace}/${a.workload_name}`, a]));
    const latencies: number[] = [];
    for (const change of applied) {
      const alert = byWorkload.get(`${change.namespace}/${change.name}`);
      if (alert === undefined) continue;
      const seen = change.privileged ? alert.first_seen : alert.resolved_at;
      if (seen !== null) latencies.push(seen.getTime() - change.at);
    }
    latencies.sort((a, b) => a - b);
    const rss = sensor.process.pid === undefined ? 0 : await peakRss(sensor.process.pid);
    const throughput = total / drainSeconds;
    console.log(
      `bench sensor: ${total} changes applied in ${applySeconds.toFixed(1)} s, in Central after ${drainSeconds.toFixed(1)} s; ` +
        `event-to-alert p50 ${percentile(latencies, 50)} ms, p99 ${percentile(latencies, 99)} ms (${latencies.length} measured)`,
    );
    return (
      `bench sensor: workloads=${names.length} pods=${names.length * podsPerWorkload} ` +
      `initialSyncS=${syncSeconds.toFixed(1)} changesPerS=${throughput.toFixed(0)} ` +
      `p50EventToAlertMs=${percentile(latencies, 50)} p99EventToAlertMs=${percentile(latencies, 99)} ` +
      `sensorPeakRssMB=${(rss / 1024 / 1024).toFixed(0)} ` +
      `(targets: sync<20 s, p99<2000 ms, rss<300 MB)`
    );
  } finally {
    await sensor?.kill('SIGTERM');
    await sim.kill();
    await app.close();
    await db.close();
    await rm(dir, { recursive: true, force: true });
  }
}
