// /api/v1/clusters: one per Sensor. Creating a cluster returns its Sensor token once; deleting
// it removes everything stored for it (its tokens too). The heartbeat is the Sensor's one call
// here, allowed only for its own cluster.

import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { PalisadeError } from '../../model/index.ts';
import {
  appendAudit,
  createApiToken,
  createCluster,
  deleteCluster,
  getCluster,
  listClusters,
  recordClusterContact,
  type Database,
} from '../../store/index.ts';
import { principalOf } from '../auth.ts';

const idParams = z.object({ id: z.uuid('must be a cluster id (a uuid)') });
const pageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  offset: z.coerce.number().int().min(0).default(0),
});
const clusterName = z
  .string()
  .min(1)
  .max(253)
  .regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, 'lowercase letters, digits, "-" and "."');

function notFound(id: string): PalisadeError {
  return new PalisadeError('cluster-not-found', `no cluster has id '${id}'`, { status: 404 });
}

export function registerClusterRoutes(app: FastifyInstance, db: Database): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['clusters'];

  api.get(
    '/api/v1/clusters',
    { config: { access: 'clusters:read' }, schema: { tags, querystring: pageQuery } },
    (request) => listClusters(db, request.query),
  );

  api.get(
    '/api/v1/clusters/:id',
    { config: { access: 'clusters:read' }, schema: { tags, params: idParams } },
    async (request) => {
      const cluster = await getCluster(db, request.params.id);
      if (cluster === null) throw notFound(request.params.id);
      return cluster;
    },
  );

  api.post(
    '/api/v1/clusters',
    {
      config: { access: 'clusters:write' },
      schema: {
        tags,
        summary: 'Register a cluster; the response holds its Sensor token, shown only once',
        body: z.object({
          name: clusterName,
          labels: z.record(z.string().max(317), z.string().max(63)).optional(),
        }),
      },
    },
    async (request, reply) => {
      const { actor } = principalOf(request);
      const { name, labels } = request.body;
      const created = await db.transaction(async (tx) => {
        const cluster = await createCluster(tx, labels === undefined ? { name } : { name, labels });
        const sensor = await createApiToken(tx, {
          name: `sensor-${cluster.name}`,
          role: 'Sensor',
          clusterId: cluster.id,
        });
        await appendAudit(tx, {
          actor,
          action: 'cluster-create',
          target: cluster.id,
          details: { name: cluster.name, sensorTokenId: sensor.token.id },
        });
        return { cluster, sensorToken: sensor.plainToken, sensorTokenId: sensor.token.id };
      });
      return reply.status(201).send(created);
    },
  );

  api.delete(
    '/api/v1/clusters/:id',
    { config: { access: 'clusters:write' }, schema: { tags, params: idParams } },
    async (request, reply) => {
      const { id } = request.params;
      const { actor } = principalOf(request);
      await db.transaction(async (tx) => {
        if (!(await deleteCluster(tx, id))) throw notFound(id);
        await appendAudit(tx, { actor, action: 'cluster-delete', target: id });
      });
      // The cluster's Sensor tokens went with it.
      app.tokenCache.forget();
      return reply.status(204).send();
    },
  );

  api.post(
    '/api/v1/clusters/:id/heartbeat',
    {
      config: { access: 'ingest', clusterParam: 'id' },
      schema: {
        tags,
        summary: 'A Sensor reports that it is alive, and which version it runs',
        params: idParams,
        body: z.object({ sensorVersion: z.string().min(1).max(100).optional() }).optional(),
      },
    },
    async (request, reply) => {
      const version = request.body?.sensorVersion;
      const recorded = await recordClusterContact(
        db,
        request.params.id,
        version === undefined ? {} : { sensorVersion: version },
      );
      if (!recorded) throw notFound(request.params.id);
      return reply.status(204).send();
    },
  );
}
