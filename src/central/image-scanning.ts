// Central's image scanning: a worker loop that takes jobs from the shared queue (store/
// image-scan-jobs.ts, FOR UPDATE SKIP LOCKED, so replicas share it), scans the image with
// image/, matches it against the OSV records in Central's own database, stores the result per
// digest and re-runs detection for the clusters using the image. When the vulnerability
// database changes, stored scans are matched again from their components (no new pull).
// Queuing the images happens in detection (image-scanning-inputs.ts).

import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { mergeAliasedVulnerabilities, scanImage } from '../image/index.ts';
import type { DockerAuthConfig } from '../image/index.ts';
import { parseImageRef } from '../k8s/index.ts';
import { PalisadeError } from '../model/index.ts';
import { fetchAndMatchPackages, openVulnDb } from '../vuln/index.ts';
import type { VulnDb } from '../vuln/index.ts';
import type { Database } from '../store/index.ts';
import {
  claimImageScanJob,
  clustersUsingCve,
  clustersUsingImage,
  completeImageScanJob,
  exceptionsExpiredSince,
  failImageScanJob,
  getImageScan,
  imageScanDigests,
  imageScansMatchedBefore,
  osvRecordStore,
  readOsvStatus,
  saveImageRematch,
  saveImageScan,
} from '../store/index.ts';
import type { ImageScanJob } from '../store/index.ts';
import { detectCluster } from './detect.ts';
import { onImageScansQueued } from './image-scanning-inputs.ts';
import { enabledPolicies } from './routes/inventory.ts';

export interface ImageScanningOptions {
  /** How long an idle worker waits before looking for jobs again (ms); default 2000. */
  readonly pollIntervalMs?: number;
  /** When a reference without a digest is scanned again, since its tag can move; default 24 h. */
  readonly rescanAfterMs?: number;
  /** A running job not finished after this long is taken over (its replica died); default 15 min. */
  readonly staleAfterMs?: number;
  /** One scan's time limit; default 10 min. */
  readonly jobTimeoutMs?: number;
  /** Layer cache directory; nothing cached without it. */
  readonly cacheDir?: string;
  readonly credentials?: DockerAuthConfig;
  /** Allow plain HTTP to registries that are not on loopback. */
  readonly insecure?: boolean;
}

const minute = 60_000;

/**
 * Says whether a failed scan is worth a warning: the first failure from each registry in a
 * window is; the rest of that window are logged at debug. A registry that is unreachable (an
 * air-gapped demo, a registry down) fails every image it serves, and one line says so.
 */
export class FailureLogThrottle {
  private readonly warnedAt = new Map<string, number>();

  constructor(private readonly windowMs = 10 * minute) {}

  /** True when this failure of `registry` at `now` should be a warning. */
  shouldWarn(registry: string, now: number): boolean {
    const last = this.warnedAt.get(registry);
    if (last !== undefined && now - last < this.windowMs) return false;
    this.warnedAt.set(registry, now);
    return true;
  }
}

/** Backoff after a failed attempt: 1, 2, 4 … minutes, at most 6 hours. */
function retryDelay(attempts: number): number {
  return Math.min(minute * 2 ** Math.max(0, attempts - 1), 360 * minute);
}

/** The matcher over the OSV records in Central's database; undefined when none were imported. */
export async function openCentralVulnDb(db: Database): Promise<VulnDb | undefined> {
  try {
    return await openVulnDb(osvRecordStore(db, 'Central database'));
  } catch (error) {
    if (error instanceof PalisadeError && error.code === 'vulndb-missing') return undefined;
    throw error;
  }
}

/** Re-runs detection with the enabled policies for these clusters. */
export async function redetect(db: Database, clusterIds: Iterable<string>): Promise<void> {
  const ids = [...new Set(clusterIds)];
  if (ids.length === 0) return;
  const policies = await enabledPolicies(db);
  for (const id of ids) await detectCluster(db, id, policies);
}

export interface RematchResult {
  readonly images: number;
  readonly matched: boolean;
}

/**
 * Matches stored scans again against the current vulnerability database (from their stored
 * components) and re-runs detection where results are used. `all`: every scan; otherwise only
 * scans matched before the database's last import. Call it after `vulndb update`/`import`.
 */
export async function rematchImageScans(
  db: Database,
  options: { readonly all?: boolean; readonly batch?: number } = {},
): Promise<RematchResult> {
  const vulnDb = await openCentralVulnDb(db);
  if (vulnDb === undefined) return { images: 0, matched: false };
  const batch = options.batch ?? 50;
  const clusters = new Set<string>();
  let images = 0;
  try {
    const lastImport = vulnDb.status().lastImport ?? new Date(0).toISOString();
    let after = '';
    for (;;) {
      const digests =
        options.all === true
          ? await imageScanDigests(db, after, batch)
          : await imageScansMatchedBefore(db, lastImport, batch);
      if (digests.length === 0) break;
      for (const digest of digests) {
        const scan = await getImageScan(db, digest);
        if (scan === null) continue;
        const vulnerabilities = mergeAliasedVulnerabilities(
          await fetchAndMatchPackages(vulnDb, scan.components),
        );
        // Matched "now" but never before the import it used, so it is not picked again.
        const matchedAt = new Date(Math.max(Date.now(), Date.parse(lastImport))).toISOString();
        await saveImageRematch(db, digest, vulnerabilities, matchedAt);
        for (const id of await clustersUsingImage(db, digest)) clusters.add(id);
        images++;
      }
      after = digests[digests.length - 1] ?? after;
      if (digests.length < batch) break;
    }
  } finally {
    await vulnDb.close();
  }
  await redetect(db, clusters);
  return { images, matched: true };
}

