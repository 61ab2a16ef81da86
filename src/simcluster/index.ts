// Public surface of simcluster/: a simulated Kubernetes API server, in memory, that real kubectl
// and @kubernetes/client-node informers talk to. It serves the demo (`npm start`) and the Sensor
// tests. It is not a conformance-tested API server: see the module files for what it models.

import { randomBytes } from 'node:crypto';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { stringify } from 'yaml';
import { wrapError } from '../model/index.ts';
import { apiError } from './api-status.ts';
import { installControllers } from './controllers.ts';
import { SimHttpHandler } from './http-server.ts';
import {
  arrayAt,
  isJsonObject,
  objectAt,
  stringAt,
  type JsonObject,
  type JsonValue,
} from './json-value.ts';
import { ObjectRegistry } from './registry.ts';
import { ResourceCatalog } from './resources.ts';
import { objectKey, ObjectStore } from './store.ts';

export type { JsonObject, JsonValue } from './json-value.ts';
export { resourceDefinitions } from './resources.ts';
export type { ResourceDefinition } from './resources.ts';

export interface SimClusterOptions {
  /** Address to listen on; 127.0.0.1 when omitted. */
  readonly host?: string;
  /** Port to listen on; 0 (the default) picks a free one. */
  readonly port?: number;
  /** Serve HTTPS with this certificate and key (PEM); `ca` goes into the kubeconfig (default: cert). */
  readonly tls?: {
    readonly cert: string | Buffer;
    readonly key: string | Buffer;
    readonly ca?: string | Buffer;
  };
  /**
   * Require this bearer token; without it any request is accepted. kubectl (client-go's
   * clientcmd) sends tokens only over HTTPS, so pair a token with `tls` for kubectl.
   */
  readonly token?: string;
  /** Manifests to load at start, after the built-in namespaces, node and kubernetes Service. */
  readonly objects?: readonly unknown[];
  /** Past events kept for watches and paginated lists; older resourceVersions get 410 Gone. */
  readonly eventWindow?: number;
  /** Largest request body in bytes (the API server's 3 MiB when omitted). */
  readonly maxBodyBytes?: number;
  /** How often a watch with allowWatchBookmarks gets a BOOKMARK (60 s when omitted). */
  readonly bookmarkIntervalMs?: number;
  /** Serve route.openshift.io/v1 routes and apps.openshift.io/v1 deploymentconfigs. */
  readonly openshift?: boolean;
  /** Simulated controllers: pods run, workloads report ready replicas (true when omitted). */
  readonly controllers?: boolean;
  /** Names of the nodes the cluster starts with (one, "sim-node-1", when omitted). */
  readonly nodes?: readonly string[];
}

export interface ObjectAddress {
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
  /** For namespaced kinds; "default" when omitted. */
  readonly namespace?: string;
}

const defaultMaxBodyBytes = 3 * 1024 * 1024;

export class SimCluster {
  private closed = false;

  private constructor(
    /** Base URL of the API server, e.g. http://127.0.0.1:41234. */
    readonly url: string,
    /** The bearer token clients should send (the required one, when configured). */
    readonly token: string,
    private readonly server: Server,
    private readonly handler: SimHttpHandler,
    private readonly registry: ObjectRegistry,
    private readonly caPem: string | undefined,
  ) {}

