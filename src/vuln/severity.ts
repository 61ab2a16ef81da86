// Severity of an advisory in one vocabulary (LOW, MODERATE, IMPORTANT, CRITICAL): a vendor's
// own rating when the record has one (GHSA database_specific.severity, Debian urgency, Ubuntu
// priority, a Red Hat style "Important: …" summary), else the CVSS score (v3 first, then v4,
// then v2) banded as CVSS v3.1 §5 "Qualitative Severity Rating Scale" does (Low < 4, Medium < 7,
// High < 9); CVSS v4.0 §6 uses the same bands.

import type { CvssScore, VulnerabilitySeverity } from '../model/index.ts';
import { scoreCvssVector } from './cvss.ts';

const vocabulary: Readonly<Record<string, VulnerabilitySeverity>> = {
  critical: 'CRITICAL',
  high: 'IMPORTANT',
  important: 'IMPORTANT',
  moderate: 'MODERATE',
  medium: 'MODERATE',
  low: 'LOW',
  negligible: 'LOW',
  unimportant: 'LOW',
};

/** Maps a vendor rating string; undefined for "not yet assigned", "unknown" and the like. */
export function severityFromString(value: unknown): VulnerabilitySeverity | undefined {
  if (typeof value !== 'string') return undefined;
  return vocabulary[value.trim().toLowerCase().replace(/\*+$/, '')];
}

export function severityFromScore(score: number): VulnerabilitySeverity {
  if (score >= 9) return 'CRITICAL';
  if (score >= 7) return 'IMPORTANT';
  if (score >= 4) return 'MODERATE';
  if (score > 0) return 'LOW';
  return 'UNKNOWN';
}

export interface SeverityInput {
  readonly severity: readonly { readonly type: string; readonly score: string }[];
  /** Candidate rating strings, most specific first. */
  readonly strings: readonly unknown[];
  /** A summary that may start with a Red Hat style rating ("Moderate: …"). */
  readonly summary: string | undefined;
}

const cvssPreference: readonly string[] = ['CVSS_V3', 'CVSS_V4', 'CVSS_V2'];

export function deriveSeverity(input: SeverityInput): {
  severity: VulnerabilitySeverity;
  cvss?: CvssScore;
} {
  let cvss: CvssScore | undefined;
  for (const type of cvssPreference) {
    const entry = input.severity.find((s) => s.type === type);
    const scored = entry === undefined ? undefined : scoreCvssVector(entry.score);
    if (scored !== undefined) {
      cvss = scored;
      break;
    }
  }
  const ubuntu = input.severity.find((s) => s.type === 'Ubuntu')?.score;
  const summaryRating = /^(Low|Moderate|Important|Critical):/.exec(input.summary ?? '')?.[1];
  const named = [...input.strings, ubuntu, summaryRating]
    .map(severityFromString)
    .find((s) => s !== undefined);
  const fromScore = cvss?.baseScore === undefined ? undefined : severityFromScore(cvss.baseScore);
  const severity = named ?? fromScore ?? 'UNKNOWN';
  return cvss === undefined ? { severity } : { severity, cvss };
}
