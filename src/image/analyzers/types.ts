// The package analyser interface (the "analysers" stage of shared/STYLE.md's Trivy pipeline).
// The layer reader (image/) asks every analyser which files to keep, flattens the layers and
// hands the kept files over; an analyser turns them into an OS release, components and
// findings. Analysers do no I/O of their own and never throw on bad input.

import type { Component, ImageFinding, OsRelease } from '../../model/index.ts';
import type { FileHint } from '../file-hints.js';

export type { FileHint };

/** One regular file of the flattened image file system. */
export interface ImageFile {
  /** Absolute path, e.g. /var/lib/dpkg/status. */
  readonly path: string;
  /** Digest of the layer that last wrote it. */
  readonly layer: string;
  readonly content: Buffer;
  readonly mode: number;
}

export interface AnalyzerInput {
  /** Kept files by absolute path. */
  readonly files: ReadonlyMap<string, ImageFile>;
}

export interface FileInfo {
  readonly size: number;
  readonly mode: number;
}

export interface AnalyzerResult {
  readonly os?: OsRelease;
  readonly components: readonly Component[];
  readonly findings: readonly ImageFinding[];
}

export interface Analyzer {
  /** Stable kebab-case id, also the `analyzer` of its findings. */
  readonly id: string;
  /**
   * The files this analyser could want, whatever their size, as data (file-hints.js): no
   * file outside it is kept, and the threads that decompress layers skip the contents of
   * files outside every analyser's hint. `wants` decides within it.
   */
  readonly files: FileHint;
  /** Whether the layer reader should keep this file (called for regular files the hint matches). */
  wants(path: string, info: FileInfo): boolean;
  /**
   * Whether the scanner may run this analyser on single files while layers are still being
   * read, to look their packages up early: 'packages' when one file (with the OS release files)
   * names its packages cheaply; 'context' for the OS release files others read. Unset: the
   * analyser runs only on the finished file system (archives, executables, databases in WASM).
   */
  readonly early?: 'packages' | 'context';
  /** May be async (rpm loads SQLite as WebAssembly); never rejects on bad input. */
  analyze(input: AnalyzerInput): AnalyzerResult | Promise<AnalyzerResult>;
}
