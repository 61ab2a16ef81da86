import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { databaseBackends, truncateAll } from '../../test/kit/backends.ts';
import { expandScanFixture } from '../../test/kit/image-scan-fixtures.ts';
import type { Database } from './index.ts';
import {
  claimImageScanJob,
  completeImageScanJob,
  createVulnerabilityException,
  enqueueImageScans,
  failImageScanJob,
  findImageScans,
  getImageScanJobs,
  listImages,
  listVulnerabilitiesByCve,
  listVulnerabilityExceptions,
  listVulnerableComponents,
  saveImageScan,
} from './index.ts';

const digestA = `sha256:${'a'.repeat(64)}`;
const digestB = `sha256:${'b'.repeat(64)}`;

const scanA = expandScanFixture('shop/web:1', {
  components: [
    { name: 'openssl', version: '3.0.11' },
    { name: 'zlib', version: '1.2.13' },
  ],
  vulnerabilities: [
    {
      id: 'DSA-1-1',
      aliases: ['CVE-2024-0001'],
      component: 'openssl',
      severity: 'CRITICAL',
      cvss: { version: '3.1', vector: 'CVSS:3.1/AV:N', baseScore: 9.8 },
      fixedVersions: ['3.0.13'],
    },
    { id: 'CVE-2024-0002', component: 'zlib', severity: 'LOW' },
  ],
});
const scanB = expandScanFixture('shop/api:2', {
  components: [{ name: 'openssl', version: '3.0.11' }],
  vulnerabilities: [
    {
      id: 'CVE-2024-0001',
      component: 'openssl',
      severity: 'CRITICAL',
      cvss: { version: '3.1', vector: 'CVSS:3.1/AV:N', baseScore: 9.8 },
      fixedVersions: ['3.0.13'],
    },
  ],
});

for (const backend of databaseBackends) {
  describe(`image scan store on ${backend.name}`, () => {
    let opened: Awaited<ReturnType<typeof backend.open>> | undefined;
    let db: Database;

    before(async () => {
      opened = await backend.open();
      db = opened.db;
    });
    after(async () => {
      await opened?.close();
    });

    it('stores scans per digest, resolves references and filters the views', async () => {
      await truncateAll(db);
      await saveImageScan(db, 'shop/web:1', { ...scanA, digest: digestA });
      await saveImageScan(db, 'shop/api:2', { ...scanB, digest: digestB });
      const found = await findImageScans(db, ['shop/web:1', 'unknown:1'], [digestB]);
      assert.equal(found.byReference.get('shop/web:1'), digestA);
      assert.deepEqual([...found.byDigest.keys()].sort(), [digestA, digestB]);

      const all = await listImages(db, {}, {});
      assert.equal(all.total, 2);
      const web = all.items.find((i) => i.digest === digestA);
      assert.deepEqual(web?.severities, {
        critical: 1,
        important: 0,
        moderate: 0,
        low: 1,
        unknown: 0,
      });
      assert.equal(web?.fixable, 1);
      assert.equal((await listImages(db, { severity: 'LOW' }, {})).total, 2);
      const onlyLowUnfixed = await listImages(db, { fixable: false }, {});
      assert.deepEqual(
        onlyLowUnfixed.items.map((i) => i.digest),
        [digestA],
      );
      assert.equal((await listImages(db, { cvssMin: 9.9 }, {})).total, 0);

      const byCve = await listVulnerabilitiesByCve(db, { severity: 'CRITICAL' }, {});
      assert.deepEqual(
        byCve.items.map((c) => [c.cve, c.images, c.fixable]),
        [['CVE-2024-0001', 2, true]],
      );
      const components = await listVulnerableComponents(db, {}, {});
      assert.deepEqual(
        components.items.map((c) => [c.name, c.images, c.topSeverity]),
        [
          ['openssl', 2, 'CRITICAL'],
          ['zlib', 1, 'LOW'],
        ],
      );
    });

    it('leaves excepted CVEs out of counts while active, for one image or all', async () => {
      await createVulnerabilityException(db, {
        cve: 'cve-2024-0001',
        digest: digestA,
        kind: 'FALSE_POSITIVE',
        reason: 'openssl is not used by web',
        createdBy: 'test',
      });
      let critical = await listVulnerabilitiesByCve(db, { severity: 'CRITICAL' }, {});
      assert.equal(critical.items[0]?.images, 1, 'still in the other image');
      const expired = await createVulnerabilityException(db, {
        cve: 'CVE-2024-0001',
        kind: 'DEFERRAL',
        reason: 'waiting for the vendor',
        expiresAt: new Date(Date.now() - 1000).toISOString(),
        createdBy: 'test',
      });
      assert.equal(expired.active, false);
      critical = await listVulnerabilitiesByCve(db, { severity: 'CRITICAL' }, {});
      assert.equal(critical.items[0]?.images, 1, 'an expired exception hides nothing');
      await createVulnerabilityException(db, {
        cve: 'CVE-2024-0001',
        kind: 'DEFERRAL',
        reason: 'waiting for the vendor',
        createdBy: 'test',
      });
      assert.equal((await listVulnerabilitiesByCve(db, { severity: 'CRITICAL' }, {})).total, 0);
      const withExcepted = await listVulnerabilitiesByCve(
        db,
        { severity: 'CRITICAL', includeExcepted: true },
        {},
      );
      assert.equal(withExcepted.items[0]?.images, 2);
      assert.equal((await listVulnerabilityExceptions(db, { active: true })).length, 2);
      await assert.rejects(
        createVulnerabilityException(db, {
          cve: 'CVE-2024-0001',
          kind: 'DEFERRAL',
          reason: ' ',
          createdBy: 'test',
        }),
        /needs a reason/,
      );
    });

    it('runs a job through the queue: digests finish, references and failures come back later', async () => {
      await truncateAll(db);
      const pinned = { reference: `shop/web@${digestA}`, digest: digestA };
      const tagged = { reference: 'shop/api:2', digest: '' };
      assert.equal(await enqueueImageScans(db, [pinned, tagged, tagged]), 2);
      const first = await claimImageScanJob(db, 'w1', 60_000);
      const second = await claimImageScanJob(db, 'w2', 60_000);
      assert.ok(first && second);
      assert.equal(await claimImageScanJob(db, 'w3', 60_000), null, 'both are running');
      const byKey = new Map([first, second].map((j) => [j.imageKey, j]));
      const digestJob = byKey.get(digestA);
      const tagJob = byKey.get('shop/api:2');
      assert.ok(digestJob && tagJob);
      await completeImageScanJob(db, digestJob, 60_000);
      await failImageScanJob(db, tagJob, 'registry unreachable', 60_000);
      assert.equal(await claimImageScanJob(db, 'w3', 60_000), null, 'nothing is due yet');
      const jobs = await getImageScanJobs(db, [digestA, 'shop/api:2']);
      assert.deepEqual(
        jobs.map((j) => [j.imageKey, j.state, j.lastError]),
        [
          ['sha256:' + 'a'.repeat(64), 'done', null],
          ['shop/api:2', 'queued', 'registry unreachable'],
        ].sort(),
      );
      // A job whose worker stopped answering is taken over once it is stale.
      await failImageScanJob(db, tagJob, 'again', 0);
      const taken = await claimImageScanJob(db, 'w4', 60_000);
      assert.equal(taken?.imageKey, 'shop/api:2');
      assert.equal(await claimImageScanJob(db, 'w5', 60_000), null);
      await new Promise((resolve) => setTimeout(resolve, 30));
      assert.equal((await claimImageScanJob(db, 'w5', 10))?.imageKey, 'shop/api:2');
    });
  });
}
