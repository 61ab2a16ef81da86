// The image scan queue: one job per image (by digest when the reference pins one, else by
// reference), claimed with FOR UPDATE SKIP LOCKED so several Central replicas share the work
// without taking the same image twice. Running the scans is central/image-scanning.ts.

import { forEachBatch, lastByKey } from './batch.ts';
import type { Queryable } from './database.ts';

/** An image a workload uses: its reference as written, and the digest it pins ('' if none). */
export interface ImageUse {
  readonly reference: string;
  readonly digest: string;
}

export interface ImageScanJob {
  readonly imageKey: string;
  readonly reference: string;
  readonly digest: string | null;
  readonly attempts: number;
}

interface JobRow {
  image_key: string;
  reference: string;
  digest: string | null;
  attempts: number;
}

/** The queue key of an image: its digest when pinned, else its reference. */
export function imageJobKey(image: ImageUse): string {
  return image.digest !== '' ? image.digest : image.reference;
}

/**
 * Records the images and queues a scan for each one without a job yet; pinned references are
 * resolved at once. Returns how many jobs were added.
 */
export async function enqueueImageScans(
  db: Queryable,
  images: readonly ImageUse[],
): Promise<number> {
  const unique = lastByKey(
    images.filter((i) => i.reference !== ''),
    (i) => i.reference,
  );
  let added = 0;
  await forEachBatch(unique, async (batch) => {
    await db.query(
      `INSERT INTO image_references (reference, digest)
       SELECT r.reference, NULLIF(r.digest, '') FROM jsonb_to_recordset($1::jsonb)
         AS r(reference text, digest text)
       ON CONFLICT (reference) DO NOTHING`,
      [JSON.stringify(batch)],
    );
    const jobs = lastByKey(
      batch.map((i) => ({ key: imageJobKey(i), reference: i.reference, digest: i.digest })),
      (j) => j.key,
    );
    const rows = await db.query<{ image_key: string }>(
      `INSERT INTO image_scan_jobs (image_key, reference, digest)
       SELECT r.key, r.reference, NULLIF(r.digest, '') FROM jsonb_to_recordset($1::jsonb)
         AS r(key text, reference text, digest text)
       ON CONFLICT (image_key) DO NOTHING
       RETURNING image_key`,
      [JSON.stringify(jobs)],
    );
    added += rows.length;
  });
  return added;
}

/**
 * Takes the next due job for `worker`: a queued one whose time has come, or a running one whose
 * worker has not finished within `staleAfterMs` (a replica that died). Null when none is due.
 */
export async function claimImageScanJob(
  db: Queryable,
  worker: string,
  staleAfterMs: number,
): Promise<ImageScanJob | null> {
  const rows = await db.query<JobRow>(
    `UPDATE image_scan_jobs SET state = 'running', claimed_by = $1, claimed_at = now(),
       attempts = attempts + 1
     WHERE image_key = (
       SELECT image_key FROM image_scan_jobs
       WHERE (state = 'queued' AND not_before <= now())
          OR (state = 'running' AND claimed_at < now() - make_interval(secs => $2::float8 / 1000))
       ORDER BY not_before, image_key
       LIMIT 1
       FOR UPDATE SKIP LOCKED)
     RETURNING image_key, reference, digest, attempts`,
    [worker, staleAfterMs],
  );
  const row = rows[0];
  return row === undefined
    ? null
    : {
        imageKey: row.image_key,
        reference: row.reference,
        digest: row.digest,
        attempts: Number(row.attempts),
      };
}

/**
 * Finishes a job: done for a digest (its content cannot change); queued again after
 * `rescanAfterMs` for a reference (its tag can move).
 */
export async function completeImageScanJob(
  db: Queryable,
  job: ImageScanJob,
  rescanAfterMs: number,
): Promise<void> {
  await db.query(
    `UPDATE image_scan_jobs SET
       state = CASE WHEN digest IS NULL THEN 'queued' ELSE 'done' END,
       not_before = now() + make_interval(secs => $2::float8 / 1000),
       attempts = 0, last_error = NULL, claimed_by = NULL, finished_at = now()
     WHERE image_key = $1`,
    [job.imageKey, rescanAfterMs],
  );
}

/** A failed attempt: queued again after `retryAfterMs`, with the error kept for the views. */
export async function failImageScanJob(
  db: Queryable,
  job: ImageScanJob,
  error: string,
  retryAfterMs: number,
): Promise<void> {
  await db.query(
    `UPDATE image_scan_jobs SET state = 'queued', claimed_by = NULL, last_error = $2,
       not_before = now() + make_interval(secs => $3::float8 / 1000), finished_at = now()
     WHERE image_key = $1`,
    [job.imageKey, error.slice(0, 2000), retryAfterMs],
  );
}

export interface ImageScanJobRecord extends ImageScanJob {
  readonly state: 'queued' | 'running' | 'done';
  readonly lastError: string | null;
}

/** The jobs of these image keys (for tests and the image views). */
export async function getImageScanJobs(
  db: Queryable,
  keys: readonly string[],
): Promise<ImageScanJobRecord[]> {
  const rows = await db.query<
    JobRow & { state: ImageScanJobRecord['state']; last_error: string | null }
  >(
    `SELECT image_key, reference, digest, attempts, state, last_error FROM image_scan_jobs
     WHERE image_key = ANY($1::text[]) ORDER BY image_key`,
    [keys],
  );
  return rows.map((row) => ({
    imageKey: row.image_key,
    reference: row.reference,
    digest: row.digest,
    attempts: Number(row.attempts),
    state: row.state,
    lastError: row.last_error,
  }));
}
