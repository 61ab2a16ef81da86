// /api/v1/policies: CRUD, enable/disable, StackRox import/export and dry-run, plus /api/v1/check
// (the CI path: manifests in, verdict from Central's enabled policies out). Every policy that is
// stored has compiled first, so an invalid policy never reaches the store.

import RE2 from 're2';
import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import {
  PalisadeError,
  type InputProblem,
  type ManifestObject,
  type Policy,
  type PolicyExclusion,
  type Severity,
} from '../../model/index.ts';
import { parseManifestText } from '../../k8s/index.ts';
import {
  checkObjects,
  compilePolicy,
  exportPolicies,
  readPolicy,
  type CheckResult,
  type CompiledPolicy,
} from '../../policy/index.ts';
import {
  appendAudit,
  deletePolicy,
  getAlert,
  getPolicy,
  listPolicies,
  resolveAlert,
  savePolicy,
  setPolicyDisabled,
  type Database,
  type PolicyRecord,
  type Queryable,
} from '../../store/index.ts';
import { principalOf } from '../auth.ts';
import { dryRunOnInventory } from '../detect.ts';
import { reevaluatePolicy } from '../reevaluate.ts';
import { parseSearchQuery, type SearchClause, type SearchValue } from '../search.ts';

export const policySearchFields = [
  'Policy',
  'Policy ID',
  'Severity',
  'Category',
  'Lifecycle Stage',
  'Enabled',
] as const;

const sortKeys = ['name', 'severity', 'updatedAt', 'createdAt'] as const;
const severityRank: Record<Severity, number> = {
  LOW_SEVERITY: 1,
  MEDIUM_SEVERITY: 2,
  HIGH_SEVERITY: 3,
  CRITICAL_SEVERITY: 4,
};

const idParams = z.object({ id: z.string().min(1).max(200) });
const policyBody = z.record(z.string(), z.unknown()).describe('A policy in StackRox JSON');
const listQuery = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  offset: z.coerce.number().int().min(0).default(0),
  sort: z
    .string()
    .regex(
      /^-?(name|severity|updatedAt|createdAt)$/,
      `one of ${sortKeys.join(', ')}, - for descending`,
    )
    .default('name'),
  query: z.string().max(4096).default(''),
});
const manifestsText = z
  .string()
  .max(8 * 1024 * 1024)
  .describe('Kubernetes manifests: YAML (multi-document) or JSON');
/** Objects the CLI parsed itself, each with the file and line that results should name. */
const parsedObjects = z
  .array(
    z.strictObject({
      source: z.strictObject({
        file: z.string().max(4096),
        line: z.number().int().min(0),
      }),
      object: z.looseObject({ apiVersion: z.string().min(1), kind: z.string().min(1) }),
    }),
  )
  .max(100_000)
  .describe('Kubernetes objects already parsed, with their source file and line');
const dryRunBody = z.object({
  policy: policyBody,
  manifests: manifestsText
    .optional()
    .describe('manifests to evaluate; omitted: the inventory Central holds'),
});
const checkBody = z
  .object({ manifests: manifestsText.optional(), objects: parsedObjects.optional() })
  .refine((b) => (b.manifests === undefined) !== (b.objects === undefined), {
    message: 'send either manifests (text) or objects (parsed), not both or neither',
  });

/** Validates the shape (zod, in policy/) and compiles; both failures are 400 policy-invalid. */
export function validatePolicy(value: unknown, where: string): Policy {
  const policy = readPolicy(value, where);
  compilePolicy(policy);
  return policy;
}

function notFound(id: string): PalisadeError {
  return new PalisadeError('policy-not-found', `no policy has id '${id}'`, { status: 404 });
}

/** Every stored policy; a Central holds hundreds, not millions, so lists filter in memory. */
async function allPolicies(db: Queryable): Promise<PolicyRecord[]> {
  const all: PolicyRecord[] = [];
  for (let offset = 0; ; offset += 1000) {
    const page = await listPolicies(db, {}, { limit: 1000, offset });
    all.push(...page.items);
    if (all.length >= page.total || page.items.length === 0) return all;
  }
}

