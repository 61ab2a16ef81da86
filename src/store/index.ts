// Public surface of store/: PostgreSQL persistence for Central, on embedded PGlite or a server.
// Repositories are plain functions taking a Queryable (the database or an open transaction).
export { openDatabase, isUniqueViolation } from './database.ts';
export type { Database, Queryable, OpenDatabaseOptions } from './database.ts';
export { applyMigrations, readMigrations } from './migrate.ts';
export type { Migration } from './migrate.ts';
export { isUuid } from './page.ts';
export type { Page, PageRequest, TextMatch } from './page.ts';
export * from './clusters.ts';
export * from './workloads.ts';
export * from './objects.ts';
export * from './policies.ts';
export * from './alerts.ts';
export * from './risk-scores.ts';
export * from './api-tokens.ts';
export * from './audit-log.ts';
export * from './prune.ts';
export * from './enforcements.ts';
export { refreshStatistics } from './batch.ts';
export type { AnalyzedTable } from './batch.ts';
export { WriteClock, isReadOnly, writeChannel } from './write-clock.ts';
export * from './namespace-summaries.ts';
export * from './osv-records.ts';
export * from './image-scan-jobs.ts';
export * from './image-scans.ts';
export * from './image-exceptions.ts';
