import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PalisadeError } from '../model/index.ts';
import { componentOfPurl, parsePurl, readSbom } from './sbom.ts';

describe('SBOM reader', () => {
  it('parses purls with namespaces, encoded versions and qualifiers (ECMA-427)', () => {
    assert.deepEqual(parsePurl('pkg:npm/%40babel/core@7.23.2'), {
      type: 'npm',
      namespace: '@babel',
      name: 'core',
      version: '7.23.2',
      qualifiers: {},
    });
    assert.deepEqual(
      parsePurl('pkg:deb/debian/libxml2@2.9.4%2Bdfsg1-2.2%2Bdeb9u6?arch=amd64&distro=debian-9'),
      {
        type: 'deb',
        namespace: 'debian',
        name: 'libxml2',
        version: '2.9.4+dfsg1-2.2+deb9u6',
        qualifiers: { arch: 'amd64', distro: 'debian-9' },
      },
    );
    assert.equal(parsePurl('not-a-purl'), undefined);
  });

  it('turns distro qualifiers into OSV ecosystems with the release', () => {
    const eco = (purl: string) => componentOfPurl(purl, {}, undefined, 'x')?.ecosystem;
    assert.equal(eco('pkg:deb/debian/libc6@2.36-9?distro=debian-12.4'), 'Debian:12');
    assert.equal(eco('pkg:deb/ubuntu/libc6@2.35-0ubuntu3?distro=ubuntu-22.04'), 'Ubuntu:22.04');
    assert.equal(eco('pkg:apk/alpine/musl@1.2.4-r2?distro=alpine-3.19.1'), 'Alpine:v3.19');
    assert.equal(
      eco('pkg:rpm/redhat/bash@5.1.8-6.el9?distro=rhel-9.2'),
      'Red Hat:enterprise_linux:9',
    );
    assert.equal(eco('pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1'), 'Maven');
    assert.equal(eco('pkg:generic/thing@1'), undefined);
  });

  it('reads source packages from upstream, Trivy properties and binNMU versions', () => {
    const syft = componentOfPurl(
      'pkg:deb/debian/libxml2@2.9.4%2Bdfsg1-2.2%2Bdeb9u6%2Bb1?distro=debian-9&upstream=libxml2',
      {},
      undefined,
      'x',
    );
    assert.equal(syft?.sourceVersion, '2.9.4+dfsg1-2.2+deb9u6');
    const trivy = componentOfPurl(
      'pkg:rpm/redhat/openssl-libs@3.0.7-24.el9?epoch=1&distro=rhel-9.3',
      {
        'aquasecurity:trivy:SrcName': 'openssl',
        'aquasecurity:trivy:SrcVersion': '3.0.7',
        'aquasecurity:trivy:SrcRelease': '24.el9',
        'aquasecurity:trivy:SrcEpoch': '1',
      },
      undefined,
      'x',
    );
    assert.equal(trivy?.version, '1:3.0.7-24.el9');
    assert.equal(trivy?.sourceName, 'openssl');
    assert.equal(trivy?.sourceVersion, '1:3.0.7-24.el9');
  });

  it('reads CycloneDX nested components and takes the OS component for OS purls without distro', () => {
    const sbom = readSbom(
      JSON.stringify({
        bomFormat: 'CycloneDX',
        specVersion: '1.5',
        metadata: { component: { type: 'container', name: 'registry/app:1' } },
        components: [
          { type: 'operating-system', name: 'debian', version: '12' },
          {
            type: 'library',
            name: 'express',
            version: '4.17.1',
            purl: 'pkg:npm/express@4.17.1',
            components: [
              { type: 'library', name: 'qs', version: '6.7.0', purl: 'pkg:npm/qs@6.7.0' },
            ],
          },
          {
            type: 'library',
            name: 'bash',
            version: '5.2.15-2+b2',
            purl: 'pkg:deb/debian/bash@5.2.15-2%2Bb2',
          },
          { type: 'library', name: 'no-purl', version: '1' },
        ],
      }),
      'app.cdx.json',
    );
    assert.equal(sbom.name, 'registry/app:1');
    assert.deepEqual(
      sbom.components.map((c) => [c.name, c.ecosystem]),
      [
        ['express', 'npm'],
        ['qs', 'npm'],
        ['bash', 'Debian:12'],
      ],
    );
    assert.deepEqual(sbom.problems, ['no-purl@1: no purl']);
  });

  it('refuses CycloneDX before 1.4, other SPDX versions and documents of neither kind', () => {
    const refused = (doc: unknown, pattern: RegExp) =>
      assert.throws(
        () => readSbom(JSON.stringify(doc), 'f.json'),
        (e: unknown) => e instanceof PalisadeError && pattern.test(e.message),
      );
    refused({ bomFormat: 'CycloneDX', specVersion: '1.3' }, /CycloneDX 1\.3 is not supported/);
    refused({ spdxVersion: 'SPDX-2.2' }, /SPDX-2\.2 is not supported/);
    refused({ hello: 1 }, /neither a CycloneDX/);
    assert.throws(() => readSbom('{', 'f.json'), /f\.json: not JSON/);
  });
});
