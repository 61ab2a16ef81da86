// Early matching: while a scan is still reading layers, each kept package file (a dpkg status,
// a package.json) is analysed on its own, its packages' advisories are loaded and the packages
// matched, so the work after the last layer is mostly reuse. It is speculation only: the final
// analysis of the flattened file system decides what the image holds, and the memo answers
// only for components that come out exactly the same.

import type { Component } from '../model/index.ts';
import { advisoryQueries, matchComponentSorted, unmatched } from '../vuln/index.ts';
import type { AdvisorySource, MatchMemo } from '../vuln/index.ts';
import type { Analyzer, ImageFile } from './analyzers/types.ts';

export interface EarlyBatching {
  /**
   * Pending package files, or bytes of them, that make a batch worth a database round trip at
   * once (a dpkg status of a few hundred packages is one file).
   */
  readonly files: number;
  readonly bytes: number;
  /**
   * How long a smaller batch waits for more. Timers can wait much longer while a worker
   * streams a layer (a message port delivers up to 1,000 messages per turn of the event loop),
   * which is why full batches do not use one.
   */
  readonly delayMs: number;
}

const defaultBatching: EarlyBatching = { files: 1000, bytes: 128 * 1024, delayMs: 10 };

export class EarlyMatcher {
  readonly memo: MatchMemo = new Map();
  /** OS release files seen so far: the package analysers read the ecosystem from them. */
  private readonly context = new Map<string, ImageFile>();
  /** Package files not analysed yet, by path (a later layer's file replaces an earlier one). */
  private files = new Map<string, ImageFile>();
  private pendingBytes = 0;
  private readonly early: readonly Analyzer[];
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly source: AdvisorySource,
    private readonly analyzers: readonly Analyzer[],
    private readonly batching: EarlyBatching = defaultBatching,
  ) {
    this.early = analyzers.filter((analyzer) => analyzer.early === 'packages');
  }

  /** A kept regular file, as soon as a layer has it whole. */
  offer(file: ImageFile): void {
    if (this.stopped) return;
    const info = { size: file.content.length, mode: file.mode };
    for (const analyzer of this.analyzers) {
      if (analyzer.early === undefined || !analyzer.wants(file.path, info)) continue;
      if (analyzer.early === 'context') this.context.set(file.path, file);
      else {
        this.files.set(file.path, file);
        this.pendingBytes += file.content.length;
      }
    }
    this.schedule();
  }

  /** Resolves once every file offered so far has been looked up and matched. */
  async idle(): Promise<void> {
    while (this.running !== undefined || this.timer !== undefined)
      await (this.running ?? new Promise((resolve) => setTimeout(resolve, this.batching.delayMs)));
  }

  /** Stops the speculation and waits for the slice in flight. */
  async settle(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.files = new Map();
    this.pendingBytes = 0;
    await this.running;
  }

  private schedule(): void {
    if (this.stopped || this.running !== undefined || this.files.size === 0) return;
    const { files, bytes, delayMs } = this.batching;
    if (this.files.size >= files || this.pendingBytes >= bytes) {
      clearTimeout(this.timer);
      this.timer = undefined;
      this.start();
    } else this.timer ??= setTimeout(() => this.start(), delayMs);
  }

  private start(): void {
    this.timer = undefined;
    if (this.running !== undefined) return;
    this.running = this.flush().finally(() => {
      this.running = undefined;
      this.schedule();
    });
  }

  /**
   * Analyses the pending files together, then, slice by slice, loads the advisories of the
   * packages the memo lacks, matches them into it and lets the advisories go.
   */
  private async flush(): Promise<void> {
    const files = new Map([...this.context, ...this.files]);
    this.files = new Map();
    this.pendingBytes = 0;
    // Off the caller's stack: offer() runs inside the tar parser.
    await yieldToEventLoop();
    try {
      const found: Component[] = [];
      for (const analyzer of this.early) {
        const result = await analyzer.analyze({ files });
        found.push(...result.components);
      }
      // A package file rewritten by a later layer mostly lists the same packages again.
      const components = unmatched(found, this.memo);
      // In slices, with the event loop let in between: a database in this thread (PGlite)
      // blocks it, and layer data waiting meanwhile holds up the worker threads.
      // settle() stops the rest: the final match does what is still needed.
      for (let at = 0; at < components.length && !this.stopped; at += sliceSize) {
        const slice = components.slice(at, at + sliceSize);
        const queries = advisoryQueries(slice);
        await this.source.prefetch?.(queries);
        for (const component of slice) matchComponentSorted(this.source, component, this.memo);
        // The memo holds what matched; the final match loads only what it lacks, so the
        // slice's advisories can go (kept to the end, they cost the collector ~50 MB of copying
        // per bench scan).
        this.source.release?.(queries);
        await yieldToEventLoop();
      }
    } catch {
      // The final analysis and match report what failed here; speculation just stops.
      this.stopped = true;
    }
  }
}

/** Packages loaded or matched between two turns of the event loop. */
const sliceSize = 400;

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
