// A Debian 9 image whose dpkg database holds libxml2 2.9.4+dfsg1-2.2+deb9u6 (source version):
// the real advisory DLA-3012-1 (CVE-2022-29824) in ../shared/vuln/osv-records fixes it in
// deb9u7. Used by the tests of image criteria in `check --scan-images` and Central's scan queue.

import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { TestImage } from './images.ts';

/** The real Debian OSV records (DLA-3012-1 among them). */
export const debianRecordsDir = fileURLToPath(
  new URL('../../../shared/vuln/osv-records/osv-scanner-offline-dbs/Debian/', import.meta.url),
);

export function debianRecordsSkipReason(): string | undefined {
  return existsSync(debianRecordsDir)
    ? undefined
    : `../shared/vuln is absent (${debianRecordsDir}); it holds the real OSV records these tests match`;
}

/** The CVE that DLA-3012-1 fixes in libxml2 for Debian 9. */
export const vulnerableCve = 'CVE-2022-29824';

const dpkgStatus = [
  'Package: base-files\nStatus: install ok installed\nVersion: 9.9+deb9u13\nArchitecture: amd64\nDescription: Debian base system miscellaneous files',
  'Package: libxml2\nStatus: install ok installed\nSource: libxml2 (2.9.4+dfsg1-2.2+deb9u6)\nVersion: 2.9.4+dfsg1-2.2+deb9u6+b1\nArchitecture: amd64\nDescription: GNOME XML library',
].join('\n\n');

/** The vulnerable image; `tag` varies a label so that each test can push a distinct digest. */
export function vulnerableDebianImage(tag = 'v1'): TestImage {
  return {
    user: 'app',
    labels: { 'org.opencontainers.image.title': `palisade-test-libxml2-${tag}` },
    created: '2024-05-01T00:00:00Z',
    layers: [
      {
        createdBy: '/bin/sh -c apt-get install -y libxml2',
        entries: [
          {
            path: 'etc/os-release',
            content:
              'PRETTY_NAME="Debian GNU/Linux 9 (stretch)"\nVERSION_ID="9"\nVERSION_CODENAME=stretch\nID=debian\n',
          },
          { path: 'var/lib/dpkg/status', content: `${dpkgStatus}\n` },
          { path: 'var/lib/dpkg/info/libxml2:amd64.list', content: '/.\n' },
        ],
      },
    ],
  };
}

/** An image with a dpkg database and no vulnerable package. */
export function cleanDebianImage(): TestImage {
  return {
    layers: [
      {
        createdBy: 'COPY rootfs / # buildkit',
        entries: [
          { path: 'etc/os-release', content: 'VERSION_ID="9"\nID=debian\n' },
          {
            path: 'var/lib/dpkg/status',
            content:
              'Package: base-files\nStatus: install ok installed\nVersion: 9.9+deb9u13\nArchitecture: amd64\nDescription: base\n\n',
          },
        ],
      },
    ],
  };
}
