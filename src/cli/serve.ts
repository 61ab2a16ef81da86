// `palisade serve`: runs Central over embedded PGlite (--data-dir) or a PostgreSQL server
// (--database-url / DATABASE_URL), optionally with TLS. Parsing, start-up and shutdown only;
// the API itself is central/.

import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { pino } from 'pino';
import {
  createCentral,
  createFirstAdminToken,
  enabledPolicies,
  ensureAdminToken,
  loadDemo,
} from '../central/index.ts';
import { PalisadeError, wrapError } from '../model/index.ts';
import { openDatabase } from '../store/index.ts';
import type { CliContext } from './context.ts';
import { startDemoCluster } from './demo-cluster.ts';

interface ServeFlags {
  port: string;
  host: string;
  dataDir: string;
  databaseUrl?: string;
  tlsCert?: string;
  tlsKey?: string;
  bodyLimit: string;
  demo?: boolean;
  /** false with --no-image-scanning. */
  imageScanning: boolean;
}

function parsePort(text: string): number {
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new PalisadeError('usage', `--port: expected 0–65535, got '${text}'`);
  }
  return port;
}

function readPem(path: string, flag: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    throw wrapError(`${flag} ${path}`, error, 'input-unreadable');
  }
}

export function registerServe(program: Command, context: CliContext): void {
  program
    .command('serve')
    .description('run Palisade Central (HTTP API) until SIGINT or SIGTERM')
    .option('--port <port>', 'port to listen on (0: any free port)', '8080')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--data-dir <dir>', 'embedded database directory', './.palisade')
    .option('--database-url <url>', 'PostgreSQL server URL (or DATABASE_URL)')
    .option('--tls-cert <file>', 'TLS certificate (PEM); needs --tls-key')
    .option('--tls-key <file>', 'TLS private key (PEM); needs --tls-cert')
    .option('--body-limit <bytes>', 'largest request body in bytes', String(10 * 1024 * 1024))
    .option('--demo', 'load the bundled demo cluster (demo/manifests) through ingest at start')
    .option(
      '--no-image-scanning',
      "do not pull and scan the images workloads use (sites that can't reach their registries)",
    )
    .action(async (flags: ServeFlags) => {
      const port = parsePort(flags.port);
      const bodyLimit = Number(flags.bodyLimit);
      if (!Number.isInteger(bodyLimit) || bodyLimit < 1024) {
        throw new PalisadeError(
          'usage',
          `--body-limit: expected bytes >= 1024, got '${flags.bodyLimit}'`,
        );
      }
      if ((flags.tlsCert === undefined) !== (flags.tlsKey === undefined)) {
        throw new PalisadeError('usage', '--tls-cert and --tls-key go together');
      }
      const https =
        flags.tlsCert !== undefined && flags.tlsKey !== undefined
          ? { cert: readPem(flags.tlsCert, '--tls-cert'), key: readPem(flags.tlsKey, '--tls-key') }
          : undefined;
      const url = flags.databaseUrl ?? process.env['DATABASE_URL'];
      const dataDir = resolve(context.cwd, flags.dataDir);
      // JSON lines on stderr (pino's default format); data and the one-time token on stdout.
      // The demo logs warnings and errors only, so its instructions on stdout stay readable.
      const logger = pino(
        { level: process.env['LOG_LEVEL'] ?? (flags.demo === true ? 'warn' : 'info') },
        pino.destination(2),
      );
      const db = await openDatabase(url !== undefined && url !== '' ? { url } : { dataDir });
      try {
        const envToken = process.env['PALISADE_ADMIN_TOKEN'];
        if (envToken !== undefined && envToken !== '') {
          await ensureAdminToken(db, envToken);
        } else {
          const token = await createFirstAdminToken(db);
          if (token !== null) {
            context.stdout.write(`Admin API token (shown once; store it now): ${token}\n`);
          }
        }
        const app = await createCentral({
          db,
          logger,
          bodyLimit,
          processMetrics: true,
          ...(flags.imageScanning ? {} : { imageScanning: false as const }),
          ...(https === undefined ? {} : { https }),
        });
        if (flags.demo === true) {
          const demo = await loadDemo(db, await enabledPolicies(db));
          context.stdout.write(
            `Demo cluster loaded: ${demo.detection.workloads} deployments, ${demo.detection.violations} violations.\n`,
          );
        }
        const address = await app.listen({ port, host: flags.host });
        // The demo as a live simulated cluster with a Sensor (cli/demo-cluster.ts), started
        // before the listening line so a signal after that line finds the handlers installed.
        const demoCluster =
          flags.demo === true
            ? await startDemoCluster({
                db,
                centralUrl: address,
                dataDir,
                sensorVersion: context.version,
                logger,
              })
            : undefined;
        if (demoCluster)
          context.stdout.write(
            `Demo cluster: kubectl --kubeconfig ${demoCluster.kubeconfigPath} get deployments -A\n`,
          );
        context.stdout.write(`Palisade Central listening on ${address} (${db.engine})\n`);
        context.stdout.write(`Console: ${address}/ (sign in with the admin token)\n`);
        context.stdout.write(
          `API docs: ${address}/docs  Summary: curl -H "Authorization: Bearer <token>" ${address}/api/v1/summary\n`,
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
        await demoCluster?.close();
        await app.close();
      } finally {
        await db.close();
      }
    });
}
