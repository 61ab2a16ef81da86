// The HTTP face of the simulated API server: routing of Kubernetes REST paths, bearer-token
// authentication, body decoding with a size cap (JSON, YAML and the four PATCH types), Table and
// plain JSON responses, Status errors, and watch streams (newline-delimited JSON events with
// bookmarks, 410 Expired as an ERROR event, timeoutSeconds). Semantics live in registry.ts.

import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseDocument } from 'yaml';
import type { PalisadeError } from '../model/index.ts';
import { apiError, toStatus } from './api-status.ts';
import { apiGroup, apiGroupList, apiResourceList, apiVersions, versionInfo } from './discovery.ts';
import {
  isJsonObject,
  jsonDepth,
  objectAt,
  stringAt,
  type JsonObject,
  type JsonValue,
} from './json-value.ts';
import { openApiV3Document, openApiV3Root } from './openapi.ts';
import { decodeProtobufObject } from './protobuf.ts';
import type {
  DeleteOptions,
  ListQuery,
  ObjectRegistry,
  PatchType,
  WriteOptions,
} from './registry.ts';
import { apiVersionOf, type ResourceDefinition } from './resources.ts';
import { parseFieldSelector, parseLabelSelector } from './selectors.ts';
import type { StoreEvent } from './store.ts';
import { toTable, wantsTable, type IncludeObject } from './table.ts';

export interface HttpHandlerOptions {
  /** When set, every request but health and version checks must carry it as a bearer token. */
  readonly token?: string;
  readonly maxBodyBytes: number;
  readonly bookmarkIntervalMs: number;
  /** A watch whose client reads too slowly is ended once this much output is waiting. */
  readonly maxWatchBufferBytes: number;
}

interface ResourceRoute {
  readonly definition: ResourceDefinition;
  /** undefined: all namespaces (or cluster-scoped). */
  readonly namespace: string | undefined;
  readonly name: string | undefined;
  readonly subresource: string | undefined;
}

const patchTypes: Readonly<Record<string, PatchType>> = {
  'application/json-patch+json': 'json',
  'application/merge-patch+json': 'merge',
  'application/strategic-merge-patch+json': 'strategic',
  'application/apply-patch+yaml': 'apply',
};

/** Deepest nesting a request body may have; real objects stay far below it. */
const maxBodyDepth = 100;

