// The explicit list of version comparators; ids and the ecosystems they serve must be unique.

import { apkComparator } from './apk.ts';
import { dpkgComparator } from './dpkg.ts';
import { mavenComparator } from './maven.ts';
import { nuGetComparator } from './nuget.ts';
import { packagistComparator } from './packagist.ts';
import { pep440Comparator } from './pep440.ts';
import { rpmComparator } from './rpm.ts';
import { rubyGemsComparator } from './rubygems.ts';
import { semverComparator } from './semver.ts';
import type { VersionComparator } from './types.ts';

export interface ComparatorRegistry {
  readonly all: readonly VersionComparator[];
  /** The comparator for an OSV ecosystem, with or without its ":release" suffix. */
  forEcosystem(ecosystem: string): VersionComparator | undefined;
}

export function registerComparators(list: readonly VersionComparator[]): ComparatorRegistry {
  const ids = new Set<string>();
  const byEcosystem = new Map<string, VersionComparator>();
  for (const comparator of list) {
    if (ids.has(comparator.id)) {
      throw new Error(`version comparator '${comparator.id}' is registered twice`);
    }
    ids.add(comparator.id);
    for (const ecosystem of comparator.ecosystems) {
      const other = byEcosystem.get(ecosystem);
      if (other !== undefined) {
        throw new Error(
          `ecosystem '${ecosystem}' has two version comparators: '${other.id}' and '${comparator.id}'`,
        );
      }
      byEcosystem.set(ecosystem, comparator);
    }
  }
  return {
    all: list,
    forEcosystem: (ecosystem) => byEcosystem.get(ecosystemBase(ecosystem)),
  };
}

/** "Debian:12" → "Debian"; "Red Hat:enterprise_linux:9::appstream" → "Red Hat". */
export function ecosystemBase(ecosystem: string): string {
  const colon = ecosystem.indexOf(':');
  return colon < 0 ? ecosystem : ecosystem.slice(0, colon);
}

export const comparators = registerComparators([
  dpkgComparator,
  apkComparator,
  rpmComparator,
  semverComparator,
  pep440Comparator,
  mavenComparator,
  rubyGemsComparator,
  nuGetComparator,
  packagistComparator,
]);
