// Registry credentials from Docker's config.json (docker/cli configfile: "auths" entries with a
// base64 "auth", or username/password, or an OAuth2 "identitytoken") and from Kubernetes image
// pull secrets (type kubernetes.io/dockerconfigjson, the same JSON; the older .dockercfg form is
// the bare map). Credential helpers are recognised but not run: we report them instead.

import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { PalisadeError } from '../model/index.ts';

export type RegistryCredentials =
  | { readonly kind: 'basic'; readonly username: string; readonly password: string }
  /** An OAuth2 refresh token, exchanged at the token realm (distribution docs/spec/auth/oauth.md). */
  | { readonly kind: 'identity-token'; readonly token: string }
  /** A bearer token sent as is. */
  | { readonly kind: 'registry-token'; readonly token: string };

export interface DockerAuthConfig {
  /** By normalised registry host ("docker.io", "registry.example.com:5000"). */
  readonly auths: ReadonlyMap<string, RegistryCredentials>;
  /** Registry host → credential helper name (config.json "credHelpers"). */
  readonly credHelpers: ReadonlyMap<string, string>;
  /** The default credential helper (config.json "credsStore"). */
  readonly credsStore?: string;
}

export type CredentialLookup =
  | { readonly kind: 'found'; readonly credentials: RegistryCredentials }
  | { readonly kind: 'helper'; readonly helper: string }
  | { readonly kind: 'none' };

export const emptyAuthConfig: DockerAuthConfig = { auths: new Map(), credHelpers: new Map() };

/** docker/cli's ConvertToHostname, plus Docker Hub's aliases folded into "docker.io". */
export function normaliseRegistryHost(key: string): string {
  let host = key.trim().toLowerCase();
  host = host.replace(/^[a-z][a-z0-9+.-]*:\/\//, '');
  const slash = host.indexOf('/');
  if (slash >= 0) host = host.slice(0, slash);
  if (host === 'index.docker.io' || host === 'registry-1.docker.io') host = 'docker.io';
  return host;
}

function invalidConfig(where: string, message: string): PalisadeError {
  return new PalisadeError('credentials-invalid', `${where}: ${message}`, { status: 400 });
}

function parseEntry(value: unknown, where: string): RegistryCredentials | undefined {
  if (typeof value !== 'object' || value === null)
    throw invalidConfig(where, 'entry is not an object');
  const entry = value as Record<string, unknown>;
  const text = (key: string): string | undefined => {
    const field = entry[key];
    return typeof field === 'string' && field !== '' ? field : undefined;
  };
  const identityToken = text('identitytoken');
  if (identityToken !== undefined) return { kind: 'identity-token', token: identityToken };
  const registryToken = text('registrytoken');
  if (registryToken !== undefined) return { kind: 'registry-token', token: registryToken };
  const auth = text('auth');
  if (auth !== undefined) {
    const decoded = Buffer.from(auth, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon <= 0) throw invalidConfig(where, '"auth" is not base64 of "username:password"');
    return { kind: 'basic', username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
  }
  const username = text('username');
  const password = text('password');
  if (username !== undefined && password !== undefined)
    return { kind: 'basic', username, password };
  // An empty entry: the credentials are in a credential helper (credsStore).
  return undefined;
}

function parseAuths(value: unknown, where: string): Map<string, RegistryCredentials> {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw invalidConfig(where, '"auths" is not an object');
  const auths = new Map<string, RegistryCredentials>();
  for (const [key, entry] of Object.entries(value as Record<string, unknown>)) {
    const credentials = parseEntry(entry, `${where}: auths["${key}"]`);
    const host = normaliseRegistryHost(key);
    if (credentials !== undefined && !auths.has(host)) auths.set(host, credentials);
  }
  return auths;
}

/** Parses the text of a Docker config.json. */
export function parseDockerConfig(text: string, where = 'config.json'): DockerAuthConfig {
  let json: unknown;
  try {
    json = JSON.parse(text) as unknown;
  } catch (error) {
    throw invalidConfig(
      where,
      `not JSON (${error instanceof Error ? error.message : String(error)})`,
    );
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json))
    throw invalidConfig(where, 'not a JSON object');
  const record = json as Record<string, unknown>;
  const auths = record['auths'] === undefined ? new Map() : parseAuths(record['auths'], where);
  const credHelpers = new Map<string, string>();
  const helpers = record['credHelpers'];
  if (typeof helpers === 'object' && helpers !== null) {
    for (const [key, helper] of Object.entries(helpers as Record<string, unknown>))
      if (typeof helper === 'string' && helper !== '')
        credHelpers.set(normaliseRegistryHost(key), helper);
  }
  const credsStore = record['credsStore'];
  return typeof credsStore === 'string' && credsStore !== ''
    ? { auths, credHelpers, credsStore }
    : { auths, credHelpers };
}

/**
 * Credentials from the content of a Kubernetes image pull secret: the decoded
 * `.dockerconfigjson` ({"auths": {...}}) or legacy `.dockercfg` (the bare map) value.
 */
export function credentialsFromPullSecret(
  content: string | Uint8Array,
  where = 'image pull secret',
): DockerAuthConfig {
  const text = typeof content === 'string' ? content : Buffer.from(content).toString('utf8');
  let json: unknown;
  try {
    json = JSON.parse(text) as unknown;
  } catch (error) {
    throw invalidConfig(
      where,
      `not JSON (${error instanceof Error ? error.message : String(error)})`,
    );
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json))
    throw invalidConfig(where, 'not a JSON object');
  const record = json as Record<string, unknown>;
  const auths = parseAuths('auths' in record ? record['auths'] : record, where);
  return { auths, credHelpers: new Map() };
}

