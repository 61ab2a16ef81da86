// A list+watch informer for one resource, as client-go's reflector does it: a paginated list
// gives the current set and a resourceVersion, a watch from that version (with bookmarks) keeps
// the cache current, 410 Gone or an expired continue token relists and reports the difference,
// and any other failure retries with bounded exponential backoff. Objects are sanitised on
// arrival (sanitize.ts). It reports changes; what to do with them is the Sensor's business.

import type { Logger } from 'pino';
import { KubeApiError, type KubeClient, type KubeList, type KubeObject } from './kube-client.ts';
import { apiVersionOf, collectionPath, type WatchedResource } from './resources.ts';
import { sanitizeObject } from './sanitize.ts';

export interface InformerHandler {
  upsert(resource: WatchedResource, object: KubeObject, previous: KubeObject | undefined): void;
  remove(resource: WatchedResource, object: KubeObject): void;
  /** A list (the first, or a relist after 410) completed; its differences were reported. */
  listed(resource: WatchedResource, relist: boolean): void;
  error(resource: WatchedResource, error: unknown): void;
}

export interface InformerOptions {
  /** Objects per list page (limit/continue). */
  readonly pageSize?: number;
  /** A watch with no line (not even a bookmark) for this long is restarted. */
  readonly idleMs?: number;
  readonly minBackoffMs?: number;
  readonly maxBackoffMs?: number;
  readonly logger?: Logger;
  /** Keep config map values (cluster scan); the Sensor redacts them (sanitize.ts). */
  readonly keepConfigMapValues?: boolean;
}

export function objectKeyOf(object: KubeObject): string {
  const metadata = object.metadata ?? {};
  const namespace = typeof metadata['namespace'] === 'string' ? metadata['namespace'] : '';
  const name = typeof metadata['name'] === 'string' ? metadata['name'] : '';
  return `${namespace}/${name}`;
}

export function resourceVersionOf(object: KubeObject): string {
  const rv = object.metadata?.['resourceVersion'];
  return typeof rv === 'string' ? rv : '';
}

class GoneError extends Error {}

function isGone(error: unknown): boolean {
  return error instanceof GoneError || (error instanceof KubeApiError && error.statusCode === 410);
}

/** Bounded exponential backoff with jitter: min·2^n, capped, ±20 %. */
export function backoffDelay(failures: number, minMs: number, maxMs: number): number {
  const base = Math.min(maxMs, minMs * 2 ** Math.max(0, failures - 1));
  return Math.round(base * (0.8 + Math.random() * 0.4));
}

export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

export class Informer {
  /** The current objects by "namespace/name", sanitised. */
  readonly cache = new Map<string, KubeObject>();
  resourceVersion = '';
  synced = false;
  relists = 0;
  private readonly controller = new AbortController();
  private running: Promise<void> | undefined;
  private readonly apiVersion: string;
  private readonly sanitizeOptions: { keepConfigMapValues: boolean };

  constructor(
    private readonly client: KubeClient,
    readonly resource: WatchedResource,
    private readonly handler: InformerHandler,
    private readonly options: InformerOptions = {},
  ) {
    this.apiVersion = apiVersionOf(resource);
    this.sanitizeOptions = { keepConfigMapValues: options.keepConfigMapValues ?? false };
  }

  start(): void {
    this.running ??= this.run();
  }

  /** The list phase alone (`palisade cluster scan`): fills the cache once, no watch. */
  async listOnce(): Promise<void> {
    await this.list(this.controller.signal);
  }

  async stop(): Promise<void> {
    this.controller.abort();
    await this.running;
  }

  private async run(): Promise<void> {
    const signal = this.controller.signal;
    let failures = 0;
    while (!signal.aborted) {
      try {
        if (this.resourceVersion === '') await this.list(signal);
        await this.watch(signal);
        failures = 0;
      } catch (error) {
        if (signal.aborted) break;
        if (isGone(error)) {
          // The version we hold is older than the server keeps: relist, report differences.
          this.options.logger?.info(
            { kind: this.resource.kind },
            'resourceVersion expired: relisting',
          );
          this.resourceVersion = '';
          continue;
        }
        failures++;
        this.handler.error(this.resource, error);
        await sleep(
          backoffDelay(
            failures,
            this.options.minBackoffMs ?? 250,
            this.options.maxBackoffMs ?? 30_000,
          ),
          signal,
        );
      }
    }
  }

