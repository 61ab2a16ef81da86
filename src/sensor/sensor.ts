// The Sensor: informers for every watched kind (informer.ts), their changes turned into Central's
// ingest messages (central-sync.ts), enforcement of alerts that ask for it (enforce.ts) and the
// health and metrics endpoints (health-server.ts). One instance watches one cluster for one
// Central cluster id; `palisade sensor` (cli/sensor.ts) and the demo start it.

import { pino, type Logger } from 'pino';
import { CentralClient, type CentralClientOptions } from './central-client.ts';
import { CentralSync, type CentralSyncOptions } from './central-sync.ts';
import { Enforcer, type EnforcementConfig } from './enforce.ts';
import { startHealthServer, type HealthServer } from './health-server.ts';
import { Informer, objectKeyOf, resourceVersionOf, type InformerOptions } from './informer.ts';
import type { KubeClient, KubeObject } from './kube-client.ts';
import { SensorMetrics } from './metrics.ts';
import { discoverResources, type WatchedResource } from './resources.ts';
import { isForwarded } from './sanitize.ts';

export interface SensorOptions {
  readonly kube: KubeClient;
  readonly central: CentralClientOptions;
  readonly sensorVersion: string;
  /** Enforcement allowed on this cluster (off when omitted). */
  readonly enforcement?: EnforcementConfig;
  /** How often pending enforcement is asked for besides after each send (ms). */
  readonly enforcementIntervalMs?: number;
  /** Serve /healthz, /readyz and /metrics here; no server when omitted. */
  readonly listen?: { readonly host: string; readonly port: number };
  readonly logger?: Logger;
  readonly sync?: CentralSyncOptions;
  readonly informer?: InformerOptions;
  /** Node process metrics on /metrics (off when omitted: tests run several Sensors). */
  readonly processMetrics?: boolean;
}

function namespaceOf(object: KubeObject): string {
  const namespace = object.metadata?.['namespace'];
  return typeof namespace === 'string' ? namespace : '';
}

function nameOf(object: KubeObject): string {
  const name = object.metadata?.['name'];
  return typeof name === 'string' ? name : '';
}

export class Sensor {
  readonly metrics: SensorMetrics;
  readonly informers = new Map<string, Informer>();
  readonly sync: CentralSync;
  readonly central: CentralClient;
  private health: HealthServer | undefined;
  private enforcer: Enforcer | undefined;
  private enforcementTimer: NodeJS.Timeout | undefined;
  private enforcing: Promise<void> | undefined;
  private enforceAgain = false;
  private stopped = false;
  private readonly logger: Logger;

  private constructor(private readonly options: SensorOptions) {
    this.logger = options.logger ?? pino({ level: 'silent' });
    this.metrics = new SensorMetrics(options.processMetrics ?? false);
    this.central = new CentralClient(options.central);
    this.sync = new CentralSync(
      this.central,
      { synced: () => this.synced(), snapshot: () => this.snapshotObjects() },
      options.sensorVersion,
      this.metrics,
      this.logger,
      options.sync,
    );
  }

  /** Discovers the watched kinds, starts the informers, the sync and the health server. */
  static async start(options: SensorOptions): Promise<Sensor> {
    const sensor = new Sensor(options);
    try {
      await sensor.begin();
    } catch (error) {
      await sensor.stop();
      throw error;
    }
    return sensor;
  }

