// OSV records (ossf.github.io/osv-schema, schema 1.8.0): the zod schema we validate every
// record with at the edge, and the compact form the store keeps — only what matching and
// reporting need (no details text, no credits), with severity already worked out.
// Not the matcher: ranges are evaluated in ranges.ts.

import { z } from 'zod';
import { PalisadeError } from '../model/index.ts';
import type { CvssScore, FixState, VulnerabilitySeverity } from '../model/index.ts';
import { deriveSeverity } from './severity.ts';

const dictionary = z.record(z.string(), z.unknown());

/**
 * A name that is a single line of text: ids, ecosystems and package names. The index
 * (advisory-index.ts) separates them with tabs and line breaks.
 */
const plainName = z
  .string()
  .min(1)
  .refine((value) => !/[\t\n\r]/.test(value), {
    message: 'contains a tab or a line break',
  });

const eventSchema = z
  .object({
    introduced: z.string().optional(),
    fixed: z.string().optional(),
    last_affected: z.string().optional(),
    limit: z.string().optional(),
  })
  .refine((e) => Object.keys(e).length === 1, {
    message: 'an event has exactly one of introduced, fixed, last_affected, limit',
  });

const rangeSchema = z.object({
  type: z.enum(['GIT', 'SEMVER', 'ECOSYSTEM']),
  repo: z.string().optional(),
  events: z.array(eventSchema).min(1),
  database_specific: dictionary.nullish(),
});

const severitySchema = z.object({
  type: z.enum(['CVSS_V2', 'CVSS_V3', 'CVSS_V4', 'Ubuntu']),
  score: z.string(),
});

const affectedSchema = z.object({
  package: z
    .object({ ecosystem: plainName, name: plainName, purl: z.string().optional() })
    .optional(),
  severity: z.array(severitySchema).nullish(),
  ranges: z.array(rangeSchema).nullish(),
  versions: z.array(z.string()).nullish(),
  ecosystem_specific: dictionary.nullish(),
  database_specific: dictionary.nullish(),
});

export const osvRecordSchema = z.object({
  schema_version: z.string().optional(),
  id: plainName,
  // OSV: an RFC 3339 timestamp; the store orders re-imports by it.
  modified: z
    .string()
    .min(1)
    .refine((value) => !Number.isNaN(Date.parse(value)), { message: 'not an RFC 3339 time' }),
  published: z.string().optional(),
  withdrawn: z.string().optional(),
  aliases: z.array(z.string()).nullish(),
  related: z.array(z.string()).nullish(),
  upstream: z.array(z.string()).nullish(),
  summary: z.string().optional(),
  details: z.string().optional(),
  severity: z.array(severitySchema).nullish(),
  affected: z.array(affectedSchema).nullish(),
  references: z.array(z.object({ type: z.string(), url: z.string() })).nullish(),
  database_specific: dictionary.nullish(),
});

export type OsvRecord = z.infer<typeof osvRecordSchema>;
export type OsvAffected = z.infer<typeof affectedSchema>;
export type OsvSeverity = z.infer<typeof severitySchema>;

