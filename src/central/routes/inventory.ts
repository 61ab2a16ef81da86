// Sensor ingest (snapshot, deltas) and what Central knows of the clusters: deployments with
// their context and risk, alerts (list, detail, resolve), the risk ranking and dashboard counts.
// Ingest runs detection for what changed before answering, so a 200 means alerts are current.

import { z } from 'zod';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { PalisadeError } from '../../model/index.ts';
import type { Severity } from '../../model/index.ts';
import type { CompiledPolicy } from '../../policy/index.ts';
import { compilePolicy } from '../../policy/index.ts';
import type { AlertOrder, Database } from '../../store/index.ts';
import {
  alertOrders,
  appendAudit,
  getAlert,
  getCluster,
  getRiskScore,
  getWorkloadById,
  listAlerts,
  listNamespaceSummaries,
  listPolicies,
  listRiskRanking,
  listWorkloads,
  resolveAlert,
  resolveAlerts,
} from '../../store/index.ts';
import { principalOf } from '../auth.ts';
import { ReadCache } from '../read-cache.ts';
import { detectCluster } from '../detect.ts';
import {
  deltasBody,
  ingestDeltas,
  ingestSnapshot,
  parseIngestBody,
  snapshotBody,
} from '../ingest.ts';
import type { IngestResult } from '../ingest.ts';
import { alertFilterOf, alertQueryFields } from '../alert-query.ts';

export const snapshotBodyLimit = 256 * 1024 * 1024;

const idParams = z.object({ id: z.uuid('must be an id (a uuid)') });
const pageQuery = {
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  offset: z.coerce.number().int().min(0).default(0),
};

/** Cluster and namespace filters with pagination, shared by the deployment lists. */
const scopedPageQuery = z.object({
  cluster: z.uuid().optional(),
  namespace: z.string().max(63).optional(),
  ...pageQuery,
});

function scopeFilter(query: z.infer<typeof scopedPageQuery>) {
  return {
    ...(query.cluster ? { clusterId: query.cluster } : {}),
    ...(query.namespace ? { namespace: query.namespace } : {}),
  };
}

/** The enabled policies, compiled; read per detection so policy edits apply at once. */
export async function enabledPolicies(db: Database): Promise<CompiledPolicy[]> {
  const compiled: CompiledPolicy[] = [];
  for (let offset = 0; ; offset += 1000) {
    const page = await listPolicies(db, {}, { limit: 1000, offset });
    for (const record of page.items)
      if (!record.disabled) compiled.push(compilePolicy(record.policy));
    if (page.items.length < 1000) return compiled;
  }
}

async function detectAfterIngest(db: Database, clusterId: string, result: IngestResult) {
  const policies = await enabledPolicies(db);
  const scope = result.clusterWide ? {} : { namespaces: result.changedNamespaces };
  if (!result.clusterWide && result.changedNamespaces.size === 0)
    return { workloads: 0, violations: 0, raised: 0, resolved: 0 };
  return detectCluster(db, clusterId, policies, scope);
}