  private async begin(): Promise<void> {
    const { kube } = this.options;
    if (this.options.listen !== undefined) {
      this.health = await startHealthServer(this, this.options.listen);
    }
    const resources = await discoverResources(kube);
    const handler = {
      upsert: (resource: WatchedResource, object: KubeObject, previous: KubeObject | undefined) =>
        this.upserted(resource, object, previous),
      remove: (resource: WatchedResource, object: KubeObject) => this.removed(resource, object),
      listed: (resource: WatchedResource, relist: boolean) => {
        if (relist) this.metrics.relists.inc({ kind: resource.kind });
        this.logger.debug({ kind: resource.kind, relist }, 'listed');
      },
      error: (resource: WatchedResource, error: unknown) => {
        this.metrics.watchErrors.inc({ kind: resource.kind });
        this.logger.warn(
          { kind: resource.kind, err: error instanceof Error ? error.message : String(error) },
          'list or watch failed: retrying',
        );
      },
    };
    for (const resource of resources) {
      this.informers.set(
        resource.kind,
        new Informer(kube, resource, handler, {
          ...this.options.informer,
          logger: this.logger,
        }),
      );
    }
    if (this.options.enforcement?.enabled === true) {
      this.enforcer = new Enforcer(kube, this, this.options.enforcement, this.metrics, this.logger);
      this.sync.onSent = () => this.scheduleEnforcement();
      const every = this.options.enforcementIntervalMs ?? 10_000;
      this.enforcementTimer = setInterval(() => this.scheduleEnforcement(), every);
    }
    for (const informer of this.informers.values()) informer.start();
    this.sync.start();
  }

  /** Every informer has finished its first list. */
  synced(): boolean {
    if (this.informers.size === 0) return false;
    for (const informer of this.informers.values()) if (!informer.synced) return false;
    return true;
  }

  /** Ready: the caches are filled and Central took the last message. */
  ready(): boolean {
    return this.synced() && this.sync.connected && !this.sync.resyncNeeded;
  }

  /** Every object Central should hold, from the caches. */
  snapshotObjects(): KubeObject[] {
    const objects: KubeObject[] = [];
    for (const informer of this.informers.values())
      for (const object of informer.cache.values()) if (isForwarded(object)) objects.push(object);
    return objects;
  }

  /** Cached objects of a kind in a namespace (all namespaces when omitted). */
  cached(kind: string, namespace?: string): KubeObject[] {
    const informer = this.informers.get(kind);
    if (informer === undefined) return [];
    const all = [...informer.cache.values()];
    return namespace === undefined ? all : all.filter((o) => namespaceOf(o) === namespace);
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.enforcementTimer !== undefined) clearInterval(this.enforcementTimer);
    await Promise.all([...this.informers.values()].map((i) => i.stop()));
    await this.sync.stop();
    await this.enforcing;
    await this.health?.close();
  }

  get healthUrl(): string | undefined {
    return this.health?.url;
  }

  private upserted(
    resource: WatchedResource,
    object: KubeObject,
    previous: KubeObject | undefined,
  ) {
    this.metrics.events.inc({ kind: resource.kind, type: 'UPSERT' });
    const key = `${resource.kind}/${objectKeyOf(object)}`;
    if (isForwarded(object)) this.sync.enqueue(key, { type: 'UPSERT', object });
    else if (previous !== undefined && isForwarded(previous))
      // Adopted by a controller: no longer a workload of its own.
      this.sync.enqueue(key, this.deleteEvent(resource, previous));
  }

  private removed(resource: WatchedResource, object: KubeObject) {
    this.metrics.events.inc({ kind: resource.kind, type: 'DELETE' });
    if (!isForwarded(object)) return;
    this.sync.enqueue(
      `${resource.kind}/${objectKeyOf(object)}`,
      this.deleteEvent(resource, object),
    );
  }

  private deleteEvent(resource: WatchedResource, object: KubeObject) {
    const resourceVersion = resourceVersionOf(object);
    return {
      type: 'DELETE' as const,
      kind: resource.kind,
      namespace: resource.namespaced ? namespaceOf(object) : '',
      name: nameOf(object),
      ...(resourceVersion === '' ? {} : { resourceVersion }),
    };
  }

  /** One enforcement pass at a time; a request during a pass runs one more after it. */
  private scheduleEnforcement(): void {
    const enforcer = this.enforcer;
    if (enforcer === undefined || this.stopped) return;
    if (this.enforcing !== undefined) {
      this.enforceAgain = true;
      return;
    }
    this.enforcing = enforcer
      .runPending(this.central)
      .then(() => undefined)
      .catch((error: unknown) =>
        this.logger.warn(
          { err: error instanceof Error ? error.message : String(error) },
          'enforcement pass failed',
        ),
      )
      .finally(() => {
        this.enforcing = undefined;
        if (this.enforceAgain) {
          this.enforceAgain = false;
          this.scheduleEnforcement();
        }
      });
  }
}
