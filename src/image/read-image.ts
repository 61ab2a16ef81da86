// Reads an image from any source into what the analysers need: the config, the layer list
// and a flattened view of the files the caller's predicate keeps. Layers are read a few at a
// time and applied in order; with a cache directory and a predicate id, a layer already read
// for the same predicate is taken from the cache instead of the source.

import type { Readable } from 'node:stream';
import { PalisadeError, wrapError } from '../model/index.ts';
import { compileHint, type FileHint } from './file-hints.js';
import { LayerCache } from './layer-cache.ts';
import { inflateLayerInWorker, workerMinimumBytes } from './layer-inflate.ts';
import type { Compression } from './layers-decompress.ts';
import { flattenLayers, type ImageFile, type ImageFileSystem } from './layers-flatten.ts';
import {
  readLayer,
  type ImageBudget,
  type KeepPredicate,
  type LayerChanges,
} from './layers-read.ts';
import { limitExceeded, resolveLimits, type ImageLimits } from './limits.ts';
import type { HistoryEntry, ImageConfig } from './manifest.ts';
import { defaultPlatform, parsePlatform, type PlatformSpec } from './platform.ts';
import type { ImageSource, ImageSourceKind, LayerBlob } from './source.ts';

export interface ReadImageOptions {
  /** Which files, symlinks and hard links to keep (see KeepPredicate). */
  readonly keep: KeepPredicate;
  /**
   * The regular files `keep` could want, as data (file-hints.js): no file outside it is kept,
   * and the worker threads leave their contents out instead of passing them on.
   */
  readonly keepHint?: FileHint;
  /**
   * Names the predicate for the cache: the same id must mean the same decisions. Without it
   * (or without cacheDir) nothing is cached.
   */
  readonly keepId?: string;
  /** "os/arch[/variant]" or a parsed platform; default linux/amd64. */
  readonly platform?: string | PlatformSpec;
  readonly cacheDir?: string;
  readonly limits?: Partial<ImageLimits>;
  readonly signal?: AbortSignal;
  /** Layers read at the same time; default 3. */
  readonly concurrency?: number;
  /**
   * Layer blobs in local files at least this large are read on worker threads (default
   * 4 MiB, below which starting a worker costs more than it saves); Infinity reads every
   * layer on the calling thread.
   */
  readonly workerThreshold?: number;
  /**
   * Told each kept regular file as soon as its layer has it whole (cached layers' files too),
   * before flattening: a later layer may still delete or replace it.
   */
  readonly onFile?: (file: ImageFile) => void;
}

export interface ImageLayer {
  /** Blob digest (for a legacy docker-save archive, the diff ID). */
  readonly digest: string;
  readonly diffId: string;
  /** Compressed size as stored, when known. */
  readonly size: number | undefined;
  readonly mediaType: string;
  /** Found from the first bytes; 'none' for an uncompressed tar. */
  readonly compression: Compression;
  readonly uncompressedSize: number;
  /**
   * Bytes of file contents a worker thread left out of the tar (files outside the keep
   * hint), which this thread never received; 0 for a layer from the cache.
   */
  readonly skippedBytes: number;
  /** The Dockerfile instruction of the history entry that made this layer. */
  readonly createdBy: string | undefined;
  readonly created: string | undefined;
  readonly fromCache: boolean;
}

export interface ImageReadResult {
  /** The image as given, normalised ("docker.io/library/alpine:3.20"). */
  readonly reference: string;
  readonly source: ImageSourceKind;
  /** Manifest digest; for a legacy docker-save archive, the image ID. */
  readonly digest: string;
  readonly mediaType: string | undefined;
  /** Config digest: the image ID. */
  readonly configDigest: string;
  /** The image config: os, architecture, created, config.User/Env/Labels, history, rootfs. */
  readonly config: ImageConfig;
  /** Lowest first. */
  readonly layers: readonly ImageLayer[];
  readonly files: ImageFileSystem;
  readonly cache: {
    readonly hits: number;
    readonly misses: number;
    readonly writeErrors: readonly string[];
  };
}

/** The history entries that made layers, in layer order (config.md: empty_layer entries made none). */
export function layerHistory(
  history: readonly HistoryEntry[] | undefined,
  layerCount: number,
): (HistoryEntry | undefined)[] {
  const made = (history ?? []).filter((entry) => entry.empty_layer !== true);
  // Histories that do not line up with the layers (squashed or hand-made images) name none.
  if (made.length !== layerCount) return Array.from({ length: layerCount }, () => undefined);
  return made;
}

