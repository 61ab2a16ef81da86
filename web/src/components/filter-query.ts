// The search syntax Central's list endpoints take in `query` (src/central/search.ts):
// `Field:v1,v2+Field2:v3`. Clauses are ANDed, values within one ORed; a value with a separator or
// quote is sent "quoted". The console keeps the same text in the URL's `q`, so a view is a link.

export interface FilterClause {
  readonly field: string;
  readonly values: readonly string[];
}

function splitOutsideQuotes(text: string, separator: string): string[] {
  const parts: string[] = [];
  let current = '';
  let quoted = false;
  for (const char of text) {
    if (char === '"') quoted = !quoted;
    if (char === separator && !quoted) {
      parts.push(current);
      current = '';
    } else current += char;
  }
  parts.push(current);
  return parts;
}

export function parseFilter(text: string): FilterClause[] {
  const clauses: FilterClause[] = [];
  for (const part of splitOutsideQuotes(text, '+')) {
    const colon = part.indexOf(':');
    if (colon <= 0) continue;
    const field = part.slice(0, colon).trim();
    const values = splitOutsideQuotes(part.slice(colon + 1), ',')
      .map((v) => v.trim())
      .filter((v) => v !== '');
    if (values.length > 0) clauses.push({ field, values });
  }
  return clauses;
}

function formatValue(value: string): string {
  if (/^".*"$/.test(value) || /^r\//.test(value)) return value;
  return /[+,:"]/.test(value) ? `"${value.replaceAll('"', '')}"` : value;
}

export function formatFilter(clauses: readonly FilterClause[]): string {
  return clauses
    .filter((c) => c.values.length > 0)
    .map((c) => `${c.field}:${c.values.map(formatValue).join(',')}`)
    .join('+');
}

export function addValue(
  clauses: readonly FilterClause[],
  field: string,
  value: string,
): FilterClause[] {
  const existing = clauses.find((c) => c.field === field);
  if (existing === undefined) return [...clauses, { field, values: [value] }];
  if (existing.values.includes(value)) return [...clauses];
  return clauses.map((c) => (c.field === field ? { field, values: [...c.values, value] } : c));
}

export function removeValue(
  clauses: readonly FilterClause[],
  field: string,
  value: string | null,
): FilterClause[] {
  return clauses
    .map((c) =>
      c.field !== field
        ? c
        : { field, values: value === null ? [] : c.values.filter((v) => v !== value) },
    )
    .filter((c) => c.values.length > 0);
}

export function valuesOf(clauses: readonly FilterClause[], field: string): readonly string[] {
  return clauses.find((c) => c.field === field)?.values ?? [];
}
