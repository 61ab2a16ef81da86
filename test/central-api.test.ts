// Central's HTTP API through fastify's inject: policies, clusters, tokens, the audit log, and
// hostile input (oversized, malformed, mistyped bodies → 4xx naming the problem, nothing
// written). Runs on PGlite and on a real PostgreSQL server.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { createCentral, seedBuiltinPolicies } from '../src/central/index.ts';
import type { Policy } from '../src/model/index.ts';
import { loadBuiltinPolicies } from '../src/policy/index.ts';
import {
  createApiToken,
  getPolicy,
  listAudit,
  listClusters,
  listPolicies,
  type Database,
} from '../src/store/index.ts';
import { yamlObjects } from './kit/manifests.ts';
import { databaseBackends as centralBackends } from './kit/backends.ts';

function policy(id: string, overrides: Partial<Policy> = {}): Policy {
  return {
    id,
    name: `Policy ${id}`,
    severity: 'HIGH_SEVERITY',
    categories: ['Test'],
    lifecycleStages: ['DEPLOY'],
    policyVersion: '1.1',
    policySections: [
      { policyGroups: [{ fieldName: 'Privileged Container', values: [{ value: 'true' }] }] },
    ],
    ...overrides,
  };
}

const privilegedPod = `apiVersion: v1
kind: Pod
metadata: { name: bad, namespace: default }
spec: { containers: [{ name: app, image: nginx:1.27, securityContext: { privileged: true } }] }
`;

interface ErrorJson {
  error: { code: string; message: string; details: Record<string, unknown> };
}

