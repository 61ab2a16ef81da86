// Reads the web console needs that the core API does not answer yet: who the caller is, the
// criteria field registry for the policy builder (with value checks), a dry run of an unsaved
// policy over the stored inventory, alert counts by policy and category, alerts over time and
// the namespaces. Read-only; every route here is a candidate for a first-class /api/v1 route.

import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { deriveContexts, emptyWorkloadContext } from '../../k8s/index.ts';
import type { ClusterObject, Severity, Workload } from '../../model/index.ts';
import {
  compilePolicy,
  defaultRegistry,
  evaluateAll,
  levels,
  readPolicy,
  type FieldDefinition,
} from '../../policy/index.ts';
import { listClusters, listPolicies, type Database } from '../../store/index.ts';
import { principalOf } from '../auth.ts';
import { loadInventory } from '../detect.ts';

const tags = ['console'];
const prefix = '/api/v1/console';

/** Choices a value syntax offers, for a select instead of a text box ("one of A, B"). */
function valueOptions(field: FieldDefinition): string[] | null {
  const text = field.syntax.describe;
  if (text === 'true or false') return ['true', 'false'];
  const match = /^one of (.+)$/.exec(text);
  return match?.[1] === undefined ? null : match[1].split(', ');
}

function describeField(name: string) {
  const definitions = defaultRegistry.definitions(name);
  const first = definitions[0];
  if (first === undefined) return null;
  return {
    name,
    description: first.description,
    stages: [...new Set(definitions.flatMap((d) => d.stages))],
    subjects: [...new Set(definitions.flatMap((d) => d.levels.map((l) => levels[l].root)))],
    syntax: first.syntax.describe,
    options: valueOptions(first),
    negatable: definitions.some((d) => d.negatable),
    multiple: definitions.some((d) => d.multiple),
    runtimeOnly: first.runtimeOnly,
    needsImage: first.needsImage,
    extension: first.extension,
  };
}

const severityRank: Record<Severity, number> = {
  LOW_SEVERITY: 1,
  MEDIUM_SEVERITY: 2,
  HIGH_SEVERITY: 3,
  CRITICAL_SEVERITY: 4,
};

