import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ImageFile } from './types.ts';
import { fixtureInput, inputOf, runAnalyzerContract } from './contract.ts';
import { dpkgAnalyzer, parseControlParagraphs, parseSourceField } from './dpkg.ts';

runAnalyzerContract({ analyzer: dpkgAnalyzer, sample: () => fixtureInput('debian-12') });
runAnalyzerContract({ analyzer: { ...dpkgAnalyzer }, sample: () => fixtureInput('distroless') });

describe('dpkg', () => {
  it('lists installed packages with source name and source version, skipping removed ones', async () => {
    const result = await dpkgAnalyzer.analyze(fixtureInput('debian-12'));
    assert.deepEqual(result.findings, []);
    assert.deepEqual(
      result.components.map((c) => [c.name, c.version, c.sourceName, c.sourceVersion]),
      [
        ['base-files', '12.4+deb12u5', 'base-files', '12.4+deb12u5'],
        ['libc6', '2.36-9+deb12u4', 'glibc', '2.36-9+deb12u4'],
        ['libssl3', '3.0.11-1~deb12u2', 'openssl', '3.0.11-1~deb12u2'],
        // A binNMU: binary version +b1, source version without it.
        ['libgnutls30', '3.7.9-2+deb12u2+b1', 'gnutls28', '3.7.9-2+deb12u2'],
      ],
    );
    const libssl = result.components.find((c) => c.name === 'libssl3');
    assert.equal(libssl?.ecosystem, 'Debian:12');
    assert.equal(libssl?.arch, 'amd64');
    assert.equal(
      libssl?.purl,
      'pkg:deb/debian/libssl3@3.0.11-1~deb12u2?arch=amd64&distro=debian-12&upstream=openssl',
    );
    assert.equal(libssl?.file, '/var/lib/dpkg/status');
  });

  it('takes a package layer from its info/*.list file', async () => {
    const input = fixtureInput('debian-12', 'sha256:base');
    const files = new Map(input.files);
    const list = files.get('/var/lib/dpkg/info/libssl3:amd64.list') as ImageFile;
    files.set(list.path, { ...list, layer: 'sha256:ssl-layer' });
    const result = await dpkgAnalyzer.analyze({ files });
    const layers = Object.fromEntries(result.components.map((c) => [c.name, c.layer]));
    assert.equal(layers['libssl3'], 'sha256:ssl-layer');
    assert.equal(layers['libc6'], 'sha256:base');
  });

  it('reads one status content seen again, in another file or input, as that file', async () => {
    // The parse of a status content is kept for the scan's second analysis; what comes of it
    // must still name the file, layer and OS of each input it is read in.
    const content = Buffer.from(
      'Package: a\nStatus: install ok installed\nVersion: 1\n\nPackage: broken\nVersion\n',
    );
    const status = { path: '/var/lib/dpkg/status', mode: 0o644, layer: 'sha256:one', content };
    const input = (files: readonly ImageFile[]) => ({
      files: new Map(files.map((file) => [file.path, file])),
    });
    const first = await dpkgAnalyzer.analyze(input([status]));
    const again = await dpkgAnalyzer.analyze(
      input([
        { ...status, path: '/var/lib/dpkg/status.d/a', layer: 'sha256:two' },
        {
          path: '/etc/os-release',
          mode: 0o644,
          layer: 'sha256:two',
          content: Buffer.from('ID=debian\nVERSION_ID="12"\n'),
        },
      ]),
    );
    const facts = (result: typeof first) => [
      result.components.map((c) => [c.name, c.file, c.layer, c.ecosystem]),
      result.findings.map((f) => [f.file, f.layer, f.line]),
    ];
    assert.deepEqual(facts(first), [
      [['a', '/var/lib/dpkg/status', 'sha256:one', 'Debian']],
      [
        ['/var/lib/dpkg/status', 'sha256:one', 6],
        ['/var/lib/dpkg/status', 'sha256:one', 5],
      ],
    ]);
    assert.deepEqual(facts(again), [
      [['a', '/var/lib/dpkg/status.d/a', 'sha256:two', 'Debian:12']],
      [
        ['/var/lib/dpkg/status.d/a', 'sha256:two', 6],
        ['/var/lib/dpkg/status.d/a', 'sha256:two', 5],
      ],
    ]);
  });

  it('reads distroless status.d files and ignores their md5sums', async () => {
    const result = await dpkgAnalyzer.analyze(fixtureInput('distroless'));
    assert.deepEqual(result.findings, []);
    assert.deepEqual(
      result.components.map((c) => [c.name, c.sourceName, c.file]),
      [
        ['libssl3', 'openssl', '/var/lib/dpkg/status.d/libssl3'],
        ['tzdata', 'tzdata', '/var/lib/dpkg/status.d/tzdata'],
      ],
    );
    assert.ok(!dpkgAnalyzer.wants('/var/lib/dpkg/status.d/sub/x', { size: 1, mode: 0o644 }));
  });

  it('reports malformed lines and entries with their line and keeps the rest', async () => {
    const status = [
      'Package: good',
      'Status: install ok installed',
      'Version: 1.0-1',
      '',
      'this is not a field',
      'Package: noversion',
      'Status: install ok installed',
      '',
      'Package: also-good',
      'Version: 2.0',
      '',
    ].join('\n');
    const result = await dpkgAnalyzer.analyze(inputOf({ '/var/lib/dpkg/status': status }));
    assert.deepEqual(
      result.components.map((c) => c.name),
      ['good', 'also-good'],
    );
    assert.deepEqual(
      result.findings.map((f) => [f.code, f.file, f.line]),
      [
        ['malformed-database', '/var/lib/dpkg/status', 5],
        ['malformed-database', '/var/lib/dpkg/status', 6],
      ],
    );
    // Without os-release the ecosystem has no release.
    assert.equal(result.components[0]?.ecosystem, 'Debian');
  });

  it('parses continuation lines and Source fields', () => {
    const parsed = parseControlParagraphs('Package: a\nDescription: one\n two\n');
    assert.equal(parsed.paragraphs[0]?.fields.get('Description'), 'one\ntwo');
    assert.deepEqual(parseSourceField('gnutls28 (3.7.9-2)'), {
      name: 'gnutls28',
      version: '3.7.9-2',
    });
    assert.deepEqual(parseSourceField('openssl'), { name: 'openssl' });
  });

  it('handles a large status file in linear time', async () => {
    const entry = (i: number): string =>
      `Package: pkg${i}\nStatus: install ok installed\nVersion: 1.${i}\nDescription: x\n ${'y'.repeat(200)}\n`;
    const status = Array.from({ length: 20000 }, (_, i) => entry(i)).join('\n');
    const started = Date.now();
    const result = await dpkgAnalyzer.analyze(inputOf({ '/var/lib/dpkg/status': status }));
    assert.equal(result.components.length, 20000);
    assert.ok(Date.now() - started < 5000);
  });
});
