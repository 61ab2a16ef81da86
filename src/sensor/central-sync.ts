// Keeps Central's picture of the cluster equal to the informers' caches: a snapshot first, then
// deltas in batches (one per batch window, latest change per object). Any failed send, and a
// queue that outgrows its bound, collapse to "resync needed": the queue is dropped and the next
// successful contact is a fresh snapshot, which Central applies with pruning. So memory stays
// bounded while Central is away and nothing is lost or left stale when it returns.

import type { Logger } from 'pino';
import type { CentralClient, DeltaEvent } from './central-client.ts';
import { backoffDelay, sleep } from './informer.ts';
import type { SensorMetrics } from './metrics.ts';

export interface CentralSyncOptions {
  /** How long changes gather before a delta message is sent. */
  readonly batchWindowMs?: number;
  /** Most events per delta message. */
  readonly maxBatch?: number;
  /** Most distinct pending changes; beyond it the queue collapses to a resync. */
  readonly maxQueue?: number;
  readonly minBackoffMs?: number;
  readonly maxBackoffMs?: number;
  /** A heartbeat after this long without any other contact. */
  readonly heartbeatMs?: number;
}

export interface CentralSyncSource {
  /** True once every informer finished its first list. */
  synced(): boolean;
  /** Every object Central should hold, now. */
  snapshot(): unknown[];
}

type ResyncReason = 'start' | 'central-error' | 'queue-overflow';

export class CentralSync {
  private readonly queue = new Map<string, DeltaEvent>();
  private resync: ResyncReason | null = 'start';
  private wake: (() => void) | undefined;
  private flushTimer: NodeJS.Timeout | undefined;
  private readonly controller = new AbortController();
  private running: Promise<void> | undefined;
  private failures = 0;
  private lastContact = 0;
  /** True after a successful send, false after a failed one. */
  connected = false;
  snapshots = 0;
  deltaMessages = 0;
  /** Called after every successful send (the enforcement check hooks in here). */
  onSent: (() => void) | undefined;

  constructor(
    private readonly client: CentralClient,
    private readonly source: CentralSyncSource,
    private readonly sensorVersion: string,
    private readonly metrics: SensorMetrics,
    private readonly logger: Logger,
    private readonly options: CentralSyncOptions = {},
  ) {}

  get resyncNeeded(): boolean {
    return this.resync !== null;
  }

  get queued(): number {
    return this.queue.size;
  }

  /** Queues one change; the latest change of an object replaces an earlier unsent one. */
  enqueue(key: string, event: DeltaEvent): void {
    if (this.resync !== null) {
      // The next snapshot carries this change.
      this.metrics.droppedEvents.inc();
      return;
    }
    this.queue.delete(key);
    this.queue.set(key, event);
    if (this.queue.size > (this.options.maxQueue ?? 50_000)) {
      this.logger.warn({ queued: this.queue.size }, 'delta queue full: resyncing with a snapshot');
      this.collapse('queue-overflow');
      this.kick();
      return;
    }
    this.metrics.queueLength.set(this.queue.size);
    if (this.queue.size >= (this.options.maxBatch ?? 2000)) this.kick();
    else this.flushTimer ??= setTimeout(() => this.kick(), this.options.batchWindowMs ?? 150);
  }

  /** Asks for a fresh snapshot (e.g. when an informer could not account for a gap). */
  requestResync(reason: ResyncReason): void {
    this.collapse(reason);
    this.kick();
  }