export function registerConsoleRoutes(app: FastifyInstance, db: Database): void {
  const api = app.withTypeProvider<ZodTypeProvider>();

  api.get(
    `${prefix}/whoami`,
    {
      // Anyone who may use the console reads alerts; CI and Sensor tokens are refused here.
      config: { access: 'alerts:read' },
      schema: { tags, summary: "The caller's token name and role" },
    },
    (request) => {
      const { token } = principalOf(request);
      return { name: token.name, role: token.role };
    },
  );

  api.get(
    `${prefix}/policy-fields`,
    {
      config: { access: 'policies:read' },
      schema: { tags, summary: 'The policy criteria fields, for the criteria builder' },
    },
    () => {
      const names = [...new Set(defaultRegistry.all().map((f) => f.name))].sort();
      return { items: names.map(describeField).filter((f) => f !== null) };
    },
  );

  api.post(
    `${prefix}/policy-fields/check`,
    {
      config: { access: 'policies:read' },
      schema: {
        tags,
        summary: 'Checks one criteria value against its field syntax',
        body: z.object({ field: z.string().min(1).max(200), value: z.string().max(4096) }),
      },
    },
    (request) => {
      const definitions = defaultRegistry.definitions(request.body.field);
      if (definitions.length === 0) {
        const suggestion = defaultRegistry.suggest(request.body.field);
        return {
          valid: false,
          message: `unknown field '${request.body.field}'${suggestion ? `; did you mean '${suggestion}'?` : ''}`,
        };
      }
      const messages: string[] = [];
      for (const definition of definitions) {
        try {
          definition.syntax.parse(request.body.value);
          return { valid: true, message: '' };
        } catch (error) {
          messages.push(error instanceof Error ? error.message : String(error));
        }
      }
      return { valid: false, message: messages[0] ?? 'invalid value' };
    },
  );

  api.post(
    `${prefix}/dry-run`,
    {
      config: { access: 'policies:read' },
      schema: {
        tags,
        summary: 'Evaluates an unsaved policy over every stored cluster (deploy stage)',
        body: z.object({ policy: z.record(z.string(), z.unknown()) }),
      },
    },
    async (request) => {
      const policy = readPolicy(request.body.policy, 'policy');
      const compiled = compilePolicy({ ...policy, disabled: false });
      const clusters = await listClusters(db, { limit: 1000 });
      const hits: {
        clusterId: string;
        clusterName: string;
        namespace: string;
        workloadId: string | null;
        workloadKind: string;
        workloadName: string;
        messages: string[];
      }[] = [];
      let evaluated = 0;
      for (const cluster of clusters.items) {
        const inventory = await loadInventory(db, cluster.id);
        const ids = new Map<string, string>();
        const objects: ClusterObject[] = [];
        for (const record of inventory.workloads) {
          ids.set(`${record.namespace}\u0000${record.name}\u0000${record.kind}`, record.id);
          objects.push({ ...record.workload, context: emptyWorkloadContext });
        }
        for (const record of inventory.objects) objects.push(record.object);
        for (const record of inventory.namespaces) objects.push(record.namespace);
        const targets = deriveContexts(objects).filter((o): o is Workload => o.kind === 'Workload');
        evaluated += targets.length;
        const { violations } = evaluateAll([compiled], targets, { stages: ['DEPLOY'] });
        const byObject = new Map<string, (typeof hits)[number]>();
        for (const violation of violations) {
          const { namespace, name, kind } = violation.object;
          const key = `${namespace}\u0000${name}\u0000${kind}`;
          let hit = byObject.get(key);
          if (hit === undefined) {
            hit = {
              clusterId: cluster.id,
              clusterName: cluster.name,
              namespace,
              workloadId: ids.get(key) ?? null,
              workloadKind: kind,
              workloadName: name,
              messages: [],
            };
            byObject.set(key, hit);
            hits.push(hit);
          }
          hit.messages.push(violation.message);
        }
      }
      return { policyId: policy.id, evaluated, total: hits.length, hits };
    },
  );

  api.get(
    `${prefix}/alert-counts`,
    {
      config: { access: 'alerts:read' },
      schema: {
        tags,
        summary: 'Active alerts counted by policy (with its categories) and by namespace',
      },
    },
    async () => {
      const [byPolicyRows, byNamespaceRows, policies] = await Promise.all([
        db.query<{ policy_id: string; policy_name: string; severity: Severity; count: string }>(
          `SELECT policy_id, policy_name, severity, count(*)::text AS count FROM alerts
           WHERE state = 'ACTIVE' GROUP BY policy_id, policy_name, severity`,
        ),
        db.query<{ cluster_id: string; namespace: string; count: string }>(
          `SELECT cluster_id::text AS cluster_id, namespace, count(*)::text AS count FROM alerts
           WHERE state = 'ACTIVE' GROUP BY cluster_id, namespace`,
        ),
        listPolicies(db, {}, { limit: 1000 }),
      ]);
      const categoriesOf = new Map(policies.items.map((p) => [p.id, p.policy.categories ?? []]));
      const byPolicy = byPolicyRows
        .map((r) => ({
          policyId: r.policy_id,
          policyName: r.policy_name,
          severity: r.severity,
          categories: categoriesOf.get(r.policy_id) ?? [],
          count: Number(r.count),
        }))
        .sort(
          (a, b) =>
            b.count - a.count ||
            severityRank[b.severity] - severityRank[a.severity] ||
            a.policyName.localeCompare(b.policyName),
        );
      const categories = new Map<string, number>();
      for (const p of byPolicy) {
        for (const category of p.categories.length > 0 ? p.categories : ['Uncategorized'])
          categories.set(category, (categories.get(category) ?? 0) + p.count);
      }
      return {
        byPolicy,
        byCategory: [...categories]
          .map(([category, count]) => ({ category, count }))
          .sort((a, b) => b.count - a.count || a.category.localeCompare(b.category)),
        byNamespace: byNamespaceRows
          .map((r) => ({ clusterId: r.cluster_id, namespace: r.namespace, count: Number(r.count) }))
          .sort((a, b) => b.count - a.count),
      };
    },
  );

  api.get(
    `${prefix}/alert-timeline`,
    {
      config: { access: 'alerts:read' },
      schema: {
        tags,
        summary: 'Per day (UTC): alerts active at the end of the day by severity, raised, resolved',
        querystring: z.object({ days: z.coerce.number().int().min(1).max(90).default(14) }),
      },
    },
    async (request) => {
      const rows = await db.query<{
        day: string;
        severity: Severity;
        active: string;
        raised: string;
        resolved: string;
      }>(
        `WITH days AS (
           SELECT d::date AS day FROM generate_series(
             (now() AT TIME ZONE 'UTC')::date - ($1::int - 1), (now() AT TIME ZONE 'UTC')::date,
             interval '1 day') AS d)
         SELECT to_char(days.day, 'YYYY-MM-DD') AS day, s.severity,
           (SELECT count(*) FROM alerts a WHERE a.severity = s.severity
              AND a.first_seen < (days.day + 1)::timestamp AT TIME ZONE 'UTC'
              AND (a.resolved_at IS NULL OR a.resolved_at >= (days.day + 1)::timestamp AT TIME ZONE 'UTC')
              AND a.state <> 'ATTEMPTED')::text AS active,
           (SELECT count(*) FROM alerts a WHERE a.severity = s.severity
              AND a.first_seen >= days.day::timestamp AT TIME ZONE 'UTC'
              AND a.first_seen < (days.day + 1)::timestamp AT TIME ZONE 'UTC')::text AS raised,
           (SELECT count(*) FROM alerts a WHERE a.severity = s.severity
              AND a.resolved_at >= days.day::timestamp AT TIME ZONE 'UTC'
              AND a.resolved_at < (days.day + 1)::timestamp AT TIME ZONE 'UTC')::text AS resolved
         FROM days CROSS JOIN (VALUES ('LOW_SEVERITY'), ('MEDIUM_SEVERITY'), ('HIGH_SEVERITY'),
           ('CRITICAL_SEVERITY')) AS s(severity)
         ORDER BY days.day`,
        [request.query.days],
      );
      const byDay = new Map<
        string,
        { day: string; active: Record<Severity, number>; raised: number; resolved: number }
      >();
      for (const row of rows) {
        let entry = byDay.get(row.day);
        if (entry === undefined) {
          entry = {
            day: row.day,
            active: { LOW_SEVERITY: 0, MEDIUM_SEVERITY: 0, HIGH_SEVERITY: 0, CRITICAL_SEVERITY: 0 },
            raised: 0,
            resolved: 0,
          };
          byDay.set(row.day, entry);
        }
        entry.active[row.severity] = Number(row.active);
        entry.raised += Number(row.raised);
        entry.resolved += Number(row.resolved);
      }
      return { days: [...byDay.values()] };
    },
  );

  api.get(
    `${prefix}/namespaces`,
    {
      config: { access: 'deployments:read' },
      schema: { tags, summary: 'Namespaces with their deployment and active alert counts' },
    },
    async () => {
      const rows = await db.query<{
        cluster_id: string;
        cluster_name: string;
        name: string;
        deployments: string;
        alerts: string;
      }>(
        `SELECT n.cluster_id::text AS cluster_id, c.name AS cluster_name, n.name,
           (SELECT count(*) FROM workloads w WHERE w.cluster_id = n.cluster_id AND w.namespace = n.name)::text AS deployments,
           (SELECT count(*) FROM alerts a WHERE a.cluster_id = n.cluster_id AND a.namespace = n.name AND a.state = 'ACTIVE')::text AS alerts
         FROM namespaces n JOIN clusters c ON c.id = n.cluster_id ORDER BY c.name, n.name`,
      );
      return {
        items: rows.map((r) => ({
          clusterId: r.cluster_id,
          clusterName: r.cluster_name,
          name: r.name,
          deployments: Number(r.deployments),
          activeAlerts: Number(r.alerts),
        })),
      };
    },
  );

  api.get(
    `${prefix}/cluster-counts`,
    {
      config: { access: 'clusters:read' },
      schema: { tags, summary: 'Per cluster: namespaces, deployments and active alerts' },
    },
    async () => {
      const rows = await db.query<{
        id: string;
        namespaces: string;
        deployments: string;
        alerts: string;
      }>(
        `SELECT c.id::text AS id,
           (SELECT count(*) FROM namespaces n WHERE n.cluster_id = c.id)::text AS namespaces,
           (SELECT count(*) FROM workloads w WHERE w.cluster_id = c.id)::text AS deployments,
           (SELECT count(*) FROM alerts a WHERE a.cluster_id = c.id AND a.state = 'ACTIVE')::text AS alerts
         FROM clusters c`,
      );
      return {
        items: rows.map((r) => ({
          clusterId: r.id,
          namespaces: Number(r.namespaces),
          deployments: Number(r.deployments),
          activeAlerts: Number(r.alerts),
        })),
      };
    },
  );
}