function valueMatcher(value: SearchValue): (candidate: string) => boolean {
  const wanted = value.value.toLowerCase();
  let test: (candidate: string) => boolean;
  switch (value.match) {
    case 'exact':
      test = (c) => c.toLowerCase() === wanted;
      break;
    case 'prefix':
      test = (c) => c.toLowerCase().startsWith(wanted);
      break;
    case 'regex': {
      let re: RE2;
      try {
        re = new RE2(`^(?:${value.value})$`, 'iu');
      } catch (error) {
        throw new PalisadeError(
          'query-invalid',
          `query: regex '${value.value}': ${error instanceof Error ? error.message : String(error)}`,
        );
      }
      test = (c) => re.test(c);
      break;
    }
  }
  return test;
}

function fieldValues(record: PolicyRecord, field: string): string[] {
  const p = record.policy;
  switch (field) {
    case 'Policy':
      return [p.name];
    case 'Policy ID':
      return [p.id];
    case 'Severity':
      // "HIGH" matches HIGH_SEVERITY, as StackRox's search does.
      return [p.severity, p.severity.replace(/_SEVERITY$/, '')];
    case 'Category':
      return [...(p.categories ?? [])];
    case 'Lifecycle Stage':
      return [...p.lifecycleStages];
    case 'Enabled':
      return [String(!record.disabled)];
    default:
      return [];
  }
}

function matchesClauses(record: PolicyRecord, clauses: readonly SearchClause[]): boolean {
  return clauses.every((clause) => {
    const values = fieldValues(record, clause.field);
    return clause.values.some((value) => {
      const hit = values.some(valueMatcher(value));
      return value.negate ? !hit : hit;
    });
  });
}

function comparePolicies(sort: string): (a: PolicyRecord, b: PolicyRecord) => number {
  const descending = sort.startsWith('-');
  const key = descending ? sort.slice(1) : sort;
  const byName = (a: PolicyRecord, b: PolicyRecord) => a.name.localeCompare(b.name);
  const primary = (a: PolicyRecord, b: PolicyRecord): number => {
    switch (key) {
      case 'severity':
        return severityRank[a.severity] - severityRank[b.severity];
      case 'updatedAt':
        return a.updatedAt.localeCompare(b.updatedAt);
      case 'createdAt':
        return a.createdAt.localeCompare(b.createdAt);
      default:
        return byName(a, b);
    }
  };
  return (a, b) => (descending ? -1 : 1) * primary(a, b) || byName(a, b);
}

function checkManifests(
  input: {
    readonly manifests?: string | undefined;
    readonly objects?: z.infer<typeof parsedObjects> | undefined;
  },
  policies: readonly CompiledPolicy[],
) {
  const parsed: { objects: ManifestObject[]; problems: InputProblem[] } =
    input.objects === undefined
      ? parseManifestText(input.manifests ?? '', 'request')
      : {
          objects: input.objects.map(({ source, object }) => ({
            apiVersion: object.apiVersion,
            kind: object.kind,
            body: object,
            source,
          })),
          problems: [],
        };
  const result: CheckResult = checkObjects(parsed.objects, policies);
  return {
    violations: result.violations,
    undecided: result.undecided,
    suppressed: result.suppressed,
    problems: [...parsed.problems, ...result.problems],
    checked: result.checked.length,
    checkedObjects: result.checked,
    /** The policies evaluated, so a client can render rules (SARIF) and names. */
    policies: policies.map((c) => ({ ...c.policy, subject: c.subject })),
  };
}

