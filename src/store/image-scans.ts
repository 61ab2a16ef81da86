// Image scan results per manifest digest: the ImageScan as detection reads it, its
// vulnerabilities normalised for the views (by image, by CVE, by component, with filters), and
// the digest each workload image reference resolved to. Scanning and matching are image/ and
// vuln/; deciding what to scan is central/image-scanning.ts.

import type { ImageScan, Vulnerability, VulnerabilitySeverity } from '../model/index.ts';
import { forEachBatch } from './batch.ts';
import type { Queryable } from './database.ts';
import { checkPage, isoTime, type Page, type PageRequest } from './page.ts';

const severityRanks: Readonly<Record<VulnerabilitySeverity, number>> = {
  UNKNOWN: 0,
  LOW: 1,
  MODERATE: 2,
  IMPORTANT: 3,
  CRITICAL: 4,
};

export const vulnerabilitySeverities = Object.keys(severityRanks) as VulnerabilitySeverity[];

/** The id a vulnerability is listed under: its CVE where it has one, else its advisory id. */
export function cveOfVulnerability(vulnerability: Vulnerability): string {
  if (vulnerability.id.startsWith('CVE-')) return vulnerability.id;
  return vulnerability.aliases.find((a) => a.startsWith('CVE-')) ?? vulnerability.id;
}

function osOf(scan: ImageScan): string {
  return scan.os === undefined ? '' : `${scan.os.id}:${scan.os.versionId}`;
}

async function writeVulnerabilityRows(
  db: Queryable,
  digest: string,
  vulnerabilities: readonly Vulnerability[],
): Promise<void> {
  await db.query('DELETE FROM image_vulnerabilities WHERE digest = $1', [digest]);
  const seen = new Set<string>();
  const rows = [];
  for (const v of vulnerabilities) {
    const key = `${v.id}\u0000${v.component.name}\u0000${v.component.version}`;
    if (seen.has(key)) continue;
    seen.add(key);
    rows.push({
      cve: cveOfVulnerability(v),
      advisory_id: v.id,
      component_name: v.component.name,
      component_version: v.component.version,
      component_type: v.component.type,
      severity: v.severity,
      severity_rank: severityRanks[v.severity],
      cvss: v.cvss?.baseScore ?? null,
      fixable: v.fixable,
      fixed_by: v.fixedVersions[0] ?? null,
      summary: v.summary.slice(0, 500),
    });
  }
  await forEachBatch(rows, async (batch) => {
    await db.query(
      `INSERT INTO image_vulnerabilities (digest, cve, advisory_id, component_name,
         component_version, component_type, severity, severity_rank, cvss, fixable, fixed_by, summary)
       SELECT $1, r.cve, r.advisory_id, r.component_name, r.component_version, r.component_type,
         r.severity, r.severity_rank, r.cvss, r.fixable, r.fixed_by, r.summary
       FROM jsonb_to_recordset($2::jsonb) AS r(cve text, advisory_id text, component_name text,
         component_version text, component_type text, severity text, severity_rank smallint,
         cvss real, fixable boolean, fixed_by text, summary text)`,
      [digest, JSON.stringify(batch)],
    );
  });
}

/** Stores the scan of a digest (replacing an earlier one) and what `reference` resolved to. */
export async function saveImageScan(
  db: Queryable,
  reference: string,
  scan: ImageScan & { readonly digest: string },
): Promise<void> {
  await db.query(
    `INSERT INTO image_scans (digest, reference, os, scanned_at, matched_at, components, scan)
     VALUES ($1, $2, $3, $4, $4, $5, $6::jsonb)
     ON CONFLICT (digest) DO UPDATE SET reference = excluded.reference, os = excluded.os,
       scanned_at = excluded.scanned_at, matched_at = excluded.matched_at,
       components = excluded.components, scan = excluded.scan`,
    [
      scan.digest,
      reference,
      osOf(scan),
      scan.scannedAt,
      scan.components.length,
      JSON.stringify(scan),
    ],
  );
  await writeVulnerabilityRows(db, scan.digest, scan.vulnerabilities);
  await db.query(
    `INSERT INTO image_references (reference, digest, resolved_at) VALUES ($1, $2, now())
     ON CONFLICT (reference) DO UPDATE SET digest = excluded.digest, resolved_at = now()`,
    [reference, scan.digest],
  );
}

