// /api/v1/tokens: API tokens for people and CI. The plain token is in the create response only;
// lists carry metadata, never secrets. Sensor tokens come with their cluster (routes/clusters.ts)
// but may also be issued here for an existing cluster (rotation).

import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { PalisadeError } from '../../model/index.ts';
import {
  appendAudit,
  createApiToken,
  getCluster,
  listApiTokens,
  revokeApiToken,
  type CreateApiTokenInput,
  type Database,
} from '../../store/index.ts';
import { principalOf } from '../auth.ts';

const role = z.enum(['Admin', 'Analyst', 'Continuous Integration', 'Sensor']);
const createBody = z.object({
  name: z.string().trim().min(1).max(200),
  role,
  clusterId: z.uuid().optional(),
  expiresAt: z.iso.datetime({ offset: true }).optional(),
});

export function registerTokenRoutes(app: FastifyInstance, db: Database): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['tokens'];

  api.post(
    '/api/v1/tokens',
    {
      config: { access: 'tokens:write' },
      schema: {
        tags,
        summary: 'Create an API token; the plain token is shown once',
        body: createBody,
      },
    },
    async (request, reply) => {
      const body = request.body;
      const expiresAt = body.expiresAt === undefined ? undefined : new Date(body.expiresAt);
      let input: CreateApiTokenInput;
      if (body.role === 'Sensor') {
        if (body.clusterId === undefined) {
          throw new PalisadeError(
            'token-invalid',
            'body.clusterId: a Sensor token needs a cluster',
            {
              details: { fields: ['body.clusterId'] },
            },
          );
        }
        if ((await getCluster(db, body.clusterId)) === null) {
          throw new PalisadeError('cluster-not-found', `no cluster has id '${body.clusterId}'`, {
            status: 404,
          });
        }
        input = {
          name: body.name,
          role: 'Sensor',
          clusterId: body.clusterId,
          ...(expiresAt ? { expiresAt } : {}),
        };
      } else {
        if (body.clusterId !== undefined) {
          throw new PalisadeError(
            'token-invalid',
            'body.clusterId: only Sensor tokens name a cluster',
            {
              details: { fields: ['body.clusterId'] },
            },
          );
        }
        input = { name: body.name, role: body.role, ...(expiresAt ? { expiresAt } : {}) };
      }
      const { actor } = principalOf(request);
      const created = await db.transaction(async (tx) => {
        const result = await createApiToken(tx, input);
        await appendAudit(tx, {
          actor,
          action: 'token-create',
          target: result.token.id,
          details: { name: result.token.name, role: result.token.role },
        });
        return result;
      });
      return reply.status(201).send({ token: created.token, plainToken: created.plainToken });
    },
  );

  api.get(
    '/api/v1/tokens',
    {
      config: { access: 'tokens:read' },
      schema: {
        tags,
        querystring: z.object({
          limit: z.coerce.number().int().min(1).max(1000).default(100),
          offset: z.coerce.number().int().min(0).default(0),
        }),
      },
    },
    (request) => listApiTokens(db, {}, request.query),
  );

  api.post(
    '/api/v1/tokens/:id/revoke',
    {
      config: { access: 'tokens:write' },
      schema: { tags, params: z.object({ id: z.uuid('must be a token id (a uuid)') }) },
    },
    async (request, reply) => {
      const { id } = request.params;
      const { actor } = principalOf(request);
      await db.transaction(async (tx) => {
        if (!(await revokeApiToken(tx, id))) {
          throw new PalisadeError('token-not-found', `no active token has id '${id}'`, {
            status: 404,
          });
        }
        await appendAudit(tx, { actor, action: 'token-revoke', target: id });
      });
      app.tokenCache.forget();
      return reply.status(204).send();
    },
  );
}
