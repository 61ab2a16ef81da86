// Validates the JSON documents of an image at the edge: image indexes / manifest lists,
// manifests and image configs (OCI image-spec image-index.md, manifest.md, config.md; Docker
// manifest-v2-2.md). Parsing only: fetching lives in the sources, choosing a platform in platform.ts.

import { z } from 'zod';
import { PalisadeError } from '../model/index.ts';
import { isDigest } from './digest.ts';
import {
  configMediaTypes,
  dockerManifestV1,
  dockerManifestV1Signed,
  indexMediaTypes,
  layerMediaTypes,
  manifestMediaTypes,
} from './media-types.ts';

const digest = z.string().refine(isDigest, 'not a sha256 or sha512 digest');
const size = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
const annotations = z.record(z.string(), z.string());

const platformSchema = z.looseObject({
  architecture: z.string(),
  os: z.string(),
  'os.version': z.string().optional(),
  'os.features': z.array(z.string()).optional(),
  variant: z.string().optional(),
  features: z.array(z.string()).optional(),
});

const descriptorSchema = z.looseObject({
  mediaType: z.string(),
  digest,
  size,
  urls: z.array(z.string()).optional(),
  annotations: annotations.optional(),
  platform: platformSchema.optional(),
  artifactType: z.string().optional(),
});

const indexSchema = z.looseObject({
  schemaVersion: z.literal(2),
  mediaType: z.string().optional(),
  manifests: z.array(descriptorSchema),
  annotations: annotations.optional(),
});

const manifestSchema = z.looseObject({
  schemaVersion: z.literal(2),
  mediaType: z.string().optional(),
  config: descriptorSchema,
  layers: z.array(descriptorSchema),
  annotations: annotations.optional(),
});

const historySchema = z.looseObject({
  created: z.string().optional(),
  created_by: z.string().optional(),
  author: z.string().optional(),
  comment: z.string().optional(),
  empty_layer: z.boolean().optional(),
});

// Docker writes null for empty maps and lists; treat null as absent.
const nullable = <T extends z.ZodType>(schema: T) =>
  schema
    .nullable()
    .optional()
    .transform((value) => value ?? undefined);

const configSchema = z.looseObject({
  architecture: z.string(),
  os: z.string(),
  variant: nullable(z.string()),
  'os.version': nullable(z.string()),
  created: nullable(z.string()),
  author: nullable(z.string()),
  config: nullable(
    z.looseObject({
      User: nullable(z.string()),
      Env: nullable(z.array(z.string())),
      Entrypoint: nullable(z.array(z.string())),
      Cmd: nullable(z.array(z.string())),
      WorkingDir: nullable(z.string()),
      Labels: nullable(z.record(z.string(), z.string())),
      ExposedPorts: nullable(z.record(z.string(), z.unknown())),
      StopSignal: nullable(z.string()),
    }),
  ),
  rootfs: z.looseObject({
    type: z.string(),
    diff_ids: z.array(digest),
  }),
  history: nullable(z.array(historySchema)),
});

export type Platform = z.infer<typeof platformSchema>;
export type Descriptor = z.infer<typeof descriptorSchema>;
export type ImageIndex = z.infer<typeof indexSchema>;
export type ImageManifest = z.infer<typeof manifestSchema>;
export type ImageConfig = z.infer<typeof configSchema>;
export type HistoryEntry = z.infer<typeof historySchema>;

export type ManifestDocument =
  | { readonly kind: 'index'; readonly mediaType: string; readonly index: ImageIndex }
  | { readonly kind: 'manifest'; readonly mediaType: string; readonly manifest: ImageManifest };

function invalid(what: string, message: string, details: Record<string, unknown> = {}) {
  return new PalisadeError('manifest-invalid', `${what}: ${message}`, { status: 422, details });
}

function parseJson(bytes: Uint8Array, what: string): unknown {
  try {
    return JSON.parse(Buffer.from(bytes).toString('utf8')) as unknown;
  } catch (error) {
    throw invalid(what, `not JSON (${error instanceof Error ? error.message : String(error)})`);
  }
}

function formatIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`)
    .join('; ');
}

/**
 * Parses a manifest or index. The kind comes from the document's own mediaType, else from the
 * Content-Type it was served with, else from its shape (image-spec allows mediaType to be absent).
 */
export function parseManifestDocument(
  bytes: Uint8Array,
  contentType: string | undefined,
  what: string,
): ManifestDocument {
  const json = parseJson(bytes, what);
  if (typeof json !== 'object' || json === null || Array.isArray(json))
    throw invalid(what, 'not a JSON object');
  const record = json as Record<string, unknown>;
  const declared = typeof record['mediaType'] === 'string' ? record['mediaType'] : undefined;
  const served = contentType?.split(';')[0]?.trim();
  const mediaType = declared ?? (served === '' ? undefined : served);
  if (
    record['schemaVersion'] === 1 ||
    mediaType === dockerManifestV1 ||
    mediaType === dockerManifestV1Signed
  )
    throw invalid(
      what,
      'Docker schema 1 manifests are not supported; push the image again with a current client',
    );
  const isIndex =
    mediaType !== undefined && indexMediaTypes.has(mediaType)
      ? true
      : mediaType !== undefined && manifestMediaTypes.has(mediaType)
        ? false
        : Array.isArray(record['manifests']);
  if (isIndex) {
    const result = indexSchema.safeParse(json);
    if (!result.success)
      throw invalid(what, `not a valid image index: ${formatIssues(result.error)}`);
    return {
      kind: 'index',
      mediaType: mediaType ?? 'application/vnd.oci.image.index.v1+json',
      index: result.data,
    };
  }
  const result = manifestSchema.safeParse(json);
  if (!result.success)
    throw invalid(what, `not a valid image manifest: ${formatIssues(result.error)}`);
  return {
    kind: 'manifest',
    mediaType: mediaType ?? 'application/vnd.oci.image.manifest.v1+json',
    manifest: result.data,
  };
}

/** Checks that a manifest describes a container image whose layers we can read. */
export function checkImageManifest(manifest: ImageManifest, what: string): void {
  if (!configMediaTypes.has(manifest.config.mediaType)) {
    throw invalid(
      what,
      `config media type '${manifest.config.mediaType}' is not a container image config; this is an artifact, not an image`,
      { mediaType: manifest.config.mediaType },
    );
  }
  for (const layer of manifest.layers) {
    if (!layerMediaTypes.has(layer.mediaType)) {
      throw invalid(what, `layer ${layer.digest} has unsupported media type '${layer.mediaType}'`, {
        layer: layer.digest,
        mediaType: layer.mediaType,
      });
    }
  }
}

export function parseImageConfig(bytes: Uint8Array, what: string): ImageConfig {
  const result = configSchema.safeParse(parseJson(bytes, what));
  if (!result.success)
    throw invalid(what, `not a valid image config: ${formatIssues(result.error)}`);
  return result.data;
}

/** Parses a descriptor from untrusted JSON (OCI layout index.json entries, docker-save). */
export function parseIndexBytes(bytes: Uint8Array, what: string): ImageIndex {
  const result = indexSchema.safeParse(parseJson(bytes, what));
  if (!result.success)
    throw invalid(what, `not a valid image index: ${formatIssues(result.error)}`);
  return result.data;
}

export { parseJson as parseJsonBytes };