  /** A paginated list; replaces the cache and reports what changed since the last one. */
  private async list(signal: AbortSignal): Promise<void> {
    const pageSize = this.options.pageSize ?? 500;
    const items = new Map<string, KubeObject>();
    let continueToken = '';
    let listVersion = '';
    for (;;) {
      const query = new URLSearchParams({ limit: String(pageSize) });
      if (continueToken !== '') query.set('continue', continueToken);
      let page: KubeList;
      try {
        // Items are sanitised as they arrive: the raw page is never held beside the cache.
        page = await this.client.list(
          `${collectionPath(this.resource)}?${query.toString()}`,
          (raw) => {
            const object = sanitizeObject(
              raw,
              this.resource.kind,
              this.apiVersion,
              this.sanitizeOptions,
            );
            items.set(objectKeyOf(object), object);
          },
          { signal, timeoutMs: 120_000 },
        );
      } catch (error) {
        if (continueToken !== '' && isGone(error)) {
          // The continue token expired mid-list: start the list again from the top.
          items.clear();
          continueToken = '';
          continue;
        }
        throw error;
      }
      listVersion = page.metadata?.resourceVersion ?? listVersion;
      continueToken = page.metadata?.continue ?? '';
      if (continueToken === '') break;
    }
    const relist = this.synced;
    for (const [key, object] of items) {
      const previous = this.cache.get(key);
      this.cache.set(key, object);
      if (previous === undefined || resourceVersionOf(previous) !== resourceVersionOf(object))
        this.handler.upsert(this.resource, object, previous);
    }
    for (const [key, object] of [...this.cache]) {
      if (items.has(key)) continue;
      this.cache.delete(key);
      this.handler.remove(this.resource, object);
    }
    this.resourceVersion = listVersion;
    if (relist) this.relists++;
    this.synced = true;
    this.handler.listed(this.resource, relist);
  }

  private async watch(signal: AbortSignal): Promise<void> {
    // Server-side timeout spread like client-go's (5–10 min) so watches do not end together.
    const timeoutSeconds = 300 + Math.floor(Math.random() * 300);
    const query = new URLSearchParams({
      watch: '1',
      allowWatchBookmarks: 'true',
      resourceVersion: this.resourceVersion,
      timeoutSeconds: String(timeoutSeconds),
    });
    await this.client.watch(
      `${collectionPath(this.resource)}?${query.toString()}`,
      (event) => this.apply(event.type, event.object),
      { signal, idleMs: this.options.idleMs ?? (timeoutSeconds + 60) * 1000 },
    );
  }

  private apply(type: string, raw: KubeObject): void {
    switch (type) {
      case 'ADDED':
      case 'MODIFIED': {
        const object = sanitizeObject(
          raw,
          this.resource.kind,
          this.apiVersion,
          this.sanitizeOptions,
        );
        const key = objectKeyOf(object);
        const previous = this.cache.get(key);
        this.cache.set(key, object);
        this.resourceVersion = resourceVersionOf(object) || this.resourceVersion;
        this.handler.upsert(this.resource, object, previous);
        return;
      }
      case 'DELETED': {
        const object = sanitizeObject(
          raw,
          this.resource.kind,
          this.apiVersion,
          this.sanitizeOptions,
        );
        const key = objectKeyOf(object);
        this.cache.delete(key);
        this.resourceVersion = resourceVersionOf(object) || this.resourceVersion;
        this.handler.remove(this.resource, object);
        return;
      }
      case 'BOOKMARK':
        this.resourceVersion = resourceVersionOf(raw) || this.resourceVersion;
        return;
      case 'ERROR': {
        const status = raw as { code?: unknown; message?: unknown; reason?: unknown };
        const message = typeof status.message === 'string' ? status.message : 'error event';
        if (status.code === 410) throw new GoneError(message);
        throw new KubeApiError(
          typeof status.code === 'number' ? status.code : 500,
          typeof status.reason === 'string' ? status.reason : '',
          `watch ${this.resource.resource}: ${message}`,
        );
      }
      default:
        return;
    }
  }
}