  static async start(options: SimClusterOptions = {}): Promise<SimCluster> {
    const catalog = new ResourceCatalog({ openshift: options.openshift ?? false });
    const store = new ObjectStore(options.eventWindow ?? 1000);
    const registry = new ObjectRegistry(store, catalog);
    if (options.controllers ?? true) installControllers(registry);
    const handler = new SimHttpHandler(registry, {
      ...(options.token === undefined ? {} : { token: options.token }),
      maxBodyBytes: options.maxBodyBytes ?? defaultMaxBodyBytes,
      bookmarkIntervalMs: options.bookmarkIntervalMs ?? 60_000,
      maxWatchBufferBytes: 16 * 1024 * 1024,
    });
    const tls = options.tls;
    const server =
      tls === undefined
        ? createHttpServer(handler.listener)
        : createHttpsServer({ cert: tls.cert, key: tls.key }, handler.listener);
    const host = options.host ?? '127.0.0.1';
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const port = (server.address() as AddressInfo).port;
    const clientHost =
      host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
    handler.serverAddress = `${clientHost}:${port}`;
    const url = `${tls === undefined ? 'http' : 'https'}://${clientHost}:${port}`;
    const token = options.token ?? randomBytes(16).toString('hex');
    const ca = tls === undefined ? undefined : String(tls.ca ?? tls.cert);
    const cluster = new SimCluster(url, token, server, handler, registry, ca);
    try {
      cluster.apply(bootstrapObjects(options.nodes ?? ['sim-node-1']));
      cluster.apply(options.objects ?? []);
    } catch (error) {
      await cluster.close();
      throw wrapError('loading the simulated cluster', error, 'simcluster-load-failed');
    }
    return cluster;
  }

  /** The current (global) resourceVersion. */
  get resourceVersion(): number {
    return this.registry.store.resourceVersion;
  }

  /** A kubeconfig (YAML) for kubectl and @kubernetes/client-node, context "simcluster". */
  kubeconfig(): string {
    const cluster: JsonObject = { server: this.url };
    if (this.caPem !== undefined)
      cluster['certificate-authority-data'] = Buffer.from(this.caPem).toString('base64');
    // @kubernetes/client-node 1.x refuses an http:// server unless TLS verification is "skipped".
    else cluster['insecure-skip-tls-verify'] = true;
    return stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'simcluster', cluster }],
      users: [{ name: 'simcluster', user: { token: this.token } }],
      contexts: [
        {
          name: 'simcluster',
          context: { cluster: 'simcluster', user: 'simcluster', namespace: 'default' },
        },
      ],
      'current-context': 'simcluster',
    });
  }

  /**
   * Creates or replaces objects as a client would (defaults, validation, watch events), then
   * writes any `status` they carry through the status subresource. Namespaces go first; a
   * `kind: List` is unpacked. Returns the stored objects.
   */
  apply(objects: readonly unknown[]): JsonObject[] {
    const flat = objects.flatMap((o) =>
      isJsonObject(o) && o['kind'] === 'List' ? (arrayAt(o, 'items') ?? []) : [o],
    );
    const ordered = [...flat.filter(isNamespace), ...flat.filter((o) => !isNamespace(o))];
    return ordered.map((object, index) => {
      try {
        return this.applyOne(object);
      } catch (error) {
        throw wrapError(
          `applying object ${index + 1} (${describe(object)})`,
          error,
          'simcluster-apply-failed',
        );
      }
    });
  }

  get(address: ObjectAddress): JsonObject | undefined {
    const definition = this.registry.definitionFor(address.apiVersion, address.kind);
    const key = objectKey(
      definition.namespaced ? (address.namespace ?? 'default') : '',
      address.name,
    );
    const object = this.registry.store.get(definition, key);
    return object === undefined ? undefined : structuredClone(object);
  }

  /** Objects of a kind, sorted by namespace and name; all namespaces unless one is given. */
  list(apiVersion: string, kind: string, namespace?: string): JsonObject[] {
    const definition = this.registry.definitionFor(apiVersion, kind);
    return structuredClone(
      this.registry.store.list(definition, definition.namespaced ? namespace : undefined),
    );
  }

  /** Deletes an object (and what it owns); false when it did not exist. */
  delete(address: ObjectAddress): boolean {
    const definition = this.registry.definitionFor(address.apiVersion, address.kind);
    const namespace = definition.namespaced ? (address.namespace ?? 'default') : '';
    if (this.registry.store.get(definition, objectKey(namespace, address.name)) === undefined)
      return false;
    this.registry.delete(definition, namespace, address.name);
    return true;
  }

  /** Ends every open watch stream, as an API server restart would; clients re-watch from their last resourceVersion. */
  disconnectWatches(): void {
    this.handler.closeWatches();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.handler.closeWatches();
    const done = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await done;
  }

  private applyOne(object: unknown): JsonObject {
    if (!isJsonObject(object)) throw apiError('BadRequest', 'an object must be a mapping');
    const apiVersion = stringAt(object, 'apiVersion') ?? '';
    const kind = stringAt(object, 'kind') ?? '';
    const definition = this.registry.definitionFor(apiVersion, kind);
    const metadata = objectAt(object, 'metadata');
    const name = stringAt(metadata, 'name') ?? '';
    const namespace = definition.namespaced ? stringAt(metadata, 'namespace') || 'default' : '';
    const exists =
      name !== '' && this.registry.store.get(definition, objectKey(namespace, name)) !== undefined;
    let stored = exists
      ? this.registry.update(definition, namespace, name, object)
      : this.registry.create(definition, namespace, object);
    const status = object['status'];
    if (isJsonObject(status) && definition.subresources.includes('status')) {
      // Controllers may have written since the create: start from the latest version.
      const storedName = stringAt(objectAt(stored, 'metadata'), 'name') ?? name;
      const latest = this.registry.get(definition, namespace, storedName);
      stored = this.registry.updateStatus(definition, namespace, storedName, { ...latest, status });
    }
    return structuredClone(stored);
  }
}