/** Validates one record; the error names the file (and the record id when it has one). */
export function parseOsvRecord(value: unknown, source: string): OsvRecord {
  const result = osvRecordSchema.safeParse(value);
  if (result.success) return result.data;
  const id =
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { id?: unknown }).id === 'string'
      ? ` (${(value as { id: string }).id})`
      : '';
  const issues = result.error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.join('.') || '(record)'}: ${issue.message}`)
    .join('; ');
  throw new PalisadeError('osv-invalid', `${source}${id}: not an OSV record: ${issues}`, {
    details: { source },
  });
}

export interface StoredEvent {
  readonly introduced?: string;
  readonly fixed?: string;
  readonly last_affected?: string;
  readonly limit?: string;
}

export interface StoredRange {
  readonly type: 'SEMVER' | 'ECOSYSTEM';
  readonly events: readonly StoredEvent[];
}

/** What matching reads of an affected entry, whatever package and ecosystem it is for. */
export interface AffectedRanges {
  readonly ranges: readonly StoredRange[];
  readonly versions: readonly string[];
  /** A per-package severity (Debian urgency, an affected-level CVSS) when the record has one. */
  readonly severity?: VulnerabilitySeverity;
  /** A fix state the source declares for this package (fixStateOf), when it declares one. */
  readonly status?: DeclaredFixState;
}

export interface StoredAffected extends AffectedRanges {
  readonly ecosystem: string;
  readonly name: string;
}

/** The fix states a source can declare; "fixed" and "affected" come from the ranges. */
export type DeclaredFixState = Exclude<FixState, 'fixed' | 'affected'>;

/**
 * Status words of distribution feeds and VEX documents, lower-cased, without <>:
 * - Debian security tracker (security-team.debian.org/security_tracker.html, "urgency" and the
 *   <no-dsa>/<ignored>/<postponed>/<end-of-life> notes carried into OSV's ecosystem_specific):
 *   "unimportant" (no security impact, not fixed by Debian), "end-of-life" (the release or
 *   package is no longer supported), "ignored", "postponed", "no-dsa".
 * - Ubuntu CVE tracker statuses: "deferred", "ignored", "needs-triage", "not-affected", "dne".
 * - OpenVEX/CSAF statuses as Chainguard's OSV records give them per component
 *   (ecosystem_specific.components[].status): "not_affected", "under_investigation".
 */
const declaredStates: Readonly<Record<string, DeclaredFixState>> = {
  unimportant: 'will_not_fix',
  ignored: 'will_not_fix',
  'will-not-fix': 'will_not_fix',
  will_not_fix: 'will_not_fix',
  wontfix: 'will_not_fix',
  'no-dsa': 'fix_deferred',
  postponed: 'fix_deferred',
  deferred: 'fix_deferred',
  fix_deferred: 'fix_deferred',
  'end-of-life': 'end_of_life',
  end_of_life: 'end_of_life',
  eol: 'end_of_life',
  'not-affected': 'not_affected',
  not_affected: 'not_affected',
  dne: 'not_affected',
  'needs-triage': 'unknown',
  under_investigation: 'unknown',
  undetermined: 'unknown',
};

/** The declared state of one status word; undefined when it says nothing about fixing. */
export function declaredFixState(word: unknown): DeclaredFixState | undefined {
  if (typeof word !== 'string') return undefined;
  return declaredStates[word.trim().toLowerCase().replace(/^<|>$/g, '').replace(/\s+/g, '-')];
}

/**
 * The fix state an affected entry declares: its "status" (or "fix_status"), then its Debian
 * "urgency", in ecosystem_specific then database_specific. Components statuses count only
 * when all of them agree (one component not affected says nothing about the package).
 */
function declaredStateOf(entry: OsvAffected): DeclaredFixState | undefined {
  for (const bag of [entry.ecosystem_specific, entry.database_specific]) {
    if (bag === undefined || bag === null) continue;
    const state =
      declaredFixState(bag['status']) ??
      declaredFixState(bag['fix_status']) ??
      declaredFixState(bag['urgency']);
    if (state !== undefined) return state;
    const components = bag['components'];
    if (Array.isArray(components) && components.length > 0) {
      const states = components.map((c: unknown) =>
        typeof c === 'object' && c !== null
          ? declaredFixState((c as { status?: unknown }).status)
          : undefined,
      );
      if (states[0] !== undefined && states.every((s) => s === states[0])) return states[0];
    }
  }
  return undefined;
}

/** An advisory as the store keeps it. */
export interface StoredAdvisory {
  readonly id: string;
  /** aliases and upstream ids (CVE-…), without duplicates. */
  readonly aliases: readonly string[];
  readonly summary: string;
  readonly published?: string;
  readonly modified: string;
  readonly severity: VulnerabilitySeverity;
  readonly cvss?: CvssScore;
  readonly references: readonly string[];
  readonly affected: readonly StoredAffected[];
}

/** An advisory without its affected entries: what is shown of it once it matches. */
export type AdvisoryDetails = Omit<StoredAdvisory, 'affected'>;

const maxReferences = 8;
const maxSummary = 300;

function summaryOf(record: OsvRecord): string {
  const text = record.summary ?? record.details?.split('\n')[0] ?? '';
  return text.length > maxSummary ? `${text.slice(0, maxSummary - 1)}…` : text;
}

function storedEvent(event: z.infer<typeof eventSchema>): StoredEvent {
  if (event.introduced !== undefined) return { introduced: event.introduced };
  if (event.fixed !== undefined) return { fixed: event.fixed };
  if (event.last_affected !== undefined) return { last_affected: event.last_affected };
  return { limit: event.limit ?? '*' };
}

/** The compact stored form of a record (GIT ranges and package-less entries dropped). */
export function compactOsvRecord(record: OsvRecord): StoredAdvisory {
  const aliases = [...new Set([...(record.aliases ?? []), ...(record.upstream ?? [])])].filter(
    (alias) => alias !== record.id,
  );
  const recordSeverity = deriveSeverity({
    severity: record.severity ?? [],
    strings: [record.database_specific?.['severity']],
    summary: record.summary,
  });
  const affected: StoredAffected[] = [];
  for (const entry of record.affected ?? []) {
    if (entry.package === undefined) continue;
    const ranges: StoredRange[] = [];
    for (const range of entry.ranges ?? []) {
      if (range.type === 'GIT') continue;
      ranges.push({ type: range.type, events: range.events.map(storedEvent) });
    }
    const own = deriveSeverity({
      severity: entry.severity ?? [],
      strings: [
        entry.ecosystem_specific?.['severity'],
        entry.database_specific?.['severity'],
        entry.ecosystem_specific?.['urgency'],
        entry.database_specific?.['urgency'],
      ],
      summary: undefined,
    });
    const status = declaredStateOf(entry);
    affected.push({
      ecosystem: entry.package.ecosystem,
      name: entry.package.name,
      ranges,
      versions: entry.versions ?? [],
      ...(own.severity === 'UNKNOWN' ? {} : { severity: own.severity }),
      ...(status === undefined ? {} : { status }),
    });
  }
  const references = (record.references ?? [])
    .filter((r) => ['ADVISORY', 'FIX', 'WEB', 'ARTICLE', 'REPORT'].includes(r.type))
    .map((r) => r.url)
    .slice(0, maxReferences);
  return {
    id: record.id,
    aliases,
    summary: summaryOf(record),
    ...(record.published === undefined ? {} : { published: record.published }),
    modified: record.modified,
    severity: recordSeverity.severity,
    ...(recordSeverity.cvss === undefined ? {} : { cvss: recordSeverity.cvss }),
    references,
    affected,
  };
}
