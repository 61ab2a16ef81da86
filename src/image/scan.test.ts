import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Component, Vulnerability } from '../model/index.ts';
import { memoryAdvisorySource } from '../vuln/index.ts';
import { alpineAdvisory } from '../../test/kit/advisories.ts';
import { OciLayout } from '../../test/kit/images.ts';
import { mergeAliasedVulnerabilities, scanImage } from './scan.ts';

const advisory = (id: string, aliases: string[], fixed: string) =>
  alpineAdvisory({ id, aliases, fixed });

describe('scanImage', () => {
  let work: string;
  let layout: string;

  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'palisade-scan-test-'));
    layout = join(work, 'layout');
    await new OciLayout(layout).addImage('alpine', {
      user: '1000',
      labels: { team: 'payments' },
      layers: [
        {
          createdBy: 'ADD rootfs /',
          entries: [
            {
              path: 'usr/lib/os-release',
              content: 'ID=alpine\nVERSION_ID=3.19.1\nPRETTY_NAME="Alpine Linux v3.19"\n',
            },
            { path: 'etc/os-release', type: 'symlink', linkname: '../usr/lib/os-release' },
            { path: 'lib/apk/db/installed', content: 'P:zlib\nV:1.3-r2\nA:x86_64\n\n' },
            { path: 'etc/motd', content: 'not kept' },
          ],
        },
      ],
    });
  });

  after(async () => {
    await rm(work, { recursive: true, force: true });
  });

  it('finds the OS through the os-release symlink, the packages and the config facts', async () => {
    const scan = await scanImage(`oci:${layout}:alpine`, {
      now: () => new Date('2024-06-01T00:00:00Z'),
    });
    assert.equal(scan.os?.id, 'alpine');
    assert.equal(scan.os?.file, '/etc/os-release');
    assert.deepEqual(
      scan.components.map((c) => `${c.ecosystem} ${c.name} ${c.version}`),
      ['Alpine:v3.19 zlib 1.3-r2'],
    );
    assert.deepEqual(scan.config?.labels, { team: 'payments' });
    assert.equal(scan.config?.user, '1000');
    assert.equal(scan.layers?.[0]?.createdBy, 'ADD rootfs /');
    assert.equal(scan.components[0]?.layer, scan.layers?.[0]?.digest);
    assert.equal(scan.vulnerabilityDb?.matched, false);
    assert.deepEqual(scan.vulnerabilities, []);
    assert.equal(scan.scannedAt, '2024-06-01T00:00:00.000Z');
  });

  it('matches with a database and merges advisories that alias each other', async () => {
    const db = memoryAdvisorySource([
      advisory('ALPINE-CVE-2023-1', ['CVE-2023-1'], '1.3-r3'),
      advisory('CGA-xxxx', ['CVE-2023-1'], '1.3.1-r0'),
      advisory('ALPINE-CVE-2023-2', ['CVE-2023-2'], '1.3-r1'),
    ]);
    const scan = await scanImage(`oci:${layout}:alpine`, { vulnDb: db });
    assert.equal(scan.vulnerabilityDb?.matched, true);
    assert.deepEqual(
      scan.vulnerabilities.map((v) => [v.id, v.aliases, v.fixedVersions]),
      [['ALPINE-CVE-2023-1', ['CGA-xxxx', 'CVE-2023-1'], ['1.3-r3', '1.3.1-r0']]],
    );
  });

  it('applies ignore rules and reports expired ones', async () => {
    const db = memoryAdvisorySource([advisory('ALPINE-CVE-2023-1', ['CVE-2023-1'], '1.3-r3')]);
    const rule = { id: 'CVE-2023-1', reason: 'accepted', file: 'i.yaml', line: 1 };
    const scan = await scanImage(`oci:${layout}:alpine`, {
      vulnDb: db,
      ignore: [rule, { ...rule, id: 'CVE-2000-1', expires: '2020-01-01', line: 3 }],
      now: () => new Date('2024-06-01T00:00:00Z'),
    });
    assert.deepEqual(scan.vulnerabilities, []);
    assert.equal(scan.ignored?.[0]?.rule.reason, 'accepted');
    assert.deepEqual(
      scan.expiredIgnores?.map((r) => r.id),
      ['CVE-2000-1'],
    );
  });

  it('a missing image is an error that names it', async () => {
    await assert.rejects(scanImage(`oci:${join(work, 'none')}:x`), /oci:.*none:x: /);
  });
});

describe('mergeAliasedVulnerabilities', () => {
  const component = (name: string): Component => ({
    type: 'npm',
    name,
    version: '1.0.0',
    ecosystem: 'npm',
    purl: `pkg:npm/${name}@1.0.0`,
    file: `/app/node_modules/${name}/package.json`,
    layer: 'sha256:aa',
  });
  const v = (id: string, aliases: string[], of: Component): Vulnerability => ({
    id,
    aliases,
    component: of,
    installedVersion: '1.0.0',
    fixedVersions: [],
    fixState: 'affected',
    fixable: false,
    severity: 'LOW',
    summary: '',
    references: [],
  });

  it('keeps the same CVE on different packages apart', () => {
    const merged = mergeAliasedVulnerabilities([
      v('GHSA-1', ['CVE-1'], component('a')),
      v('GHSA-1', ['CVE-1'], component('b')),
    ]);
    assert.equal(merged.length, 2);
  });

  it('merges a finding into the earliest finding that shares any id, even through a bridge', () => {
    const a = component('a');
    const merged = mergeAliasedVulnerabilities([
      v('GHSA-x', ['CVE-1'], a),
      v('GHSA-y', ['CVE-2'], a),
      // Names both: joins the first, which now has CVE-2 as well.
      v('OSV-z', ['CVE-1', 'CVE-2'], a),
      // Shares CVE-2 with both: the first one wins, as merging in order says.
      v('GO-q', ['CVE-2'], a),
      v('GHSA-w', [], a),
    ]);
    assert.deepEqual(
      merged.map((found) => [found.id, found.aliases]),
      [
        ['GHSA-x', ['CVE-1', 'CVE-2', 'GO-q', 'OSV-z']],
        ['GHSA-y', ['CVE-2']],
        ['GHSA-w', []],
      ],
    );
  });
});
