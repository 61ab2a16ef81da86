// Stored advisories for matcher tests: one Alpine v3.19 package fixed at a version, in the
// compact form the vulnerability database keeps.

import type { StoredAdvisory } from '../../src/vuln/index.ts';

export function alpineAdvisory(options: {
  readonly id: string;
  readonly fixed: string;
  readonly name?: string;
  readonly aliases?: readonly string[];
}): StoredAdvisory {
  return {
    id: options.id,
    aliases: options.aliases ?? [],
    summary: `${options.id} summary`,
    modified: '2024-01-01T00:00:00Z',
    severity: 'MODERATE',
    references: [],
    affected: [
      {
        ecosystem: 'Alpine:v3.19',
        name: options.name ?? 'zlib',
        ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: options.fixed }] }],
        versions: [],
      },
    ],
  };
}
