// Operational routes: liveness, readiness (the database answers), Prometheus metrics, the
// OpenAPI document, and the audit log. /metrics is unauthenticated for now: it exposes request
// counts and latencies, no data; put it behind the network policy of the scraping Prometheus.

import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Registry } from 'prom-client';
import { listAudit, type Database } from '../../store/index.ts';
import { errorBody } from '../errors.ts';

export function registerSystemRoutes(app: FastifyInstance, db: Database, metrics: Registry): void {
  const api = app.withTypeProvider<ZodTypeProvider>();

  api.get(
    '/healthz',
    { config: { access: 'public' }, schema: { tags: ['system'], summary: 'Liveness' } },
    () => ({ status: 'ok' }),
  );

  api.get(
    '/readyz',
    {
      config: { access: 'public' },
      schema: { tags: ['system'], summary: 'Readiness: the database answers' },
    },
    async (request, reply) => {
      try {
        await db.query('SELECT 1');
        return { status: 'ready' };
      } catch (error) {
        request.log.warn({ err: error }, 'readiness check failed');
        return reply.status(503).send(errorBody('not-ready', 'the database does not answer'));
      }
    },
  );

  api.get(
    '/metrics',
    { config: { access: 'public' }, schema: { tags: ['system'], summary: 'Prometheus metrics' } },
    async (_request, reply) => reply.type(metrics.contentType).send(await metrics.metrics()),
  );

  api.get('/openapi.json', { config: { access: 'public' }, schema: { hide: true } }, () =>
    app.swagger(),
  );

  api.get(
    '/api/v1/audit',
    {
      config: { access: 'audit:read' },
      schema: {
        tags: ['system'],
        summary: 'The audit log of writes, newest first',
        querystring: z.object({
          actor: z.string().max(200).optional(),
          action: z.string().max(100).optional(),
          limit: z.coerce.number().int().min(1).max(1000).default(100),
          offset: z.coerce.number().int().min(0).default(0),
        }),
      },
    },
    (request) => {
      const { actor, action, limit, offset } = request.query;
      return listAudit(
        db,
        { ...(actor === undefined ? {} : { actor }), ...(action === undefined ? {} : { action }) },
        { limit, offset },
      );
    },
  );
}
