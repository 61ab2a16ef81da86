// An image in a registry, named by a reference ("registry.example/team/app:1.2",
// "alpine@sha256:…"). References are parsed by k8s/'s parseImageRef (Docker Hub defaults:
// docker.io, library/) and checked against the distribution grammar before they reach a URL.

import type { Readable } from 'node:stream';
import { parseImageRef } from '../k8s/index.ts';
import { PalisadeError, type ImageRef } from '../model/index.ts';
import { parseDigest } from './digest.ts';
import type { Descriptor } from './manifest.ts';
import { RegistryClient, type RegistryClientOptions } from './registry-client.ts';
import {
  resolveFromRoot,
  type ImageSource,
  type ResolveOptions,
  type ResolvedImage,
} from './source.ts';

// distribution/reference regexp.go: path components, and tags of up to 128 word characters.
const pathComponent = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const tagPattern = /^[\w][\w.-]{0,127}$/;
const hostPattern =
  /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\[[0-9a-fA-F:.]+\])(?::[0-9]+)?$/;

/** Parses and checks a registry reference; throws `image-reference-invalid`. */
export function parseRegistryReference(reference: string): ImageRef {
  const ref = parseImageRef(reference);
  const invalid = (message: string) =>
    new PalisadeError('image-reference-invalid', `image reference '${reference}': ${message}`, {
      status: 400,
    });
  if (!hostPattern.test(ref.registry)) throw invalid(`'${ref.registry}' is not a registry host`);
  if (ref.remote === '' || !ref.remote.split('/').every((part) => pathComponent.test(part)))
    throw invalid(
      `'${ref.remote}' is not a repository name (lower-case letters, digits, separators)`,
    );
  if (ref.tag !== '' && !tagPattern.test(ref.tag)) throw invalid(`'${ref.tag}' is not a tag`);
  if (ref.digest !== '' && parseDigest(ref.digest) === undefined)
    throw invalid(`'${ref.digest}' is not a sha256 or sha512 digest`);
  return ref;
}

export function formatImageRef(ref: ImageRef): string {
  return `${ref.registry}/${ref.remote}${ref.tag === '' ? '' : `:${ref.tag}`}${ref.digest === '' ? '' : `@${ref.digest}`}`;
}

export class RegistryImageSource implements ImageSource {
  readonly kind = 'registry';
  readonly reference: string;
  readonly ref: ImageRef;
  readonly client: RegistryClient;

  constructor(reference: string, options: RegistryClientOptions = {}) {
    this.ref = parseRegistryReference(reference);
    this.reference = formatImageRef(this.ref);
    this.client = new RegistryClient(this.ref.registry, options);
  }

  async resolve(options: ResolveOptions): Promise<ResolvedImage> {
    const { ref, client, reference: what } = this;
    const root = await client.getManifest(
      ref.remote,
      ref.digest === '' ? ref.tag : ref.digest,
      what,
      options.limits.maxManifestBytes,
      options.signal,
    );
    return resolveFromRoot(
      root,
      {
        what,
        openBlob: (descriptor: Descriptor, signal?: AbortSignal): Promise<Readable> =>
          client.openBlob(
            ref.remote,
            descriptor.digest,
            `${what}: blob ${descriptor.digest}`,
            signal,
          ),
        readManifest: async (descriptor, maxBytes, signal) =>
          (await client.getManifest(ref.remote, descriptor.digest, what, maxBytes, signal)).bytes,
      },
      options,
    );
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