export interface ReadDockerConfigOptions {
  /** The config.json path; default $DOCKER_CONFIG/config.json, else ~/.docker/config.json. */
  readonly path?: string;
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** Reads Docker's config.json; a missing file means no credentials. */
export async function readDockerConfig(
  options: ReadDockerConfigOptions = {},
): Promise<DockerAuthConfig> {
  const env = options.env ?? process.env;
  const dockerConfig = env['DOCKER_CONFIG'];
  const path =
    options.path ??
    (dockerConfig !== undefined && dockerConfig !== ''
      ? join(dockerConfig, 'config.json')
      : join(homedir(), '.docker', 'config.json'));
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return emptyAuthConfig;
    throw new PalisadeError('credentials-invalid', `reading ${path}: ${String(error)}`, {
      cause: error,
    });
  }
  return parseDockerConfig(text, path);
}

/** Earlier configs win for a registry they name (e.g. pull secrets before config.json). */
export function mergeAuthConfigs(...configs: readonly DockerAuthConfig[]): DockerAuthConfig {
  const auths = new Map<string, RegistryCredentials>();
  const credHelpers = new Map<string, string>();
  let credsStore: string | undefined;
  for (const config of configs) {
    for (const [host, credentials] of config.auths)
      if (!auths.has(host)) auths.set(host, credentials);
    for (const [host, helper] of config.credHelpers)
      if (!credHelpers.has(host)) credHelpers.set(host, helper);
    credsStore ??= config.credsStore;
  }
  return credsStore === undefined ? { auths, credHelpers } : { auths, credHelpers, credsStore };
}

/** What config.json holds for `registry` (a host as in an image reference, "docker.io" for Hub). */
export function findCredentials(config: DockerAuthConfig, registry: string): CredentialLookup {
  const host = normaliseRegistryHost(registry);
  const helper = config.credHelpers.get(host);
  if (helper !== undefined) return { kind: 'helper', helper };
  const credentials = config.auths.get(host);
  if (credentials !== undefined) return { kind: 'found', credentials };
  if (config.credsStore !== undefined) return { kind: 'helper', helper: config.credsStore };
  return { kind: 'none' };
}
