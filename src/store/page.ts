// Filters and pagination shared by the list repositories. Column names come from the code,
// never from input; every value is bound as a parameter.

import { PalisadeError } from '../model/index.ts';
import type { Queryable } from './database.ts';

export interface PageRequest {
  /** 1–1000; 100 when omitted. */
  readonly limit?: number;
  readonly offset?: number;
}

export interface Page<T> {
  readonly items: readonly T[];
  /** Rows matching the filter, over all pages. */
  readonly total: number;
  readonly limit: number;
  readonly offset: number;
}

/** One condition; skipped when its value is undefined (the filter was not asked for). */
export type Condition =
  | readonly [column: string, operator: '=' | '>=' | '<=', value: unknown]
  /** An array column holding this value (served by a GIN index). */
  | readonly [column: string, operator: 'has', value: string | undefined]
  /** A uuid column: a value that is not a uuid matches nothing instead of failing the query. */
  | readonly [column: string, operator: 'uuid', value: string | undefined]
  | readonly [column: string, operator: 'in', value: readonly string[] | undefined]
  /** Text search on one or more columns (a value matches when any column does). */
  | readonly [
      columns: readonly string[],
      operator: 'match',
      value: readonly TextMatch[] | undefined,
    ];

/**
 * One value of a search clause: a case-insensitive prefix, an exact (case-insensitive) value,
 * or a regular expression (checked for RE2 syntax by the caller); negated values exclude.
 * Positive values of a clause are ORed, negated ones ANDed (StackRox's search semantics).
 */
export interface TextMatch {
  readonly value: string;
  readonly match: 'prefix' | 'exact' | 'regex';
  readonly negate: boolean;
}

/** A LIKE pattern for a literal prefix: %, _ and the escape character itself are escaped. */
function likePrefix(value: string): string {
  return `${value.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

export interface Where {
  readonly sql: string;
  readonly params: readonly unknown[];
}

export function buildWhere(conditions: readonly Condition[]): Where {
  const params: unknown[] = [];
  const clauses: string[] = [];
  for (const condition of conditions) {
    if (condition[1] === 'match') {
      const [columns, , matches] = condition;
      if (matches === undefined || matches.length === 0) continue;
      const one = (m: TextMatch): string => {
        params.push(m.match === 'prefix' ? likePrefix(m.value) : m.value);
        const placeholder = `$${params.length}`;
        const tests = columns.map((column) =>
          m.match === 'prefix'
            ? `${column} ILIKE ${placeholder}`
            : m.match === 'exact'
              ? `lower(${column}) = lower(${placeholder})`
              : `${column} ~* ${placeholder}`,
        );
        return tests.length === 1 ? (tests[0] ?? 'false') : `(${tests.join(' OR ')})`;
      };
      const positive = matches.filter((m) => !m.negate).map(one);
      const negative = matches.filter((m) => m.negate).map((m) => `NOT ${one(m)}`);
      if (positive.length > 0) clauses.push(`(${positive.join(' OR ')})`);
      clauses.push(...negative);
      continue;
    }
    const [column, operator, value] = condition;
    if (value === undefined) continue;
    if (operator === 'uuid' && !isUuid(value)) {
      clauses.push('false');
      continue;
    }
    params.push(value);
    const placeholder = `$${params.length}`;
    clauses.push(
      operator === 'in'
        ? `${column} = ANY(${placeholder}::text[])`
        : operator === 'has'
          ? `${column} @> ARRAY[${placeholder}::text]`
          : `${column} ${operator === 'uuid' ? '=' : operator} ${placeholder}`,
    );
  }
  return { sql: clauses.length === 0 ? '' : `WHERE ${clauses.join(' AND ')}`, params };
}

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Ids are uuids; any other string names nothing (and must not reach a uuid cast). */
export function isUuid(value: string): boolean {
  return uuidPattern.test(value);
}

export function checkPage(page: PageRequest): { limit: number; offset: number } {
  const limit = page.limit ?? 100;
  const offset = page.offset ?? 0;
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > 1000) {
    throw new PalisadeError(
      'page-invalid',
      `limit must be an integer from 1 to 1000, not ${limit}`,
    );
  }
  if (!Number.isSafeInteger(offset) || offset < 0) {
    throw new PalisadeError('page-invalid', `offset must be a non-negative integer, not ${offset}`);
  }
  return { limit, offset };
}

export interface ListQuery<Row, T> {
  /** SELECT list and FROM (with joins), without WHERE. */
  readonly select: string;
  readonly from: string;
  readonly where: readonly Condition[];
  readonly orderBy: string;
  readonly page: PageRequest;
  readonly map: (row: Row) => T;
}

export async function listPage<Row extends object, T>(
  db: Queryable,
  query: ListQuery<Row, T>,
): Promise<Page<T>> {
  const { limit, offset } = checkPage(query.page);
  const where = buildWhere(query.where);
  const n = where.params.length;
  const [counted] = await db.query<{ total: number }>(
    `SELECT count(*)::int AS total FROM ${query.from} ${where.sql}`,
    where.params,
  );
  const rows = await db.query<Row>(
    `SELECT ${query.select} FROM ${query.from} ${where.sql} ORDER BY ${query.orderBy} ` +
      `LIMIT $${n + 1} OFFSET $${n + 2}`,
    [...where.params, limit, offset],
  );
  return { items: rows.map(query.map), total: counted?.total ?? 0, limit, offset };
}

/** timestamptz comes back as a Date from both drivers; records carry ISO strings. */
export function isoTime(value: Date | string): string {
  return (value instanceof Date ? value : new Date(value)).toISOString();
}

export function isoTimeOrNull(value: Date | string | null): string | null {
  return value === null ? null : isoTime(value);
}
