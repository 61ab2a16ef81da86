// Central's image scanning end to end, on PGlite and on a real PostgreSQL server: a Debian 9
// image with a libxml2 that the real advisory DLA-3012-1 covers is pushed to a real
// docker-registry; Central's database holds the real Debian OSV records (importOsv). After a
// Sensor snapshot referencing the image, the worker scans it, the CVE policy's alert appears,
// the image views list it, an exception suppresses the alert, and the queue is shared safely
// (SKIP LOCKED) by concurrent claimers.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { createCentral } from '../src/central/index.ts';
import { rematchImageScans } from '../src/central/image-scanning.ts';
import type { Policy } from '../src/model/index.ts';
import {
  claimImageScanJob,
  createApiToken,
  createCluster,
  enqueueImageScans,
  getImageScanJobs,
  osvRecordStore,
  savePolicy,
  type Database,
} from '../src/store/index.ts';
import { importOsv } from '../src/vuln/index.ts';
import { databaseBackends } from './kit/backends.ts';
import { OciLayout } from './kit/images.ts';
import { deploymentYaml, yamlObjects } from './kit/manifests.ts';
import { pushWithSkopeo, registrySkipReason, startTestRegistry } from './kit/registry.ts';
import type { TestRegistry } from './kit/registry.ts';
import {
  cleanDebianImage,
  debianRecordsDir,
  debianRecordsSkipReason,
  vulnerableCve,
  vulnerableDebianImage,
} from './kit/vulnerable-image.ts';

const skip = debianRecordsSkipReason() ?? registrySkipReason();

const cvePolicy: Policy = {
  id: 'libxml2-cve',
  name: 'libxml2 CVE-2022-29824',
  severity: 'HIGH_SEVERITY',
  lifecycleStages: ['DEPLOY'],
  policyVersion: '1.1',
  policySections: [
    {
      policyGroups: [
        { fieldName: 'CVE', values: [{ value: vulnerableCve }] },
        { fieldName: 'Fixable', values: [{ value: 'true' }] },
      ],
    },
  ],
};

interface Page<T> {
  items: T[];
  total: number;
}
interface Alert {
  policyId: string;
  workloadName: string;
  state: string;
}
interface ImageSummary {
  digest: string;
  reference: string;
  os: string;
  vulnerabilities: number;
  fixable: number;
  severities: Record<string, number>;
  deployments: number;
}

