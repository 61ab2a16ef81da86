// End-to-end: `palisade check --scan-images` as a process. A Debian 9 image with a libxml2 that
// the real advisory DLA-3012-1 covers is pushed to a real docker-registry; the CLI's database
// holds the real Debian OSV records. Without the flag a CVE policy is undecided; with it the
// image is scanned and the policy fires; the scan is kept per digest in the cache directory.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OciLayout } from './kit/images.ts';
import { pushWithSkopeo, registrySkipReason, startTestRegistry } from './kit/registry.ts';
import type { TestRegistry } from './kit/registry.ts';
import {
  cleanDebianImage,
  debianRecordsDir,
  debianRecordsSkipReason,
  vulnerableCve,
  vulnerableDebianImage,
} from './kit/vulnerable-image.ts';
import { runPalisade, type CliRun } from './kit/cli.ts';

const skip = debianRecordsSkipReason() ?? registrySkipReason();

function palisade(args: string[], cwd: string, env: Record<string, string>): Promise<CliRun> {
  return runPalisade(args, { cwd, env });
}

const cvePolicy = {
  id: 'libxml2-cve',
  name: 'libxml2 CVE',
  description: 'Fires on images with the libxml2 CVE fixed by DLA-3012-1.',
  rationale: 'Test policy.',
  remediation: 'Upgrade libxml2.',
  categories: ['Vulnerability Management'],
  lifecycleStages: ['BUILD', 'DEPLOY'],
  severity: 'HIGH_SEVERITY',
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

interface CheckJson {
  violations: { policy: { id: string }; object: { name: string }; message: string }[];
  undecided: { policy: { id: string }; object: { name: string } }[];
  problems: { code: string; message: string }[];
}

describe('palisade check --scan-images (process, real registry)', { skip }, () => {
  let work: string;
  let registry: TestRegistry;
  let env: Record<string, string>;
  let vulnerableRef: string;
  let cleanRef: string;

  const check = async (extra: string[]): Promise<{ run: CliRun; body: CheckJson }> => {
    const run = await palisade(
      [
        'check',
        'manifests',
        '--no-config',
        '--policy',
        'policies',
        '--include',
        'libxml2-cve,unscanned-image',
        '-o',
        'json',
        ...extra,
      ],
      work,
      env,
    );
    assert.ok(run.stdout.startsWith('{'), `${run.stderr}\n${run.stdout}`);
    return { run, body: JSON.parse(run.stdout) as CheckJson };
  };

  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'palisade-check-images-'));
    env = { PALISADE_HOME: join(work, 'home'), DOCKER_CONFIG: join(work, 'docker') };
    const layout = new OciLayout(join(work, 'layout'));
    await layout.addImage('vulnerable', vulnerableDebianImage());
    await layout.addImage('clean', cleanDebianImage());
    registry = await startTestRegistry();
    vulnerableRef = `${registry.host}/test/libxml2:1`;
    cleanRef = `${registry.host}/test/clean:1`;
    await pushWithSkopeo(join(work, 'layout'), 'vulnerable', vulnerableRef);
    await pushWithSkopeo(join(work, 'layout'), 'clean', cleanRef);
    const imported = await palisade(['vulndb', 'import', debianRecordsDir], work, env);
    assert.equal(imported.code, 0, imported.stderr);
    await mkdir(join(work, 'policies'));
    await mkdir(join(work, 'manifests'));
    await writeFile(join(work, 'policies', 'libxml2-cve.json'), JSON.stringify(cvePolicy));
    const deployment = (name: string, image: string) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
  namespace: shop
spec:
  selector:
    matchLabels: { app: ${name} }
  template:
    metadata:
      labels: { app: ${name} }
    spec:
      containers:
        - name: app
          image: ${image}
`;
    await writeFile(
      join(work, 'manifests', 'app.yaml'),
      [
        deployment('vulnerable', vulnerableRef),
        deployment('clean', cleanRef),
        deployment('missing', `${registry.host}/test/absent:1`),
      ].join('---\n'),
    );
  });

  after(async () => {
    await registry?.stop();
    if (work !== undefined) await rm(work, { recursive: true, force: true });
  });

  it('leaves image criteria undecided without --scan-images', async () => {
    const { run, body } = await check([]);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(body.violations, []);
    assert.deepEqual(body.undecided.map((u) => `${u.policy.id} ${u.object.name}`).sort(), [
      'libxml2-cve clean',
      'libxml2-cve missing',
      'libxml2-cve vulnerable',
      'unscanned-image clean',
      'unscanned-image missing',
      'unscanned-image vulnerable',
    ]);
  });

  it('scans each image and decides: the CVE fires on the vulnerable image only, an image that cannot be pulled is unscanned', async () => {
    const { run, body } = await check(['--scan-images']);
    assert.equal(run.code, 1, run.stderr);
    const hits = body.violations.map((v) => `${v.policy.id} ${v.object.name}`).sort();
    assert.deepEqual(hits, ['libxml2-cve vulnerable', 'unscanned-image missing']);
    const cve = body.violations.find((v) => v.policy.id === 'libxml2-cve');
    assert.match(
      cve?.message ?? '',
      /CVE-2022-29824 .* in libxml2 .*fixed in 2\.9\.4\+dfsg1-2\.2\+deb9u7/,
    );
    // The unpullable image's CVE criteria cannot be decided.
    assert.deepEqual(
      body.undecided.map((u) => `${u.policy.id} ${u.object.name}`),
      ['libxml2-cve missing'],
    );
    assert.ok(
      body.problems.some((p) => p.code === 'image-scan-failed' && p.message.includes('absent')),
    );
    const cached = readdirSync(join(work, 'home', 'cache', 'image-scans'));
    assert.equal(cached.length, 2, cached.join(', '));
  });
});
