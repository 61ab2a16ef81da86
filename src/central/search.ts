// The `query` parameter of list endpoints, in StackRox's search syntax:
// `Namespace:payments+Severity:HIGH,CRITICAL+Deployment:r/web-.*`. Clauses joined by `+` are
// ANDed; comma-separated values within a clause are ORed. A value is a case-insensitive prefix
// by default, `"exact"` in double quotes, `r/<RE2>` a regex, and `!value` negates it (facts from
// StackRox pkg/search). This module parses and validates; storage turns clauses into SQL.

import { PalisadeError } from '../model/index.ts';

export type SearchMatch = 'prefix' | 'exact' | 'regex';

export interface SearchValue {
  readonly value: string;
  readonly match: SearchMatch;
  readonly negate: boolean;
}

export interface SearchClause {
  /** The canonical field name, as the entity's field list spells it. */
  readonly field: string;
  readonly values: readonly SearchValue[];
}

const maxQueryLength = 4096;
const maxClauses = 32;
const maxValues = 64;

function invalid(message: string): PalisadeError {
  return new PalisadeError('query-invalid', `query: ${message}`, { status: 400 });
}

/** Splits on a separator outside double quotes. */
function splitOutsideQuotes(text: string, separator: string): string[] {
  const parts: string[] = [];
  let current = '';
  let quoted = false;
  for (const char of text) {
    if (char === '"') quoted = !quoted;
    if (char === separator && !quoted) {
      parts.push(current);
      current = '';
    } else {
      current += char;
    }
  }
  if (quoted) throw invalid(`unclosed double quote in '${text}'`);
  parts.push(current);
  return parts;
}

function parseValue(raw: string, field: string): SearchValue {
  let text = raw.trim();
  let negate = false;
  if (text.startsWith('!')) {
    negate = true;
    text = text.slice(1);
  }
  if (text.startsWith('r/')) {
    const pattern = text.slice(2);
    if (pattern === '') throw invalid(`empty regex for ${field}`);
    return { value: pattern, match: 'regex', negate };
  }
  if (text.length >= 2 && text.startsWith('"') && text.endsWith('"')) {
    return { value: text.slice(1, -1), match: 'exact', negate };
  }
  if (text === '') throw invalid(`empty value for ${field}`);
  return { value: text, match: 'prefix', negate };
}

/**
 * Parses a query against the fields an entity allows (case-insensitive names). Throws
 * PalisadeError('query-invalid', status 400) naming the problem.
 */
export function parseSearchQuery(query: string, allowedFields: readonly string[]): SearchClause[] {
  const text = query.trim();
  if (text === '') return [];
  if (text.length > maxQueryLength) throw invalid(`longer than ${maxQueryLength} characters`);
  const canonical = new Map(allowedFields.map((f) => [f.toLowerCase(), f]));
  const clauses = splitOutsideQuotes(text, '+').filter((c) => c.trim() !== '');
  if (clauses.length > maxClauses) throw invalid(`more than ${maxClauses} clauses`);
  const seen = new Set<string>();
  return clauses.map((clause) => {
    const colon = clause.indexOf(':');
    if (colon <= 0) throw invalid(`expected Field:value, got '${clause.trim()}'`);
    const name = clause.slice(0, colon).trim();
    const field = canonical.get(name.toLowerCase());
    if (!field) throw invalid(`unknown field '${name}'; use one of ${allowedFields.join(', ')}`);
    if (seen.has(field)) throw invalid(`field '${field}' appears twice; list values with commas`);
    seen.add(field);
    const values = splitOutsideQuotes(clause.slice(colon + 1), ',').map((v) =>
      parseValue(v, field),
    );
    if (values.length > maxValues) throw invalid(`more than ${maxValues} values for ${field}`);
    return { field, values };
  });
}
