// Bulk writes: many rows in one statement, passed as one JSON parameter and expanded with
// jsonb_to_recordset. One round trip per batch instead of one per row is what makes a
// 10,000-workload snapshot take seconds rather than minutes.

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