/** Starts a simulated cluster; close() it when done. */
export function startSimCluster(options: SimClusterOptions = {}): Promise<SimCluster> {
  return SimCluster.start(options);
}

function isNamespace(object: unknown): boolean {
  return isJsonObject(object) && object['kind'] === 'Namespace' && object['apiVersion'] === 'v1';
}

function describe(object: unknown): string {
  if (!isJsonObject(object)) return 'not a mapping';
  const metadata = objectAt(object, 'metadata');
  const namespace = stringAt(metadata, 'namespace');
  const name = stringAt(metadata, 'name') ?? '<no name>';
  return `${stringAt(object, 'kind') ?? '<no kind>'} ${namespace === undefined ? '' : `${namespace}/`}${name}`;
}

/** What a fresh kubeadm-style cluster has: its namespaces, nodes and the kubernetes Service. */
function bootstrapObjects(nodes: readonly string[]): JsonValue[] {
  const namespaces = ['default', 'kube-system', 'kube-public', 'kube-node-lease'].map((name) => ({
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name },
  }));
  const nodeObjects = nodes.map((name, index) => ({
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      labels: {
        'kubernetes.io/hostname': name,
        'kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        'beta.kubernetes.io/os': 'linux',
        'beta.kubernetes.io/arch': 'amd64',
      },
    },
    spec: { podCIDR: `10.244.${index}.0/24`, podCIDRs: [`10.244.${index}.0/24`] },
    status: {
      capacity: { cpu: '4', memory: '16393076Ki', pods: '110', 'ephemeral-storage': '102626232Ki' },
      allocatable: {
        cpu: '4',
        memory: '16290676Ki',
        pods: '110',
        'ephemeral-storage': '102626232Ki',
      },
      conditions: [
        {
          type: 'Ready',
          status: 'True',
          reason: 'KubeletReady',
          message: 'kubelet is posting ready status',
        },
      ],
      addresses: [
        { type: 'InternalIP', address: `172.18.0.${index + 2}` },
        { type: 'Hostname', address: name },
      ],
      nodeInfo: {
        kubeletVersion: 'v1.35.0',
        containerRuntimeVersion: 'containerd://2.1.0',
        kernelVersion: '6.1.0',
        osImage: 'Debian GNU/Linux 12 (bookworm)',
        operatingSystem: 'linux',
        architecture: 'amd64',
        machineID: '',
        systemUUID: '',
        bootID: '',
        kubeProxyVersion: '',
      },
    },
  }));
  const kubernetesService = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name: 'kubernetes',
      namespace: 'default',
      labels: { component: 'apiserver', provider: 'kubernetes' },
    },
    spec: {
      clusterIP: '10.96.0.1',
      ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: 6443 }],
    },
  };
  return [...namespaces, ...nodeObjects, kubernetesService];
}
