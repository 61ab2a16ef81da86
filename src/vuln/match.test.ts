import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Component } from '../model/index.ts';
import {
  ecosystemMatches,
  fetchAndMatchPackages,
  matchComponentSorted,
  matchPackages,
  unmatched,
} from './match.ts';
import type { AdvisorySource, MatchMemo } from './match.ts';
import { compactOsvRecord, parseOsvRecord } from './osv.ts';
import type { StoredAdvisory } from './osv.ts';
import { inRange } from './ranges.ts';
import { memoryAdvisorySource } from './store.ts';
import { compareSemver } from './version/semver.ts';
import { sharedVulnDir } from './version/fixtures.ts';

const recordsDir = join(sharedVulnDir, 'osv-records');
const absent = existsSync(recordsDir)
  ? undefined
  : `../shared/vuln is absent (${recordsDir}); it holds real OSV records`;

function load(...paths: string[]): StoredAdvisory[] {
  return paths.map((p) => {
    const path = join(recordsDir, p);
    return compactOsvRecord(parseOsvRecord(JSON.parse(readFileSync(path, 'utf8')), path));
  });
}

function component(
  partial: Partial<Component> & Pick<Component, 'type' | 'name' | 'version' | 'ecosystem'>,
): Component {
  return {
    purl: `pkg:${partial.type}/${partial.name}@${partial.version}`,
    file: '/x',
    layer: 'sha256:1',
    ...partial,
  };
}

describe('OSV range evaluation', () => {
  const range = (events: object[]): Parameters<typeof inRange>[1] => ({ type: 'SEMVER', events });

  it('includes introduced and excludes fixed', () => {
    const r = range([{ introduced: '1.0.0' }, { fixed: '1.2.0' }]);
    assert.equal(inRange('0.9.0', r, compareSemver), false);
    assert.equal(inRange('1.0.0', r, compareSemver), true);
    assert.equal(inRange('1.1.9', r, compareSemver), true);
    assert.equal(inRange('1.2.0', r, compareSemver), false);
  });

  it('includes last_affected itself', () => {
    const r = range([{ introduced: '0' }, { last_affected: '2.0.0' }]);
    assert.equal(inRange('2.0.0', r, compareSemver), true);
    assert.equal(inRange('2.0.1', r, compareSemver), false);
  });

  it('evaluates several introduced/fixed pairs in version order, whatever the listed order', () => {
    const r = range([
      { fixed: '1.18.2' },
      { introduced: '1.18.0-0' },
      { fixed: '1.17.10' },
      { introduced: '0' },
    ]);
    assert.equal(inRange('1.17.9', r, compareSemver), true);
    assert.equal(inRange('1.17.10', r, compareSemver), false);
    assert.equal(inRange('1.18.1', r, compareSemver), true);
    assert.equal(inRange('1.18.2', r, compareSemver), false);
  });

  it('stops at a limit', () => {
    const r = range([{ introduced: '0' }, { limit: '2.0.0' }]);
    assert.equal(inRange('1.9.0', r, compareSemver), true);
    assert.equal(inRange('2.1.0', r, compareSemver), false);
  });
});

describe('ecosystem matching', () => {
  it('matches a release exactly, a longer release by prefix, and a release-less advisory', () => {
    assert.equal(ecosystemMatches('Debian:12', 'Debian:12'), true);
    assert.equal(ecosystemMatches('Debian:12', 'Debian:11'), false);
    assert.equal(ecosystemMatches('Ubuntu:22.04', 'Ubuntu:22.04:LTS'), true);
    assert.equal(
      ecosystemMatches('Red Hat:enterprise_linux:9', 'Red Hat:enterprise_linux:9::appstream'),
      true,
    );
    assert.equal(ecosystemMatches('Alpine:v3.19', 'Alpine:v3.1'), false);
    assert.equal(ecosystemMatches('Alpine:v3.19', 'Alpine'), true);
    assert.equal(ecosystemMatches('Debian', 'Debian:12'), false);
    assert.equal(ecosystemMatches('npm', 'PyPI'), false);
  });
});

