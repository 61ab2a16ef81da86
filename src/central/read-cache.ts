// Serves repeated reads (dashboards polling the same lists) from memory until the database
// changes. A result is keyed by the request and stamped with the write clock's generation:
// any write — here or, on PostgreSQL, by another replica — makes every entry stale. Identical
// requests that arrive together share one computation. Not for anything per-caller.

import type { WriteClock } from '../store/index.ts';

interface Entry {
  readonly generation: number;
  readonly body: Promise<string>;
}

export class ReadCache {
  readonly #entries = new Map<string, Entry>();

  constructor(
    readonly clock: WriteClock,
    readonly maxEntries = 256,
  ) {}

  /** The JSON of compute()'s result for key, computed at most once per database generation. */
  async json(key: string, compute: () => Promise<unknown>): Promise<string> {
    const generation = this.clock.generation;
    const entry = this.#entries.get(key);
    if (entry !== undefined && entry.generation === generation && this.clock.trusted)
      return entry.body;
    const body = compute().then((value) => JSON.stringify(value));
    if (!this.clock.trusted) return body;
    if (this.#entries.size >= this.maxEntries) this.#entries.clear();
    const mine: Entry = { generation, body };
    this.#entries.set(key, mine);
    const forget = () => {
      if (this.#entries.get(key) === mine) this.#entries.delete(key);
    };
    try {
      return await body;
    } catch (error) {
      forget();
      throw error;
    } finally {
      // A write that landed while computing may or may not be in the result: not reusable.
      if (this.clock.generation !== generation) forget();
    }
  }
}