for (const backend of centralBackends) {
  describe(`Central API on ${backend.name}`, () => {
    let opened: Awaited<ReturnType<typeof backend.open>> | undefined;
    let central: FastifyInstance | undefined;
    let adminHeader: Record<string, string> = {};
    const db = (): Database => {
      assert.ok(opened);
      return opened.db;
    };
    const app = (): FastifyInstance => {
      assert.ok(central);
      return central;
    };
    const call = (options: InjectOptions & { as?: Record<string, string> }) =>
      app().inject({ ...options, headers: { ...(options.as ?? adminHeader), ...options.headers } });

    before(async () => {
      opened = await backend.open();
      central = await createCentral({ db: opened.db });
      const admin = await createApiToken(opened.db, { name: 'alice', role: 'Admin' });
      adminHeader = { authorization: `Bearer ${admin.plainToken}` };
    });
    after(async () => {
      await central?.close();
      await opened?.close();
    });

    describe('built-in policies', () => {
      it('the first start stores every built-in policy', async () => {
        const page = await listPolicies(db(), {}, { limit: 1 });
        assert.equal(page.total, loadBuiltinPolicies().length);
      });

      it('seeding again neither overwrites an edited policy nor restores a deleted one', async () => {
        const [first, second] = loadBuiltinPolicies();
        assert.ok(first && second);
        const edited = await call({
          method: 'POST',
          url: `/api/v1/policies/${first.id}/disable`,
        });
        assert.equal(edited.statusCode, 200);
        const deleted = await call({ method: 'DELETE', url: `/api/v1/policies/${second.id}` });
        assert.equal(deleted.statusCode, 204);
        assert.deepEqual(await seedBuiltinPolicies(db()), []);
        assert.equal((await getPolicy(db(), first.id))?.disabled, true);
        assert.equal(await getPolicy(db(), second.id), null);
      });
    });

    describe('policies', () => {
      it('a valid policy is created with 201 and the write is audited with the token name', async () => {
        const response = await call({
          method: 'POST',
          url: '/api/v1/policies',
          payload: policy('api-one'),
        });
        assert.equal(response.statusCode, 201, response.body);
        assert.equal(response.json<{ id: string }>().id, 'api-one');
        const audit = await listAudit(db(), { action: 'policy-create' });
        assert.equal(audit.items[0]?.actor, 'alice');
        assert.equal(audit.items[0]?.target, 'api-one');
      });

      it('a policy the engine rejects is a 400 carrying the engine message, and nothing is stored', async () => {
        const bad = policy('api-bad', {
          policySections: [
            { policyGroups: [{ fieldName: 'No Such Field', values: [{ value: 'x' }] }] },
          ],
        });
        const response = await call({ method: 'POST', url: '/api/v1/policies', payload: bad });
        assert.equal(response.statusCode, 400);
        const body = response.json<ErrorJson>();
        assert.equal(body.error.code, 'policy-invalid');
        assert.match(body.error.message, /No Such Field/);
        assert.equal(await getPolicy(db(), 'api-bad'), null);
      });

      it('a policy missing its severity is a 400 naming the field', async () => {
        const rest: Record<string, unknown> = { ...policy('api-nosev') };
        delete rest['severity'];
        const response = await call({ method: 'POST', url: '/api/v1/policies', payload: rest });
        assert.equal(response.statusCode, 400);
        assert.match(response.json<ErrorJson>().error.message, /severity/);
      });

      it('creating an existing id is a 409, updating replaces it, and a missing id is a 404', async () => {
        await call({ method: 'POST', url: '/api/v1/policies', payload: policy('api-two') });
        const again = await call({
          method: 'POST',
          url: '/api/v1/policies',
          payload: policy('api-two'),
        });
        assert.equal(again.statusCode, 409);
        const updated = await call({
          method: 'PUT',
          url: '/api/v1/policies/api-two',
          payload: policy('api-two', { severity: 'LOW_SEVERITY' }),
        });
        assert.equal(updated.statusCode, 200, updated.body);
        assert.equal((await getPolicy(db(), 'api-two'))?.severity, 'LOW_SEVERITY');
        const missing = await call({
          method: 'PUT',
          url: '/api/v1/policies/nope',
          payload: policy('nope'),
        });
        assert.equal(missing.statusCode, 404);
        assert.equal(missing.json<ErrorJson>().error.code, 'policy-not-found');
      });

      it('enable and disable flip the stored flag and the body alike', async () => {
        await call({ method: 'POST', url: '/api/v1/policies', payload: policy('api-flip') });
        const disabled = await call({ method: 'POST', url: '/api/v1/policies/api-flip/disable' });
        assert.equal(disabled.json<{ disabled: boolean; policy: Policy }>().policy.disabled, true);
        const enabled = await call({ method: 'POST', url: '/api/v1/policies/api-flip/enable' });
        assert.equal(enabled.json<{ disabled: boolean }>().disabled, false);
      });

      it('the list filters with a query, sorts, and pages', async () => {
        for (const [id, severity] of [
          ['q-low', 'LOW_SEVERITY'],
          ['q-crit', 'CRITICAL_SEVERITY'],
          ['q-med', 'MEDIUM_SEVERITY'],
        ] as const) {
          await call({
            method: 'POST',
            url: '/api/v1/policies',
            payload: policy(id, { name: `Query ${id}`, categories: ['Querying'] }),
          });
          await call({
            method: 'PUT',
            url: `/api/v1/policies/${id}`,
            payload: policy(id, { name: `Query ${id}`, categories: ['Querying'], severity }),
          });
        }
        const response = await call({
          method: 'GET',
          url: '/api/v1/policies?query=Category:querying%2BSeverity:LOW,CRITICAL&sort=-severity&limit=1',
        });
        assert.equal(response.statusCode, 200, response.body);
        const page = response.json<{ items: { id: string }[]; total: number }>();
        assert.equal(page.total, 2);
        assert.deepEqual(
          page.items.map((p) => p.id),
          ['q-crit'],
        );
        const second = await call({
          method: 'GET',
          url: '/api/v1/policies?query=Category:querying%2BSeverity:LOW,CRITICAL&sort=-severity&limit=1&offset=1',
        });
        assert.deepEqual(
          second.json<{ items: { id: string }[] }>().items.map((p) => p.id),
          ['q-low'],
        );
        const disabled = await call({
          method: 'GET',
          url: '/api/v1/policies?query=Enabled:false&limit=1000',
        });
        assert.ok(
          disabled.json<{ items: { disabled: boolean }[] }>().items.every((p) => p.disabled),
        );
        const unknown = await call({ method: 'GET', url: '/api/v1/policies?query=Colour:red' });
        assert.equal(unknown.statusCode, 400);
        assert.match(unknown.json<ErrorJson>().error.message, /unknown field 'Colour'/);
        const badSort = await call({ method: 'GET', url: '/api/v1/policies?sort=colour' });
        assert.equal(badSort.statusCode, 400);
        assert.match(badSort.json<ErrorJson>().error.message, /querystring\.sort/);
      });

      it('an export imports back unchanged, all or nothing', async () => {
        await call({
          method: 'POST',
          url: '/api/v1/policies',
          payload: policy('exp-a', { custom: { kept: true } }),
        });
        const exported = await call({ method: 'GET', url: '/api/v1/policies/export?id=exp-a' });
        assert.equal(exported.statusCode, 200);
        const file = exported.json<{ policies: Policy[] }>();
        assert.deepEqual(file.policies[0]?.['custom'], { kept: true });
        await call({ method: 'DELETE', url: '/api/v1/policies/exp-a' });
        const imported = await call({
          method: 'POST',
          url: '/api/v1/policies/import',
          payload: file,
        });
        assert.equal(imported.statusCode, 200, imported.body);
        assert.deepEqual((await getPolicy(db(), 'exp-a'))?.policy, file.policies[0]);
        const mixed = await call({
          method: 'POST',
          url: '/api/v1/policies/import',
          payload: { policies: [policy('imp-good'), { name: 'broken' }] },
        });
        assert.equal(mixed.statusCode, 400);
        assert.match(mixed.json<ErrorJson>().error.message, /policies\[1\]/);
        assert.equal(await getPolicy(db(), 'imp-good'), null);
      });

      it('a dry run reports the violations of an unsaved policy and stores nothing', async () => {
        const response = await call({
          method: 'POST',
          url: '/api/v1/policies/dry-run',
          payload: { policy: policy('draft-only'), manifests: privilegedPod },
        });
        assert.equal(response.statusCode, 200, response.body);
        const result = response.json<{
          violations: { object: { name: string } }[];
          checked: number;
        }>();
        assert.equal(result.checked, 1);
        assert.deepEqual(
          result.violations.map((v) => v.object.name),
          ['bad'],
        );
        assert.equal(await getPolicy(db(), 'draft-only'), null);
      });

      it('a CI token checks manifests against the enabled stored policies', async () => {
        const ci = await createApiToken(db(), { name: 'ci', role: 'Continuous Integration' });
        const response = await call({
          method: 'POST',
          url: '/api/v1/check',
          as: { authorization: `Bearer ${ci.plainToken}` },
          payload: { manifests: privilegedPod },
        });
        assert.equal(response.statusCode, 200, response.body);
        const ids = response
          .json<{ violations: { policy: { id: string } }[] }>()
          .violations.map((v) => v.policy.id);
        assert.ok(ids.includes('api-one'));
      });
    });

    describe('check with parsed objects', () => {
      it("keeps each object's file and line, and returns the policies it used", async () => {
        const response = await call({
          method: 'POST',
          url: '/api/v1/check',
          payload: {
            objects: [
              {
                source: { file: 'charts/web/pod.yaml', line: 7 },
                object: yamlObjects(privilegedPod)[0],
              },
            ],
          },
        });
        assert.equal(response.statusCode, 200, response.body);
        const result = response.json<{
          violations: { file: string; line: number }[];
          checkedObjects: { file: string; line: number }[];
          policies: { id: string }[];
        }>();
        assert.ok(result.violations.length > 0);
        assert.ok(result.violations.every((v) => v.file === 'charts/web/pod.yaml' && v.line === 7));
        assert.deepEqual(
          result.checkedObjects.map((o) => o.file),
          ['charts/web/pod.yaml'],
        );
        assert.ok(result.policies.some((p) => p.id === 'api-one'));
      });

      it('a body with both manifests and objects, or neither, is a 400', async () => {
        for (const payload of [{}, { manifests: privilegedPod, objects: [] }]) {
          const response = await call({ method: 'POST', url: '/api/v1/check', payload });
          assert.equal(response.statusCode, 400, JSON.stringify(payload));
          assert.match(response.json<ErrorJson>().error.message, /either manifests .* or objects/);
        }
      });
    });

    describe('clusters and tokens', () => {
      it('a new cluster comes with a one-time Sensor token that works for that cluster only', async () => {
        const created = await call({
          method: 'POST',
          url: '/api/v1/clusters',
          payload: { name: 'prod-eu' },
        });
        assert.equal(created.statusCode, 201, created.body);
        const { cluster, sensorToken } = created.json<{
          cluster: { id: string };
          sensorToken: string;
        }>();
        const sensor = { authorization: `Bearer ${sensorToken}` };
        const beat = await call({
          method: 'POST',
          url: `/api/v1/clusters/${cluster.id}/heartbeat`,
          as: sensor,
          payload: { sensorVersion: '1.2.3' },
        });
        assert.equal(beat.statusCode, 204);
        const shown = await call({ method: 'GET', url: `/api/v1/clusters/${cluster.id}` });
        assert.equal(shown.json<{ sensorVersion: string }>().sensorVersion, '1.2.3');
        const readAsSensor = await call({ method: 'GET', url: '/api/v1/clusters', as: sensor });
        assert.equal(readAsSensor.statusCode, 403);
        const duplicate = await call({
          method: 'POST',
          url: '/api/v1/clusters',
          payload: { name: 'prod-eu' },
        });
        assert.equal(duplicate.statusCode, 409);
        assert.equal(
          (await call({ method: 'DELETE', url: `/api/v1/clusters/${cluster.id}` })).statusCode,
          204,
        );
        const gone = await call({ method: 'GET', url: `/api/v1/clusters/${cluster.id}` });
        assert.equal(gone.statusCode, 404);
        // Deleting the cluster removed its Sensor token with it.
        const after = await call({ method: 'GET', url: '/healthz', as: sensor });
        assert.equal(after.statusCode, 200);
        const beatAfter = await call({
          method: 'POST',
          url: `/api/v1/clusters/${cluster.id}/heartbeat`,
          as: sensor,
        });
        assert.equal(beatAfter.statusCode, 401);
      });

      it('a token is shown once, listed without secrets, and refused after revocation', async () => {
        const created = await call({
          method: 'POST',
          url: '/api/v1/tokens',
          payload: { name: 'analyst-bob', role: 'Analyst' },
        });
        assert.equal(created.statusCode, 201, created.body);
        const { token, plainToken } = created.json<{ token: { id: string }; plainToken: string }>();
        const listed = await call({ method: 'GET', url: '/api/v1/tokens?limit=1000' });
        assert.ok(!listed.body.includes(plainToken));
        assert.ok(!/hash/i.test(listed.body));
        const bob = { authorization: `Bearer ${plainToken}` };
        assert.equal(
          (await call({ method: 'GET', url: '/api/v1/policies?limit=1', as: bob })).statusCode,
          200,
        );
        assert.equal(
          (await call({ method: 'POST', url: `/api/v1/tokens/${token.id}/revoke` })).statusCode,
          204,
        );
        assert.equal(
          (await call({ method: 'GET', url: '/api/v1/policies?limit=1', as: bob })).statusCode,
          401,
        );
        const sensorless = await call({
          method: 'POST',
          url: '/api/v1/tokens',
          payload: { name: 's', role: 'Sensor' },
        });
        assert.equal(sensorless.statusCode, 400);
        assert.match(sensorless.json<ErrorJson>().error.message, /clusterId/);
      });
    });

    describe('hostile input', () => {
      it('an oversized body is a 413 with the limit, and nothing is written', async () => {
        const small = await createCentral({
          db: db(),
          bodyLimit: 1024,
          seedBuiltinPolicies: false,
        });
        try {
          const before = await listClusters(db());
          const response = await small.inject({
            method: 'POST',
            url: '/api/v1/clusters',
            headers: adminHeader,
            payload: { name: 'huge', labels: { pad: 'x'.repeat(2048) } },
          });
          assert.equal(response.statusCode, 413);
          const body = response.json<ErrorJson>();
          assert.equal(body.error.code, 'body-too-large');
          assert.match(body.error.message, /1024 bytes/);
          assert.equal((await listClusters(db())).total, before.total);
        } finally {
          await small.close();
        }
      });

      it('a gzip body is decoded; a gzip bomb is a 413, corrupt gzip a 400, other encodings 415', async () => {
        const small = await createCentral({
          db: db(),
          bodyLimit: 64 * 1024,
          seedBuiltinPolicies: false,
        });
        try {
          const post = (payload: Buffer, encoding: string) =>
            small.inject({
              method: 'POST',
              url: '/api/v1/clusters',
              headers: {
                ...adminHeader,
                'content-type': 'application/json',
                'content-encoding': encoding,
              },
              payload,
            });
          const made = await post(gzipSync(JSON.stringify({ name: 'zipped' })), 'gzip');
          assert.equal(made.statusCode, 201, made.body);
          assert.equal(made.json<{ cluster: { name: string } }>().cluster.name, 'zipped');
          const before = await listClusters(db());
          // 50 MB of padding in under 100 KB: the limit applies to the decoded bytes.
          const bomb = gzipSync(
            Buffer.concat([
              Buffer.from('{"name":"bomb","labels":{"pad":"'),
              Buffer.alloc(50 * 1024 * 1024, 0x61),
              Buffer.from('"}}'),
            ]),
          );
          assert.ok(bomb.length < 100 * 1024);
          const exploded = await post(bomb, 'gzip');
          assert.equal(exploded.statusCode, 413);
          assert.equal(exploded.json<ErrorJson>().error.code, 'body-too-large');
          const corrupt = await post(Buffer.from('not gzip at all'), 'gzip');
          assert.equal(corrupt.statusCode, 400);
          assert.match(corrupt.json<ErrorJson>().error.message, /gzip content is corrupt/);
          const brotli = await post(Buffer.from('{}'), 'br');
          assert.equal(brotli.statusCode, 415);
          assert.match(brotli.json<ErrorJson>().error.message, /content-encoding 'br'/);
          assert.equal((await listClusters(db())).total, before.total);
        } finally {
          await small.close();
        }
      });

      it('malformed JSON is a 400 and nothing is written', async () => {
        const before = await listClusters(db());
        const response = await call({
          method: 'POST',
          url: '/api/v1/clusters',
          headers: { 'content-type': 'application/json' },
          payload: '{"name": "half',
        });
        assert.equal(response.statusCode, 400);
        assert.equal(response.json<ErrorJson>().error.code, 'json-invalid');
        assert.equal((await listClusters(db())).total, before.total);
      });

      it('a wrongly typed field is a 400 naming the field, and nothing is written', async () => {
        const before = await listClusters(db());
        const response = await call({
          method: 'POST',
          url: '/api/v1/clusters',
          payload: { name: 'typed', labels: { team: 7 } },
        });
        assert.equal(response.statusCode, 400);
        const body = response.json<ErrorJson>();
        assert.equal(body.error.code, 'request-invalid');
        assert.deepEqual(body.error.details['fields'], ['body.labels.team']);
        assert.equal((await listClusters(db())).total, before.total);
        const badId = await call({ method: 'GET', url: '/api/v1/clusters/not-a-uuid' });
        assert.equal(badId.statusCode, 400);
        assert.match(badId.json<ErrorJson>().error.message, /params\.id/);
      });

      it('an unexpected failure is a 500 that reveals nothing, and readiness reports the database', async () => {
        const real = db();
        const broken: Database = {
          ...real,
          query: (sql, params) =>
            sql.includes('FROM clusters')
              ? Promise.reject(new Error('connection to 10.0.0.7 lost: secret detail'))
              : real.query(sql, params),
          exec: (sql) => real.exec(sql),
          transaction: (fn) => real.transaction(fn),
          close: () => Promise.resolve(),
        };
        const failing = await createCentral({ db: broken, seedBuiltinPolicies: false });
        try {
          const response = await failing.inject({
            method: 'GET',
            url: '/api/v1/clusters',
            headers: adminHeader,
          });
          assert.equal(response.statusCode, 500);
          assert.deepEqual(response.json(), {
            error: { code: 'internal', message: 'internal server error', details: {} },
          });
        } finally {
          await failing.close();
        }
        const down: Database = {
          ...real,
          query: () => Promise.reject(new Error('down')),
          close: () => Promise.resolve(),
        };
        const unready = await createCentral({ db: down, seedBuiltinPolicies: false });
        try {
          assert.equal((await unready.inject({ method: 'GET', url: '/readyz' })).statusCode, 503);
          assert.equal((await unready.inject({ method: 'GET', url: '/healthz' })).statusCode, 200);
        } finally {
          await unready.close();
        }
      });
    });

    describe('operations', () => {
      it('serves an OpenAPI 3.1 document listing the API routes, and Prometheus metrics', async () => {
        const spec = (await call({ method: 'GET', url: '/openapi.json' })).json<{
          openapi: string;
          paths: Record<string, unknown>;
        }>();
        assert.equal(spec.openapi, '3.1.0');
        assert.ok('/api/v1/policies/{id}' in spec.paths);
        const metrics = await call({ method: 'GET', url: '/metrics' });
        assert.match(
          metrics.body,
          /palisade_http_request_duration_seconds_count\{method="GET",route="\/openapi.json",status="200"\} 1/,
        );
      });
    });
  });
}
