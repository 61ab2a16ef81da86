// How the Sensor reaches the API server: the server URL and, for each request, the agent, TLS
// and credentials, from a kubeconfig or the in-cluster service account. The common forms (bearer
// token, token file, client certificate, basic auth, CA, insecure-skip-tls-verify,
// tls-server-name, impersonation) are read here; exec and auth-provider plugins and proxy-url go
// to @kubernetes/client-node's KubeConfig, imported on first use. Importing client-node loads
// its ~2,400 generated modules, over 100 MB of RSS (bench/sensor.ts), which a Sensor running on
// its service account never needs. Not an API client: kube-client.ts.

import { existsSync, readFileSync } from 'node:fs';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent, type RequestOptions } from 'node:https';
import { isIPv6 } from 'node:net';
import { homedir } from 'node:os';
import { delimiter, dirname, isAbsolute, join } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import { parse } from 'yaml';
import { PalisadeError, wrapError } from '../model/index.ts';

export interface KubeAccess {
  /** The API server's base URL, without a trailing slash. */
  readonly server: string;
  /** Agent, TLS and auth headers for one request; token files are re-read (tokens rotate). */
  requestOptions(): Promise<RequestOptions>;
}

const serviceAccountDir = '/var/run/secrets/kubernetes.io/serviceaccount';
/** client-go and client-node re-read a token file this often. */
const tokenFileMaxAgeMs = 60_000;

type Entry = Record<string, unknown>;

function entry(value: unknown): Entry | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Entry)
    : undefined;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** A kubeconfig after merging: entries by name, and the current context's name. */
interface KubeconfigDocument {
  readonly clusters: Map<string, Entry>;
  readonly users: Map<string, Entry>;
  readonly contexts: Map<string, Entry>;
  currentContext: string | undefined;
}

/** Paths a kubeconfig entry may hold, resolved against the kubeconfig's folder as kubectl does. */
const pathFields = ['certificate-authority', 'client-certificate', 'client-key', 'token-file'];

function resolvePaths(value: Entry, folder: string | undefined): Entry {
  if (folder === undefined) return value;
  const resolved = { ...value };
  for (const field of pathFields) {
    const path = text(resolved[field]);
    if (path !== undefined && !isAbsolute(path)) resolved[field] = join(folder, path);
  }
  return resolved;
}

/**
 * Adds one kubeconfig document. Several files ($KUBECONFIG=a:b) merge as kubectl merges them:
 * the first file to set a name or the current context wins.
 */
function mergeKubeconfig(
  into: KubeconfigDocument,
  source: string,
  where: string,
  folder: string | undefined,
): void {
  let raw: unknown;
  try {
    raw = parse(source);
  } catch (error) {
    throw wrapError(`kubeconfig ${where}`, error, 'kubeconfig-invalid');
  }
  const document = entry(raw) ?? {};
  const lists: [string, string, Map<string, Entry>][] = [
    ['clusters', 'cluster', into.clusters],
    ['users', 'user', into.users],
    ['contexts', 'context', into.contexts],
  ];
  for (const [listName, field, map] of lists) {
    const list = document[listName];
    if (list === undefined || list === null) continue;
    if (!Array.isArray(list))
      throw new PalisadeError(
        'kubeconfig-invalid',
        `kubeconfig ${where}: ${listName} is not a list`,
      );
    list.forEach((item, index) => {
      const named = entry(item);
      const name = text(named?.['name']);
      if (name === undefined)
        throw new PalisadeError(
          'kubeconfig-invalid',
          `kubeconfig ${where}: ${listName}[${index}].name is missing`,
        );
      if (!map.has(name)) map.set(name, resolvePaths(entry(named?.[field]) ?? {}, folder));
    });
  }
  into.currentContext ??= text(document['current-context']);
}

function readFile(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    throw wrapError(`reading ${what} ${path}`, error, 'kubeconfig-invalid');
  }
}

/** PEM from a file or base64 data, as kubeconfig's `x` and `x-data` fields hold it. */
function pemOf(value: Entry, field: string): Buffer | undefined {
  const path = text(value[field]);
  if (path !== undefined) return readFile(path, field);
  const data = text(value[`${field}-data`]);
  return data === undefined ? undefined : Buffer.from(data, 'base64');
}

