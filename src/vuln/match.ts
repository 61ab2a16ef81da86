// The matcher: components found in an image against the advisories of the store. Distribution
// advisories name the source package and give source versions (Debian, Ubuntu, Alpine origin),
// so deb and apk components are looked up by source name and compared with the source version;
// rpm advisories (Red Hat, AlmaLinux, Rocky) name binary packages.

import type { Component, FixState } from '../model/index.ts';
import type { Vulnerability } from '../model/index.ts';
import type { AdvisoryDetails, AffectedRanges, DeclaredFixState } from './osv.ts';
import { evaluateAffected } from './ranges.ts';
import { comparators, ecosystemBase } from './version/all.ts';

/** A package to find advisories for: its ecosystem (with or without release) and name. */
export interface AdvisoryQuery {
  readonly ecosystem: string;
  readonly name: string;
}

/**
 * An advisory as a source hands it to the matcher: the affected entries that decide whether it
 * matches, and the rest on demand, so a database need not decode what an advisory that does not
 * match would show (advisory-index.ts).
 */
export interface AdvisoryCandidate {
  readonly id: string;
  /**
   * Its affected entries for the package looked up, in ecosystems that cover the component's
   * (ecosystemMatches): never empty.
   */
  readonly affected: readonly AffectedRanges[];
  /** Everything else of the advisory; the same object on every call. */
  details(): AdvisoryDetails;
}

/** Read access to advisories by ecosystem and package name; implemented by the store. */
export interface AdvisorySource {
  /**
   * The advisories with affected entries for this package (by packageKey) in ecosystems that
   * cover this one ("Debian" and "Debian:12" entries for "Debian:12", not "Debian:11" ones).
   */
  lookup(ecosystem: string, name: string): readonly AdvisoryCandidate[];
  /**
   * Loads what lookup will be asked for these packages, in one round trip, when the source is a
   * database; sources in memory have nothing to load.
   */
  prefetch?(packages: readonly AdvisoryQuery[]): Promise<void>;
  /**
   * Forgets what prefetch loaded for these packages, once they are matched: a scan's
   * advisories then die young instead of being kept, and copied by the garbage collector,
   * until the scan ends.
   */
  release?(packages: readonly AdvisoryQuery[]): void;
}

/**
 * The key a package name is indexed under: PEP 503 for PyPI; case-folded where the ecosystem
 * treats names case-insensitively (NuGet, Packagist, distributions); exact elsewhere.
 */
export function packageKey(ecosystem: string, name: string): string {
  const base = ecosystemBase(ecosystem);
  switch (base) {
    case 'PyPI':
      return name.toLowerCase().replace(/[-_.]+/g, '-');
    case 'NuGet':
    case 'Packagist':
    case 'Debian':
    case 'Ubuntu':
    case 'Alpine':
      return name.toLowerCase();
    default:
      return name;
  }
}

/**
 * Whether an advisory's ecosystem covers a component's: the same base, and the same release
 * when both name one. A release prefix matches a longer one ("Ubuntu:22.04" ⊂
 * "Ubuntu:22.04:LTS", "Red Hat:enterprise_linux:9" ⊂ "Red Hat:enterprise_linux:9::appstream").
 * A component without a release matches only advisories without one.
 */
export function ecosystemMatches(component: string, advisory: string): boolean {
  if (component === advisory) return true;
  if (ecosystemBase(component) !== ecosystemBase(advisory)) return false;
  const componentRelease = component.slice(ecosystemBase(component).length + 1);
  const advisoryRelease = advisory.slice(ecosystemBase(advisory).length + 1);
  if (advisoryRelease === '') return true;
  if (componentRelease === '') return false;
  return advisoryRelease === componentRelease || advisoryRelease.startsWith(`${componentRelease}:`);
}

/** The name and version advisories of the component's ecosystem speak of. */
export function advisoryCoordinates(component: Component): { name: string; version: string } {
  switch (component.type) {
    case 'deb':
      return {
        name: component.sourceName ?? component.name,
        version: component.sourceVersion ?? component.version,
      };
    case 'apk':
      return { name: component.sourceName ?? component.name, version: component.version };
    case 'rpm':
    case 'npm':
    case 'pypi':
    case 'gem':
    case 'maven':
    case 'golang':
    case 'cargo':
    case 'nuget':
    case 'composer':
      return { name: component.name, version: component.version };
  }
}

/**
 * One fix state per finding: "fixed" when a fixed version above the installed one exists for
 * the component's release, whatever else is declared (fixable is exactly this); else the state
 * the source declares (will not fix, deferred, end of life, not affected, unknown); else
 * "affected" — vulnerable, no fix yet.
 */
