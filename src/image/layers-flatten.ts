// Applies layers' kept changes in order into one view of the image's files, as an overlay
// union would show them (OCI image-spec layer.md "Applying Changesets" and "Whiteouts"), and
// resolves symlinks inside the image root: ".." stops at "/", absolute targets start there.

import { selfAndAncestors } from './layers-paths.ts';
import type { LayerChanges } from './layers-read.ts';

/** One regular file of the flattened image (hard links appear as files of their own). */
export interface ImageFile {
  /** Absolute, clean path, e.g. /var/lib/dpkg/status. */
  readonly path: string;
  /** Digest of the layer that last wrote it. */
  readonly layer: string;
  readonly content: Buffer;
  /** Permission bits. */
  readonly mode: number;
}

export interface ImageSymlink {
  readonly path: string;
  readonly layer: string;
  /** The target as written in the layer. */
  readonly target: string;
}

export interface ImageFileSystem {
  /** Kept regular files by path. */
  readonly files: ReadonlyMap<string, ImageFile>;
  /** Kept symlinks by path. */
  readonly symlinks: ReadonlyMap<string, ImageSymlink>;
  /**
   * The path `path` leads to after following kept symlinks (in every component, at most 40
   * times, like Linux's ELOOP limit), never leaving the image root; undefined on a loop.
   */
  resolve(path: string): string | undefined;
  /** The kept file at `path`, following symlinks. */
  read(path: string): ImageFile | undefined;
}

type Node =
  | { readonly type: 'file'; readonly file: ImageFile }
  | { readonly type: 'symlink'; readonly link: ImageSymlink };

/** Flattens layers (lowest first), each with the digest its files are attributed to. */
export function flattenLayers(
  layers: readonly { readonly digest: string; readonly changes: LayerChanges }[],
): ImageFileSystem {
  const nodes = new Map<string, Node>();
  for (const { digest, changes } of layers) applyLayer(nodes, digest, changes);
  return createFileSystem(nodes);
}

function applyLayer(nodes: Map<string, Node>, digest: string, changes: LayerChanges): void {
  // Removals apply to lower layers only, so they go first: whiteouts, opaque directories, and
  // any entry of this layer (kept or not) that replaces a lower path and everything below it.
  const removedTrees = new Set<string>([...changes.deleted, ...changes.replaced]);
  for (const entry of changes.entries) removedTrees.add(entry.path);
  const opaque = new Set(changes.opaque);
  const directories = new Set(changes.directories);
  for (const path of [...nodes.keys()]) {
    let removed = directories.has(path);
    for (const ancestor of selfAndAncestors(path)) {
      if (removedTrees.has(ancestor) || (ancestor !== path && opaque.has(ancestor))) {
        removed = true;
        break;
      }
    }
    if (removed) nodes.delete(path);
  }
  for (const entry of changes.entries) {
    switch (entry.type) {
      case 'file':
        nodes.set(entry.path, {
          type: 'file',
          file: { path: entry.path, layer: digest, content: entry.content, mode: entry.mode },
        });
        break;
      case 'symlink':
        nodes.set(entry.path, {
          type: 'symlink',
          link: { path: entry.path, layer: digest, target: entry.target },
        });
        break;
      case 'link': {
        // A hard link shares its target's inode: same content and mode. If the target was not
        // kept (the predicate said no to its path), the link cannot be filled in and is left out.
        const target = nodes.get(entry.target);
        if (target?.type === 'file')
          nodes.set(entry.path, {
            type: 'file',
            file: { ...target.file, path: entry.path, layer: digest },
          });
        break;
      }
    }
  }
}

const maxSymlinkHops = 40;

function createFileSystem(nodes: ReadonlyMap<string, Node>): ImageFileSystem {
  const files = new Map<string, ImageFile>();
  const symlinks = new Map<string, ImageSymlink>();
  for (const [path, node] of [...nodes].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (node.type === 'file') files.set(path, node.file);
    else symlinks.set(path, node.link);
  }
  const resolve = (path: string): string | undefined => {
    let hops = 0;
    let pending = path.split('/').filter((part) => part !== '');
    const done: string[] = [];
    while (pending.length > 0) {
      const part = pending.shift() ?? '';
      if (part === '.') continue;
      if (part === '..') {
        done.pop();
        continue;
      }
      done.push(part);
      const link = symlinks.get(`/${done.join('/')}`);
      if (link === undefined) continue;
      if (++hops > maxSymlinkHops) return undefined;
      done.pop();
      // Relative targets resolve from the link's directory; absolute ones from the image root.
      // ".." never climbs above the root (as in a chroot).
      const base = link.target.startsWith('/') ? [] : done;
      pending = [...clampedParts(base, link.target), ...pending];
      done.length = 0;
    }
    return `/${done.join('/')}`;
  };
  return {
    files,
    symlinks,
    resolve,
    read(path) {
      const resolved = resolve(path);
      return resolved === undefined ? undefined : files.get(resolved);
    },
  };
}

/** `target` joined onto `base`, with ".." clamped at the root. */
function clampedParts(base: readonly string[], target: string): string[] {
  const parts = [...base];
  for (const part of target.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') parts.pop();
    else parts.push(part);
  }
  return parts;
}