/**
 * One Central process's scan worker: claims one job at a time (replicas each run one), and
 * looks for newly imported vulnerability data between jobs.
 */
export class ImageScanWorker {
  readonly id = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  private readonly db: Database;
  private readonly logger: Logger;
  private readonly options: ImageScanningOptions;
  private readonly abort = new AbortController();
  private loop: Promise<void> | undefined;
  private wakeUp: (() => void) | undefined;
  private unsubscribe: (() => void) | undefined;
  private lastImportSeen: string | undefined;
  private expiriesCheckedAt = new Date().toISOString();
  private readonly failureLogs = new FailureLogThrottle();

  constructor(db: Database, logger: Logger, options: ImageScanningOptions = {}) {
    this.db = db;
    this.logger = logger;
    this.options = options;
  }

  start(): void {
    if (this.loop !== undefined) return;
    this.unsubscribe = onImageScansQueued(this.db, () => this.wake());
    this.loop = this.run();
  }

  /** Stops taking jobs, aborts the scan in progress (its job is queued again) and waits. */
  async stop(): Promise<void> {
    this.abort.abort();
    this.unsubscribe?.();
    this.wake();
    await this.loop;
  }

  wake(): void {
    this.wakeUp?.();
  }

  private get stopped(): boolean {
    return this.abort.signal.aborted;
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      let ran = false;
      try {
        await this.rematchIfDatabaseChanged();
        await this.redetectExpiredExceptions();
        ran = await this.runOnce();
      } catch (error) {
        if (this.stopped) break;
        this.logger.error({ err: error }, 'image scan worker step failed');
      }
      if (!ran && !this.stopped) await this.idle(this.options.pollIntervalMs ?? 2000);
    }
  }

  private idle(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wakeUp = done;
    });
  }

  private async rematchIfDatabaseChanged(): Promise<void> {
    const status = await readOsvStatus(this.db);
    if (status === undefined || status.lastImport === this.lastImportSeen) return;
    const result = await rematchImageScans(this.db);
    this.lastImportSeen = status.lastImport;
    if (result.images > 0)
      this.logger.info(
        { images: result.images },
        'image scans matched against the updated database',
      );
  }

  /** An exception that expired lets its CVE match policies again: detect where it is used. */
  private async redetectExpiredExceptions(): Promise<void> {
    const now = new Date().toISOString();
    const expired = await exceptionsExpiredSince(this.db, this.expiriesCheckedAt);
    this.expiriesCheckedAt = now;
    const clusters = new Set<string>();
    for (const e of expired)
      for (const id of await clustersUsingCve(this.db, e.cve, e.digest)) clusters.add(id);
    await redetect(this.db, clusters);
  }

  /** Claims and runs one job; false when none is due. */
  async runOnce(): Promise<boolean> {
    const job = await claimImageScanJob(this.db, this.id, this.options.staleAfterMs ?? 15 * minute);
    if (job === null) return false;
    let digest: string;
    try {
      digest = await this.scan(job);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      // A scan cut short by shutdown is taken again at once by whichever replica runs next.
      await failImageScanJob(this.db, job, message, this.stopped ? 0 : retryDelay(job.attempts));
      if (!this.stopped) {
        const registry = parseImageRef(job.reference).registry;
        const fields = { image: job.reference, registry, attempts: job.attempts, err: message };
        // Every failure is on its job (last_error); the log names each registry once a window.
        if (this.failureLogs.shouldWarn(registry, Date.now()))
          this.logger.warn(
            fields,
            'image scan failed (further failures from this registry for the next 10 minutes are logged at debug)',
          );
        else this.logger.debug(fields, 'image scan failed');
      }
      return true;
    }
    await redetect(this.db, await clustersUsingImage(this.db, digest));
    return true;
  }

  private async scan(job: ImageScanJob): Promise<string> {
    const vulnDb = await openCentralVulnDb(this.db);
    try {
      const scan = await scanImage(job.reference, {
        signal: AbortSignal.any([
          this.abort.signal,
          AbortSignal.timeout(this.options.jobTimeoutMs ?? 10 * minute),
        ]),
        ...(vulnDb === undefined ? {} : { vulnDb }),
        ...(this.options.cacheDir === undefined ? {} : { cacheDir: this.options.cacheDir }),
        ...(this.options.credentials === undefined
          ? {}
          : { credentials: this.options.credentials }),
        ...(this.options.insecure === undefined ? {} : { insecure: this.options.insecure }),
      });
      const digest = scan.digest ?? job.digest;
      if (digest === undefined || digest === null)
        throw new PalisadeError('image-scan-failed', `${job.reference}: the image has no digest`);
      const rescanAfterMs = this.options.rescanAfterMs ?? 24 * 60 * minute;
      await this.db.transaction(async (tx) => {
        await saveImageScan(tx, job.reference, { ...scan, digest });
        await completeImageScanJob(tx, job, rescanAfterMs);
      });
      return digest;
    } finally {
      await vulnDb?.close();
    }
  }
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The image scan worker of this Central, when scanning is enabled. */
    readonly imageScanWorker: ImageScanWorker | null;
  }
}

/** Starts the scan worker for a Central app (unless disabled) and stops it when the app closes. */
export function installImageScanning(
  app: FastifyInstance,
  db: Database,
  logger: Logger,
  options: ImageScanningOptions | false | undefined,
): void {
  const worker = options === false ? null : new ImageScanWorker(db, logger, options ?? {});
  app.decorate('imageScanWorker', worker);
  if (worker === null) return;
  app.addHook('onReady', () => {
    worker.start();
    return Promise.resolve();
  });
  app.addHook('onClose', () => worker.stop());
}
