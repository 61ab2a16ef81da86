// `palisade sensor`: runs the Sensor against a cluster (kubeconfig, or in-cluster) until SIGINT or
// SIGTERM, keeping Central current. Parsing, start-up and shutdown only; the work is sensor/.

import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { pino } from 'pino';
import { PalisadeError, wrapError } from '../model/index.ts';
import { KubeClient, readClusterConfig, Sensor } from '../sensor/index.ts';
import type { ClusterConfig, EnforcementConfig } from '../sensor/index.ts';
import type { CliContext } from './context.ts';

interface SensorFlags {
  central?: string;
  token?: string;
  clusterId?: string;
  kubeconfig?: string;
  context?: string;
  clusterConfig?: string;
  enforce?: boolean;
  listen: string;
  centralCa?: string;
  maxBackoff: string;
  batchWindow: string;
}

/** ":9090", "0.0.0.0:9090", "127.0.0.1:0" → host and port. */
export function parseListen(text: string): { host: string; port: number } {
  const match = /^(.*):(\d{1,5})$/.exec(text);
  const port = Number(match?.[2]);
  if (!match || !Number.isInteger(port) || port > 65535)
    throw new PalisadeError('usage', `--listen: expected [host]:port, got '${text}'`);
  const host = (match[1] ?? '').replace(/^\[(.*)\]$/, '$1');
  return { host: host === '' ? '0.0.0.0' : host, port };
}

function positive(text: string, flag: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1)
    throw new PalisadeError('usage', `${flag}: expected a positive integer, got '${text}'`);
  return value;
}

export function registerSensor(program: Command, context: CliContext): void {
  program
    .command('sensor')
    .description('watch a cluster and keep Palisade Central current (until SIGINT or SIGTERM)')
    .option('--central <url>', 'Central URL (or PALISADE_CENTRAL_URL, or the cluster config)')
    .option('--token <token>', 'the Sensor token of this cluster (or PALISADE_SENSOR_TOKEN)')
    .option(
      '--cluster-id <id>',
      'Central cluster id (or PALISADE_CLUSTER_ID, or the cluster config)',
    )
    .option('--kubeconfig <file>', 'kubeconfig (default: $KUBECONFIG, ~/.kube/config, in-cluster)')
    .option('--context <name>', 'kubeconfig context')
    .option('--cluster-config <file>', 'cluster config YAML: clusterId, enforcement')
    .option('--enforce', 'allow enforcement actions on this cluster')
    .option('--listen <[host]:port>', 'health and metrics endpoint', ':9090')
    .option('--central-ca <file>', "CA bundle (PEM) for Central's certificate")
    .option('--max-backoff <ms>', 'longest wait between retries to Central', '10000')
    .option('--batch-window <ms>', 'how long changes gather before they are sent', '150')
    .action(async (flags: SensorFlags) => {
      const config: ClusterConfig =
        flags.clusterConfig === undefined
          ? {}
          : readClusterConfig(resolve(context.cwd, flags.clusterConfig));
      const env = process.env;
      const central = flags.central ?? env['PALISADE_CENTRAL_URL'] ?? config.centralUrl;
      const token = flags.token ?? env['PALISADE_SENSOR_TOKEN'];
      const clusterId = flags.clusterId ?? env['PALISADE_CLUSTER_ID'] ?? config.clusterId;
      if (central === undefined || central === '')
        throw new PalisadeError('usage', 'the Central URL is required: --central URL');
      if (token === undefined || token === '')
        throw new PalisadeError(
          'usage',
          'the Sensor token is required: --token or PALISADE_SENSOR_TOKEN',
        );
      if (clusterId === undefined || clusterId === '')
        throw new PalisadeError(
          'usage',
          'the cluster id is required: --cluster-id, PALISADE_CLUSTER_ID or clusterId in --cluster-config',
        );
      const enforcement: EnforcementConfig = {
        ...config.enforcement,
        enabled: flags.enforce === true || config.enforcement?.enabled === true,
      };
      let ca: Buffer | undefined;
      if (flags.centralCa !== undefined) {
        try {
          ca = readFileSync(resolve(context.cwd, flags.centralCa));
        } catch (error) {
          throw wrapError(`--central-ca ${flags.centralCa}`, error, 'input-unreadable');
        }
      }
      const logger = pino({ level: env['LOG_LEVEL'] ?? 'info' }, pino.destination(2));
      const kube = KubeClient.fromKubeconfig(
        flags.kubeconfig === undefined ? undefined : resolve(context.cwd, flags.kubeconfig),
        flags.context,
      );
      const sensor = await Sensor.start({
        kube,
        central: { url: central, token, clusterId, ...(ca === undefined ? {} : { ca }) },
        sensorVersion: context.version,
        enforcement,
        listen: parseListen(flags.listen),
        logger,
        processMetrics: true,
        sync: {
          maxBackoffMs: positive(flags.maxBackoff, '--max-backoff'),
          batchWindowMs: positive(flags.batchWindow, '--batch-window'),
        },
      });
      context.stdout.write(
        `Palisade Sensor watching ${kube.server} for cluster ${clusterId}; health on ${sensor.healthUrl ?? '-'}` +
          ` (enforcement ${enforcement.enabled ? 'on' : 'off'})\n`,
      );
      await new Promise<void>((done) => {
        const stop = (signal: string) => {
          logger.info({ signal }, 'shutting down');
          process.off('SIGINT', onInt);
          process.off('SIGTERM', onTerm);
          done();
        };
        const onInt = () => stop('SIGINT');
        const onTerm = () => stop('SIGTERM');
        process.once('SIGINT', onInt);
        process.once('SIGTERM', onTerm);
      });
      await sensor.stop();
    });
}