export async function readImage(
  source: ImageSource,
  options: ReadImageOptions,
): Promise<ImageReadResult> {
  const limits = resolveLimits(options.limits);
  const platform =
    options.platform === undefined
      ? parsePlatform(defaultPlatform)
      : typeof options.platform === 'string'
        ? parsePlatform(options.platform)
        : options.platform;
  const resolved = await source.resolve({ platform, limits, signal: options.signal });
  const cache =
    options.cacheDir !== undefined && options.keepId !== undefined
      ? new LayerCache(options.cacheDir)
      : undefined;
  const keepId = options.keepId ?? '';
  // Regular files outside the hint are never kept, so their contents may be left unread.
  const hinted = options.keepHint === undefined ? undefined : compileHint(options.keepHint);
  const keep: KeepPredicate =
    hinted === undefined
      ? options.keep
      : (path, info) =>
          (info.type !== 'file' || hinted(path, info.mode)) && options.keep(path, info);
  const budget: ImageBudget = { uncompressedBytes: 0, keptBytes: 0 };
  const stats = { hits: 0, misses: 0, writeErrors: [] as string[] };
  const controller = new AbortController();
  const signal =
    options.signal === undefined
      ? controller.signal
      : AbortSignal.any([controller.signal, options.signal]);

  const readOne = async (
    layer: LayerBlob,
  ): Promise<{ changes: LayerChanges; fromCache: boolean }> => {
    const what = `${source.reference}: layer ${layer.digest}`;
    // Keyed by the blob digest, which the read verifies: a config's diff IDs are only claims
    // (for legacy docker-save layers the digest is the diff ID, and the read checks it).
    const cached = await cache?.get(layer.digest, keepId);
    if (cached !== undefined) {
      stats.hits++;
      budget.keptBytes += cached.entries.reduce(
        (sum, entry) => sum + (entry.type === 'file' ? entry.content.length : 0),
        0,
      );
      if (budget.keptBytes > limits.maxKeptBytes)
        throw limitExceeded(`${what}: kept files`, 'maxKeptBytes', limits.maxKeptBytes);
      for (const entry of cached.entries)
        if (entry.type === 'file')
          options.onFile?.({
            path: entry.path,
            layer: layer.digest,
            content: entry.content,
            mode: entry.mode,
          });
      return { changes: cached, fromCache: true };
    }
    stats.misses++;
    const threshold = options.workerThreshold ?? workerMinimumBytes;
    const onWorker =
      layer.size !== undefined &&
      layer.size > 0 &&
      layer.size >= threshold &&
      (layer.file !== undefined || layer.openRaw !== undefined);
    // A legacy layer's diff ID is the hash of the whole tar: nothing may be left out of it.
    const elide = layer.checkDiffId === true ? undefined : options.keepHint;
    const inflated = onWorker
      ? await inflateLayerInWorker(layer.file ?? (await rawBlob(layer, signal)), {
          digest: layer.checkDiffId === true ? undefined : layer.digest,
          size: layer.size,
          what,
          signal,
          elide,
          maxTarBytes: limits.maxLayerBytes,
        })
      : undefined;
    const blob = inflated?.stream ?? (await layer.open(signal));
    const changes = await readLayer(blob, {
      keep,
      // Otherwise the stream is the raw blob, which the reader decompresses and counts itself.
      tarBytes: inflated?.gzip === true ? inflated.tarBytes : undefined,
      limits,
      budget,
      what,
      diffId: layer.checkDiffId === true ? layer.diffId : undefined,
      ...(inflated?.gzip === true ? { decompressed: 'gzip' as const } : {}),
      onFile:
        options.onFile === undefined
          ? undefined
          : (entry) =>
              options.onFile?.({
                path: entry.path,
                layer: layer.digest,
                content: entry.content,
                mode: entry.mode,
              }),
      signal,
    });
    if (cache !== undefined) {
      try {
        await cache.put(layer.digest, keepId, changes);
      } catch (error) {
        stats.writeErrors.push(
          `caching ${what} in ${cache.directory}: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
    }
    return { changes, fromCache: false };
  };

  const results = await runLimited(resolved.layers, options.concurrency ?? 3, readOne, controller);
  const history = layerHistory(resolved.config.history, resolved.layers.length);
  const layers = resolved.layers.map((layer, index): ImageLayer => {
    const result = results[index];
    if (result === undefined)
      throw new PalisadeError('internal', `layer ${index} was not read`, { status: 500 });
    return {
      digest: layer.digest,
      diffId: layer.diffId,
      size: layer.size,
      mediaType: layer.mediaType,
      compression: result.changes.compression,
      uncompressedSize: result.changes.uncompressedBytes,
      skippedBytes: result.fromCache ? 0 : (result.changes.skippedBytes ?? 0),
      createdBy: history[index]?.created_by,
      created: history[index]?.created,
      fromCache: result.fromCache,
    };
  });
  const files = flattenLayers(
    resolved.layers.map((layer, index) => ({
      digest: layer.digest,
      changes: results[index]?.changes ?? emptyChanges,
    })),
  );
  return {
    reference: source.reference,
    source: source.kind,
    digest: resolved.digest,
    mediaType: resolved.mediaType,
    configDigest: resolved.configDigest,
    config: resolved.config,
    layers,
    files,
    cache: stats,
  };
}

function rawBlob(layer: LayerBlob, signal: AbortSignal): Promise<Readable> {
  if (layer.openRaw === undefined)
    throw new PalisadeError('internal', `layer ${layer.digest} has no raw reader`, { status: 500 });
  return layer.openRaw(signal);
}

const emptyChanges: LayerChanges = {
  entries: [],
  deleted: [],
  opaque: [],
  replaced: [],
  directories: [],
  entryCount: 0,
  uncompressedBytes: 0,
  compression: 'none',
};

/**
 * Runs `task` over `items`, at most `limit` at once, results in item order. The first failure
 * aborts the rest (through `controller`) and is what the call throws, once all have settled.
 */
async function runLimited<T, R>(
  items: readonly T[],
  limit: number,
  task: (item: T) => Promise<R>,
  controller: AbortController,
): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async (): Promise<void> => {
    while (failure === undefined && next < items.length) {
      const index = next++;
      try {
        results[index] = await task(items[index] as T);
      } catch (error) {
        failure ??= { error };
        controller.abort(error);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  if (failure !== undefined) {
    const { error } = failure;
    throw error instanceof PalisadeError ? error : wrapError('reading image layers', error);
  }
  return results;
}
