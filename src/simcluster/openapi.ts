// A minimal OpenAPI v3 discovery: the root index (/openapi/v3) and one document per group
// version that lists each resource's paths and operations, with the x-kubernetes-group-version-kind
// and x-kubernetes-action extensions and the query parameters the server accepts. kubectl 1.35
// reads the PATCH operation's parameters to learn that the server does field validation
// (cli-runtime resource.queryParamVerifierV3); without that it demands a Swagger 2.0 schema for
// client-side validation. No component schemas are served, so `kubectl explain` has nothing to show.

import { createHash } from 'node:crypto';
import type { JsonObject, JsonValue } from './json-value.ts';
import { apiVersionOf, type ResourceCatalog, type ResourceDefinition } from './resources.ts';

function groupVersionPath(group: string, version: string): string {
  return group === '' ? `api/${version}` : `apis/${group}/${version}`;
}

function queryParameter(name: string, type: 'string' | 'boolean' | 'integer'): JsonObject {
  return { name, in: 'query', schema: { type, uniqueItems: true } };
}

const pathParameter = (name: string): JsonObject => ({
  name,
  in: 'path',
  required: true,
  schema: { type: 'string' },
});

const writeParameters = [
  queryParameter('dryRun', 'string'),
  queryParameter('fieldManager', 'string'),
  queryParameter('fieldValidation', 'string'),
];
const listParameters = [
  queryParameter('allowWatchBookmarks', 'boolean'),
  queryParameter('continue', 'string'),
  queryParameter('fieldSelector', 'string'),
  queryParameter('labelSelector', 'string'),
  queryParameter('limit', 'integer'),
  queryParameter('resourceVersion', 'string'),
  queryParameter('resourceVersionMatch', 'string'),
  queryParameter('sendInitialEvents', 'boolean'),
  queryParameter('timeoutSeconds', 'integer'),
  queryParameter('watch', 'boolean'),
];

function operation(
  definition: ResourceDefinition,
  action: string,
  parameters: readonly JsonObject[],
  kind?: string,
): JsonObject {
  const gvk = {
    group: definition.group,
    version: definition.version,
    kind: kind ?? definition.kind,
  };
  return {
    operationId: `${action}${definition.kind}`,
    parameters: [...parameters],
    responses: { '200': { description: 'OK' } },
    'x-kubernetes-action': action,
    'x-kubernetes-group-version-kind': gvk,
  };
}

function resourcePaths(definition: ResourceDefinition): [string, JsonObject][] {
  const prefix = `/${groupVersionPath(definition.group, definition.version)}`;
  const scope = definition.namespaced ? `${prefix}/namespaces/{namespace}` : prefix;
  const scopeParameters = definition.namespaced ? [pathParameter('namespace')] : [];
  const collection = `${scope}/${definition.resource}`;
  const item = `${collection}/{name}`;
  const itemParameters = [...scopeParameters, pathParameter('name')];
  const paths: [string, JsonObject][] = [
    [
      collection,
      {
        get: operation(definition, 'list', [...scopeParameters, ...listParameters]),
        post: operation(definition, 'post', [...scopeParameters, ...writeParameters]),
      },
    ],
    [
      item,
      {
        get: operation(definition, 'get', itemParameters),
        put: operation(definition, 'put', [...itemParameters, ...writeParameters]),
        patch: operation(definition, 'patch', [
          ...itemParameters,
          ...writeParameters,
          queryParameter('force', 'boolean'),
        ]),
        delete: operation(definition, 'delete', [
          ...itemParameters,
          queryParameter('dryRun', 'string'),
        ]),
      },
    ],
  ];
  for (const subresource of definition.subresources) {
    const kind = subresource === 'scale' ? 'Scale' : definition.kind;
    const scaleDefinition =
      subresource === 'scale' ? { ...definition, group: 'autoscaling', version: 'v1' } : definition;
    paths.push([
      `${item}/${subresource}`,
      {
        get: operation(scaleDefinition, 'get', itemParameters, kind),
        put: operation(scaleDefinition, 'put', [...itemParameters, ...writeParameters], kind),
        patch: operation(scaleDefinition, 'patch', [...itemParameters, ...writeParameters], kind),
      },
    ]);
  }
  if (!definition.namespaced) return paths;
  // The all-namespaces list.
  paths.push([
    `${prefix}/${definition.resource}`,
    { get: operation(definition, 'list', listParameters) },
  ]);
  return paths;
}

export function openApiV3Document(
  catalog: ResourceCatalog,
  groupVersion: string,
): JsonObject | undefined {
  const definitions = catalog.definitions.filter(
    (d) => groupVersionPath(d.group, d.version) === groupVersion,
  );
  const first = definitions[0];
  if (first === undefined) return undefined;
  const paths: JsonObject = {};
  for (const definition of definitions)
    for (const [path, item] of resourcePaths(definition)) paths[path] = item;
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version: apiVersionOf(first) },
    paths,
    components: { schemas: {} },
  };
}

export function openApiV3Root(catalog: ResourceCatalog): JsonObject {
  const paths: JsonObject = {};
  const seen = new Set<string>();
  for (const definition of catalog.definitions) {
    const path = groupVersionPath(definition.group, definition.version);
    if (seen.has(path)) continue;
    seen.add(path);
    // The hash lets clients cache a document until it changes.
    const document = openApiV3Document(catalog, path) as JsonValue;
    const hash = createHash('sha512').update(JSON.stringify(document)).digest('hex').toUpperCase();
    paths[path] = { serverRelativeURL: `/openapi/v3/${path}?hash=${hash}` };
  }
  return { paths };
}
