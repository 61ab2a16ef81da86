// The alert list's `query` parameter (StackRox search syntax, parsed by search.ts) turned into
// the store's alert filter. Text fields take prefixes, "exact" values, r/regexes and !negation;
// enumerated fields (Severity, State, Lifecycle Stage) take their values and negations.

import { PalisadeError } from '../model/index.ts';
import type { LifecycleStage, Severity } from '../model/index.ts';
import { compileValueRegex } from '../policy/index.ts';
import type { AlertFilter, AlertState, TextMatch } from '../store/index.ts';
import { parseSearchQuery } from './search.ts';
import type { SearchClause } from './search.ts';

export const alertQueryFields = [
  'Cluster',
  'Namespace',
  'Deployment',
  'Policy',
  'Severity',
  'State',
  'Lifecycle Stage',
] as const;

const severityNames: Record<string, Severity> = {
  LOW: 'LOW_SEVERITY',
  MEDIUM: 'MEDIUM_SEVERITY',
  HIGH: 'HIGH_SEVERITY',
  CRITICAL: 'CRITICAL_SEVERITY',
};
const states: readonly AlertState[] = ['ACTIVE', 'RESOLVED', 'ATTEMPTED'];
const stages: readonly LifecycleStage[] = ['DEPLOY', 'BUILD', 'RUNTIME'];

function invalid(message: string): PalisadeError {
  return new PalisadeError('query-invalid', `query: ${message}`, { status: 400 });
}

/** Text values, with regexes checked for RE2 syntax (they run in PostgreSQL, which is close). */
function textMatches(clause: SearchClause): TextMatch[] {
  return clause.values.map((v) => {
    if (v.match === 'regex') {
      try {
        compileValueRegex(v.value);
      } catch (error) {
        throw invalid(
          `${clause.field}: r/${v.value} is not a valid regex: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
    }
    return { value: v.value, match: v.match, negate: v.negate };
  });
}

/** Enumerated values: the listed ones, or all but the negated ones. */
function enumValues<T extends string>(
  clause: SearchClause,
  all: readonly T[],
  parse: (raw: string) => T | undefined,
): T[] {
  const named = clause.values.map((v) => {
    if (v.match === 'regex') throw invalid(`${clause.field} takes values, not regexes`);
    const value = parse(v.value.toUpperCase());
    if (value === undefined)
      throw invalid(`unknown ${clause.field.toLowerCase()} '${v.value}'; use ${all.join(', ')}`);
    return { value, negate: v.negate };
  });
  const wanted = named.filter((n) => !n.negate).map((n) => n.value);
  const excluded = new Set(named.filter((n) => n.negate).map((n) => n.value));
  return (wanted.length > 0 ? wanted : [...all]).filter((v) => !excluded.has(v));
}

/** The store filter for an alert query, e.g. Namespace:payments+Severity:HIGH+Deployment:web. */
export function alertFilterOf(query: string | undefined): AlertFilter {
  const filter: { -readonly [K in keyof AlertFilter]: AlertFilter[K] } = {};
  for (const clause of parseSearchQuery(query ?? '', alertQueryFields)) {
    switch (clause.field) {
      case 'Cluster':
        filter.cluster = textMatches(clause);
        break;
      case 'Namespace':
        filter.namespaces = textMatches(clause);
        break;
      case 'Deployment':
        filter.deployment = textMatches(clause);
        break;
      case 'Policy':
        filter.policy = textMatches(clause);
        break;
      case 'Severity':
        filter.severity = enumValues(
          clause,
          Object.values(severityNames),
          (raw) => severityNames[raw.replace(/_SEVERITY$/, '')],
        );
        break;
      case 'State':
        filter.state = enumValues(clause, states, (raw) => states.find((s) => s === raw));
        break;
      case 'Lifecycle Stage':
        filter.lifecycleStage = enumValues(clause, stages, (raw) => stages.find((s) => s === raw));
        break;
      default:
        throw invalid(`unknown field '${clause.field}'`);
    }
  }
  return filter;
}
