import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { comparators, registerComparators } from './all.ts';
import { failingVectors, fixtureDir, readVersionVectors, sharedVulnDir } from './fixtures.ts';
import type { VersionComparator } from './types.ts';

/** Fixture files per comparator id, and the lines it is known to disagree with (and why). */
const suites: Readonly<Record<string, { files: string[]; known?: Record<string, string> }>> = {
  dpkg: { files: ['debian-versions.txt', 'debian-versions-generated.txt'] },
  apk: {
    files: [
      'alpine-versions.txt',
      'alpine-versions-generated.txt',
      join('..', 'apk', 'version.data'),
    ],
  },
  rpm: { files: ['redhat-versions.txt'] },
  semver: { files: ['semver-versions.txt'] },
  pep440: { files: ['pypi-versions.txt', 'pypi-versions-generated.txt'] },
  maven: {
    files: ['maven-versions.txt', 'maven-versions-generated.txt'],
    known: {
      // We follow ComparableVersion 3.8.6, which the generated file was sorted with; there a
      // "ga" qualifier before a sub-list is dropped only at the end ("1-ga-1" > "1-1").
      'maven-versions.txt:100': 'Maven 3.9 behaviour',
    },
  },
  rubygems: { files: ['rubygems-versions.txt', 'rubygems-versions-generated.txt'] },
  nuget: { files: ['nuget-versions.txt'] },
  packagist: { files: ['packagist-versions.txt', 'packagist-versions-generated.txt'] },
};

describe('version comparators', () => {
  it('registers every comparator that has fixtures, and nothing twice', () => {
    assert.deepEqual(comparators.all.map((c) => c.id).sort(), Object.keys(suites).sort());
  });

  it('refuses a comparator id registered twice', () => {
    const [first] = comparators.all;
    assert.ok(first !== undefined);
    assert.throws(
      () => registerComparators([first, { ...first, ecosystems: [] }]),
      /registered twice/,
    );
  });

  it('refuses two comparators for one ecosystem', () => {
    const make = (id: string): VersionComparator => ({ id, ecosystems: ['npm'], compare: () => 0 });
    assert.throws(() => registerComparators([make('a'), make('b')]), /two version comparators/);
  });

  it('finds the comparator of an ecosystem with a release suffix', () => {
    assert.equal(comparators.forEcosystem('Debian:12')?.id, 'dpkg');
    assert.equal(comparators.forEcosystem('Alpine:v3.19')?.id, 'apk');
    assert.equal(comparators.forEcosystem('Red Hat:enterprise_linux:9::appstream')?.id, 'rpm');
    assert.equal(comparators.forEcosystem('Go')?.id, 'semver');
    assert.equal(comparators.forEcosystem('CRAN'), undefined);
  });

  for (const comparator of comparators.all) {
    describe(comparator.id, () => {
      it('is reflexive and antisymmetric, and never throws on odd input', () => {
        const odd = [
          '',
          ' ',
          '0',
          '1.0',
          'v1',
          '~',
          '^',
          '-',
          '1:',
          ':1',
          '1-',
          '..',
          'a.b.c',
          '#',
          '9'.repeat(400),
          '\u0000x',
        ];
        for (const a of odd) {
          assert.equal(
            comparator.compare(a, a),
            0,
            `${comparator.id}: ${JSON.stringify(a)} = itself`,
          );
          for (const b of odd) {
            const ab = Math.sign(comparator.compare(a, b));
            const ba = Math.sign(comparator.compare(b, a));
            assert.equal(
              ab,
              -ba || 0,
              `${comparator.id}: ${JSON.stringify(a)} vs ${JSON.stringify(b)}`,
            );
          }
        }
      });

      const suite = suites[comparator.id];
      for (const file of suite?.files ?? []) {
        it(`orders every vector of ${file}`, (t) => {
          const path = file.startsWith('..')
            ? join(sharedVulnDir, file.slice(3))
            : join(fixtureDir, file);
          const vectors = readVersionVectors(path);
          if (vectors === undefined) {
            t.skip(`../shared/vuln is absent (${path}); it holds the version-ordering vectors`);
            return;
          }
          assert.ok(vectors.length > 0, `${file} has no vectors`);
          const failures = failingVectors(vectors, (a, b) => comparator.compare(a, b)).filter(
            (f) => suite?.known?.[f.split(': ')[0] ?? ''] === undefined,
          );
          assert.deepEqual(failures, []);
        });
      }
    });
  }
});

describe('ecosystem-specific ordering', () => {
  const compare = (id: string, a: string, b: string): number => {
    const comparator = comparators.all.find((c) => c.id === id);
    assert.ok(comparator !== undefined);
    return Math.sign(comparator.compare(a, b));
  };

  it('a binNMU (+b1) of a Debian version is newer than the source version', () => {
    assert.equal(compare('dpkg', '2.36-9+deb12u4+b1', '2.36-9+deb12u4'), 1);
    assert.equal(compare('dpkg', '1:1.0', '2.0'), 1);
    assert.equal(compare('dpkg', '1.0~rc1', '1.0'), -1);
  });

  it('Alpine pre-release suffixes sort below the release and -r revisions above', () => {
    assert.equal(compare('apk', '1.2.4_git20230717-r5', '1.2.4-r0'), 1);
    assert.equal(compare('apk', '1.2_rc1', '1.2'), -1);
    assert.equal(compare('apk', '1.0-r1', '1.0'), 1);
  });

  it('rpm tilde sorts before and caret after the bare version', () => {
    assert.equal(compare('rpm', '1.0~rc1-1', '1.0-1'), -1);
    assert.equal(compare('rpm', '1.0^git1-1', '1.0-1'), 1);
    assert.equal(compare('rpm', '1:1.0-1', '2.0-1'), 1);
  });

  it('Go pseudo-versions and +incompatible order as semver', () => {
    assert.equal(compare('semver', 'v0.0.0-20210101000000-abcdef123456', 'v0.0.1'), -1);
    assert.equal(compare('semver', 'v2.0.0+incompatible', 'v2.0.0'), 0);
    assert.equal(compare('semver', 'v1.2.3-pre', 'v1.2.3'), -1);
  });

  it('PEP 440 orders dev < pre < release < post, and legacy versions lowest', () => {
    assert.equal(compare('pep440', '1.0.dev1', '1.0a1'), -1);
    assert.equal(compare('pep440', '1.0.post1', '1.0'), 1);
    assert.equal(compare('pep440', 'not-a-version', '0.0.1'), -1);
  });
});
