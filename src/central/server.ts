// createCentral(): Central's HTTP API as a fastify instance over an open store. It wires auth,
// errors, metrics, OpenAPI and the route modules, and seeds the built-in policies. It does not
// listen, open the database or read the environment: `palisade serve` (cli/serve.ts) does that.

import Fastify, { type FastifyInstance } from 'fastify';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import {
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
} from 'fastify-type-provider-zod';
import { pino, type Logger } from 'pino';
import { collectDefaultMetrics, Histogram, Registry } from 'prom-client';
import { loadBuiltinPolicies } from '../policy/index.ts';
import {
  appendAudit,
  createApiToken,
  findApiToken,
  hashToken,
  listApiTokens,
  listAudit,
  listPolicies,
  savePolicy,
  type Database,
} from '../store/index.ts';
import { installAuth } from './auth.ts';
import { BackgroundJobs } from './jobs.ts';
import { installErrorHandling } from './errors.ts';
import { installRequestDecoding } from './request-encoding.ts';
import { registerClusterRoutes } from './routes/clusters.ts';
import { registerPolicyRoutes } from './routes/policies.ts';
import { registerSystemRoutes } from './routes/system.ts';
import { registerTokenRoutes } from './routes/tokens.ts';
import { registerInventoryRoutes } from './routes/inventory.ts';
import { registerSensorRoutes } from './routes/sensor.ts';
import { registerConsoleRoutes } from './routes/console.ts';
import { registerConsoleAssets } from './console-assets.ts';
import { registerImageRoutes } from './routes/images.ts';
import { installImageScanning, type ImageScanningOptions } from './image-scanning.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** Background work started by requests (policy re-evaluation); idle() waits for it. */
    readonly jobs: BackgroundJobs;
  }
}

export const defaultBodyLimit = 10 * 1024 * 1024;

export interface CentralOptions {
  readonly db: Database;
  /** A pino logger; silent when omitted. */
  readonly logger?: Logger;
  /** A plain token to accept as an Admin token (PALISADE_ADMIN_TOKEN). */
  readonly adminToken?: string;
  /** Largest request body in bytes; larger bodies are answered 413. */
  readonly bodyLimit?: number;
  /** Load the built-in policies into the store (idempotent); true when omitted. */
  readonly seedBuiltinPolicies?: boolean;
  /** Node process metrics (memory, event loop) on /metrics; off when omitted. */
  readonly processMetrics?: boolean;
  /** TLS certificate and key (PEM): the server speaks HTTPS. */
  readonly https?: { readonly cert: string | Buffer; readonly key: string | Buffer };
  /** The image scan worker's settings; false: this process scans no images. On when omitted. */
  readonly imageScanning?: ImageScanningOptions | false;
}

const docsPrefix = '/docs';

export async function createCentral(options: CentralOptions): Promise<FastifyInstance> {
  const { db } = options;
  const bodyLimit = options.bodyLimit ?? defaultBodyLimit;
  const logger = options.logger ?? pino({ level: 'silent' });
  const app = (options.https === undefined
    ? Fastify({ loggerInstance: logger, bodyLimit, exposeHeadRoutes: false })
    : Fastify({
        loggerInstance: logger,
        bodyLimit,
        exposeHeadRoutes: false,
        https: { cert: options.https.cert, key: options.https.key },
      })) as unknown as FastifyInstance;
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  installErrorHandling(app, { bodyLimit });
  installRequestDecoding(app);
  installAuth(app, db, { publicPrefixes: [docsPrefix] });
  const metrics = installMetrics(app, options.processMetrics ?? false);

  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Palisade Central API',
        version: '1',
        description:
          'Kubernetes security: policies, clusters, alerts. Send "Authorization: Bearer <token>".',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
    transform: jsonSchemaTransform,
  });
  await app.register(fastifySwaggerUi, { routePrefix: docsPrefix });

  const jobs = new BackgroundJobs(logger);
  app.decorate('jobs', jobs);
  app.addHook('onClose', () => jobs.idle());
  registerSystemRoutes(app, db, metrics);
  registerPolicyRoutes(app, db);
  registerClusterRoutes(app, db);
  registerTokenRoutes(app, db);
  registerInventoryRoutes(app, db);
  registerSensorRoutes(app, db);
  registerConsoleRoutes(app, db);
  registerConsoleAssets(app);
  registerImageRoutes(app, db);
  installImageScanning(app, db, logger, options.imageScanning);

  if (options.seedBuiltinPolicies ?? true) await seedBuiltinPolicies(db);
  if (options.adminToken !== undefined) await ensureAdminToken(db, options.adminToken);
  await app.ready();
  return app;
}

