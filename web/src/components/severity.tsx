// Severity as the console shows it: a coloured label and a short name, and the ordering.

import { Label } from '@patternfly/react-core';
import type { Severity } from '../api/types.ts';

export const severities: readonly Severity[] = [
  'CRITICAL_SEVERITY',
  'HIGH_SEVERITY',
  'MEDIUM_SEVERITY',
  'LOW_SEVERITY',
];

export const severityRank: Readonly<Record<Severity, number>> = {
  LOW_SEVERITY: 1,
  MEDIUM_SEVERITY: 2,
  HIGH_SEVERITY: 3,
  CRITICAL_SEVERITY: 4,
};

/** "HIGH_SEVERITY" → "High"; the search syntax takes the upper-case short form ("HIGH"). */
export function severityName(severity: Severity): string {
  const short = severity.replace(/_SEVERITY$/, '');
  return short.charAt(0) + short.slice(1).toLowerCase();
}

export function severityQueryValue(severity: Severity): string {
  return severity.replace(/_SEVERITY$/, '');
}

const colours: Readonly<Record<Severity, 'red' | 'orangered' | 'orange' | 'yellow'>> = {
  CRITICAL_SEVERITY: 'red',
  HIGH_SEVERITY: 'orangered',
  MEDIUM_SEVERITY: 'orange',
  LOW_SEVERITY: 'yellow',
};

/** Chart colours (PatternFly palette tokens with fallbacks). */
export const severityChartColours: Readonly<Record<Severity, string>> = {
  CRITICAL_SEVERITY: 'var(--pf-t--global--color--status--danger--default, #b1380b)',
  HIGH_SEVERITY: 'var(--pf-t--chart--color--orange--300, #ec7a08)',
  MEDIUM_SEVERITY: 'var(--pf-t--chart--color--gold--300, #f0ab00)',
  LOW_SEVERITY: 'var(--pf-t--chart--color--blue--300, #0066cc)',
};

export function SeverityLabel({ severity }: { readonly severity: Severity }) {
  return (
    <Label color={colours[severity]} isCompact>
      {severityName(severity)}
    </Label>
  );
}
