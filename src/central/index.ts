// Public surface of central/: the HTTP API server, its auth model and its error shape.
export {
  createCentral,
  createFirstAdminToken,
  defaultBodyLimit,
  ensureAdminToken,
  seedBuiltinPolicies,
} from './server.ts';
export type { CentralOptions } from './server.ts';
export { permissions, rolePermissions, roleAllows } from './auth.ts';
export type { Permission, Principal, RouteAccess, RouteEntry } from './auth.ts';
export { errorBody } from './errors.ts';
export type { ErrorBody } from './errors.ts';
export { parseSearchQuery } from './search.ts';
export type { SearchClause, SearchValue, SearchMatch } from './search.ts';
export {
  ingestSnapshot,
  ingestDeltas,
  snapshotBody,
  deltasBody,
  parseIngestBody,
} from './ingest.ts';
export type { IngestResult, SnapshotBody, DeltasBody } from './ingest.ts';
export { detectCluster, loadInventory } from './detect.ts';
export type { DetectionResult, DetectionScope } from './detect.ts';
export { loadDemo, demoManifests, demoClusterName } from './demo.ts';
export { enabledPolicies } from './routes/inventory.ts';
