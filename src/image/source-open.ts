// Turns what a user typed into an image source: "oci:<dir>[:name]", "docker-archive:<file>[:tag]",
// "docker://<ref>", a directory holding an OCI layout, a docker-save .tar file, or else a
// registry reference.

import { stat } from 'node:fs/promises';
import { PalisadeError } from '../model/index.ts';
import { OciLayoutSource } from './source-oci-layout.ts';
import { DockerArchiveSource } from './source-docker-archive.ts';
import { RegistryImageSource } from './source-registry.ts';
import type { RegistryClientOptions } from './registry-client.ts';
import type { ImageSource } from './source.ts';

export type OpenImageSourceOptions = RegistryClientOptions;

/** "path:name" → [path, name]; a colon followed by a slash belongs to the path. */
function splitName(text: string): [string, string | undefined] {
  const colon = text.lastIndexOf(':');
  if (colon <= 0 || text.slice(colon + 1).includes('/') || text.slice(colon + 1) === '')
    return [text, undefined];
  return [text.slice(0, colon), text.slice(colon + 1)];
}

async function kindOf(path: string): Promise<'layout' | 'file' | 'directory' | undefined> {
  try {
    const info = await stat(path);
    if (info.isFile()) return 'file';
    if (!info.isDirectory()) return undefined;
    return (await stat(`${path}/oci-layout`)
      .then((layout) => layout.isFile())
      .catch(() => false))
      ? 'layout'
      : 'directory';
  } catch {
    return undefined;
  }
}

export async function openImageSource(
  reference: string,
  options: OpenImageSourceOptions = {},
): Promise<ImageSource> {
  if (reference.startsWith('oci:')) {
    const [directory, name] = splitName(reference.slice('oci:'.length));
    return new OciLayoutSource(directory, name);
  }
  if (reference.startsWith('docker-archive:')) {
    // docker-archive:<path>:<repo>:<tag> — the tag part itself has a colon, so try the file first.
    const rest = reference.slice('docker-archive:'.length);
    if ((await kindOf(rest)) === 'file') return new DockerArchiveSource(rest, undefined);
    const match = /^(.*?\.tar):(.+)$/.exec(rest);
    return match === null
      ? new DockerArchiveSource(rest, undefined)
      : new DockerArchiveSource(match[1] ?? rest, match[2]);
  }
  if (reference.startsWith('docker://'))
    return new RegistryImageSource(reference.slice('docker://'.length), options);
  const kind = await kindOf(reference);
  if (kind === 'layout') return new OciLayoutSource(reference, undefined);
  if (kind === 'file') return new DockerArchiveSource(reference, undefined);
  const [path, name] = splitName(reference);
  const pathKind = name === undefined ? kind : await kindOf(path);
  if (name !== undefined && pathKind === 'layout') return new OciLayoutSource(path, name);
  // What reads as a path is never sent to a registry ("nginx" may be a folder here and an image
  // there; "./nginx", "/srv/nginx" and "nginx.tar" are paths).
  if (/^(?:\.{0,2}\/|~\/)|\.tar$/.test(path)) {
    if (pathKind === 'directory')
      throw new PalisadeError(
        'image-source-invalid',
        `${path}: a directory without an OCI layout (no oci-layout file)`,
        { status: 422 },
      );
    throw new PalisadeError('image-not-found', `${path}: no such file or directory`, {
      status: 404,
    });
  }
  return new RegistryImageSource(reference, options);
}