/** Replaces a stored scan's vulnerabilities after matching again (a database update). */
export async function saveImageRematch(
  db: Queryable,
  digest: string,
  vulnerabilities: readonly Vulnerability[],
  matchedAt: string,
): Promise<void> {
  await db.query(
    `UPDATE image_scans SET matched_at = $2,
       scan = jsonb_set(scan, '{vulnerabilities}', $3::jsonb)
     WHERE digest = $1`,
    [digest, matchedAt, JSON.stringify(vulnerabilities)],
  );
  await writeVulnerabilityRows(db, digest, vulnerabilities);
}

/** One stored scan by digest. */
export async function getImageScan(db: Queryable, digest: string): Promise<ImageScan | null> {
  const rows = await db.query<{ scan: ImageScan }>(
    'SELECT scan FROM image_scans WHERE digest = $1',
    [digest],
  );
  return rows[0]?.scan ?? null;
}

/** Digests whose vulnerabilities were matched before `time` (ISO), in digest order. */
export async function imageScansMatchedBefore(
  db: Queryable,
  time: string,
  limit: number,
): Promise<string[]> {
  const rows = await db.query<{ digest: string }>(
    'SELECT digest FROM image_scans WHERE matched_at < $1 ORDER BY digest LIMIT $2',
    [time, limit],
  );
  return rows.map((r) => r.digest);
}

/** Every stored digest after `after`, in order (paging the whole set). */
export async function imageScanDigests(
  db: Queryable,
  after: string,
  limit: number,
): Promise<string[]> {
  const rows = await db.query<{ digest: string }>(
    'SELECT digest FROM image_scans WHERE digest > $1 ORDER BY digest LIMIT $2',
    [after, limit],
  );
  return rows.map((r) => r.digest);
}

/**
 * The scans of these images, keyed by digest and by reference: pinned digests directly, other
 * references through what they last resolved to.
 */
export async function findImageScans(
  db: Queryable,
  references: readonly string[],
  digests: readonly string[],
): Promise<{
  readonly byDigest: Map<string, ImageScan>;
  readonly byReference: Map<string, string>;
}> {
  const byDigest = new Map<string, ImageScan>();
  const byReference = new Map<string, string>();
  if (references.length === 0 && digests.length === 0) return { byDigest, byReference };
  const resolved = await db.query<{ reference: string; digest: string }>(
    `SELECT reference, digest FROM image_references
     WHERE reference = ANY($1::text[]) AND digest IS NOT NULL`,
    [references],
  );
  for (const row of resolved) byReference.set(row.reference, row.digest);
  const wanted = [...new Set([...digests, ...byReference.values()])];
  if (wanted.length === 0) return { byDigest, byReference };
  const rows = await db.query<{ digest: string; scan: ImageScan }>(
    'SELECT digest, scan FROM image_scans WHERE digest = ANY($1::text[])',
    [wanted],
  );
  for (const row of rows) byDigest.set(row.digest, row.scan);
  return { byDigest, byReference };
}

/** Clusters with workloads that use the digest (through any reference resolved to it). */
export async function clustersUsingImage(db: Queryable, digest: string): Promise<string[]> {
  const rows = await db.query<{ cluster_id: string }>(
    `SELECT DISTINCT cluster_id FROM workloads
     WHERE images && ARRAY(SELECT reference FROM image_references WHERE digest = $1)`,
    [digest],
  );
  return rows.map((r) => r.cluster_id);
}

// ---- Views ----

export interface VulnerabilityFilter {
  readonly fixable?: boolean;
  /** Lowest severity shown. */
  readonly severity?: VulnerabilitySeverity;
  readonly cvssMin?: number;
  /** Include vulnerabilities under an active exception (default false). */
  readonly includeExcepted?: boolean;
}

