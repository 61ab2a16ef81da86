// The simulated API server as its own process, for end-to-end tests that need the cluster, Central
// and the Sensor apart. Options arrive as JSON in argv[2] (certificate and key as file paths); it
// prints one JSON line {"url","kubeconfig"} when listening, then obeys JSON lines on stdin:
// {"op":"apply","objects":[…]}, {"op":"disconnectWatches"}, {"op":"get",…address}, answering
// each with one JSON line {"ok":true,…}. It exits when stdin closes.
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { startSimCluster, type ObjectAddress } from '../../src/simcluster/index.ts';

interface ProcessOptions {
  readonly certFile?: string;
  readonly keyFile?: string;
  readonly token?: string;
  readonly eventWindow?: number;
  readonly objects?: unknown[];
}

const options = JSON.parse(process.argv[2] ?? '{}') as ProcessOptions;
const cluster = await startSimCluster({
  ...(options.certFile !== undefined && options.keyFile !== undefined
    ? { tls: { cert: readFileSync(options.certFile), key: readFileSync(options.keyFile) } }
    : {}),
  ...(options.token === undefined ? {} : { token: options.token }),
  ...(options.eventWindow === undefined ? {} : { eventWindow: options.eventWindow }),
  ...(options.objects === undefined ? {} : { objects: options.objects }),
});
process.stdout.write(`${JSON.stringify({ url: cluster.url, kubeconfig: cluster.kubeconfig() })}\n`);

const lines = createInterface({ input: process.stdin });
for await (const line of lines) {
  if (line.trim() === '') continue;
  try {
    const command = JSON.parse(line) as { op: string; objects?: unknown[] } & ObjectAddress;
    if (command.op === 'apply') {
      const stored = cluster.apply(command.objects ?? []);
      process.stdout.write(`${JSON.stringify({ ok: true, count: stored.length })}\n`);
    } else if (command.op === 'disconnectWatches') {
      cluster.disconnectWatches();
      process.stdout.write(`${JSON.stringify({ ok: true })}\n`);
    } else if (command.op === 'get') {
      process.stdout.write(
        `${JSON.stringify({ ok: true, object: cluster.get(command) ?? null })}\n`,
      );
    } else {
      process.stdout.write(`${JSON.stringify({ ok: false, error: `unknown op ${command.op}` })}\n`);
    }
  } catch (error) {
    process.stdout.write(`${JSON.stringify({ ok: false, error: String(error) })}\n`);
  }
}
await cluster.close();