interface Credentials {
  readonly token?: string;
  readonly tokenFile?: string;
  /** "user:password" for basic auth. */
  readonly basic?: string;
  readonly impersonate?: string;
}

/** Options of the kubeAccess… constructors. */
export interface KubeAccessOptions {
  /** The clock that token files are re-read by, in ms (tests pin it); default Date.now. */
  readonly now?: () => number;
}

/** Credentials and TLS the Sensor applies itself: one agent for the client's life. */
class DirectAccess implements KubeAccess {
  private readonly agent: HttpAgent;
  private token: { value: string; readAt: number } | undefined;

  constructor(
    readonly server: string,
    tls: {
      ca?: Buffer;
      cert?: Buffer;
      key?: Buffer;
      rejectUnauthorized: boolean;
      servername?: string;
    },
    private readonly credentials: Credentials,
    private readonly now: () => number = Date.now,
  ) {
    this.agent = server.startsWith('https:') ? new HttpsAgent(tls) : new HttpAgent();
  }

  requestOptions(): Promise<RequestOptions> {
    const headers: Record<string, string> = {};
    const token = this.currentToken();
    if (token !== undefined) headers['authorization'] = `Bearer ${token}`;
    if (this.credentials.impersonate !== undefined)
      headers['impersonate-user'] = this.credentials.impersonate;
    return Promise.resolve({
      agent: this.agent,
      headers,
      ...(this.credentials.basic === undefined ? {} : { auth: this.credentials.basic }),
    });
  }

  private currentToken(): string | undefined {
    const { token, tokenFile } = this.credentials;
    if (token !== undefined || tokenFile === undefined) return token;
    const now = this.now();
    if (this.token === undefined || now - this.token.readAt > tokenFileMaxAgeMs)
      this.token = {
        value: readFile(tokenFile, 'token file').toString('utf8').trim(),
        readAt: now,
      };
    return this.token.value;
  }
}

/** exec and auth-provider plugins, proxy-url: client-node's KubeConfig, imported when first used. */
class ClientNodeAccess implements KubeAccess {
  private config: Promise<KubeConfig> | undefined;
  private agent: RequestOptions['agent'];

  constructor(
    readonly server: string,
    private readonly document: KubeconfigDocument,
    private readonly contextName: string,
  ) {}

  async requestOptions(): Promise<RequestOptions> {
    this.config ??= this.load();
    const options: RequestOptions = {};
    await (await this.config).applyToHTTPSOptions(options);
    // One agent for the client's life (keep-alive); fresh options carry current credentials.
    this.agent ??= options.agent;
    return { ...options, agent: this.agent };
  }

  private async load(): Promise<KubeConfig> {
    const clientNode = await import('@kubernetes/client-node');
    const config = new clientNode.KubeConfig();
    const listOf = (map: Map<string, Entry>, field: string) =>
      [...map].map(([name, value]) => ({ name, [field]: value }));
    config.loadFromString(
      JSON.stringify({
        clusters: listOf(this.document.clusters, 'cluster'),
        users: listOf(this.document.users, 'user'),
        contexts: listOf(this.document.contexts, 'context'),
        'current-context': this.contextName,
      }),
    );
    return config;
  }
}

