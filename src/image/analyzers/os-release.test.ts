import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fixtureInput, inputOf, runAnalyzerContract } from './contract.ts';
import {
  detectOsRelease,
  distroEcosystem,
  osReleaseAnalyzer,
  parseOsReleaseFile,
} from './os-release.ts';

runAnalyzerContract({ analyzer: osReleaseAnalyzer, sample: () => fixtureInput('debian-12') });

describe('os-release', () => {
  it('reads Debian 12 from /etc/os-release', async () => {
    const result = await osReleaseAnalyzer.analyze(fixtureInput('debian-12'));
    assert.deepEqual(result.os, {
      family: 'debian',
      id: 'debian',
      versionId: '12',
      prettyName: 'Debian GNU/Linux 12 (bookworm)',
      codename: 'bookworm',
      file: '/etc/os-release',
    });
    assert.equal(distroEcosystem(result.os, ''), 'Debian:12');
  });

  it('maps Alpine 3.19.1 to the OSV ecosystem Alpine:v3.19', () => {
    const os = detectOsRelease(fixtureInput('alpine-3.19').files);
    assert.equal(os?.family, 'alpine');
    assert.equal(distroEcosystem(os, ''), 'Alpine:v3.19');
  });

  it('unquotes values and ignores lines that are not assignments', () => {
    const values = parseOsReleaseFile(
      '# comment\nNAME="A \\"quoted\\" name"\nID=\'rocky\'\ngarbage line\nID_LIKE="rhel centos fedora"\n',
    );
    assert.equal(values.get('NAME'), 'A "quoted" name');
    assert.equal(values.get('ID'), 'rocky');
    assert.equal(values.size, 3);
  });

  it('falls back to distribution release files', () => {
    assert.equal(
      detectOsRelease(inputOf({ '/etc/alpine-release': '3.20.0\n' }).files)?.versionId,
      '3.20.0',
    );
    const rocky = detectOsRelease(
      inputOf({ '/etc/redhat-release': 'Rocky Linux release 9.3 (Blue Onyx)\n' }).files,
    );
    assert.deepEqual([rocky?.id, rocky?.family, rocky?.versionId], ['rocky', 'redhat', '9.3']);
    assert.equal(distroEcosystem(rocky, ''), 'Rocky Linux:9');
    const centos = detectOsRelease(
      inputOf({ '/etc/centos-release': 'CentOS Linux release 7.9.2009 (Core)' }).files,
    );
    assert.equal(distroEcosystem(centos, ''), 'Red Hat:enterprise_linux:7');
    const debian = detectOsRelease(inputOf({ '/etc/debian_version': '11.9\n' }).files);
    assert.equal(distroEcosystem(debian, ''), 'Debian:11');
  });

  it('prefers /etc/os-release and skips one without an ID', () => {
    const input = inputOf({
      '/etc/os-release': 'NAME=nothing\n',
      '/usr/lib/os-release': 'ID=ubuntu\nVERSION_ID="22.04"\nID_LIKE=debian\n',
    });
    const os = detectOsRelease(input.files);
    assert.equal(os?.file, '/usr/lib/os-release');
    assert.equal(distroEcosystem(os, ''), 'Ubuntu:22.04');
  });
});
