// Benchmark for Central: ingest a 10,000-workload snapshot (with its Services, NetworkPolicies,
// ServiceAccounts and RBAC) through the HTTP API and run full detection; then list alerts with a
// filter from 50 concurrent clients for 20 s, beside a bare /healthz in the same run. On
// embedded PGlite, and on PostgreSQL 15 when its binaries are present.

import { existsSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { parseAllDocuments } from 'yaml';
import { createCentral } from '../src/central/index.ts';
import { createApiToken, createCluster, openDatabase } from '../src/store/index.ts';
import type { Database } from '../src/store/index.ts';
import { startTestPostgres } from '../test/kit/postgres.ts';
import { benchManifest } from './check.ts';

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

// The load generator runs in a worker thread: on its own event loop (and, on this 2-core
// machine, its own core) it measures Central's latency rather than contending with it.
const loadWorkerSource = `
const { parentPort, workerData } = require('node:worker_threads');
const { url, headers, clients, seconds } = workerData;
const latencies = [];
let errors = 0;
const end = performance.now() + seconds * 1000;
async function client() {
  while (performance.now() < end) {
    const start = performance.now();
    try {
      const response = await fetch(url, { headers, signal: AbortSignal.timeout(10000) });
      await response.arrayBuffer();
      if (!response.ok) errors++;
    } catch {
      errors++; // a timed-out or refused request counts as an error; its time still counts
    }
    latencies.push(performance.now() - start);
  }
}
Promise.all(Array.from({ length: clients }, client)).then(() =>
  parentPort.postMessage({ latencies, errors }),
);
`;

async function load(
  url: string,
  headers: Record<string, string>,
  clients: number,
  seconds: number,
) {
  const worker = new Worker(loadWorkerSource, {
    eval: true,
    workerData: { url, headers, clients, seconds },
  });
  const { latencies, errors } = await new Promise<{ latencies: number[]; errors: number }>(
    (resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    },
  );
  await worker.terminate();
  latencies.sort((a, b) => a - b);
  return {
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    rps: latencies.length / seconds,
    errors,
  };
}

async function benchOn(
  name: string,
  db: Database,
  workloads: number,
  seconds: number,
): Promise<string> {
  const objects = parseAllDocuments(benchManifest(workloads)).map((d) => d.toJS() as unknown);
  const app = await createCentral({ db, imageScanning: false }); // no registry here: measure ingest and lists;
  const cluster = await createCluster(db, { name: 'bench' });
  const token = (await createApiToken(db, { name: 'bench', role: 'Admin' })).plainToken;
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  try {
    const body = JSON.stringify({ objects });
    const rssBefore = process.memoryUsage().rss;
    let peakRss = rssBefore;
    const sampler = setInterval(
      () => (peakRss = Math.max(peakRss, process.memoryUsage().rss)),
      100,
    );
    const start = performance.now();
    const response = await fetch(`${address}/api/v1/clusters/${cluster.id}/snapshot`, {
      method: 'POST',
      headers,
      body,
      signal: AbortSignal.timeout(600_000),
    });
    const ingestSeconds = (performance.now() - start) / 1000;
    clearInterval(sampler);
    const result = (await response.json()) as {
      upserted: number;
      detection: { violations: number; raised: number };
    };
    if (!response.ok) throw new Error(`snapshot failed: ${JSON.stringify(result)}`);
    console.log(
      `central[${name}]: snapshot of ${objects.length} objects (${(body.length / 1e6).toFixed(1)} MB JSON) ingested and detected in ${ingestSeconds.toFixed(1)} s; ${result.detection.raised} alerts; peak RSS ${(peakRss / 2 ** 20).toFixed(0)} MiB`,
    );
    const alerts = await load(
      `${address}/api/v1/alerts?query=${encodeURIComponent('Namespace:team-7+Severity:HIGH,MEDIUM+State:ACTIVE')}&limit=50`,
      headers,
      50,
      seconds,
    );
    const health = await load(`${address}/healthz`, {}, 50, Math.max(2, seconds / 4));
    console.log(
      `central[${name}]: filtered alert list p50 ${alerts.p50.toFixed(1)} ms p99 ${alerts.p99.toFixed(1)} ms ${alerts.rps.toFixed(0)} req/s (${alerts.errors} errors); /healthz p50 ${health.p50.toFixed(1)} ms p99 ${health.p99.toFixed(1)} ms ${health.rps.toFixed(0)} req/s`,
    );
    return `${name}_ingest_s=${ingestSeconds.toFixed(1)} ${name}_rows_per_s=${Math.round(result.upserted / ingestSeconds)} ${name}_peak_rss_mib=${(peakRss / 2 ** 20).toFixed(0)} ${name}_list_p50_ms=${alerts.p50.toFixed(1)} ${name}_list_p99_ms=${alerts.p99.toFixed(1)} ${name}_list_rps=${alerts.rps.toFixed(0)} ${name}_healthz_rps=${health.rps.toFixed(0)}`;
  } finally {
    await app.close();
  }
}

export async function runCentralBench(): Promise<string> {
  const workloads = Number(process.env.BENCH_WORKLOADS ?? 10_000);
  const seconds = Number(process.env.BENCH_SECONDS ?? 20);
  const figures: string[] = [];
  const pglite = await openDatabase();
  try {
    figures.push(await benchOn('pglite', pglite, workloads, seconds));
  } finally {
    await pglite.close();
  }
  if (existsSync('/usr/lib/postgresql/15/bin/postgres')) {
    const server = await startTestPostgres();
    try {
      const db = await openDatabase({ url: server.url, poolSize: 8 });
      try {
        figures.push(await benchOn('postgres', db, workloads, seconds));
      } finally {
        await db.close();
      }
    } finally {
      await server.stop();
    }
  }
  return `bench central: workloads=${workloads} ${figures.join(' ')}`;
}