export function fixStateOf(
  fixedVersions: readonly string[],
  declared: DeclaredFixState | undefined,
): FixState {
  if (fixedVersions.length > 0) return 'fixed';
  return declared ?? 'affected';
}

export function matchComponent(source: AdvisorySource, component: Component): Vulnerability[] {
  const { name, version } = advisoryCoordinates(component);
  const base = ecosystemBase(component.ecosystem);
  const comparator = comparators.forEcosystem(base);
  const compare =
    comparator === undefined ? undefined : (a: string, b: string) => comparator.compare(a, b);
  const out: Vulnerability[] = [];
  for (const candidate of source.lookup(component.ecosystem, name)) {
    let affected = false;
    const fixed: string[] = [];
    let declared: DeclaredFixState | undefined;
    let severity: AdvisoryDetails['severity'] | undefined;
    for (const entry of candidate.affected) {
      const verdict = evaluateAffected(version, entry, compare);
      if (!verdict.affected) continue;
      affected = true;
      fixed.push(...verdict.fixed);
      declared ??= entry.status;
      if (entry.severity !== undefined) severity = entry.severity;
    }
    if (!affected) continue;
    const fixedVersions = [...new Set(fixed)].sort(compare);
    const fixState = fixStateOf(fixedVersions, declared);
    // The source says this package is not affected (VEX not_affected, Debian/Ubuntu
    // not-affected): not a vulnerability of the image.
    if (fixState === 'not_affected') continue;
    const advisory = candidate.details();
    out.push({
      id: candidate.id,
      aliases: advisory.aliases,
      component,
      installedVersion: version,
      fixedVersions,
      fixState,
      fixable: fixedVersions.length > 0,
      severity: severity ?? advisory.severity,
      ...(advisory.cvss === undefined ? {} : { cvss: advisory.cvss }),
      summary: advisory.summary,
      ...(advisory.published === undefined ? {} : { published: advisory.published }),
      modified: advisory.modified,
      references: advisory.references,
    });
  }
  return out;
}

/**
 * Results of matchComponent kept by what it reads of a component, so a component found again
 * (the same package analysed early and again at the end of a scan) is not matched twice.
 */
export type MatchMemo = Map<string, readonly Vulnerability[]>;

/** Everything of a component that matchComponent's result depends on, besides the object. */
function memoKey(component: Component): string {
  return JSON.stringify([
    component.type,
    component.ecosystem,
    component.name,
    component.version,
    component.sourceName ?? null,
    component.sourceVersion ?? null,
  ]);
}

/** The components the memo has no result for. */
export function unmatched(components: readonly Component[], memo: MatchMemo): Component[] {
  return memo.size === 0
    ? [...components]
    : components.filter((component) => !memo.has(memoKey(component)));
}

/** A component's vulnerabilities in advisory id order, from the memo when it has them. */
export function matchComponentSorted(
  source: AdvisorySource,
  component: Component,
  memo?: MatchMemo,
): Vulnerability[] {
  const key = memo === undefined ? undefined : memoKey(component);
  const known = key === undefined ? undefined : memo?.get(key);
  if (known !== undefined)
    return known.map((found) => (found.component === component ? found : { ...found, component }));
  const found = matchComponent(source, component).sort((a, b) =>
    a.id < b.id ? -1 : a.id > b.id ? 1 : 0,
  );
  if (key !== undefined) memo?.set(key, found);
  return found;
}

/** Every vulnerability of every component, in component order then advisory id. */
export function matchPackages(
  source: AdvisorySource,
  components: readonly Component[],
  memo?: MatchMemo,
): Vulnerability[] {
  return components.flatMap((component) => matchComponentSorted(source, component, memo));
}

/** The lookups matching these components makes. */
export function advisoryQueries(components: readonly Component[]): AdvisoryQuery[] {
  return components.map((component) => ({
    ecosystem: component.ecosystem,
    name: advisoryCoordinates(component).name,
  }));
}

/**
 * matchPackages over a source that loads first (a database): one prefetch of the components
 * the memo does not answer for, then matching.
 */
export async function fetchAndMatchPackages(
  source: AdvisorySource,
  components: readonly Component[],
  memo?: MatchMemo,
): Promise<Vulnerability[]> {
  await source.prefetch?.(
    advisoryQueries(memo === undefined ? components : unmatched(components, memo)),
  );
  return matchPackages(source, components, memo);
}