/** SQL conditions on image_vulnerabilities `v` for a filter, with their parameters. */
function vulnerabilityConditions(filter: VulnerabilityFilter, params: unknown[]): string[] {
  const conditions: string[] = [];
  if (filter.fixable !== undefined) {
    params.push(filter.fixable);
    conditions.push(`v.fixable = $${params.length}`);
  }
  if (filter.severity !== undefined) {
    params.push(severityRanks[filter.severity]);
    conditions.push(`v.severity_rank >= $${params.length}`);
  }
  if (filter.cvssMin !== undefined) {
    params.push(filter.cvssMin);
    conditions.push(`v.cvss >= $${params.length}`);
  }
  if (filter.includeExcepted !== true) conditions.push(`NOT (${exceptedSql('v')})`);
  return conditions;
}

/** Whether an active exception covers vulnerability row `v` (by CVE, for its image or all). */
function exceptedSql(alias: string): string {
  return `EXISTS (SELECT 1 FROM vulnerability_exceptions e WHERE e.cve = ${alias}.cve
    AND (e.digest IS NULL OR e.digest = ${alias}.digest)
    AND (e.expires_at IS NULL OR e.expires_at > now()))`;
}

/** Workloads using a digest: the SQL predicate on workloads `w`. */
function usesDigestSql(digestExpression: string): string {
  return `w.images && ARRAY(SELECT r.reference FROM image_references r WHERE r.digest = ${digestExpression})`;
}

export interface SeverityCounts {
  readonly critical: number;
  readonly important: number;
  readonly moderate: number;
  readonly low: number;
  readonly unknown: number;
}

export interface ImageSummary {
  readonly digest: string;
  readonly reference: string;
  readonly os: string;
  readonly scannedAt: string;
  readonly components: number;
  readonly vulnerabilities: number;
  readonly fixable: number;
  readonly severities: SeverityCounts;
  readonly deployments: number;
}

interface CountRow {
  total: number;
  fixable: number;
  critical: number;
  important: number;
  moderate: number;
  low: number;
  unknown: number;
}

const countSelect = `count(v.digest)::int AS total,
  count(v.digest) FILTER (WHERE v.fixable)::int AS fixable,
  count(v.digest) FILTER (WHERE v.severity_rank = 4)::int AS critical,
  count(v.digest) FILTER (WHERE v.severity_rank = 3)::int AS important,
  count(v.digest) FILTER (WHERE v.severity_rank = 2)::int AS moderate,
  count(v.digest) FILTER (WHERE v.severity_rank = 1)::int AS low,
  count(v.digest) FILTER (WHERE v.severity_rank = 0)::int AS unknown`;

function severitiesOf(row: CountRow): SeverityCounts {
  return {
    critical: row.critical,
    important: row.important,
    moderate: row.moderate,
    low: row.low,
    unknown: row.unknown,
  };
}

function hasFilter(filter: VulnerabilityFilter): boolean {
  return (
    filter.fixable !== undefined || filter.severity !== undefined || filter.cvssMin !== undefined
  );
}

/**
 * Scanned images with their vulnerability counts (after the filter and exceptions) and the
 * number of deployments using them; with a filter, only images with a matching vulnerability.
 */
