// What both SBOM writers say about the image itself: a name, tag and repository from the
// reference, and its package URL (purl-spec PURL-TYPES "oci": pkg:oci/<name>@<digest> with
// repository_url and tag qualifiers; the name is the repository's last segment, lowercased).

import type { ImageScan } from '../../model/index.ts';

export interface ImageIdentity {
  readonly name: string;
  readonly tag?: string;
  /** registry/repository, for registry references only. */
  readonly repositoryUrl?: string;
  readonly purl?: string;
}

/** purl-spec: percent-encode, but keep ':' and '/' readable in qualifier values. */
function qualifierValue(value: string): string {
  return encodeURIComponent(value).replace(/%2F/g, '/').replace(/%3A/g, ':');
}

function lastSegment(path: string): string {
  const parts = path.split('/').filter((part) => part !== '');
  return parts[parts.length - 1] ?? path;
}

export function imageIdentity(scan: ImageScan): ImageIdentity {
  let reference = scan.image;
  const local =
    reference.startsWith('oci:') ||
    reference.startsWith('docker-archive:') ||
    reference.startsWith('/') ||
    reference.startsWith('.');
  let name: string;
  let tag: string | undefined;
  let repositoryUrl: string | undefined;
  if (local) {
    const path = reference.replace(/^(oci|docker-archive):/, '');
    // oci:<dir>:<name> names the image inside the layout.
    const colon = path.lastIndexOf(':');
    const inner = colon > 0 && !path.slice(colon + 1).includes('/') ? path.slice(colon + 1) : '';
    name = inner === '' ? lastSegment(path.replace(/\.tar$/, '')) : inner;
    const innerColon = name.lastIndexOf(':');
    if (innerColon > 0) {
      tag = name.slice(innerColon + 1);
      name = name.slice(0, innerColon);
    }
    name = lastSegment(name);
  } else {
    reference = reference.replace(/^docker:\/\//, '');
    const at = reference.indexOf('@');
    const withoutDigest = at < 0 ? reference : reference.slice(0, at);
    const slash = withoutDigest.lastIndexOf('/');
    const colon = withoutDigest.lastIndexOf(':');
    const repository = colon > slash ? withoutDigest.slice(0, colon) : withoutDigest;
    if (colon > slash) tag = withoutDigest.slice(colon + 1);
    repositoryUrl = repository;
    name = lastSegment(repository);
  }
  name = name.toLowerCase();
  const qualifiers = [
    ...(scan.config?.architecture === undefined ? [] : [['arch', scan.config.architecture]]),
    ...(repositoryUrl === undefined ? [] : [['repository_url', repositoryUrl]]),
    ...(tag === undefined ? [] : [['tag', tag]]),
  ]
    .sort(([a = ''], [b = '']) => (a < b ? -1 : 1))
    .map(([key = '', value = '']) => `${key}=${qualifierValue(value)}`)
    .join('&');
  const purl =
    scan.digest === undefined
      ? undefined
      : `pkg:oci/${encodeURIComponent(name)}@${encodeURIComponent(scan.digest)}${qualifiers ? `?${qualifiers}` : ''}`;
  return {
    name,
    ...(tag === undefined ? {} : { tag }),
    ...(repositoryUrl === undefined ? {} : { repositoryUrl }),
    ...(purl === undefined ? {} : { purl }),
  };
}