describe('matching real OSV records', { skip: absent }, () => {
  it('finds a Debian advisory by source package and source version, with its fix', () => {
    const source = memoryAdvisorySource(load('osv-scanner-offline-dbs/Debian/DLA-3012-1.json'));
    const affected = component({
      type: 'deb',
      name: 'libxml2-utils',
      version: '2.9.4+dfsg1-2.2+deb9u6+b1',
      sourceName: 'libxml2',
      sourceVersion: '2.9.4+dfsg1-2.2+deb9u6',
      ecosystem: 'Debian:9',
    });
    const [vulnerability, ...rest] = matchPackages(source, [affected]);
    assert.deepEqual(rest, []);
    assert.equal(vulnerability?.id, 'DLA-3012-1');
    assert.equal(vulnerability?.installedVersion, '2.9.4+dfsg1-2.2+deb9u6');
    assert.deepEqual(vulnerability?.fixedVersions, ['2.9.4+dfsg1-2.2+deb9u7']);
    assert.equal(vulnerability?.fixable, true);
    assert.equal(vulnerability?.fixState, 'fixed');
    assert.deepEqual(vulnerability?.aliases, ['CVE-2022-29824', 'DEBIAN-CVE-2022-29824']);

    const patched = { ...affected, sourceVersion: '2.9.4+dfsg1-2.2+deb9u7' };
    const otherRelease = { ...affected, ecosystem: 'Debian:10' };
    assert.deepEqual(matchPackages(source, [patched, otherRelease]), []);
  });

  it('finds an Alpine advisory by origin on the right release only', () => {
    const source = memoryAdvisorySource(
      load('osv-scanner-offline-dbs/Alpine/ALPINE-CVE-2025-26519.json'),
    );
    const utils = component({
      type: 'apk',
      name: 'musl-utils',
      version: '1.2.4_git20230717-r4',
      sourceName: 'musl',
      ecosystem: 'Alpine:v3.19',
    });
    const found = matchPackages(source, [utils]);
    assert.equal(found.length, 1);
    assert.deepEqual(found[0]?.fixedVersions, ['1.2.4_git20230717-r5']);
    assert.equal(found[0]?.severity, 'IMPORTANT');
    assert.equal(found[0]?.cvss?.vector, 'CVSS:3.1/AV:L/AC:H/PR:L/UI:N/S:U/C:H/I:H/A:H');
    assert.deepEqual(matchPackages(source, [{ ...utils, version: '1.2.4_git20230717-r5' }]), []);
    // 1.2.4_git20230717-r4 is above 3.18's fix (1.2.4-r3): not vulnerable there.
    assert.deepEqual(matchPackages(source, [{ ...utils, ecosystem: 'Alpine:v3.18' }]), []);
  });

  it('matches language packages with SEMVER and ECOSYSTEM ranges and versions lists', () => {
    const source = memoryAdvisorySource(
      load(
        'osv-scanner-offline-dbs/npm/GHSA-whgm-jr23-g3j9.json',
        'osv-scanner-offline-dbs/Go/GO-2022-0493.json',
        'osv-scanner-offline-dbs/PyPI/PYSEC-2023-74.json',
        'osv-scanner-offline-dbs/Maven/GHSA-269g-pwp5-87pp.json',
        'osv-scanner-offline-dbs/Packagist/GHSA-9f46-5r25-5wfm.json',
      ),
    );
    const ids = (c: Component): string[] =>
      matchPackages(source, [c]).map((v) => `${v.id} ${v.fixedVersions.join(',')}`);
    assert.deepEqual(
      ids(component({ type: 'npm', name: 'ansi-html', version: '0.0.7', ecosystem: 'npm' })),
      ['GHSA-whgm-jr23-g3j9 0.0.8'],
    );
    assert.deepEqual(
      ids(component({ type: 'npm', name: 'ansi-html', version: '0.0.8', ecosystem: 'npm' })),
      [],
    );
    assert.deepEqual(
      ids(component({ type: 'golang', name: 'stdlib', version: '1.18.1', ecosystem: 'Go' })),
      ['GO-2022-0493 1.18.2'],
    );
    assert.deepEqual(
      ids(component({ type: 'golang', name: 'stdlib', version: '1.17.10', ecosystem: 'Go' })),
      [],
    );
    assert.deepEqual(
      ids(
        component({
          type: 'golang',
          name: 'golang.org/x/sys',
          version: '0.0.0-20220310020820-b874c991c1a5',
          ecosystem: 'Go',
        }),
      ),
      ['GO-2022-0493 0.0.0-20220412211240-33da011f77ad'],
    );
    // PyPI names are compared after PEP 503 normalisation.
    assert.deepEqual(
      ids(component({ type: 'pypi', name: 'Requests', version: '2.30.0', ecosystem: 'PyPI' })),
      ['PYSEC-2023-74 2.31.0'],
    );
    assert.deepEqual(
      ids(component({ type: 'pypi', name: 'requests', version: '2.2.1', ecosystem: 'PyPI' })),
      [],
    );
    assert.deepEqual(
      ids(component({ type: 'maven', name: 'junit:junit', version: '4.12', ecosystem: 'Maven' })),
      ['GHSA-269g-pwp5-87pp 4.13.1'],
    );
    assert.deepEqual(
      ids(
        component({
          type: 'composer',
          name: 'league/flysystem',
          version: '2.0.5',
          ecosystem: 'Packagist',
        }),
      ),
      ['GHSA-9f46-5r25-5wfm 2.1.1'],
    );
    assert.deepEqual(
      ids(
        component({
          type: 'composer',
          name: 'league/flysystem',
          version: '1.1.4',
          ecosystem: 'Packagist',
        }),
      ),
      [],
    );
  });

  it('compares AlmaLinux fixes with rpm rules including the epoch', () => {
    const source = memoryAdvisorySource(load('grype-osv-transformer/ALSA-2025-7467.json'));
    const skopeo = component({
      type: 'rpm',
      name: 'skopeo',
      version: '2:1.18.0-2.el10',
      ecosystem: 'AlmaLinux:10',
    });
    assert.deepEqual(
      matchPackages(source, [skopeo]).map((v) => v.fixedVersions),
      [['2:1.18.1-1.el10_0']],
    );
    assert.deepEqual(matchPackages(source, [{ ...skopeo, version: '2:1.18.1-1.el10_0' }]), []);
    assert.deepEqual(matchPackages(source, [{ ...skopeo, ecosystem: 'AlmaLinux:9' }]), []);
  });
});

