// Public surface of vuln/: version comparators, the OSV store and the matcher.
export { comparators, ecosystemBase, registerComparators } from './version/all.ts';
export type { ComparatorRegistry } from './version/all.ts';
export type { VersionComparator } from './version/types.ts';
export { importOsv, openVulnDb, memoryAdvisorySource } from './store.ts';
export type {
  EcosystemStatus,
  ImportOptions,
  ImportProblem,
  ImportReport,
  VulnDb,
  VulnDbStatus,
} from './store.ts';
export { matchPackages, matchComponent, ecosystemMatches } from './match.ts';
export type { AdvisorySource } from './match.ts';
export { parseOsvRecord, compactOsvRecord } from './osv.ts';
export type { OsvRecord, StoredAdvisory } from './osv.ts';
export { cvss3BaseScore, scoreCvssVector } from './cvss.ts';
export {
  updateVulnDb,
  readUpdateSources,
  ecosystemUrl,
  defaultOsvSource,
  defaultUpdateEcosystems,
} from './update.ts';
export type { UpdateOptions, EcosystemUpdate, UpdateSources } from './update.ts';
