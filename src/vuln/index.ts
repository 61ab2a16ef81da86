// Public surface of vuln/: version comparators, the OSV store and the matcher.
export { comparators, ecosystemBase, registerComparators } from './version/all.ts';
export type { ComparatorRegistry } from './version/all.ts';
export type { VersionComparator } from './version/types.ts';
export {
  importOsv,
  openVulnDb,
  memoryAdvisorySource,
  advisoryKeyOf,
  advisoryKeyString,
  advisoryKeys,
} from './store.ts';
export type {
  AdvisoryKey,
  EcosystemStatus,
  ImportOptions,
  ImportProblem,
  ImportReport,
  OpenVulnDbOptions,
  OsvRecordStore,
  SourceState,
  UpdateSources,
  VulnDb,
  VulnDbStatus,
} from './store.ts';
export {
  matchPackages,
  matchComponent,
  matchComponentSorted,
  unmatched,
  ecosystemMatches,
  fetchAndMatchPackages,
  advisoryQueries,
  fixStateOf,
} from './match.ts';
export type { AdvisoryCandidate, AdvisoryQuery, AdvisorySource, MatchMemo } from './match.ts';
export { indexAdvisory, decodeIndexedRow } from './advisory-index.ts';
export type { IndexedAdvisory, IndexedCandidate, IndexedRow } from './advisory-index.ts';
export { parseOsvRecord, compactOsvRecord, declaredFixState } from './osv.ts';
export type { AdvisoryDetails, DeclaredFixState, OsvRecord, StoredAdvisory } from './osv.ts';
export { cvss3BaseScore, scoreCvssVector } from './cvss.ts';
export {
  updateVulnDb,
  readUpdateSources,
  ecosystemUrl,
  defaultOsvSource,
  defaultUpdateEcosystems,
} from './update.ts';
export type { UpdateOptions, EcosystemUpdate } from './update.ts';
export { readSbom, scanSbom, parsePurl, componentOfPurl } from './sbom.ts';
export type { Purl, SbomReadResult, ScanSbomOptions } from './sbom.ts';