describe('fix states', () => {
  const glibc = component({
    type: 'deb',
    name: 'libc6',
    version: '2.36-9+deb12u4',
    sourceName: 'glibc',
    ecosystem: 'Debian:12',
  });
  const advisoryWith = (
    id: string,
    entries: { ecosystem: string; fixed?: string; specific?: Record<string, unknown> }[],
    bag: 'ecosystem_specific' | 'database_specific' = 'ecosystem_specific',
  ): StoredAdvisory =>
    compactOsvRecord(
      parseOsvRecord(
        {
          id,
          modified: '2024-05-02T00:00:00Z',
          affected: entries.map((e) => ({
            package: { ecosystem: e.ecosystem, name: 'glibc' },
            ranges: [
              {
                type: 'ECOSYSTEM',
                events: [
                  { introduced: '0' },
                  ...(e.fixed === undefined ? [] : [{ fixed: e.fixed }]),
                ],
              },
            ],
            ...(e.specific === undefined ? {} : { [bag]: e.specific }),
          })),
        },
        id,
      ),
    );
  const stateOf = (advisory: StoredAdvisory, c: Component = glibc) =>
    matchPackages(memoryAdvisorySource([advisory]), [c]).map((v) => [v.fixState, v.fixable]);

  it('is fixed, and fixable, when a fix exists for the release, whatever the urgency says', () => {
    const advisory = advisoryWith('DEBIAN-CVE-2024-1', [
      { ecosystem: 'Debian:12', fixed: '2.36-9+deb12u5', specific: { urgency: 'unimportant' } },
    ]);
    assert.deepEqual(stateOf(advisory), [['fixed', true]]);
  });

  it('is affected when nothing is fixed and nothing is declared', () => {
    const advisory = advisoryWith('DEBIAN-CVE-2024-2', [
      { ecosystem: 'Debian:12', specific: { urgency: 'not yet assigned' } },
    ]);
    assert.deepEqual(stateOf(advisory), [['affected', false]]);
  });

  it('takes the Debian tracker urgency "unimportant" and "end-of-life" of the matching release', () => {
    const advisory = advisoryWith('DEBIAN-CVE-2024-3', [
      { ecosystem: 'Debian:11', specific: { urgency: 'end-of-life' } },
      { ecosystem: 'Debian:12', specific: { urgency: 'unimportant' } },
      // A fix on another release does not make this one fixable.
      { ecosystem: 'Debian:13', fixed: '2.40-1' },
    ]);
    assert.deepEqual(stateOf(advisory), [['will_not_fix', false]]);
    assert.deepEqual(stateOf(advisory, { ...glibc, ecosystem: 'Debian:11' }), [
      ['end_of_life', false],
    ]);
  });

  it('takes deferred, unknown and not affected from a database_specific status', () => {
    const ubuntu = component({
      type: 'deb',
      name: 'libc6',
      version: '2.35-0ubuntu3.1',
      sourceName: 'glibc',
      ecosystem: 'Ubuntu:22.04:LTS',
    });
    const state = (status: string) =>
      stateOf(
        advisoryWith(
          `UBUNTU-CVE-${status}`,
          [{ ecosystem: 'Ubuntu:22.04:LTS', specific: { status } }],
          'database_specific',
        ),
        ubuntu,
      );
    assert.deepEqual(state('deferred'), [['fix_deferred', false]]);
    assert.deepEqual(state('needs-triage'), [['unknown', false]]);
    assert.deepEqual(state('<postponed>'), [['fix_deferred', false]]);
    // A package its source calls not affected is no finding at all.
    assert.deepEqual(state('not-affected'), []);
  });

  it('reads VEX statuses of components only when they all agree (Chainguard records)', () => {
    const components = (...statuses: string[]) => ({
      components: statuses.map((status) => ({ component_name: 'x', status })),
    });
    assert.deepEqual(
      stateOf(
        advisoryWith('CGA-1', [{ ecosystem: 'Debian:12', specific: components('not_affected') }]),
      ),
      [],
    );
    assert.deepEqual(
      stateOf(
        advisoryWith('CGA-2', [
          { ecosystem: 'Debian:12', specific: components('not_affected', 'under_investigation') },
        ]),
      ),
      [['affected', false]],
    );
  });

  it(
    'maps the status words of the real Chainguard record it is modelled on',
    { skip: absent },
    () => {
      const [record] = load('grype-osv-transformer/CGA-xcpc-gm23-prj9.json');
      const compat = record?.affected.find((a) => a.name === 'syncthing-compat');
      assert.equal(compat?.status, 'not_affected');
      const main = record?.affected.find((a) => a.name === 'syncthing');
      assert.equal(main?.status, undefined, '"fixed" leaves the state to the ranges');
    },
  );
});

