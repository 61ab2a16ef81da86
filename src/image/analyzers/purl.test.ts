import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { buildPurl, encodePurlComponent } from './purl.ts';

describe('purl', () => {
  // Examples from purl-spec PURL-TYPES / types/*-definition.json and its test-suite-data.
  it('builds the spec examples per type', () => {
    assert.equal(
      buildPurl({ type: 'npm', namespace: '@angular', name: 'animation', version: '12.3.1' }),
      'pkg:npm/%40angular/animation@12.3.1',
    );
    assert.equal(
      buildPurl({ type: 'pypi', name: 'Django_Allauth', version: '0.1' }),
      'pkg:pypi/django-allauth@0.1',
    );
    assert.equal(
      buildPurl({ type: 'maven', namespace: 'org.apache.commons', name: 'io', version: '1.3.4' }),
      'pkg:maven/org.apache.commons/io@1.3.4',
    );
    assert.equal(
      buildPurl({
        type: 'golang',
        namespace: 'github.com/Gorilla',
        name: 'Context',
        version: 'v1.1.2',
      }),
      'pkg:golang/github.com/gorilla/context@v1.1.2',
    );
    assert.equal(
      buildPurl({ type: 'composer', namespace: 'Laravel', name: 'Laravel', version: '5.5.0' }),
      'pkg:composer/laravel/laravel@5.5.0',
    );
    assert.equal(
      buildPurl({ type: 'nuget', name: 'EnterpriseLibrary.Common', version: '6.0.1304' }),
      'pkg:nuget/EnterpriseLibrary.Common@6.0.1304',
    );
  });

  it('sorts qualifiers, drops empty ones and keeps the epoch colon-free version', () => {
    assert.equal(
      buildPurl({
        type: 'rpm',
        namespace: 'fedora',
        name: 'curl',
        version: '7.50.3-1.fc25',
        qualifiers: { epoch: '1', arch: 'i386', distro: 'fedora-25', empty: '' },
      }),
      'pkg:rpm/fedora/curl@7.50.3-1.fc25?arch=i386&distro=fedora-25&epoch=1',
    );
    assert.equal(
      buildPurl({
        type: 'deb',
        namespace: 'debian',
        name: 'curl',
        version: '7.50.3-1',
        qualifiers: { arch: 'i386', distro: 'jessie' },
      }),
      'pkg:deb/debian/curl@7.50.3-1?arch=i386&distro=jessie',
    );
  });

  it('percent-encodes everything but unreserved characters and the colon', () => {
    assert.equal(encodePurlComponent('a b+c@d/e:f~g'), 'a%20b%2Bc%40d%2Fe:f~g');
    assert.equal(encodePurlComponent('é'), '%C3%A9');
    assert.equal(
      buildPurl({
        type: 'golang',
        namespace: 'google.golang.org',
        name: 'genproto',
        subpath: 'googleapis/api/../annotations',
      }),
      'pkg:golang/google.golang.org/genproto#googleapis/api/annotations',
    );
  });
});