function mediaType(header: string | undefined): string {
  return (header ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

function notFoundRoute(): PalisadeError {
  return apiError('NotFound', 'the server could not find the requested resource');
}

function methodNotAllowed(method: string): PalisadeError {
  return apiError(
    'MethodNotAllowed',
    `the server does not allow this method on the requested resource (${method})`,
  );
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

export class SimHttpHandler {
  private readonly watchClosers = new Set<() => void>();
  private readonly tokenHash: Buffer | undefined;
  serverAddress = '127.0.0.1:443';

  constructor(
    private readonly registry: ObjectRegistry,
    private readonly options: HttpHandlerOptions,
  ) {
    this.tokenHash = options.token === undefined ? undefined : sha256(options.token);
  }

  /** The request listener for node:http or node:https. */
  readonly listener = (req: IncomingMessage, res: ServerResponse): void => {
    this.dispatch(req, res).catch((error: unknown) => this.fail(req, res, error));
  };

  /** Ends every open watch stream (before the server closes). */
  closeWatches(): void {
    for (const close of [...this.watchClosers]) close();
  }

  private fail(req: IncomingMessage, res: ServerResponse, error: unknown): void {
    const { code, body } = toStatus(error);
    if (res.headersSent) {
      res.destroy();
      return;
    }
    const tooLarge = code === 413;
    sendJson(res, code, body, tooLarge ? { Connection: 'close' } : {});
    // A body we refused is not read to its end: drop the connection once the answer is out.
    if (tooLarge) res.on('finish', () => req.destroy());
  }

  private authenticate(req: IncomingMessage): void {
    if (this.tokenHash === undefined) return;
    const header = req.headers.authorization ?? '';
    const match = /^Bearer\s+(.+)$/i.exec(header);
    if (match?.[1] !== undefined && timingSafeEqual(sha256(match[1].trim()), this.tokenHash))
      return;
    throw apiError('Unauthorized', 'Unauthorized');
  }

  private async dispatch(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://simcluster');
    let segments: string[];
    try {
      segments = url.pathname
        .split('/')
        .filter((s) => s !== '')
        .map(decodeURIComponent);
    } catch (error) {
      throw apiError('BadRequest', 'the request path is not valid percent-encoding', {}, error);
    }
    const method = req.method ?? 'GET';
    const [first, second, third] = segments;
    if (segments.length === 1 && (first === 'healthz' || first === 'livez' || first === 'readyz')) {
      res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end('ok');
      return;
    }
    if (segments.length === 1 && first === 'version') return sendJson(res, 200, versionInfo());
    this.authenticate(req);
    const catalog = this.registry.catalog;
    if (first === 'openapi') return this.serveOpenApi(res, segments.slice(1));
    if (first === 'api') {
      if (segments.length === 1) return sendJson(res, 200, apiVersions(this.serverAddress));
      if (second !== 'v1') throw notFoundRoute();
      if (segments.length === 2)
        return sendJson(res, 200, apiResourceList(catalog, '', 'v1') ?? {});
      return this.serveResource(req, res, url, method, this.route('', 'v1', segments.slice(2)));
    }
    if (first === 'apis') {
      if (segments.length === 1) return sendJson(res, 200, apiGroupList(catalog));
      const group = second ?? '';
      if (segments.length === 2)
        return sendJson(res, 200, apiGroup(catalog, group) ?? throwNotFound());
      const version = third ?? '';
      if (segments.length === 3)
        return sendJson(res, 200, apiResourceList(catalog, group, version) ?? throwNotFound());
      return this.serveResource(
        req,
        res,
        url,
        method,
        this.route(group, version, segments.slice(3)),
      );
    }
    throw notFoundRoute();
  }

  private serveOpenApi(res: ServerResponse, rest: readonly string[]): void {
    const catalog = this.registry.catalog;
    if (rest[0] === 'v3' && rest.length === 1) return sendJson(res, 200, openApiV3Root(catalog));
    if (rest[0] === 'v3') {
      const groupVersion = rest.slice(1).join('/');
      const document = openApiV3Document(catalog, groupVersion);
      if (document !== undefined) return sendJson(res, 200, document);
    }
    // No Swagger 2.0 document: kubectl's client-side fallbacks work from its compiled-in types.
    throw notFoundRoute();
  }

  private route(group: string, version: string, parts: readonly string[]): ResourceRoute {
    let namespace: string | undefined;
    let rest = parts;
    const namespaceSubresource =
      group === '' && rest.length === 3 && (rest[2] === 'status' || rest[2] === 'finalize');
    if (rest[0] === 'namespaces' && rest.length >= 3 && !namespaceSubresource) {
      namespace = rest[1];
      rest = rest.slice(2);
    }
    const [resource, name, subresource, ...extra] = rest;
    const definition =
      resource === undefined
        ? undefined
        : this.registry.catalog.byResource(group, version, resource);
    if (definition === undefined || extra.length > 0) throw notFoundRoute();
    if (!definition.namespaced && namespace !== undefined) throw notFoundRoute();
    if (definition.namespaced && namespace === undefined && name !== undefined)
      throw notFoundRoute();
    if (
      subresource !== undefined &&
      !(definition.subresources as readonly string[]).includes(subresource)
    )
      throw notFoundRoute();
    return { definition, namespace, name, subresource };
  }

  private async serveResource(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    method: string,
    route: ResourceRoute,
  ): Promise<void> {
    const { definition, name, subresource } = route;
    const namespace = route.namespace ?? '';
    const query = url.searchParams;
    const write = writeOptions(query);
    const registry = this.registry;
    if (name === undefined) {
      switch (method) {
        case 'GET':
          if (isTrue(query.get('watch'))) return this.serveWatch(req, res, route, query);
          return this.sendObject(
            req,
            res,
            200,
            definition,
            registry.list(definition, route.namespace, listQuery(query)),
          );
        case 'POST': {
          const body = await this.readBody(req);
          return this.sendObject(
            req,
            res,
            201,
            definition,
            registry.create(definition, namespace, body, write),
          );
        }
        case 'DELETE': {
          const options = deleteOptions(await this.readBody(req, true), query);
          const deleted = registry.deleteCollection(
            definition,
            route.namespace,
            listQuery(query),
            options,
            write,
          );
          return this.sendObject(req, res, 200, definition, deleted);
        }
        default:
          throw methodNotAllowed(method);
      }
    }
    if (subresource === 'scale') {
      switch (method) {
        case 'GET':
          return sendJson(res, 200, registry.getScale(definition, namespace, name));
        case 'PUT':
          return sendJson(
            res,
            200,
            registry.updateScale(definition, namespace, name, await this.readBody(req), write),
          );
        case 'PATCH': {
          const type = patchTypeOf(req);
          const body = await this.readBody(req);
          return sendJson(
            res,
            200,
            registry.patchScale(definition, namespace, name, type, body, write),
          );
        }
        default:
          throw methodNotAllowed(method);
      }
    }
    if (subresource === 'status') {
      switch (method) {
        case 'GET':
          return this.sendObject(
            req,
            res,
            200,
            definition,
            registry.get(definition, namespace, name),
          );
        case 'PUT': {
          const body = await this.readBody(req);
          return this.sendObject(
            req,
            res,
            200,
            definition,
            registry.updateStatus(definition, namespace, name, body, write),
          );
        }
        case 'PATCH': {
          const type = patchTypeOf(req);
          const body = await this.readBody(req);
          const patched = registry.patchStatus(definition, namespace, name, type, body, write);
          return this.sendObject(req, res, 200, definition, patched);
        }
        default:
          throw methodNotAllowed(method);
      }
    }
    if (subresource !== undefined) throw methodNotAllowed(method);
    switch (method) {
      case 'GET':
        return this.sendObject(
          req,
          res,
          200,
          definition,
          registry.get(definition, namespace, name),
        );
      case 'PUT': {
        const body = await this.readBody(req);
        return this.sendObject(
          req,
          res,
          200,
          definition,
          registry.update(definition, namespace, name, body, write),
        );
      }
      case 'PATCH': {
        const type = patchTypeOf(req);
        const body = await this.readBody(req);
        const existed =
          registry.store.get(definition, registry.keyOf(definition, namespace, name)) !== undefined;
        const patched = registry.patch(definition, namespace, name, type, body, write);
        return this.sendObject(req, res, existed ? 200 : 201, definition, patched);
      }
      case 'DELETE': {
        const options = deleteOptions(await this.readBody(req, true), query);
        return this.sendObject(
          req,
          res,
          200,
          definition,
          registry.delete(definition, namespace, name, options, write),
        );
      }
      default:
        throw methodNotAllowed(method);
    }
  }

  /** Sends an object, list or Status; as a Table when the client asks for one. */
  private sendObject(
    req: IncomingMessage,
    res: ServerResponse,
    code: number,
    definition: ResourceDefinition,
    object: JsonObject,
  ): void {
    if (!wantsTable(req.headers.accept) || object['kind'] === 'Status')
      return sendJson(res, code, object);
    const includeObject = includeObjectOf(
      new URL(req.url ?? '/', 'http://simcluster').searchParams,
    );
    const isList = Array.isArray(object['items']);
    const items = isList ? (object['items'] as JsonValue[]).filter(isJsonObject) : [object];
    const listMetadata = isList
      ? (objectAt(object, 'metadata') ?? {})
      : { resourceVersion: stringAt(objectAt(object, 'metadata'), 'resourceVersion') ?? '' };
    sendJson(res, code, toTable(definition, items, { includeObject, listMetadata }));
  }

  /** Reads the body within the size cap and decodes it by Content-Type. */
  private async readBody(req: IncomingMessage, optional = false): Promise<JsonValue> {
    const limit = this.options.maxBodyBytes;
    const declared = Number(req.headers['content-length'] ?? '0');
    if (declared > limit) throw tooLarge(limit);
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > limit) throw tooLarge(limit);
      chunks.push(chunk);
    }
    const bytes = Buffer.concat(chunks);
    if (bytes.length === 0) {
      if (optional) return null;
      throw apiError('BadRequest', 'the request body is empty');
    }
    const type = mediaType(req.headers['content-type']);
    let value: unknown;
    if (type === 'application/yaml' || type === 'application/apply-patch+yaml') {
      const document = parseDocument(bytes.toString('utf8'), { uniqueKeys: true });
      const error = document.errors[0];
      if (error !== undefined)
        throw apiError(
          'BadRequest',
          `the body is not valid YAML: ${error.message.split('\n')[0] ?? ''}`,
        );
      try {
        value = JSON.parse(
          JSON.stringify(document.toJS({ maxAliasCount: 100 }) ?? null),
        ) as unknown;
      } catch (cause) {
        // toJS refuses alias bombs (maxAliasCount) and values JSON cannot hold.
        const why =
          cause instanceof Error
            ? (cause.message.split('\n')[0] ?? '')
            : 'not representable as JSON';
        throw apiError('BadRequest', `the body is not valid YAML: ${why}`, {}, cause);
      }
    } else if (type === 'application/vnd.kubernetes.protobuf') {
      value = decodeProtobufObject(bytes);
    } else if (type === '' || type === 'application/json' || Object.hasOwn(patchTypes, type)) {
      try {
        value = JSON.parse(bytes.toString('utf8')) as unknown;
      } catch (cause) {
        const why = cause instanceof SyntaxError ? cause.message : 'malformed';
        throw apiError('BadRequest', `the body is not valid JSON: ${why}`, {}, cause);
      }
    } else {
      throw apiError(
        'UnsupportedMediaType',
        `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf`,
      );
    }
    if (jsonDepth(value) > maxBodyDepth)
      throw apiError('BadRequest', `the body nests deeper than ${maxBodyDepth} levels`);
    return value as JsonValue;
  }

  private serveWatch(
    req: IncomingMessage,
    res: ServerResponse,
    route: ResourceRoute,
    query: URLSearchParams,
  ): void {
    const { definition } = route;
    const registry = this.registry;
    const matches = registry.matcherFor(definition, listQuery(query));
    const inNamespace = (object: JsonObject): boolean =>
      route.namespace === undefined ||
      stringAt(objectAt(object, 'metadata'), 'namespace') === route.namespace;
    const asTable = wantsTable(req.headers.accept);
    const includeObject = includeObjectOf(query);
    const bookmarks = isTrue(query.get('allowWatchBookmarks'));
    const rvText = query.get('resourceVersion') ?? '';
    const fromVersion = rvText === '' ? undefined : Number(rvText);
    if (fromVersion !== undefined && (!Number.isInteger(fromVersion) || fromVersion < 0))
      throw apiError('BadRequest', `invalid resource version "${rvText}"`);

    res.writeHead(200, {
      'Content-Type': 'application/json',
      'Cache-Control': 'no-cache, private',
    });
    res.flushHeaders();
    let closed = false;
    const send = (type: string, object: JsonObject): void => {
      if (closed) return;
      let payload = object;
      if (asTable && type !== 'ERROR' && type !== 'BOOKMARK')
        payload = toTable(definition, [object], {
          includeObject,
          listMetadata: {
            resourceVersion: stringAt(objectAt(object, 'metadata'), 'resourceVersion') ?? '',
          },
        });
      res.write(`${JSON.stringify({ type, object: payload })}\n`);
      if (res.writableLength > this.options.maxWatchBufferBytes) close();
    };
    const bookmark = (annotations?: JsonObject): void => {
      const metadata: JsonObject = { resourceVersion: String(registry.store.resourceVersion) };
      if (annotations !== undefined) metadata['annotations'] = annotations;
      send('BOOKMARK', { kind: definition.kind, apiVersion: apiVersionOf(definition), metadata });
    };
    const deliver = (event: StoreEvent): void => {
      if (event.definition !== definition || !inNamespace(event.object)) return;
      const now = event.type !== 'DELETED' && matches(event.object);
      const before = event.previous !== undefined && matches(event.previous);
      // A change that moves an object into or out of the selection is an ADDED or DELETED.
      if (event.type === 'ADDED' && now) send('ADDED', event.object);
      else if (event.type === 'MODIFIED' && now) send(before ? 'MODIFIED' : 'ADDED', event.object);
      else if (event.type === 'MODIFIED' && before) send('DELETED', event.object);
      else if (event.type === 'DELETED' && before) send('DELETED', event.object);
    };

    const timers: NodeJS.Timeout[] = [];
    let unsubscribe = (): void => undefined;
    const close = (): void => {
      if (closed) return;
      closed = true;
      for (const timer of timers) clearTimeout(timer);
      unsubscribe();
      this.watchClosers.delete(close);
      res.end();
    };
    this.watchClosers.add(close);
    req.on('close', close);
    res.on('error', close);

    // rv unset or "0": the current state first, as synthetic ADDED events; otherwise replay.
    const sendInitial = query.get('sendInitialEvents');
    if (fromVersion === undefined || fromVersion === 0 || sendInitial === 'true') {
      for (const object of registry.store.list(definition, route.namespace))
        if (matches(object)) send('ADDED', object);
      if (sendInitial === 'true' && bookmarks) bookmark({ 'k8s.io/initial-events-end': 'true' });
    } else {
      try {
        for (const event of registry.store.eventsSince(fromVersion)) deliver(event);
      } catch (error) {
        send('ERROR', toStatus(error).body);
        close();
        return;
      }
    }
    unsubscribe = registry.store.subscribe(deliver);
    if (bookmarks) {
      const every = this.options.bookmarkIntervalMs;
      const tick = (): void => {
        bookmark();
        timers[0] = setTimeout(tick, every);
      };
      timers[0] = setTimeout(tick, every);
    }
    const timeout = Number(query.get('timeoutSeconds') ?? '');
    if (Number.isFinite(timeout) && timeout > 0) timers.push(setTimeout(close, timeout * 1000));
  }
}

function throwNotFound(): never {
  throw notFoundRoute();
}

function tooLarge(limit: number): PalisadeError {
  return apiError('RequestEntityTooLarge', `Request entity too large: limit is ${limit}`);
}

function sendJson(
  res: ServerResponse,
  code: number,
  body: JsonObject,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(code, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

function isTrue(value: string | null): boolean {
  return value === 'true' || value === '1';
}

function includeObjectOf(query: URLSearchParams): IncludeObject {
  const value = query.get('includeObject');
  return value === 'None' || value === 'Object' ? value : 'Metadata';
}

function patchTypeOf(req: IncomingMessage): PatchType {
  const type = patchTypes[mediaType(req.headers['content-type'])];
  if (type === undefined)
    throw apiError(
      'UnsupportedMediaType',
      'the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json',
    );
  return type;
}

function writeOptions(query: URLSearchParams): WriteOptions {
  const dryRun = query.getAll('dryRun');
  for (const value of dryRun)
    if (value !== 'All')
      throw apiError(
        'BadRequest',
        `dryRun: Unsupported value: "${value}": supported values: "All"`,
      );
  const fieldManager = query.get('fieldManager');
  return { dryRun: dryRun.length > 0, ...(fieldManager === null ? {} : { fieldManager }) };
}

function listQuery(query: URLSearchParams): ListQuery {
  const limitText = query.get('limit');
  const limit = limitText === null ? undefined : Number(limitText);
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 0))
    throw apiError('BadRequest', `limit must be a non-negative integer, got "${limitText}"`);
  return {
    labelSelector: parseLabelSelector(query.get('labelSelector') ?? ''),
    fieldSelector: parseFieldSelector(query.get('fieldSelector') ?? ''),
    ...(limit === undefined ? {} : { limit }),
    continueToken: query.get('continue') ?? '',
    resourceVersion: query.get('resourceVersion') ?? '',
    resourceVersionMatch: query.get('resourceVersionMatch') ?? '',
  };
}

function deleteOptions(body: JsonValue, query: URLSearchParams): DeleteOptions {
  const options = isJsonObject(body) ? body : {};
  const propagation = query.get('propagationPolicy') ?? stringAt(options, 'propagationPolicy');
  const preconditions = objectAt(options, 'preconditions');
  const uid = stringAt(preconditions, 'uid');
  const resourceVersion = stringAt(preconditions, 'resourceVersion');
  return {
    ...(propagation === undefined ? {} : { propagationPolicy: propagation }),
    preconditions: {
      ...(uid === undefined ? {} : { uid }),
      ...(resourceVersion === undefined ? {} : { resourceVersion }),
    },
  };
}