describe('matching with a memo', () => {
  const advisory = (id: string, name: string): StoredAdvisory =>
    compactOsvRecord(
      parseOsvRecord(
        {
          id,
          modified: '2024-05-02T00:00:00Z',
          affected: [
            {
              package: { ecosystem: 'npm', name },
              ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }, { fixed: '2.0.0' }] }],
            },
          ],
        },
        id,
      ),
    );
  const left = component({ type: 'npm', name: 'left-pad', version: '1.0.0', ecosystem: 'npm' });
  const right = component({ type: 'npm', name: 'right-pad', version: '1.0.0', ecosystem: 'npm' });

  it('loads only the components the memo lacks, and answers the rest from it', async () => {
    const memory = memoryAdvisorySource([
      advisory('GHSA-left', 'left-pad'),
      advisory('GHSA-right', 'right-pad'),
    ]);
    const loaded: string[] = [];
    const looked: string[] = [];
    const source: AdvisorySource = {
      prefetch: (packages) => {
        loaded.push(...packages.map((p) => p.name));
        return Promise.resolve();
      },
      lookup: (ecosystem, name) => {
        looked.push(name);
        return memory.lookup(ecosystem, name);
      },
    };
    const memo: MatchMemo = new Map();
    matchComponentSorted(source, left, memo);
    // The same package found again (another object, the same coordinates).
    const found = await fetchAndMatchPackages(source, [{ ...left }, right], memo);
    assert.deepEqual(loaded, ['right-pad']);
    assert.deepEqual(looked, ['left-pad', 'right-pad']);
    assert.deepEqual(
      found.map((v) => v.id),
      ['GHSA-left', 'GHSA-right'],
    );
    assert.deepEqual(unmatched([left, right], memo), []);
  });
});
