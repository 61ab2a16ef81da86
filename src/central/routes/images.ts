// /api/v1/images, /api/v1/vulnerabilities, /api/v1/components: the vulnerability views over
// Central's image scans — by image (counts by severity, fixable, deployments using it), by CVE
// (affected images and deployments), by component — filtered by fixable, severity and a CVSS
// minimum; and vulnerability exceptions (defer, false positive) with a reason and an expiry.

import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { PalisadeError } from '../../model/index.ts';
import {
  appendAudit,
  clustersUsingCve,
  createVulnerabilityException,
  deleteVulnerabilityException,
  getCveDetail,
  getImageDetail,
  listImages,
  listVulnerabilitiesByCve,
  listVulnerabilityExceptions,
  listVulnerableComponents,
  vulnerabilitySeverities,
  type Database,
  type VulnerabilityFilter,
} from '../../store/index.ts';
import { principalOf } from '../auth.ts';
import { redetect, rematchImageScans } from '../image-scanning.ts';

const pageQuery = {
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  offset: z.coerce.number().int().min(0).default(0),
};

// Severity accepts the vendor words and the policy words people also use (HIGH = IMPORTANT).
const severityWords: Record<string, (typeof vulnerabilitySeverities)[number]> = {
  MEDIUM: 'MODERATE',
  HIGH: 'IMPORTANT',
};
const severityParam = z.preprocess(
  (v) => (typeof v === 'string' ? (severityWords[v.toUpperCase()] ?? v.toUpperCase()) : v),
  z.enum(vulnerabilitySeverities as [string, ...string[]]),
);

const filterQuery = {
  fixable: z.enum(['true', 'false']).optional(),
  severity: severityParam
    .optional()
    .describe('lowest severity: LOW, MODERATE, IMPORTANT, CRITICAL'),
  cvssMin: z.coerce.number().min(0).max(10).optional(),
  includeExcepted: z.enum(['true', 'false']).optional(),
};

type FilterQuery = {
  fixable?: 'true' | 'false' | undefined;
  severity?: string | undefined;
  cvssMin?: number | undefined;
  includeExcepted?: 'true' | 'false' | undefined;
};

function filterOf(query: FilterQuery): VulnerabilityFilter {
  return {
    ...(query.fixable === undefined ? {} : { fixable: query.fixable === 'true' }),
    ...(query.severity === undefined
      ? {}
      : { severity: query.severity as VulnerabilityFilter['severity'] & string }),
    ...(query.cvssMin === undefined ? {} : { cvssMin: query.cvssMin }),
    ...(query.includeExcepted === 'true' ? { includeExcepted: true } : {}),
  };
}

const cvePattern = /^[A-Za-z][A-Za-z0-9]*-[A-Za-z0-9._:-]+$/;
const cveParams = z.object({
  cve: z.string().max(100).regex(cvePattern, 'a vulnerability id such as CVE-2024-1234'),
});
const digestParams = z.object({
  digest: z.string().regex(/^[a-z0-9]+:[a-f0-9]{32,128}$/, 'an image digest such as sha256:…'),
});