export function registerPolicyRoutes(app: FastifyInstance, db: Database): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['policies'];
  // A changed policy is re-evaluated over the stored inventory after the response.
  const reevaluate = (id: string) =>
    app.jobs.run(`reevaluate-policy ${id}`, () => reevaluatePolicy(db, id));

  api.get(
    '/api/v1/policies',
    {
      config: { access: 'policies:read' },
      schema: {
        tags,
        summary: `List policies; query fields: ${policySearchFields.join(', ')}`,
        querystring: listQuery,
      },
    },
    async (request) => {
      const { limit, offset, sort, query } = request.query;
      const clauses = parseSearchQuery(query, policySearchFields);
      const matching = (await allPolicies(db))
        .filter((record) => matchesClauses(record, clauses))
        .sort(comparePolicies(sort));
      return {
        items: matching.slice(offset, offset + limit),
        total: matching.length,
        limit,
        offset,
      };
    },
  );

  api.get(
    '/api/v1/policies/export',
    {
      config: { access: 'policies:read' },
      schema: {
        tags,
        summary: 'Export policies as StackRox JSON ({"policies": [...]})',
        querystring: z.object({ id: z.string().max(100_000).optional() }),
      },
    },
    async (request, reply) => {
      const ids = request.query.id
        ?.split(',')
        .map((id) => id.trim())
        .filter((id) => id !== '');
      const records = await allPolicies(db);
      if (ids !== undefined) {
        const missing = ids.filter((id) => !records.some((r) => r.id === id));
        if (missing.length > 0) throw notFound(missing.join(', '));
      }
      const chosen = ids === undefined ? records : records.filter((r) => ids.includes(r.id));
      return reply
        .type('application/json; charset=utf-8')
        .send(exportPolicies(chosen.map((r) => r.policy)));
    },
  );

  api.get(
    '/api/v1/policies/:id',
    { config: { access: 'policies:read' }, schema: { tags, params: idParams } },
    async (request) => {
      const record = await getPolicy(db, request.params.id);
      if (record === null) throw notFound(request.params.id);
      return record;
    },
  );

  api.post(
    '/api/v1/policies',
    {
      config: { access: 'policies:write' },
      schema: { tags, summary: 'Create a policy (StackRox JSON)', body: policyBody },
    },
    async (request, reply) => {
      const policy = validatePolicy(request.body, 'policy');
      if ((await getPolicy(db, policy.id)) !== null) {
        throw new PalisadeError('policy-exists', `a policy with id '${policy.id}' already exists`, {
          status: 409,
        });
      }
      const { actor } = principalOf(request);
      const record = await db.transaction(async (tx) => {
        const saved = await savePolicy(tx, policy);
        await appendAudit(tx, { actor, action: 'policy-create', target: saved.id });
        return saved;
      });
      reevaluate(record.id);
      return reply.status(201).send(record);
    },
  );

  api.put(
    '/api/v1/policies/:id',
    {
      config: { access: 'policies:write' },
      schema: { tags, summary: 'Replace a policy', params: idParams, body: policyBody },
    },
    async (request) => {
      const { id } = request.params;
      const bodyId = request.body['id'];
      if (bodyId !== undefined && bodyId !== id) {
        throw new PalisadeError(
          'policy-invalid',
          `body.id ${JSON.stringify(bodyId)} differs from the URL id '${id}'`,
          {
            details: { fields: ['body.id'] },
          },
        );
      }
      const policy = validatePolicy({ ...request.body, id }, 'policy');
      const { actor } = principalOf(request);
      const saved = await db.transaction(async (tx) => {
        if ((await getPolicy(tx, id)) === null) throw notFound(id);
        const record = await savePolicy(tx, policy);
        await appendAudit(tx, { actor, action: 'policy-update', target: id });
        return record;
      });
      reevaluate(id);
      return saved;
    },
  );

  api.delete(
    '/api/v1/policies/:id',
    { config: { access: 'policies:write' }, schema: { tags, params: idParams } },
    async (request, reply) => {
      const { id } = request.params;
      const { actor } = principalOf(request);
      await db.transaction(async (tx) => {
        if (!(await deletePolicy(tx, id))) throw notFound(id);
        await appendAudit(tx, { actor, action: 'policy-delete', target: id });
      });
      reevaluate(id);
      return reply.status(204).send();
    },
  );

  for (const [verb, disabled] of [
    ['enable', false],
    ['disable', true],
  ] as const) {
    api.post(
      `/api/v1/policies/:id/${verb}`,
      { config: { access: 'policies:write' }, schema: { tags, params: idParams } },
      async (request) => {
        const { id } = request.params;
        const { actor } = principalOf(request);
        const updated = await db.transaction(async (tx) => {
          const record = await setPolicyDisabled(tx, id, disabled);
          if (record === null) throw notFound(id);
          await appendAudit(tx, { actor, action: `policy-${verb}`, target: id });
          return record;
        });
        reevaluate(id);
        return updated;
      },
    );
  }

  api.post(
    '/api/v1/policies/import',
    {
      config: { access: 'policies:write' },
      schema: {
        tags,
        summary: 'Import StackRox JSON: one policy or {"policies": [...]}; all or nothing',
        body: policyBody,
      },
    },
    async (request) => {
      const body = request.body;
      const raw = 'policies' in body ? body['policies'] : [body];
      if (!Array.isArray(raw)) {
        throw new PalisadeError('policy-invalid', 'body.policies must be an array', {
          details: { fields: ['body.policies'] },
        });
      }
      const policies = raw.map((p, i) =>
        validatePolicy(p, 'policies' in body ? `policies[${i}]` : 'policy'),
      );
      const { actor } = principalOf(request);
      const saved = await db.transaction(async (tx) => {
        const records: PolicyRecord[] = [];
        for (const policy of policies) records.push(await savePolicy(tx, policy));
        await appendAudit(tx, {
          actor,
          action: 'policy-import',
          details: { ids: records.map((r) => r.id) },
        });
        return records;
      });
      for (const record of saved) reevaluate(record.id);
      return { imported: saved.map((r) => ({ id: r.id, name: r.name })) };
    },
  );

  api.post(
    '/api/v1/alerts/:id/exclude',
    {
      config: { access: 'policies:write' },
      schema: {
        tags: ['alerts'],
        summary:
          "Exclude the alert's deployment from its policy (a policy exclusion); the alert resolves",
        params: z.object({ id: z.uuid('must be an alert id (a uuid)') }),
        // No body at all is fine: fastify hands the schema null for an empty request.
        body: z
          .strictObject({
            reason: z.string().max(500).optional(),
            expiresAt: z.iso.datetime({ offset: true }).optional(),
          })
          .nullish(),
      },
    },
    async (request) => {
      const { actor } = principalOf(request);
      const result = await db.transaction(async (tx) => {
        const alert = await getAlert(tx, request.params.id);
        if (alert === null)
          throw new PalisadeError('alert-not-found', `no alert has id '${request.params.id}'`, {
            status: 404,
          });
        const record = await getPolicy(tx, alert.policyId);
        if (record === null)
          throw new PalisadeError(
            'policy-not-found',
            `the alert's policy '${alert.policyId}' no longer exists`,
            { status: 409 },
          );
        // Exclusion names and scopes are anchored regexes (StackRox): quote the literal names.
        const quote = (text: string) => text.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&');
        const exclusion: PolicyExclusion = {
          name:
            request.body?.reason ?? `${alert.namespace}/${alert.workloadName} (alert ${alert.id})`,
          deployment: {
            name: quote(alert.workloadName),
            scope: { cluster: alert.clusterId, namespace: quote(alert.namespace) },
          },
          ...(request.body?.expiresAt === undefined ? {} : { expiration: request.body.expiresAt }),
        };
        const policy = validatePolicy(
          { ...record.policy, exclusions: [...(record.policy.exclusions ?? []), exclusion] },
          'policy',
        );
        const saved = await savePolicy(tx, policy);
        const resolved = alert.state === 'RESOLVED' ? alert : await resolveAlert(tx, alert.id);
        await appendAudit(tx, {
          actor,
          action: 'alert-exclude',
          target: alert.id,
          details: { policy: policy.id, deployment: `${alert.namespace}/${alert.workloadName}` },
        });
        return { policy: saved, alert: resolved, exclusion };
      });
      reevaluate(result.policy.id);
      return result;
    },
  );

  api.post(
    '/api/v1/policies/dry-run',
    {
      config: { access: 'policies:read' },
      schema: {
        tags,
        summary:
          'Evaluate an unsaved policy against manifests sent in the body, or against the inventory Central holds',
        body: dryRunBody,
      },
    },
    async (request) => {
      const compiled = compilePolicy(readPolicy(request.body.policy, 'policy'));
      if (request.body.manifests !== undefined)
        return checkManifests({ manifests: request.body.manifests }, [compiled]);
      return dryRunOnInventory(db, compiled);
    },
  );

  api.post(
    '/api/v1/check',
    {
      config: { access: 'check' },
      schema: {
        tags: ['check'],
        summary: "Check manifests against Central's enabled policies (the CI path)",
        body: checkBody,
      },
    },
    async (request) => {
      const enabled = (await allPolicies(db)).filter((r) => !r.disabled);
      return checkManifests(
        request.body,
        enabled.map((r) => compilePolicy(r.policy)),
      );
    },
  );
}