export function registerInventoryRoutes(app: FastifyInstance, db: Database): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  // Lists and counts that dashboards poll: served from memory until the data changes.
  const cache = new ReadCache(db.writes);
  const cached = async (
    request: FastifyRequest,
    reply: FastifyReply,
    compute: () => Promise<unknown>,
  ) => reply.type('application/json').send(await cache.json(request.url, compute));

  const ingest = async (clusterId: string, run: () => Promise<IngestResult>) => {
    if ((await getCluster(db, clusterId)) === null) {
      throw new PalisadeError('cluster-not-found', `no cluster has id '${clusterId}'`, {
        status: 404,
      });
    }
    const result = await run();
    const detection = await detectAfterIngest(db, clusterId, result);
    return { upserted: result.upserted, deleted: result.deleted, detection };
  };

  api.post(
    '/api/v1/clusters/:id/snapshot',
    {
      // A whole cluster's inventory: larger than the API's default body limit (docs/ingest.md).
      bodyLimit: snapshotBodyLimit,
      config: { access: 'ingest', clusterParam: 'id' },
      schema: {
        tags: ['ingest'],
        summary: 'The cluster as it is now (docs/ingest.md)',
        params: idParams,
        body: z.unknown(),
      },
    },
    async (request) => {
      const body = parseIngestBody(snapshotBody, request.body, 'snapshot');
      return ingest(request.params.id, () => ingestSnapshot(db, request.params.id, body));
    },
  );

  api.post(
    '/api/v1/clusters/:id/deltas',
    {
      config: { access: 'ingest', clusterParam: 'id' },
      schema: {
        tags: ['ingest'],
        summary: 'Single-object changes, in order (docs/ingest.md)',
        params: idParams,
        body: z.unknown(),
      },
    },
    async (request) => {
      const body = parseIngestBody(deltasBody, request.body, 'deltas');
      return ingest(request.params.id, () => ingestDeltas(db, request.params.id, body));
    },
  );

  api.get(
    '/api/v1/deployments',
    {
      config: { access: 'deployments:read' },
      schema: {
        tags: ['deployments'],
        querystring: scopedPageQuery,
      },
    },
    (request, reply) =>
      cached(request, reply, () => listWorkloads(db, scopeFilter(request.query), request.query)),
  );

  api.get(
    '/api/v1/namespaces',
    {
      config: { access: 'deployments:read' },
      schema: {
        tags: ['deployments'],
        summary: 'Namespaces, riskiest first, with deployments, active alerts by severity and risk',
        querystring: z.object({ cluster: z.uuid().optional(), ...pageQuery }),
      },
    },
    (request, reply) =>
      cached(request, reply, () =>
        listNamespaceSummaries(
          db,
          request.query.cluster === undefined ? {} : { clusterId: request.query.cluster },
          request.query,
        ),
      ),
  );

  api.get(
    '/api/v1/deployments/:id',
    { config: { access: 'deployments:read' }, schema: { tags: ['deployments'], params: idParams } },
    async (request) => {
      const record = await getWorkloadById(db, request.params.id);
      if (record === null)
        throw new PalisadeError(
          'deployment-not-found',
          `no deployment has id '${request.params.id}'`,
          { status: 404 },
        );
      const [risk, alerts] = await Promise.all([
        getRiskScore(db, record.id),
        listAlerts(db, { workloadId: record.id, state: 'ACTIVE' }, { limit: 1000 }),
      ]);
      return { ...record, risk, alerts: alerts.items };
    },
  );

  api.get(
    '/api/v1/risk',
    {
      config: { access: 'deployments:read' },
      schema: {
        tags: ['deployments'],
        summary: 'Deployments ranked by risk score, each with its factors',
        querystring: scopedPageQuery,
      },
    },
    (request, reply) =>
      cached(request, reply, () => listRiskRanking(db, scopeFilter(request.query), request.query)),
  );

  api.get(
    '/api/v1/alerts',
    {
      config: { access: 'alerts:read' },
      schema: {
        tags: ['alerts'],
        summary: `Alerts filtered by a query such as Namespace:payments+Severity:HIGH,CRITICAL+Deployment:web (fields: ${alertQueryFields.join(', ')}; values are prefixes, "exact", r/regex, !negated)`,
        querystring: z.object({
          query: z.string().max(4096).optional(),
          since: z.iso.datetime({ offset: true }).optional().describe('last seen at or after'),
          until: z.iso.datetime({ offset: true }).optional().describe('last seen at or before'),
          sort: z
            .enum(Object.keys(alertOrders) as [AlertOrder, ...AlertOrder[]])
            .default('-lastSeen'),
          ...pageQuery,
        }),
      },
    },
    (request, reply) => {
      // Parsed before the cache: a bad query is a 400 every time.
      const { query, since, until, sort, limit, offset } = request.query;
      const filter = {
        ...alertFilterOf(query),
        ...(since === undefined ? {} : { since: new Date(since) }),
        ...(until === undefined ? {} : { until: new Date(until) }),
      };
      return cached(request, reply, () => listAlerts(db, filter, { limit, offset }, sort));
    },
  );

  api.get(
    '/api/v1/alerts/:id',
    { config: { access: 'alerts:read' }, schema: { tags: ['alerts'], params: idParams } },
    async (request) => {
      const alert = await getAlert(db, request.params.id);
      if (alert === null)
        throw new PalisadeError('alert-not-found', `no alert has id '${request.params.id}'`, {
          status: 404,
        });
      return alert;
    },
  );

  api.post(
    '/api/v1/alerts/resolve',
    {
      config: { access: 'alerts:write' },
      schema: {
        tags: ['alerts'],
        summary:
          'Resolve many alerts: by ids, or every open alert a query matches (at most 10,000)',
        body: z.union([
          z.strictObject({ ids: z.array(z.uuid()).min(1).max(10_000) }),
          z.strictObject({ query: z.string().max(4096) }),
        ]),
      },
    },
    async (request) => {
      const { actor } = principalOf(request);
      const body = request.body;
      const target =
        'ids' in body ? { ids: body.ids } : { filter: alertFilterOf(body.query), limit: 10_000 };
      const resolved = await db.transaction(async (tx) => {
        const ids = await resolveAlerts(tx, target);
        await appendAudit(tx, {
          actor,
          action: 'alert-resolve-bulk',
          target: 'ids' in body ? `${ids.length} alerts` : body.query,
          details: { resolved: ids.length },
        });
        return ids;
      });
      return { resolved: resolved.length, ids: resolved };
    },
  );

  api.post(
    '/api/v1/alerts/:id/resolve',
    { config: { access: 'alerts:write' }, schema: { tags: ['alerts'], params: idParams } },
    async (request) => {
      const { actor } = principalOf(request);
      return db.transaction(async (tx) => {
        const alert = await resolveAlert(tx, request.params.id);
        await appendAudit(tx, {
          actor,
          action: 'alert-resolve',
          target: alert.id,
          details: { policy: alert.policyId },
        });
        return alert;
      });
    },
  );

  api.get(
    '/api/v1/summary',
    {
      config: { access: 'alerts:read' },
      schema: { tags: ['alerts'], summary: 'Counts for a dashboard' },
    },
    (request, reply) =>
      cached(request, reply, async () => {
        const rows = await db.query<{ severity: Severity; count: string }>(
          "SELECT severity, count(*)::text AS count FROM alerts WHERE state = 'ACTIVE' GROUP BY severity",
        );
        const [counts] = await db.query<{
          clusters: string;
          namespaces: string;
          deployments: string;
        }>(
          `SELECT (SELECT count(*) FROM clusters)::text AS clusters, (SELECT count(*) FROM namespaces)::text AS namespaces,
           (SELECT count(*) FROM workloads)::text AS deployments`,
        );
        const bySeverity = {
          LOW_SEVERITY: 0,
          MEDIUM_SEVERITY: 0,
          HIGH_SEVERITY: 0,
          CRITICAL_SEVERITY: 0,
        };
        for (const row of rows) bySeverity[row.severity] = Number(row.count);
        return {
          clusters: Number(counts?.clusters ?? 0),
          namespaces: Number(counts?.namespaces ?? 0),
          deployments: Number(counts?.deployments ?? 0),
          activeAlerts: Object.values(bySeverity).reduce((a, b) => a + b, 0),
          activeAlertsBySeverity: bySeverity,
        };
      }),
  );
}
