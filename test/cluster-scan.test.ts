// `palisade cluster scan` against the simulated cluster loaded with the demo manifests: its report
// is `palisade check`'s for the same objects (read from the cluster with real kubectl), apart from
// where each object came from; its exit status follows --fail-on; it needs no Central.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { promisify } from 'node:util';
import { demoManifests } from '../src/central/index.ts';
import { runCli } from '../src/cli/main.ts';
import { readManifests } from '../src/k8s/index.ts';
import { resourceDefinitions, startSimCluster, type SimCluster } from '../src/simcluster/index.ts';
import { kubeBinaries } from './kit/kube-binaries.ts';

const run = promisify(execFile);

async function cli(
  args: string[],
  cwd: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c: Buffer) => (out += c.toString()));
  stderr.on('data', (c: Buffer) => (err += c.toString()));
  const code = await runCli(args, { cwd, stdin: new PassThrough(), stdout, stderr, color: false });
  return { code, stdout: out, stderr: err };
}

/**
 * A report without where each object was read from (a file, or cluster:Kind/ns/name), its lists
 * in one order: reports sort by source first, and the sources differ.
 */
function withoutSources(report: Record<string, unknown>): unknown {
  return JSON.parse(JSON.stringify(report), (key, value: unknown) => {
    if (key === 'file' || key === 'line') return undefined;
    if (Array.isArray(value))
      return value
        .map((v) => [JSON.stringify(v), v] as const)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([, v]) => v as unknown);
    return value;
  }) as unknown;
}

const kinds =
  'namespaces,services,serviceaccounts,secrets,configmaps,replicationcontrollers,deployments,' +
  'replicasets,statefulsets,daemonsets,jobs,cronjobs,pods,ingresses,networkpolicies,roles,' +
  'rolebindings,clusterroles,clusterrolebindings,poddisruptionbudgets,horizontalpodautoscalers';

describe('palisade cluster scan', () => {
  let sim: SimCluster | undefined;
  let dir = '';
  let kubeconfig = '';

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'palisade-cluster-scan-'));
    const manifests = await readManifests([demoManifests]);
    const served = new Set(
      resourceDefinitions.map(
        (d) => `${d.group === '' ? d.version : `${d.group}/${d.version}`} ${d.kind}`,
      ),
    );
    sim = await startSimCluster({
      objects: manifests.objects
        .filter((o) => served.has(`${o.apiVersion} ${o.kind}`))
        .map((o) => o.body),
    });
    kubeconfig = join(dir, 'kubeconfig');
    await writeFile(kubeconfig, sim.kubeconfig());
  });

  after(async () => {
    await sim?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("reports exactly what check reports for the cluster's objects", async () => {
    const kubectl = (await kubeBinaries()).kubectl;
    const { stdout: dump } = await run(
      kubectl,
      [
        '--kubeconfig',
        kubeconfig,
        '--cache-dir',
        join(dir, 'cache'),
        'get',
        kinds,
        '-A',
        '-o',
        'json',
      ],
      {
        env: { PATH: process.env['PATH'] ?? '', HOME: dir },
        timeout: 30_000,
        maxBuffer: 64 * 1024 * 1024,
      },
    );
    await writeFile(join(dir, 'cluster.json'), dump);
    const scan = await cli(
      ['cluster', 'scan', '--kubeconfig', kubeconfig, '-o', 'json', '--no-config'],
      dir,
    );
    const check = await cli(['check', join(dir, 'cluster.json'), '-o', 'json', '--no-config'], dir);
    assert.equal(scan.stderr, '');
    const scanReport = JSON.parse(scan.stdout) as {
      violations: unknown[];
      summary: Record<string, unknown>;
    };
    const checkReport = JSON.parse(check.stdout) as {
      violations: unknown[];
      summary: Record<string, unknown>;
    };
    assert.ok(scanReport.violations.length > 50, `${scanReport.violations.length} violations`);
    const key = (v: unknown) => {
      const x = v as {
        policy: { id: string };
        object: { kind: string; namespace: string; name: string };
        message: string;
      };
      return `${x.policy.id} ${x.object.kind}/${x.object.namespace}/${x.object.name}: ${x.message}`;
    };
    const onlyScan = scanReport.violations
      .map(key)
      .filter((k) => !checkReport.violations.map(key).includes(k));
    const onlyCheck = checkReport.violations
      .map(key)
      .filter((k) => !scanReport.violations.map(key).includes(k));
    assert.deepEqual({ onlyScan, onlyCheck }, { onlyScan: [], onlyCheck: [] });
    assert.deepEqual(withoutSources(scanReport), withoutSources(checkReport));
    assert.equal(scan.code, check.code);
    assert.equal(scan.code, 1, 'the demo has high-severity violations: --fail-on high fails');
  });

  it('exits 0 with --fail-on none and prints a table by default', async () => {
    const scan = await cli(
      ['cluster', 'scan', '--kubeconfig', kubeconfig, '--fail-on', 'none', '--no-config'],
      dir,
    );
    assert.equal(scan.code, 0, scan.stderr);
    assert.match(scan.stdout, /privileged-container|Privileged Container/);
  });

  it('exits 2 with a clear message when the cluster cannot be reached', async () => {
    const unreachable = join(dir, 'unreachable');
    await writeFile(
      unreachable,
      sim?.kubeconfig().replace(/server: .*/, 'server: http://127.0.0.1:9') ?? '',
    );
    const scan = await cli(['cluster', 'scan', '--kubeconfig', unreachable, '--no-config'], dir);
    assert.equal(scan.code, 2);
    assert.match(scan.stderr, /palisade: .*127\.0\.0\.1:9/);
  });
});
