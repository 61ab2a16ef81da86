// `palisade cluster scan` (a live cluster, once, no Central: the list phase of the Sensor's
// informers, then the same policy engine and report writers as `check`) and `palisade cluster
// add` (registers a cluster in Central; prints its Sensor token and a ready Sensor manifest).

import type { Command } from 'commander';
import { PalisadeError } from '../model/index.ts';
import type { ManifestObject } from '../model/index.ts';
import type { CompiledPolicy, PolicySetName } from '../policy/index.ts';
import { checkObjects, compilePolicy } from '../policy/index.ts';
import { buildReport, writers } from '../report/index.ts';
import type { SeverityName } from '../report/index.ts';
import { KubeClient, listCluster, renderSensorManifest } from '../sensor/index.ts';
import type { KubeObject } from '../sensor/index.ts';
import { loadConfig } from './config.ts';
import type { CliContext } from './context.ts';
import { addCheckOptions, selectPolicies, splitList } from './policies.ts';

interface ScanFlags {
  kubeconfig?: string;
  context?: string;
  output?: string;
  failOn?: string;
  severity?: string;
  policy?: string[];
  policies?: string;
  include?: string[];
  exclude?: string[];
  config?: boolean;
}

interface AddFlags {
  central: string;
  token?: string;
  enforce?: boolean;
  image?: string;
  namespace?: string;
  sensorCentralUrl?: string;
}

/** An object read from the API as check reads a manifest, named by where it lives. */
function manifestOf(object: KubeObject): ManifestObject {
  const kind = object.kind ?? '';
  const namespace =
    typeof object.metadata?.['namespace'] === 'string' ? object.metadata['namespace'] : '';
  const name = typeof object.metadata?.['name'] === 'string' ? object.metadata['name'] : '';
  return {
    apiVersion: object.apiVersion ?? '',
    kind,
    body: object,
    source: { file: `cluster:${kind}/${namespace ? `${namespace}/` : ''}${name}`, line: 0 },
  };
}

export function registerCluster(program: Command, context: CliContext): void {
  const cluster = program
    .command('cluster')
    .description('live clusters: scan one, or register one with Central');

  addCheckOptions(
    cluster
      .command('scan')
      .description('check the objects of a live cluster against policies (no Central needed)')
      .option(
        '--kubeconfig <file>',
        'kubeconfig (default: $KUBECONFIG, ~/.kube/config, in-cluster)',
      )
      .option('--context <name>', 'kubeconfig context'),
  ).action(async (flags: ScanFlags) => {
    context.exitCode = await runScan(flags, context);
  });

  cluster
    .command('add')
    .description('register a cluster in Central; prints its Sensor token and a Sensor manifest')
    .argument('<name>', 'cluster name (lowercase letters, digits, "-" and ".")')
    .requiredOption('--central <url>', 'Central URL')
    .option('--token <token>', 'an Admin API token (or PALISADE_TOKEN)')
    .option('--enforce', 'allow enforcement on this cluster (adds the enforcement verbs to RBAC)')
    .option('--image <ref>', 'Palisade image for the Sensor')
    .option('--namespace <ns>', 'namespace for the Sensor', 'palisade')
    .option(
      '--sensor-central-url <url>',
      'Central URL as the Sensor reaches it (default: --central)',
    )
    .action(async (name: string, flags: AddFlags) => {
      await runAdd(name, flags, context);
    });
}

async function runScan(flags: ScanFlags, context: CliContext): Promise<number> {
  const config = flags.config === false ? {} : loadConfig(context.cwd);
  const output = flags.output ?? config.output ?? 'table';
  const failOn = (flags.failOn ?? config.failOn ?? 'high') as SeverityName | 'none';
  const minSeverity = (flags.severity ?? config.severity) as SeverityName | undefined;
  const policies = selectPolicies({
    set: (flags.policies ?? config.policies ?? 'default') as PolicySetName,
    files: [...(config.policy ?? []), ...(flags.policy ?? [])],
    include: splitList(flags.include ?? config.include),
    exclude: splitList([...(config.exclude ?? []), ...(flags.exclude ?? [])]),
  });
  const compiled: CompiledPolicy[] = policies.map((p) => compilePolicy(p));
  const writer = writers.get(output);
  if (!writer) throw new PalisadeError('usage', `unknown output format '${output}'`);
  const client = KubeClient.fromKubeconfig(flags.kubeconfig, flags.context);
  const listing = await listCluster(client);
  const result = checkObjects(listing.objects.map(manifestOf), compiled);
  const report = buildReport({
    version: context.version,
    violations: result.violations,
    undecided: result.undecided,
    suppressed: result.suppressed,
    problems: result.problems,
    policies: compiled.map((c) => ({ ...c.policy, subject: c.subject })),
    checked: result.checked,
    files: 1,
    failOn,
    ...(minSeverity ? { minSeverity } : {}),
  });
  context.stdout.write(writer.write(report, { color: context.color && output === 'table' }));
  if (report.summary.inputErrors > 0) return 2;
  return report.summary.failed ? 1 : 0;
}

async function runAdd(name: string, flags: AddFlags, context: CliContext): Promise<void> {
  const token = flags.token ?? process.env['PALISADE_TOKEN'];
  if (token === undefined || token === '')
    throw new PalisadeError('usage', 'an Admin token is required: --token or PALISADE_TOKEN');
  const url = new URL(
    'api/v1/clusters',
    flags.central.endsWith('/') ? flags.central : `${flags.central}/`,
  );
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name }),
      signal: AbortSignal.timeout(30_000),
    });
  } catch (error) {
    throw new PalisadeError(
      'central-unreachable',
      `POST ${url.href}: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }
  const body = (await response.json().catch(() => null)) as {
    cluster?: { id: string; name: string };
    sensorToken?: string;
    error?: { message?: string };
  } | null;
  if (!response.ok || body?.cluster === undefined || body.sensorToken === undefined) {
    throw new PalisadeError(
      'cluster-add-failed',
      `Central refused to register '${name}': ${response.status} ${body?.error?.message ?? ''}`.trim(),
    );
  }
  context.stderr.write(
    `Cluster '${body.cluster.name}' registered (id ${body.cluster.id}).\n` +
      `Sensor token (shown once; it is in the manifest below): ${body.sensorToken}\n` +
      'Apply the manifest in the cluster: palisade cluster add … | kubectl apply -f -\n',
  );
  context.stdout.write(
    renderSensorManifest({
      centralUrl: flags.sensorCentralUrl ?? flags.central,
      clusterId: body.cluster.id,
      clusterName: body.cluster.name,
      token: body.sensorToken,
      enforce: flags.enforce === true,
      ...(flags.image === undefined ? {} : { image: flags.image }),
      ...(flags.namespace === undefined ? {} : { namespace: flags.namespace }),
    }),
  );
}
