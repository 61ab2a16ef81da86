// The in-memory object store behind the simulated API server: one global, monotonically
// increasing resourceVersion (as etcd's revision), a bounded window of past events for watches
// and consistent paginated lists, and synchronous delivery to watchers. It knows nothing of HTTP
// or of what a write means; server.ts decides that.

import { apiError } from './api-status.ts';
import type { JsonObject } from './json-value.ts';
import type { ResourceDefinition } from './resources.ts';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface StoreEvent {
  readonly resourceVersion: number;
  readonly type: WatchEventType;
  readonly definition: ResourceDefinition;
  readonly key: string;
  /** The object after the change; for DELETED, its last state stamped with the delete's version. */
  readonly object: JsonObject;
  /** The object before the change (undefined for ADDED). */
  readonly previous: JsonObject | undefined;
}

export type StoreListener = (event: StoreEvent) => void;

/** The key objects sort by, as etcd keys do: "namespace/name", or "name" when cluster-scoped. */
export function objectKey(namespace: string, name: string): string {
  return namespace === '' ? name : `${namespace}/${name}`;
}

export class ObjectStore {
  private revision = 0;
  /** Events with a resourceVersion above this one are all still in the log. */
  private compacted = 0;
  private readonly tables = new Map<ResourceDefinition, Map<string, JsonObject>>();
  private readonly log: StoreEvent[] = [];
  private readonly listeners = new Set<StoreListener>();

  /** @param eventWindow how many past events are kept for watches and list snapshots. */
  constructor(private readonly eventWindow: number) {
    if (!Number.isInteger(eventWindow) || eventWindow < 1)
      throw new RangeError(`eventWindow must be a positive integer, got ${eventWindow}`);
  }

  get resourceVersion(): number {
    return this.revision;
  }

  /** The oldest resourceVersion a watch may start from without 410 Gone. */
  get oldestResourceVersion(): number {
    return this.compacted;
  }

  get(definition: ResourceDefinition, key: string): JsonObject | undefined {
    return this.tables.get(definition)?.get(key);
  }

  /** Objects sorted by key, optionally within one namespace; as of `atRevision` when given. */
  list(
    definition: ResourceDefinition,
    namespace: string | undefined,
    atRevision?: number,
  ): JsonObject[] {
    const table =
      atRevision === undefined ? this.tableOf(definition) : this.snapshot(definition, atRevision);
    const prefix = namespace === undefined || namespace === '' ? undefined : `${namespace}/`;
    return [...table.entries()]
      .filter(([key]) => prefix === undefined || key.startsWith(prefix))
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([, object]) => object);
  }

  create(definition: ResourceDefinition, key: string, object: JsonObject): JsonObject {
    return this.write('ADDED', definition, key, object, undefined);
  }

  update(definition: ResourceDefinition, key: string, object: JsonObject): JsonObject {
    const previous = this.get(definition, key);
    if (previous === undefined) throw new Error(`updating ${key}: not stored`);
    return this.write('MODIFIED', definition, key, object, previous);
  }

  delete(definition: ResourceDefinition, key: string): JsonObject {
    const previous = this.get(definition, key);
    if (previous === undefined) throw new Error(`deleting ${key}: not stored`);
    return this.write('DELETED', definition, key, previous, previous);
  }

  /** Events after `resourceVersion`, or 410 Expired when some of them are no longer kept. */
  eventsSince(resourceVersion: number): StoreEvent[] {
    if (resourceVersion < this.compacted)
      throw apiError(
        'Expired',
        `too old resource version: ${resourceVersion} (${this.compacted + 1})`,
      );
    const firstIndex = this.log.findIndex((event) => event.resourceVersion > resourceVersion);
    return firstIndex < 0 ? [] : this.log.slice(firstIndex);
  }

  subscribe(listener: StoreListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private tableOf(definition: ResourceDefinition): Map<string, JsonObject> {
    let table = this.tables.get(definition);
    if (table === undefined) {
      table = new Map();
      this.tables.set(definition, table);
    }
    return table;
  }

  /** The table as it was at `revision`, rebuilt by undoing later events. */
  private snapshot(definition: ResourceDefinition, revision: number): Map<string, JsonObject> {
    if (revision >= this.revision) return this.tableOf(definition);
    const events = this.eventsSince(revision);
    const table = new Map(this.tableOf(definition));
    for (let i = events.length - 1; i >= 0; i--) {
      const event = events[i];
      if (event?.definition !== definition) continue;
      if (event.previous === undefined) table.delete(event.key);
      else table.set(event.key, event.previous);
    }
    return table;
  }

  private write(
    type: WatchEventType,
    definition: ResourceDefinition,
    key: string,
    object: JsonObject,
    previous: JsonObject | undefined,
  ): JsonObject {
    this.revision++;
    const metadata = {
      ...(object['metadata'] as JsonObject | undefined),
      resourceVersion: String(this.revision),
    };
    const stamped: JsonObject = { ...object, metadata };
    const table = this.tableOf(definition);
    if (type === 'DELETED') table.delete(key);
    else table.set(key, stamped);
    const event: StoreEvent = {
      resourceVersion: this.revision,
      type,
      definition,
      key,
      object: stamped,
      previous,
    };
    this.log.push(event);
    while (this.log.length > this.eventWindow) {
      const dropped = this.log.shift();
      if (dropped !== undefined) this.compacted = dropped.resourceVersion;
    }
    for (const listener of [...this.listeners]) listener(event);
    return stamped;
  }
}