export function registerImageRoutes(app: FastifyInstance, db: Database): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['images'];

  api.get(
    '/api/v1/images',
    {
      config: { access: 'deployments:read' },
      schema: {
        tags,
        summary: 'Scanned images with vulnerability counts and the deployments using them',
        querystring: z.object({
          ...pageQuery,
          ...filterQuery,
          reference: z.string().max(500).optional(),
        }),
      },
    },
    (request) => {
      const { limit, offset, reference, ...rest } = request.query;
      return listImages(
        db,
        { ...filterOf(rest), ...(reference === undefined ? {} : { reference }) },
        { limit, offset },
      );
    },
  );

  api.get(
    '/api/v1/images/:digest',
    {
      config: { access: 'deployments:read' },
      schema: {
        tags,
        summary: 'One image: OS, config, components, vulnerabilities and deployments',
        params: digestParams,
        querystring: z.object(filterQuery),
      },
    },
    async (request) => {
      const detail = await getImageDetail(db, request.params.digest, filterOf(request.query));
      if (detail === null)
        throw new PalisadeError('image-not-found', `no scan of image ${request.params.digest}`, {
          status: 404,
        });
      return detail;
    },
  );

  api.post(
    '/api/v1/images/rematch',
    {
      config: { access: 'policies:write' },
      schema: {
        tags,
        summary:
          'Match every stored scan again against the vulnerability database (in the background)',
      },
    },
    async (request, reply) => {
      const { actor } = principalOf(request);
      await appendAudit(db, { actor, action: 'images-rematch' });
      app.jobs.run('rematch-images', () => rematchImageScans(db, { all: true }));
      return reply.status(202).send({ accepted: true });
    },
  );

  api.get(
    '/api/v1/vulnerabilities',
    {
      config: { access: 'deployments:read' },
      schema: {
        tags,
        summary: 'Vulnerabilities by CVE with the number of images and deployments affected',
        querystring: z.object({
          ...pageQuery,
          ...filterQuery,
          cve: z.string().max(100).optional(),
          component: z.string().max(500).optional(),
        }),
      },
    },
    (request) => {
      const { limit, offset, cve, component, ...rest } = request.query;
      return listVulnerabilitiesByCve(
        db,
        {
          ...filterOf(rest),
          ...(cve === undefined ? {} : { cve }),
          ...(component === undefined ? {} : { component }),
        },
        { limit, offset },
      );
    },
  );

  api.get(
    '/api/v1/vulnerabilities/:cve',
    {
      config: { access: 'deployments:read' },
      schema: { tags, summary: 'One CVE: affected images and deployments', params: cveParams },
    },
    async (request) => {
      const detail = await getCveDetail(db, request.params.cve);
      if (detail === null)
        throw new PalisadeError(
          'vulnerability-not-found',
          `no scanned image has ${request.params.cve}`,
          { status: 404 },
        );
      return {
        ...detail,
        exceptions: await listVulnerabilityExceptions(db, { cve: request.params.cve }),
      };
    },
  );

  api.get(
    '/api/v1/components',
    {
      config: { access: 'deployments:read' },
      schema: {
        tags,
        summary: 'Vulnerable components (name and version) with their vulnerabilities and images',
        querystring: z.object({
          ...pageQuery,
          ...filterQuery,
          name: z.string().max(500).optional(),
        }),
      },
    },
    (request) => {
      const { limit, offset, name, ...rest } = request.query;
      return listVulnerableComponents(
        db,
        { ...filterOf(rest), ...(name === undefined ? {} : { name }) },
        { limit, offset },
      );
    },
  );

  api.get(
    '/api/v1/vulnerability-exceptions',
    {
      config: { access: 'deployments:read' },
      schema: {
        tags,
        summary: 'Deferred and false-positive vulnerabilities',
        querystring: z.object({ active: z.enum(['true', 'false']).optional() }),
      },
    },
    async (request) => ({
      items: await listVulnerabilityExceptions(
        db,
        request.query.active === 'true' ? { active: true } : {},
      ),
    }),
  );

  api.post(
    '/api/v1/vulnerabilities/:cve/exceptions',
    {
      config: { access: 'alerts:write' },
      schema: {
        tags,
        summary:
          'Defer a CVE or mark it a false positive (for one image or all) until it expires; it stops matching policies',
        params: cveParams,
        body: z.object({
          kind: z.enum(['DEFERRAL', 'FALSE_POSITIVE']),
          reason: z.string().trim().min(1).max(2000),
          expiresAt: z.iso.datetime({ offset: true }).optional(),
          digest: digestParams.shape.digest.optional(),
        }),
      },
    },
    async (request, reply) => {
      const { actor } = principalOf(request);
      const { kind, reason, expiresAt, digest } = request.body;
      if (expiresAt !== undefined && Date.parse(expiresAt) <= Date.now())
        throw new PalisadeError('exception-invalid', 'expiresAt must be in the future', {
          status: 400,
        });
      const cve = request.params.cve.toUpperCase();
      const exception = await db.transaction(async (tx) => {
        const created = await createVulnerabilityException(tx, {
          cve,
          kind,
          reason,
          createdBy: actor,
          ...(expiresAt === undefined ? {} : { expiresAt }),
          ...(digest === undefined ? {} : { digest }),
        });
        await appendAudit(tx, {
          actor,
          action: 'vulnerability-exception-create',
          target: created.id,
          details: { cve, kind, digest: digest ?? null, expiresAt: expiresAt ?? null },
        });
        return created;
      });
      const clusters = await clustersUsingCve(db, cve, digest ?? null);
      app.jobs.run(`exception ${cve}`, () => redetect(db, clusters));
      return reply.status(201).send(exception);
    },
  );

  api.delete(
    '/api/v1/vulnerability-exceptions/:id',
    {
      config: { access: 'alerts:write' },
      schema: { tags, params: z.object({ id: z.uuid('must be an exception id (a uuid)') }) },
    },
    async (request, reply) => {
      const { actor } = principalOf(request);
      const { id } = request.params;
      const [existing] = (await listVulnerabilityExceptions(db)).filter((e) => e.id === id);
      if (existing === undefined || !(await deleteVulnerabilityException(db, id)))
        throw new PalisadeError(
          'exception-not-found',
          `no vulnerability exception has id '${id}'`,
          {
            status: 404,
          },
        );
      await appendAudit(db, { actor, action: 'vulnerability-exception-delete', target: id });
      const clusters = await clustersUsingCve(db, existing.cve, existing.digest);
      app.jobs.run(`exception ${existing.cve} removed`, () => redetect(db, clusters));
      return reply.status(204).send();
    },
  );
}