function installMetrics(app: FastifyInstance, processMetrics: boolean): Registry {
  // One registry per instance: tests build many servers in one process.
  const registry = new Registry();
  if (processMetrics) collectDefaultMetrics({ register: registry, prefix: 'palisade_' });
  const duration = new Histogram({
    name: 'palisade_http_request_duration_seconds',
    help: 'HTTP request latency by route and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  app.addHook('onResponse', async (request, reply) => {
    duration.observe(
      {
        method: request.method,
        // The route pattern, not the URL: ids would make unbounded label sets.
        route: request.routeOptions.url ?? 'unmatched',
        status: String(reply.statusCode),
      },
      reply.elapsedTime / 1000,
    );
  });
  return registry;
}

const seedAction = 'policy-builtin-seed';

/**
 * Stores built-in policies that this store has never seen: the first start stores all, later
 * versions add new ones. A policy a user edited is not overwritten, and one a user deleted is
 * not brought back — each seed is recorded in the audit log with the ids it stored.
 */
export async function seedBuiltinPolicies(db: Database): Promise<string[]> {
  return db.transaction(async (tx) => {
    const seen = new Set<string>();
    for (let offset = 0; ; offset += 1000) {
      const page = await listAudit(tx, { action: seedAction }, { limit: 1000, offset });
      for (const entry of page.items) {
        const ids = entry.details['ids'];
        if (Array.isArray(ids)) for (const id of ids) if (typeof id === 'string') seen.add(id);
      }
      if (offset + page.items.length >= page.total) break;
    }
    for (let offset = 0; ; offset += 1000) {
      const page = await listPolicies(tx, {}, { limit: 1000, offset });
      for (const record of page.items) seen.add(record.id);
      if (offset + page.items.length >= page.total) break;
    }
    const added: string[] = [];
    for (const policy of loadBuiltinPolicies()) {
      if (seen.has(policy.id)) continue;
      await savePolicy(tx, policy);
      added.push(policy.id);
    }
    if (added.length > 0) {
      await appendAudit(tx, { actor: 'system', action: seedAction, details: { ids: added } });
    }
    return added;
  });
}

/** Accepts a given plain token as Admin (PALISADE_ADMIN_TOKEN); stored hashed, idempotent. */
export async function ensureAdminToken(db: Database, plainToken: string): Promise<void> {
  if (plainToken.length < 16) {
    throw new Error('the admin token must be at least 16 characters long');
  }
  const found = await findApiToken(db, plainToken);
  if (found.status !== 'unknown') return;
  // createApiToken generates its own secret; a given one is stored by hash directly.
  await db.query(
    `INSERT INTO api_tokens (name, role, token_hash) VALUES ('admin (environment)', 'Admin', $1)
     ON CONFLICT (token_hash) DO NOTHING`,
    [hashToken(plainToken)],
  );
}

/** On a store without any Admin token, creates one and returns its plain token (shown once). */
export async function createFirstAdminToken(db: Database): Promise<string | null> {
  const admins = await listApiTokens(db, { role: 'Admin' }, { limit: 1 });
  if (admins.total > 0) return null;
  const { plainToken } = await createApiToken(db, { name: 'admin', role: 'Admin' });
  await appendAudit(db, { actor: 'system', action: 'token-create', details: { name: 'admin' } });
  return plainToken;
}
