// Bulk writes: many rows in one statement, passed as one JSON parameter and expanded with
// jsonb_to_recordset. One round trip per batch instead of one per row is what makes a
// 10,000-workload snapshot take seconds rather than minutes.

import type { Queryable } from './database.ts';

/** Rows per statement: amortises round trips while keeping one parameter a few MB at most. */
export const rowsPerStatement = 500;

/** Runs fn over consecutive slices of items, in order. */
export async function forEachBatch<T>(
  items: readonly T[],
  fn: (batch: readonly T[]) => Promise<void>,
  size = rowsPerStatement,
): Promise<void> {
  for (let start = 0; start < items.length; start += size)
    await fn(items.slice(start, start + size));
}

/**
 * The last item for each key, in first-seen order: one statement may not update a row twice
 * (ON CONFLICT DO UPDATE), and in a snapshot the later copy of a duplicate wins.
 */
export function lastByKey<T>(items: readonly T[], keyOf: (item: T) => string): T[] {
  const byKey = new Map<string, T>();
  for (const item of items) byKey.set(keyOf(item), item);
  return [...byKey.values()];
}

/** Tables whose statistics a bulk write can leave stale. */
export type AnalyzedTable = 'alerts' | 'workloads' | 'objects' | 'risk_scores';

/**
 * Refreshes the planner's statistics after a bulk write. PGlite has no autovacuum daemon, and
 * on a server it lags: without this, the first list queries after a large snapshot plan for
 * an empty table.
 */
export async function refreshStatistics(
  db: Queryable,
  tables: readonly AnalyzedTable[],
): Promise<void> {
  if (tables.length > 0) await db.exec(`ANALYZE ${tables.join(', ')}`);
}
