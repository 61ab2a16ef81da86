// Discovery documents (/api, /apis, /apis/<group>, /<group-version> resource lists) and /version,
// in the legacy (unaggregated) format: clients that ask for aggregated discovery
// (apidiscovery.k8s.io/v2) fall back to it when the response is plain application/json.

import type { JsonObject } from './json-value.ts';
import { apiVersionOf, type ResourceCatalog, type ResourceDefinition } from './resources.ts';

/** The Kubernetes release the server reports; kubectl 1.35 warns about skew beyond one minor. */
export const simulatedVersion = { major: '1', minor: '35', gitVersion: 'v1.35.0' } as const;

export function versionInfo(): JsonObject {
  return {
    major: simulatedVersion.major,
    minor: simulatedVersion.minor,
    gitVersion: simulatedVersion.gitVersion,
    gitCommit: 'palisade-simcluster',
    gitTreeState: 'clean',
    buildDate: '2025-12-17T00:00:00Z',
    goVersion: 'go1.25.5',
    compiler: 'gc',
    platform: 'linux/amd64',
  };
}

export function apiVersions(serverAddress: string): JsonObject {
  return {
    kind: 'APIVersions',
    versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
  };
}

function groupEntry(group: string, versions: readonly string[]): JsonObject {
  const entries = versions.map((version) => ({ groupVersion: `${group}/${version}`, version }));
  return { name: group, versions: entries, preferredVersion: entries[0] ?? null };
}

export function apiGroupList(catalog: ResourceCatalog): JsonObject {
  const groups = [...catalog.groups()].filter(([group]) => group !== '');
  return {
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: groups.map(([group, versions]) => groupEntry(group, versions)),
  };
}

export function apiGroup(catalog: ResourceCatalog, group: string): JsonObject | undefined {
  const versions = catalog.groups().get(group);
  if (group === '' || versions === undefined) return undefined;
  return { kind: 'APIGroup', apiVersion: 'v1', ...groupEntry(group, versions) };
}

function resourceEntries(definition: ResourceDefinition): JsonObject[] {
  const main: JsonObject = {
    name: definition.resource,
    singularName: definition.singular,
    namespaced: definition.namespaced,
    kind: definition.kind,
    verbs: [...definition.verbs],
  };
  if (definition.shortNames.length > 0) main['shortNames'] = [...definition.shortNames];
  if (definition.categories.length > 0) main['categories'] = [...definition.categories];
  const entries = [main];
  for (const subresource of definition.subresources) {
    const entry: JsonObject = {
      name: `${definition.resource}/${subresource}`,
      singularName: '',
      namespaced: definition.namespaced,
      kind: definition.kind,
      verbs: ['get', 'patch', 'update'],
    };
    if (subresource === 'scale') {
      entry['group'] = 'autoscaling';
      entry['version'] = 'v1';
      entry['kind'] = 'Scale';
    }
    entries.push(entry);
  }
  return entries;
}

export function apiResourceList(
  catalog: ResourceCatalog,
  group: string,
  version: string,
): JsonObject | undefined {
  const definitions = catalog.definitions.filter((d) => d.group === group && d.version === version);
  const first = definitions[0];
  if (first === undefined) return undefined;
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: apiVersionOf(first),
    resources: definitions.flatMap(resourceEntries),
  };
}