/** Polls until `check` returns a value (not undefined), or fails after `ms`. */
async function eventually<T>(what: string, check: () => Promise<T | undefined>, ms = 60_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('Central image scanning (real registry, real OSV records)', { skip }, () => {
  let work: string;
  let registry: TestRegistry;
  let vulnerableRef: string;
  let cleanRef: string;

  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'palisade-central-images-'));
    const layout = new OciLayout(join(work, 'layout'));
    await layout.addImage('vulnerable', vulnerableDebianImage('central'));
    await layout.addImage('clean', cleanDebianImage());
    registry = await startTestRegistry();
    vulnerableRef = `${registry.host}/shop/libxml2:1`;
    cleanRef = `${registry.host}/shop/clean:1`;
    await pushWithSkopeo(join(work, 'layout'), 'vulnerable', vulnerableRef);
    await pushWithSkopeo(join(work, 'layout'), 'clean', cleanRef);
  });

  after(async () => {
    await registry?.stop();
    if (work !== undefined) await rm(work, { recursive: true, force: true });
  });

  for (const backend of databaseBackends) {
    describe(`on ${backend.name}`, () => {
      let opened: Awaited<ReturnType<typeof backend.open>> | undefined;
      let db: Database;
      let app: FastifyInstance | undefined;
      let clusterId = '';
      let admin = '';
      let sensor = '';

      const call = async (options: InjectOptions & { token?: string }) => {
        assert.ok(app);
        const { token, ...rest } = options;
        return app.inject({ ...rest, headers: { authorization: `Bearer ${token ?? admin}` } });
      };
      const get = async <T>(url: string): Promise<T> => {
        const response = await call({ method: 'GET', url });
        assert.equal(response.statusCode, 200, response.body);
        return response.json<T>();
      };
      const activeCveAlerts = async () =>
        (
          await get<Page<Alert>>(
            `/api/v1/alerts?query=${encodeURIComponent('Policy:libxml2+State:ACTIVE')}`,
          )
        ).items;

      before(async () => {
        opened = await backend.open();
        db = opened.db;
        const imported = await importOsv(debianRecordsDir, osvRecordStore(db, 'test'));
        assert.ok(imported.imported > 0);
        await savePolicy(db, cvePolicy);
        app = await createCentral({
          db,
          imageScanning: { pollIntervalMs: 50, cacheDir: join(work, `cache-${backend.name}`) },
        });
        clusterId = (await createCluster(db, { name: 'prod' })).id;
        admin = (await createApiToken(db, { name: 'admin', role: 'Admin' })).plainToken;
        sensor = (await createApiToken(db, { name: 'sensor', role: 'Sensor', clusterId }))
          .plainToken;
      });
      after(async () => {
        await app?.close();
        await opened?.close();
      });

      it('scans the images of a snapshot and raises the CVE policy alert on the vulnerable one', async () => {
        const snapshot = await call({
          method: 'POST',
          url: `/api/v1/clusters/${clusterId}/snapshot`,
          token: sensor,
          payload: {
            sensorVersion: '0.1.0',
            objects: yamlObjects(
              [
                deploymentYaml({
                  name: 'web',
                  resourceVersion: '1',
                  privileged: false,
                  namespace: 'shop',
                  image: vulnerableRef,
                }),
                deploymentYaml({
                  name: 'worker',
                  resourceVersion: '2',
                  privileged: false,
                  namespace: 'shop',
                  image: vulnerableRef,
                }),
                deploymentYaml({
                  name: 'static',
                  resourceVersion: '3',
                  privileged: false,
                  namespace: 'shop',
                  image: cleanRef,
                }),
              ].join('---\n'),
            ),
          },
        });
        assert.equal(snapshot.statusCode, 200, snapshot.body);
        // Nothing is scanned yet when the snapshot is answered: no image alert so far.
        const alerts = await eventually('the CVE alerts', async () => {
          const found = await activeCveAlerts();
          return found.length === 2 ? found : undefined;
        });
        assert.deepEqual(alerts.map((a) => a.workloadName).sort(), ['web', 'worker']);
        const jobs = await getImageScanJobs(db, [vulnerableRef, cleanRef]);
        assert.deepEqual(
          jobs.map((j) => [j.reference, j.state]),
          [
            [cleanRef, 'queued'],
            [vulnerableRef, 'queued'],
          ],
          'tag references are queued again for a later rescan',
        );
      });

      it('lists the image with its counts and deployments, and the CVE with affected images', async () => {
        const images = await eventually('both images listed', async () => {
          const page = await get<Page<ImageSummary>>('/api/v1/images');
          return page.total === 2 ? page : undefined;
        });
        const vulnerable = images.items.find((i) => i.reference === vulnerableRef);
        assert.ok(vulnerable, JSON.stringify(images.items));
        assert.equal(vulnerable.os, 'debian:9');
        assert.equal(vulnerable.deployments, 2);
        assert.ok(vulnerable.vulnerabilities >= 1 && vulnerable.fixable >= 1);
        const clean = images.items.find((i) => i.reference === cleanRef);
        assert.equal(clean?.vulnerabilities, 0);
        const fixableOnly = await get<Page<ImageSummary>>('/api/v1/images?fixable=true');
        assert.deepEqual(
          fixableOnly.items.map((i) => i.reference),
          [vulnerableRef],
        );
        const detail = await get<{
          componentList: { name: string }[];
          vulnerabilityList: { cve: string; advisoryId: string; fixedBy: string }[];
          deploymentList: { name: string }[];
        }>(`/api/v1/images/${vulnerable.digest}`);
        assert.ok(detail.componentList.some((c) => c.name === 'libxml2'));
        const finding = detail.vulnerabilityList.find((v) => v.cve === vulnerableCve);
        assert.equal(finding?.advisoryId, 'DLA-3012-1');
        assert.equal(finding?.fixedBy, '2.9.4+dfsg1-2.2+deb9u7');
        assert.deepEqual(detail.deploymentList.map((d) => d.name).sort(), ['web', 'worker']);
        const byCve = await get<Page<{ cve: string; images: number; deployments: number }>>(
          `/api/v1/vulnerabilities?cve=${vulnerableCve}`,
        );
        assert.deepEqual(byCve.items, [
          { ...byCve.items[0], cve: vulnerableCve, images: 1, deployments: 2 },
        ]);
        const cve = await get<{ images: { reference: string }[]; deployments: { name: string }[] }>(
          `/api/v1/vulnerabilities/${vulnerableCve}`,
        );
        assert.deepEqual(
          cve.images.map((i) => i.reference),
          [vulnerableRef],
        );
        assert.equal(cve.deployments.length, 2);
        const components = await get<Page<{ name: string; images: number }>>(
          '/api/v1/components?name=libxml2',
        );
        assert.equal(components.items[0]?.images, 1);
        const risk =
          await get<Page<{ workloadName: string; factors: { name: string }[] }>>('/api/v1/risk');
        const web = risk.items.find((r) => r.workloadName === 'web');
        assert.ok(web);
        // DLA-3012-1 carries no severity: UNKNOWN weighs nothing in StackRox's image factor.
        assert.equal(vulnerable.severities['unknown'], vulnerable.vulnerabilities);
        assert.equal(
          web.factors.some((f) => f.name === 'Image Vulnerabilities'),
          false,
        );
      });

      it('a deferral of the CVE resolves its alerts and hides it from the counts', async () => {
        const created = await call({
          method: 'POST',
          url: `/api/v1/vulnerabilities/${vulnerableCve}/exceptions`,
          payload: {
            kind: 'DEFERRAL',
            reason: 'libxml2 is not reachable from input in this service',
            expiresAt: new Date(Date.now() + 30 * 86_400_000).toISOString(),
          },
        });
        assert.equal(created.statusCode, 201, created.body);
        await eventually('the alerts to resolve', async () =>
          (await activeCveAlerts()).length === 0 ? true : undefined,
        );
        const fixable = await get<Page<ImageSummary>>('/api/v1/images?fixable=true');
        assert.equal(fixable.total, 0);
        const withExcepted = await get<Page<ImageSummary>>(
          '/api/v1/images?fixable=true&includeExcepted=true',
        );
        assert.equal(withExcepted.total, 1);
        // Removing the exception brings the alerts back.
        const id = created.json<{ id: string }>().id;
        const removed = await call({
          method: 'DELETE',
          url: `/api/v1/vulnerability-exceptions/${id}`,
        });
        assert.equal(removed.statusCode, 204, removed.body);
        await eventually('the alerts to return', async () =>
          (await activeCveAlerts()).length === 2 ? true : undefined,
        );
      });

      it('rejects an exception without a reason or with a past expiry', async () => {
        for (const payload of [
          { kind: 'DEFERRAL', reason: '' },
          { kind: 'FALSE_POSITIVE', reason: 'x', expiresAt: '2001-01-01T00:00:00Z' },
          { kind: 'SNOOZE', reason: 'x' },
        ]) {
          const response = await call({
            method: 'POST',
            url: `/api/v1/vulnerabilities/${vulnerableCve}/exceptions`,
            payload,
          });
          assert.equal(response.statusCode, 400, response.body);
        }
      });

      it('matches stored scans again when the database is re-imported', async () => {
        const result = await rematchImageScans(db, { all: true });
        assert.deepEqual(result, { images: 2, matched: true });
        assert.equal((await activeCveAlerts()).length, 2);
      });

      it('gives each due job to exactly one of several concurrent claimers', async () => {
        const images = Array.from({ length: 6 }, (_, i) => ({
          reference: `${registry.host}/queue/test:${i}`,
          digest: '',
        }));
        assert.equal(await enqueueImageScans(db, images), 6);
        assert.equal(await enqueueImageScans(db, images), 0, 'enqueueing again adds nothing');
        // Claim outside the worker: its loop may take some too, which is the point.
        const claims = await Promise.all(
          Array.from({ length: 8 }, (_, i) => claimImageScanJob(db, `claimer-${i}`, 60_000)),
        );
        const claimed = claims.filter((c) => c !== null).map((c) => c.imageKey);
        assert.equal(new Set(claimed).size, claimed.length, 'a job was claimed twice');
        const jobs = await getImageScanJobs(
          db,
          images.map((i) => i.reference),
        );
        assert.equal(jobs.length, 6);
      });
    });
  }
});
