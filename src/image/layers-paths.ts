// Path rules for layer entries, shared by the reader and the flattened file system. We follow
// Docker's extraction (moby pkg/archive): a name is cleaned and joined under the root, so an
// absolute name is taken as relative to the root, while a relative name that climbs out with
// ".." is an attack and is refused. Whiteouts follow OCI image-spec layer.md "Whiteouts".

/** Why a path was refused. */
export class PathEscapeError extends Error {}

/**
 * Normalises a tar entry name to an absolute, clean path ("./usr//bin/" → "/usr/bin").
 * "/" is the root itself. Throws PathEscapeError for a relative name that leaves the root.
 */
export function normaliseEntryPath(name: string): string {
  const absolute = name.startsWith('/');
  const parts: string[] = [];
  for (const part of name.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      // Go's filepath.Clean drops ".." at the root of an absolute path; a relative one escapes.
      if (parts.length === 0) {
        if (absolute) continue;
        throw new PathEscapeError(`'${name}' climbs out of the image root`);
      }
      parts.pop();
      continue;
    }
    parts.push(part);
  }
  return `/${parts.join('/')}`;
}

/**
 * Where a symlink at `path` points, as a clean absolute path inside the image, or a
 * PathEscapeError if ".." climbs above the root (moby refuses such links: "invalid symlink").
 */
export function symlinkTargetPath(path: string, target: string): string {
  const base = target.startsWith('/') ? [] : parentParts(path);
  const parts = [...base];
  for (const part of target.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (parts.length === 0)
        throw new PathEscapeError(`symlink '${path}' -> '${target}' points outside the image root`);
      parts.pop();
      continue;
    }
    parts.push(part);
  }
  return `/${parts.join('/')}`;
}

function parentParts(path: string): string[] {
  const parts = path.split('/').filter((part) => part !== '');
  parts.pop();
  return parts;
}

export function parentPath(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash <= 0 ? '/' : path.slice(0, slash);
}

export function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/** The path and every ancestor up to (not including) "/": "/a/b/c" → "/a/b/c", "/a/b", "/a". */
export function* selfAndAncestors(path: string): Generator<string> {
  let current = path;
  while (current !== '/' && current !== '') {
    yield current;
    current = parentPath(current);
  }
}

/** OCI layer.md: ".wh..wh..opq" marks its directory opaque; ".wh.<name>" deletes <name>. */
export const opaqueMarker = '.wh..wh..opq';
export const whiteoutPrefix = '.wh.';

export type WhiteoutKind =
  | { readonly kind: 'opaque'; readonly directory: string }
  | { readonly kind: 'delete'; readonly path: string }
  /** Other ".wh..wh." names are AUFS metadata (.wh..wh.plnk, .wh..wh.aufs): ignored. */
  | { readonly kind: 'metadata' };

export function classifyWhiteout(path: string): WhiteoutKind | undefined {
  const name = baseName(path);
  if (!name.startsWith(whiteoutPrefix)) return undefined;
  const parent = parentPath(path);
  if (name === opaqueMarker) return { kind: 'opaque', directory: parent };
  if (name.startsWith(`${whiteoutPrefix}${whiteoutPrefix}`)) return { kind: 'metadata' };
  const deleted = name.slice(whiteoutPrefix.length);
  if (deleted === '' || deleted === '.' || deleted === '..') return { kind: 'metadata' };
  return { kind: 'delete', path: parent === '/' ? `/${deleted}` : `${parent}/${deleted}` };
}