  kick(): void {
    if (this.flushTimer !== undefined) {
      clearTimeout(this.flushTimer);
      this.flushTimer = undefined;
    }
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  start(): void {
    this.running ??= this.run();
  }

  async stop(): Promise<void> {
    this.controller.abort();
    this.kick();
    await this.running;
    if (this.flushTimer !== undefined) clearTimeout(this.flushTimer);
  }

  private collapse(reason: ResyncReason): void {
    if (this.resync === null) this.resync = reason;
    this.queue.clear();
    this.metrics.queueLength.set(0);
  }

  private waitForWork(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.wake = undefined;
        resolve();
      }, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  private async run(): Promise<void> {
    const signal = this.controller.signal;
    const heartbeatMs = this.options.heartbeatMs ?? 15_000;
    while (!signal.aborted) {
      const ready = this.source.synced();
      const work =
        ready && (this.resync !== null || (this.queue.size > 0 && this.flushTimer === undefined));
      if (!work) {
        if (ready && Date.now() - this.lastContact >= heartbeatMs) await this.heartbeat();
        if (!signal.aborted) await this.waitForWork(ready ? heartbeatMs : 100);
        continue;
      }
      try {
        if (this.resync !== null) await this.sendSnapshot();
        else await this.sendDeltas();
        this.failures = 0;
        this.connected = true;
        this.lastContact = Date.now();
        this.onSent?.();
      } catch (error) {
        if (signal.aborted) break;
        this.failures++;
        this.connected = false;
        this.collapse('central-error');
        const delay = backoffDelay(
          this.failures,
          this.options.minBackoffMs ?? 500,
          this.options.maxBackoffMs ?? 30_000,
        );
        this.logger.warn(
          { err: error instanceof Error ? error.message : String(error), retryInMs: delay },
          'sending to Central failed: will resync with a snapshot',
        );
        // A plain sleep: new changes while backing off must not shorten the backoff.
        await sleep(delay, signal);
      }
    }
  }

  private async sendSnapshot(): Promise<void> {
    const reason = this.resync ?? 'start';
    // Built and the queue cleared in one synchronous step: changes after this are queued.
    const objects = this.source.snapshot();
    this.resync = null;
    this.queue.clear();
    this.metrics.queueLength.set(0);
    const started = process.hrtime.bigint();
    try {
      await this.client.snapshot({ objects, sensorVersion: this.sensorVersion });
      this.metrics.centralRequests.inc({ endpoint: 'snapshot', outcome: 'ok' });
      this.metrics.resyncs.inc({ reason });
      this.snapshots++;
      this.logger.info({ objects: objects.length, reason }, 'snapshot sent to Central');
    } catch (error) {
      this.metrics.centralRequests.inc({ endpoint: 'snapshot', outcome: 'error' });
      this.resync = reason;
      throw error;
    } finally {
      this.metrics.centralDuration.observe(
        { endpoint: 'snapshot' },
        Number(process.hrtime.bigint() - started) / 1e9,
      );
    }
  }

  private async sendDeltas(): Promise<void> {
    const max = this.options.maxBatch ?? 2000;
    const events: DeltaEvent[] = [];
    for (const [key, event] of this.queue) {
      events.push(event);
      this.queue.delete(key);
      if (events.length >= max) break;
    }
    this.metrics.queueLength.set(this.queue.size);
    if (events.length === 0) return;
    const started = process.hrtime.bigint();
    try {
      await this.client.deltas({ events, sensorVersion: this.sensorVersion });
      this.metrics.centralRequests.inc({ endpoint: 'deltas', outcome: 'ok' });
      this.deltaMessages++;
    } catch (error) {
      this.metrics.centralRequests.inc({ endpoint: 'deltas', outcome: 'error' });
      throw error;
    } finally {
      this.metrics.centralDuration.observe(
        { endpoint: 'deltas' },
        Number(process.hrtime.bigint() - started) / 1e9,
      );
    }
    // More gathered while this batch was in flight: send on without another window.
    if (this.queue.size > 0 && this.flushTimer === undefined) this.kick();
  }

  private async heartbeat(): Promise<void> {
    try {
      await this.client.heartbeat(this.sensorVersion);
      this.metrics.centralRequests.inc({ endpoint: 'heartbeat', outcome: 'ok' });
      if (!this.connected) {
        // Central is back after a failure we had not yet acted on: resync to be sure.
        this.collapse('central-error');
      }
      this.connected = true;
    } catch (error) {
      this.metrics.centralRequests.inc({ endpoint: 'heartbeat', outcome: 'error' });
      this.connected = false;
      this.logger.warn(
        { err: error instanceof Error ? error.message : String(error) },
        'heartbeat to Central failed',
      );
    }
    this.lastContact = Date.now();
  }
}
