// Parses container image references the way the container runtime resolves them
// (distribution/reference normalisation): a first path part with a dot or colon, or
// "localhost", names a registry; otherwise Docker Hub, with "library/" for single names.

import type { ImageRef } from '../model/index.ts';

export const dockerHubRegistry = 'docker.io';

export function parseImageRef(fullName: string): ImageRef {
  let rest = fullName.trim();
  let digest = '';
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  let tag = '';
  const lastSlash = rest.lastIndexOf('/');
  const lastColon = rest.lastIndexOf(':');
  if (lastColon > lastSlash) {
    tag = rest.slice(lastColon + 1);
    rest = rest.slice(0, lastColon);
  }
  let registry = dockerHubRegistry;
  let remote = rest;
  const firstSlash = rest.indexOf('/');
  if (firstSlash >= 0) {
    const first = rest.slice(0, firstSlash);
    if (first.includes('.') || first.includes(':') || first === 'localhost') {
      registry = first;
      remote = rest.slice(firstSlash + 1);
    }
  }
  if (registry === 'index.docker.io' || registry === 'registry-1.docker.io')
    registry = dockerHubRegistry;
  if (registry === dockerHubRegistry && remote !== '' && !remote.includes('/'))
    remote = `library/${remote}`;
  if (tag === '' && digest === '') tag = 'latest';
  return { fullName, registry, remote, tag, digest };
}

/** Whether the reference as written names a tag (not defaulted to latest). */
export function hasExplicitTag(ref: ImageRef): boolean {
  const withoutDigest = ref.fullName.split('@')[0] ?? '';
  const lastSlash = withoutDigest.lastIndexOf('/');
  return withoutDigest.lastIndexOf(':') > lastSlash;
}
