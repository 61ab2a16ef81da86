// Sensor-facing routes besides ingest: enforcement. A Sensor asks which of its cluster's ACTIVE
// alerts want an enforcement action it has not yet taken, acts on the cluster, and records each
// outcome on the alert; people read the record per alert. Every route names its cluster, so a
// Sensor token reaches only its own (auth.ts clusterParam).

import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { PalisadeError } from '../../model/index.ts';
import {
  appendAudit,
  getCluster,
  listAlertEnforcements,
  listPendingEnforcement,
  recordEnforcement,
  type Database,
} from '../../store/index.ts';
import { principalOf } from '../auth.ts';

const clusterParams = z.object({ id: z.uuid('must be a cluster id (a uuid)') });
const alertParams = z.object({
  id: z.uuid('must be a cluster id (a uuid)'),
  alertId: z.uuid('must be an alert id (a uuid)'),
});

async function requireCluster(db: Database, id: string): Promise<void> {
  if ((await getCluster(db, id)) === null)
    throw new PalisadeError('cluster-not-found', `no cluster has id '${id}'`, { status: 404 });
}

export function registerSensorRoutes(app: FastifyInstance, db: Database): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['enforcement'];

  api.get(
    '/api/v1/clusters/:id/enforcement/pending',
    {
      config: { access: 'ingest', clusterParam: 'id' },
      schema: {
        tags,
        summary:
          'ACTIVE alerts of the cluster whose policy has enforcementActions the Sensor has not yet taken',
        params: clusterParams,
      },
    },
    async (request) => {
      await requireCluster(db, request.params.id);
      return { items: await listPendingEnforcement(db, request.params.id) };
    },
  );

  api.post(
    '/api/v1/clusters/:id/enforcement',
    {
      config: { access: 'ingest', clusterParam: 'id' },
      schema: {
        tags,
        summary: 'The Sensor records the outcome of an enforcement action on an alert',
        params: clusterParams,
        body: z.strictObject({
          alertId: z.uuid(),
          action: z.string().min(1).max(100),
          outcome: z.enum(['SUCCEEDED', 'FAILED', 'SKIPPED']),
          message: z.string().max(2000).default(''),
        }),
      },
    },
    async (request, reply) => {
      const { actor } = principalOf(request);
      const record = await db.transaction(async (tx) => {
        const stored = await recordEnforcement(tx, request.params.id, request.body);
        await appendAudit(tx, {
          actor,
          action: 'alert-enforce',
          target: stored.alertId,
          details: { action: stored.action, outcome: stored.outcome, message: stored.message },
        });
        return stored;
      });
      return reply.status(201).send(record);
    },
  );

  api.get(
    '/api/v1/clusters/:id/alerts/:alertId/enforcement',
    {
      config: { access: 'alerts:read', clusterParam: 'id' },
      schema: {
        tags,
        summary: 'Enforcement actions taken for an alert, with their outcomes',
        params: alertParams,
      },
    },
    async (request) => ({
      items: await listAlertEnforcements(db, request.params.id, request.params.alertId),
    }),
  );
}