export async function listImages(
  db: Queryable,
  filter: VulnerabilityFilter & { readonly reference?: string; readonly digest?: string },
  page: PageRequest,
): Promise<Page<ImageSummary>> {
  const { limit, offset } = checkPage(page);
  const params: unknown[] = [];
  const conditions = vulnerabilityConditions(filter, params);
  const join = conditions.length > 0 ? `AND ${conditions.join(' AND ')}` : '';
  const where: string[] = [];
  if (filter.reference !== undefined) {
    params.push(`%${filter.reference.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
    where.push(`s.reference ILIKE $${params.length}`);
  }
  if (filter.digest !== undefined) {
    params.push(filter.digest);
    where.push(`s.digest = $${params.length}`);
  }
  const having = hasFilter(filter) ? 'HAVING count(v.digest) > 0' : '';
  const base = `FROM image_scans s LEFT JOIN image_vulnerabilities v ON v.digest = s.digest ${join}
    ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
    GROUP BY s.digest ${having}`;
  const [counted] = await db.query<{ total: number }>(
    `SELECT count(*)::int AS total FROM (SELECT s.digest ${base}) AS x`,
    params,
  );
  const rows = await db.query<
    CountRow & {
      digest: string;
      reference: string;
      os: string;
      scanned_at: Date;
      components: number;
      deployments: number;
    }
  >(
    `SELECT s.digest, s.reference, s.os, s.scanned_at, s.components, ${countSelect},
       (SELECT count(*)::int FROM workloads w WHERE ${usesDigestSql('s.digest')}) AS deployments
     ${base}
     ORDER BY count(v.digest) FILTER (WHERE v.severity_rank = 4) DESC,
       count(v.digest) FILTER (WHERE v.severity_rank = 3) DESC, count(v.digest) DESC, s.digest
     LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
    [...params, limit, offset],
  );
  return {
    items: rows.map((row) => ({
      digest: row.digest,
      reference: row.reference,
      os: row.os,
      scannedAt: isoTime(row.scanned_at),
      components: row.components,
      vulnerabilities: row.total,
      fixable: row.fixable,
      severities: severitiesOf(row),
      deployments: row.deployments,
    })),
    total: counted?.total ?? 0,
    limit,
    offset,
  };
}

export interface DeploymentUse {
  readonly id: string;
  readonly clusterId: string;
  readonly namespace: string;
  readonly kind: string;
  readonly name: string;
}

export interface ImageVulnerabilityRow {
  readonly cve: string;
  readonly advisoryId: string;
  readonly component: { readonly name: string; readonly version: string; readonly type: string };
  readonly severity: VulnerabilitySeverity;
  readonly cvss: number | null;
  readonly fixable: boolean;
  readonly fixedBy: string | null;
  readonly summary: string;
  readonly excepted: boolean;
}

interface VulnRow {
  cve: string;
  advisory_id: string;
  component_name: string;
  component_version: string;
  component_type: string;
  severity: VulnerabilitySeverity;
  cvss: number | null;
  fixable: boolean;
  fixed_by: string | null;
  summary: string;
  excepted: boolean;
}

function vulnerabilityRow(row: VulnRow): ImageVulnerabilityRow {
  return {
    cve: row.cve,
    advisoryId: row.advisory_id,
    component: {
      name: row.component_name,
      version: row.component_version,
      type: row.component_type,
    },
    severity: row.severity,
    cvss: row.cvss === null ? null : Math.round(Number(row.cvss) * 10) / 10,
    fixable: row.fixable,
    fixedBy: row.fixed_by,
    summary: row.summary,
    excepted: row.excepted,
  };
}

async function deploymentsUsing(
  db: Queryable,
  digests: readonly string[],
): Promise<(DeploymentUse & { digest: string })[]> {
  if (digests.length === 0) return [];
  const rows = await db.query<{
    digest: string;
    id: string;
    cluster_id: string;
    namespace: string;
    kind: string;
    name: string;
  }>(
    `SELECT d.digest, w.id, w.cluster_id, w.namespace, w.kind, w.name
     FROM unnest($1::text[]) AS d(digest)
     JOIN workloads w ON ${usesDigestSql('d.digest')}
     ORDER BY w.cluster_id, w.namespace, w.kind, w.name`,
    [digests],
  );
  return rows.map((r) => ({
    digest: r.digest,
    id: r.id,
    clusterId: r.cluster_id,
    namespace: r.namespace,
    kind: r.kind,
    name: r.name,
  }));
}

export interface ImageDetail extends ImageSummary {
  readonly scan: Omit<ImageScan, 'vulnerabilities' | 'components'>;
  readonly componentList: ImageScan['components'];
  readonly vulnerabilityList: readonly ImageVulnerabilityRow[];
  readonly deploymentList: readonly DeploymentUse[];
}

/** One image: its scan facts, components, vulnerabilities (filtered) and deployments. */
export async function getImageDetail(
  db: Queryable,
  digest: string,
  filter: VulnerabilityFilter,
): Promise<ImageDetail | null> {
  const [summary] = (await listImages(db, { digest }, { limit: 1 })).items;
  const scan = await getImageScan(db, digest);
  if (scan === null || summary === undefined) return null;
  const params: unknown[] = [digest];
  const conditions = vulnerabilityConditions({ ...filter, includeExcepted: true }, params);
  const excluded = filter.includeExcepted === true ? '' : `AND NOT (${exceptedSql('v')})`;
  const rows = await db.query<VulnRow>(
    `SELECT v.*, ${exceptedSql('v')} AS excepted FROM image_vulnerabilities v
     WHERE v.digest = $1 ${conditions.length > 0 ? `AND ${conditions.join(' AND ')}` : ''} ${excluded}
     ORDER BY v.severity_rank DESC, v.cvss DESC NULLS LAST, v.cve, v.component_name`,
    params,
  );
  // The vulnerabilities are listed from their rows (with exception flags), not the JSON.
  const facts: { -readonly [K in keyof ImageScan]?: ImageScan[K] } = { ...scan };
  delete facts.vulnerabilities;
  delete facts.components;
  return {
    ...summary,
    scan: facts as ImageDetail['scan'],
    componentList: scan.components,
    vulnerabilityList: rows.map(vulnerabilityRow),
    deploymentList: (await deploymentsUsing(db, [digest])).map(({ digest: _d, ...d }) => d),
  };
}

export interface CveSummary {
  readonly cve: string;
  readonly severity: VulnerabilitySeverity;
  readonly cvss: number | null;
  readonly fixable: boolean;
  readonly images: number;
  readonly deployments: number;
  readonly components: readonly string[];
}

/** Vulnerabilities grouped by CVE, with the images and deployments they affect. */
export async function listVulnerabilitiesByCve(
  db: Queryable,
  filter: VulnerabilityFilter & { readonly cve?: string; readonly component?: string },
  page: PageRequest,
): Promise<Page<CveSummary>> {
  const { limit, offset } = checkPage(page);
  const params: unknown[] = [];
  const conditions = vulnerabilityConditions(filter, params);
  if (filter.cve !== undefined) {
    params.push(filter.cve.toUpperCase());
    conditions.push(`v.cve = $${params.length}`);
  }
  if (filter.component !== undefined) {
    params.push(filter.component);
    conditions.push(`v.component_name = $${params.length}`);
  }
  const where = conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : '';
  const [counted] = await db.query<{ total: number }>(
    `SELECT count(DISTINCT v.cve)::int AS total FROM image_vulnerabilities v ${where}`,
    params,
  );
  const rows = await db.query<{
    cve: string;
    rank: number;
    cvss: number | null;
    fixable: boolean;
    images: number;
    deployments: number;
    components: string[];
  }>(
    `SELECT v.cve, max(v.severity_rank)::int AS rank, max(v.cvss) AS cvss, bool_or(v.fixable) AS fixable,
       count(DISTINCT v.digest)::int AS images,
       (SELECT count(*)::int FROM workloads w WHERE w.images && ARRAY(
          SELECT r.reference FROM image_references r WHERE r.digest = ANY(array_agg(v.digest)))) AS deployments,
       array_agg(DISTINCT v.component_name ORDER BY v.component_name) AS components
     FROM image_vulnerabilities v ${where}
     GROUP BY v.cve
     ORDER BY max(v.severity_rank) DESC, max(v.cvss) DESC NULLS LAST, v.cve
     LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
    [...params, limit, offset],
  );
  return {
    items: rows.map((row) => ({
      cve: row.cve,
      severity: vulnerabilitySeverities[row.rank] ?? 'UNKNOWN',
      cvss: row.cvss === null ? null : Math.round(Number(row.cvss) * 10) / 10,
      fixable: row.fixable,
      images: row.images,
      deployments: row.deployments,
      components: row.components,
    })),
    total: counted?.total ?? 0,
    limit,
    offset,
  };
}

export interface CveDetail {
  readonly cve: string;
  readonly images: readonly {
    readonly digest: string;
    readonly reference: string;
    readonly vulnerabilities: readonly ImageVulnerabilityRow[];
  }[];
  readonly deployments: readonly (DeploymentUse & { readonly digest: string })[];
}

/** One CVE: each affected image with its findings (excepted ones marked), and the deployments. */
export async function getCveDetail(db: Queryable, cve: string): Promise<CveDetail | null> {
  const rows = await db.query<VulnRow & { digest: string; reference: string }>(
    `SELECT v.*, s.reference, ${exceptedSql('v')} AS excepted
     FROM image_vulnerabilities v JOIN image_scans s ON s.digest = v.digest
     WHERE v.cve = $1 ORDER BY s.reference, v.digest, v.component_name`,
    [cve.toUpperCase()],
  );
  if (rows.length === 0) return null;
  const images = new Map<
    string,
    { digest: string; reference: string; vulnerabilities: ImageVulnerabilityRow[] }
  >();
  for (const row of rows) {
    let image = images.get(row.digest);
    if (!image) {
      image = { digest: row.digest, reference: row.reference, vulnerabilities: [] };
      images.set(row.digest, image);
    }
    image.vulnerabilities.push(vulnerabilityRow(row));
  }
  return {
    cve: cve.toUpperCase(),
    images: [...images.values()],
    deployments: await deploymentsUsing(db, [...images.keys()]),
  };
}

export interface ComponentSummary {
  readonly name: string;
  readonly version: string;
  readonly type: string;
  readonly vulnerabilities: number;
  readonly fixable: number;
  readonly topSeverity: VulnerabilitySeverity;
  readonly images: number;
}

/** Vulnerable components (name, version) with their vulnerability and image counts. */
export async function listVulnerableComponents(
  db: Queryable,
  filter: VulnerabilityFilter & { readonly name?: string },
  page: PageRequest,
): Promise<Page<ComponentSummary>> {
  const { limit, offset } = checkPage(page);
  const params: unknown[] = [];
  const conditions = vulnerabilityConditions(filter, params);
  if (filter.name !== undefined) {
    params.push(filter.name);
    conditions.push(`v.component_name = $${params.length}`);
  }
  const where = conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : '';
  const [counted] = await db.query<{ total: number }>(
    `SELECT count(*)::int AS total FROM (SELECT 1 FROM image_vulnerabilities v ${where}
       GROUP BY v.component_name, v.component_version, v.component_type) AS x`,
    params,
  );
  const rows = await db.query<{
    name: string;
    version: string;
    type: string;
    vulnerabilities: number;
    fixable: number;
    rank: number;
    images: number;
  }>(
    `SELECT v.component_name AS name, v.component_version AS version, v.component_type AS type,
       count(DISTINCT v.cve)::int AS vulnerabilities,
       count(DISTINCT v.cve) FILTER (WHERE v.fixable)::int AS fixable,
       max(v.severity_rank)::int AS rank, count(DISTINCT v.digest)::int AS images
     FROM image_vulnerabilities v ${where}
     GROUP BY v.component_name, v.component_version, v.component_type
     ORDER BY max(v.severity_rank) DESC, count(DISTINCT v.cve) DESC, v.component_name, v.component_version
     LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
    [...params, limit, offset],
  );
  return {
    items: rows.map((row) => ({
      name: row.name,
      version: row.version,
      type: row.type,
      vulnerabilities: row.vulnerabilities,
      fixable: row.fixable,
      topSeverity: vulnerabilitySeverities[row.rank] ?? 'UNKNOWN',
      images: row.images,
    })),
    total: counted?.total ?? 0,
    limit,
    offset,
  };
}

/** Clusters with workloads using an image that has the CVE (in one digest, or in any). */
export async function clustersUsingCve(
  db: Queryable,
  cve: string,
  digest: string | null,
): Promise<string[]> {
  const rows = await db.query<{ cluster_id: string }>(
    `SELECT DISTINCT w.cluster_id FROM workloads w
     WHERE w.images && ARRAY(
       SELECT r.reference FROM image_references r
       JOIN image_vulnerabilities v ON v.digest = r.digest
       WHERE v.cve = $1 AND ($2::text IS NULL OR v.digest = $2))`,
    [cve.toUpperCase(), digest],
  );
  return rows.map((r) => r.cluster_id);
}

/** Exceptions that stopped applying in (since, now]: their CVEs must match policies again. */
export async function exceptionsExpiredSince(
  db: Queryable,
  since: string,
): Promise<{ cve: string; digest: string | null }[]> {
  return db.query<{ cve: string; digest: string | null }>(
    `SELECT DISTINCT cve, digest FROM vulnerability_exceptions
     WHERE expires_at > $1 AND expires_at <= now()`,
    [since],
  );
}