/** The access a merged kubeconfig describes for a context (its current one by default). */
function accessOf(
  document: KubeconfigDocument,
  where: string,
  context: string | undefined,
  options: KubeAccessOptions,
): KubeAccess {
  const contextName = context ?? document.currentContext;
  const selected = contextName === undefined ? undefined : document.contexts.get(contextName);
  const cluster = document.clusters.get(text(selected?.['cluster']) ?? '');
  const server = text(cluster?.['server'])?.replace(/\/+$/, '');
  if (contextName === undefined || selected === undefined || cluster === undefined || !server)
    throw new PalisadeError(
      'kubeconfig-invalid',
      contextName === undefined
        ? `kubeconfig ${where} has no current context`
        : `kubeconfig ${where} has no current cluster (context '${contextName}')`,
    );
  const user = document.users.get(text(selected['user']) ?? '') ?? {};
  if (
    user['exec'] !== undefined ||
    user['auth-provider'] !== undefined ||
    cluster['proxy-url'] !== undefined
  )
    return new ClientNodeAccess(server, document, contextName);
  const username = text(user['username']);
  const token = text(user['token']);
  const tokenFile = text(user['token-file']);
  const impersonate = text(user['as']);
  const ca = pemOf(cluster, 'certificate-authority');
  const cert = pemOf(user, 'client-certificate');
  const key = pemOf(user, 'client-key');
  const servername = text(cluster['tls-server-name']);
  return new DirectAccess(
    server,
    {
      rejectUnauthorized: cluster['insecure-skip-tls-verify'] !== true,
      ...(ca === undefined ? {} : { ca }),
      ...(cert === undefined ? {} : { cert }),
      ...(key === undefined ? {} : { key }),
      ...(servername === undefined ? {} : { servername }),
    },
    {
      ...(token === undefined ? {} : { token }),
      ...(tokenFile === undefined ? {} : { tokenFile }),
      ...(username === undefined
        ? {}
        : { basic: `${username}:${typeof user['password'] === 'string' ? user['password'] : ''}` }),
      ...(impersonate === undefined ? {} : { impersonate }),
    },
    options.now,
  );
}

function emptyDocument(): KubeconfigDocument {
  return { clusters: new Map(), users: new Map(), contexts: new Map(), currentContext: undefined };
}

/** From kubeconfig text (YAML or JSON); relative paths in it are taken from the working folder. */
export function kubeAccessFromText(
  source: string,
  context?: string,
  options: KubeAccessOptions = {},
): KubeAccess {
  const document = emptyDocument();
  mergeKubeconfig(document, source, '(text)', undefined);
  return accessOf(document, '(text)', context, options);
}

/** From kubeconfig files, merged in order (the first to set a name wins). */
export function kubeAccessFromFiles(
  files: readonly string[],
  context?: string,
  options: KubeAccessOptions = {},
): KubeAccess {
  const document = emptyDocument();
  for (const file of files)
    mergeKubeconfig(document, readFile(file, 'kubeconfig').toString('utf8'), file, dirname(file));
  return accessOf(document, files.join(delimiter), context, options);
}

/** The Pod's service account, as client-go's rest.InClusterConfig reads it. */
export function kubeAccessInCluster(
  folder = serviceAccountDir,
  options: KubeAccessOptions = {},
): KubeAccess {
  const host = process.env['KUBERNETES_SERVICE_HOST'];
  const port = process.env['KUBERNETES_SERVICE_PORT'];
  if (!host || !port)
    throw new PalisadeError(
      'kubeconfig-invalid',
      'in a cluster but KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are not set',
    );
  const server = `https://${isIPv6(host) ? `[${host}]` : host}:${port}`;
  return new DirectAccess(
    server,
    { rejectUnauthorized: true, ca: readFile(join(folder, 'ca.crt'), 'service account CA') },
    { tokenFile: join(folder, 'token') },
    options.now,
  );
}

function homeKubeconfig(): string | undefined {
  try {
    return join(homedir(), '.kube', 'config');
  } catch {
    // No $HOME and no passwd entry (a container's arbitrary user id): there is no home config.
    return undefined;
  }
}

/**
 * The default order of kubectl and client-node: $KUBECONFIG (several files merge), else
 * ~/.kube/config, else the in-cluster service account.
 */
export function kubeAccessFromDefault(context?: string): KubeAccess {
  const files = (process.env['KUBECONFIG'] ?? '').split(delimiter).filter((f) => f !== '');
  if (files.length > 0) return kubeAccessFromFiles(files, context);
  const home = homeKubeconfig();
  if (home !== undefined && existsSync(home)) return kubeAccessFromFiles([home], context);
  if (existsSync(join(serviceAccountDir, 'token'))) return kubeAccessInCluster();
  throw new PalisadeError(
    'kubeconfig-invalid',
    'no kubeconfig: set --kubeconfig or $KUBECONFIG, create ~/.kube/config, or run in a cluster',
  );
}
