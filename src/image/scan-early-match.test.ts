import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { memoryAdvisorySource } from '../vuln/index.ts';
import type { AdvisoryQuery, AdvisorySource } from '../vuln/index.ts';
import { alpineAdvisory } from '../../test/kit/advisories.ts';
import { OciLayout } from '../../test/kit/images.ts';
import { analyzers } from './analyzers/all.ts';
import type { ImageFile } from './analyzers/types.ts';
import { scanImage } from './scan.ts';
import { EarlyMatcher } from './scan-early-match.ts';

const advisory = (id: string, name: string, fixed: string) => alpineAdvisory({ id, name, fixed });

const advisories = [
  advisory('CVE-2024-0001', 'zlib', '1.3.1-r0'),
  advisory('CVE-2024-0002', 'openssl', '3.1.5-r0'),
  advisory('CVE-2024-0003', 'curl', '8.5.0-r0'),
];

/** A database stand-in that records what is loaded and looked up. */
function recordingSource() {
  const memory = memoryAdvisorySource(advisories);
  const prefetched: string[] = [];
  const lookups: string[] = [];
  const source: AdvisorySource = {
    prefetch(packages: readonly AdvisoryQuery[]) {
      prefetched.push(...packages.map((p) => p.name));
      return Promise.resolve();
    },
    lookup(ecosystem, name) {
      lookups.push(name);
      return memory.lookup(ecosystem, name);
    },
  };
  return { source, prefetched, lookups };
}

const osRelease = 'ID=alpine\nVERSION_ID=3.19.1\n';
const installed = (packages: readonly [string, string][]) =>
  packages.map(([name, version]) => `P:${name}\nV:${version}\nA:x86_64\n`).join('\n') + '\n';

const file = (path: string, content: string): ImageFile => ({
  path,
  layer: 'sha256:layer',
  content: Buffer.from(content),
  mode: 0o644,
});

describe('early matching', () => {
  let work: string;

  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'palisade-early-test-'));
  });

  after(async () => {
    await rm(work, { recursive: true, force: true });
  });

  it('loads and matches a package file as soon as it is offered, with the OS release seen before', async () => {
    const { source, prefetched } = recordingSource();
    const early = new EarlyMatcher(source, analyzers, { files: 1, bytes: 1, delayMs: 0 });
    early.offer(file('/etc/os-release', osRelease));
    early.offer(file('/lib/apk/db/installed', installed([['zlib', '1.3-r2']])));
    early.offer(file('/etc/motd', 'no analyser wants this'));
    await early.idle();
    assert.deepEqual(prefetched, ['zlib']);
    const [matched] = [...early.memo.values()];
    assert.deepEqual(
      matched?.map((v) => `${v.id} ${v.component.ecosystem} ${v.component.name}`),
      ['CVE-2024-0001 Alpine:v3.19 zlib'],
    );
  });

  it('loads a package once when a later layer lists it again, and forgets its advisories once matched', async () => {
    const { source, prefetched } = recordingSource();
    const released: string[] = [];
    const releasing: AdvisorySource = {
      ...source,
      release: (packages) => released.push(...packages.map((p) => p.name)),
    };
    const early = new EarlyMatcher(releasing, analyzers, { files: 1, bytes: 1, delayMs: 0 });
    early.offer(file('/etc/os-release', osRelease));
    early.offer(file('/lib/apk/db/installed', installed([['zlib', '1.3-r2']])));
    await early.idle();
    early.offer(
      file(
        '/lib/apk/db/installed',
        installed([
          ['zlib', '1.3-r2'],
          ['curl', '8.0-r0'],
        ]),
      ),
    );
    await early.idle();
    assert.deepEqual(prefetched, ['zlib', 'curl']);
    assert.deepEqual(released, ['zlib', 'curl']);
    assert.equal(early.memo.size, 2);
  });

  it('a failing database stops the speculation, which starts nothing more', async () => {
    let calls = 0;
    const failing: AdvisorySource = {
      prefetch: () => {
        calls++;
        return Promise.reject(new Error('database gone'));
      },
      lookup: () => [],
    };
    const early = new EarlyMatcher(failing, analyzers, { files: 1, bytes: 1, delayMs: 0 });
    early.offer(file('/etc/os-release', osRelease));
    early.offer(file('/lib/apk/db/installed', installed([['zlib', '1.3-r2']])));
    await early.idle();
    assert.equal(calls, 1);
    early.offer(file('/lib/apk/db/installed', installed([['curl', '8.0-r0']])));
    await early.idle();
    assert.equal(calls, 1);
    assert.equal(early.memo.size, 0);
  });

  it('looks nothing more up once settled', async () => {
    const { source, prefetched } = recordingSource();
    const early = new EarlyMatcher(source, analyzers, { files: 1, bytes: 1, delayMs: 0 });
    early.offer(file('/etc/os-release', osRelease));
    early.offer(file('/lib/apk/db/installed', installed([['zlib', '1.3-r2']])));
    await early.idle();
    await early.settle();
    early.offer(file('/lib/apk/db/installed', installed([['curl', '8.0-r0']])));
    await early.idle();
    assert.deepEqual(prefetched, ['zlib']);
  });

  it('reports what the final file system holds, not what a lower layer had, and reuses the early matches', async () => {
    const layout = join(work, 'layout');
    await new OciLayout(layout).addImage('app', {
      layers: [
        {
          entries: [
            { path: 'etc/os-release', content: osRelease },
            {
              path: 'lib/apk/db/installed',
              content: installed([
                ['zlib', '1.3-r2'],
                ['openssl', '3.1.4-r0'],
              ]),
            },
          ],
        },
        {
          // openssl removed, curl added: the layer rewrites the database.
          entries: [
            {
              path: 'lib/apk/db/installed',
              content: installed([
                ['zlib', '1.3-r2'],
                ['curl', '8.0-r0'],
              ]),
            },
          ],
        },
      ],
    });
    const { source, lookups, prefetched } = recordingSource();
    const scan = await scanImage(`oci:${layout}:app`, { vulnDb: source });
    assert.deepEqual(
      scan.vulnerabilities.map((v) => `${v.id} ${v.component.name}`),
      ['CVE-2024-0001 zlib', 'CVE-2024-0003 curl'],
    );
    // Whatever the speculation did, each final package was loaded and matched once.
    for (const name of ['zlib', 'curl']) {
      assert.equal(lookups.filter((looked) => looked === name).length, 1, name);
      assert.equal(prefetched.filter((loaded) => loaded === name).length, 1, name);
    }
    // The memo hands back the final component, not the one analysed early.
    for (const vulnerability of scan.vulnerabilities)
      assert.ok(scan.components.includes(vulnerability.component));
  });
});
