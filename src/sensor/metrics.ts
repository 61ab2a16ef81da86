// The Sensor's Prometheus metrics (prom-client), one registry per Sensor so several can run in
// one process (the demo, tests). Served on /metrics by health-server.ts.

import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

export class SensorMetrics {
  readonly registry = new Registry();
  readonly objects: Gauge<'kind'>;
  readonly events: Counter<'kind' | 'type'>;
  readonly relists: Counter<'kind'>;
  readonly watchErrors: Counter<'kind'>;
  readonly centralRequests: Counter<'endpoint' | 'outcome'>;
  readonly centralDuration: Histogram<'endpoint'>;
  readonly queueLength: Gauge;
  readonly resyncs: Counter<'reason'>;
  readonly droppedEvents: Counter;
  readonly enforcements: Counter<'action' | 'outcome'>;

  constructor(processMetrics: boolean) {
    const registers = [this.registry];
    if (processMetrics)
      collectDefaultMetrics({ register: this.registry, prefix: 'palisade_sensor_' });
    this.objects = new Gauge({
      name: 'palisade_sensor_objects',
      help: 'Objects held in the informer caches, by kind',
      labelNames: ['kind'],
      registers,
    });
    this.events = new Counter({
      name: 'palisade_sensor_watch_events_total',
      help: 'Changes seen by the informers, by kind and type (UPSERT, DELETE)',
      labelNames: ['kind', 'type'],
      registers,
    });
    this.relists = new Counter({
      name: 'palisade_sensor_relists_total',
      help: 'Relists after 410 Gone (an expired resourceVersion), by kind',
      labelNames: ['kind'],
      registers,
    });
    this.watchErrors = new Counter({
      name: 'palisade_sensor_watch_errors_total',
      help: 'Failed lists and watches (retried with backoff), by kind',
      labelNames: ['kind'],
      registers,
    });
    this.centralRequests = new Counter({
      name: 'palisade_sensor_central_requests_total',
      help: 'Requests to Central by endpoint and outcome (ok, error)',
      labelNames: ['endpoint', 'outcome'],
      registers,
    });
    this.centralDuration = new Histogram({
      name: 'palisade_sensor_central_request_duration_seconds',
      help: 'Latency of requests to Central (ingest includes detection)',
      labelNames: ['endpoint'],
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
    this.queueLength = new Gauge({
      name: 'palisade_sensor_delta_queue_length',
      help: 'Changes waiting to be sent to Central',
      registers,
    });
    this.resyncs = new Counter({
      name: 'palisade_sensor_resyncs_total',
      help: 'Full snapshots sent to Central, by reason (start, central-error, queue-overflow)',
      labelNames: ['reason'],
      registers,
    });
    this.droppedEvents = new Counter({
      name: 'palisade_sensor_dropped_events_total',
      help: 'Changes not queued because a snapshot will carry them (Central away or queue full)',
      registers,
    });
    this.enforcements = new Counter({
      name: 'palisade_sensor_enforcements_total',
      help: 'Enforcement actions taken, by action and outcome',
      labelNames: ['action', 'outcome'],
      registers,
    });
  }
}
