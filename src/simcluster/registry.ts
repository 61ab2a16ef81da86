// What each API verb means for a stored object, after the API server's generic registry
// (k8s.io/apiserver/pkg/registry/generic/registry/store.go) and the per-kind strategies: create
// (uid, creationTimestamp, generation, status reset, defaulting, admission, validation), update
// (optimistic concurrency on resourceVersion, status kept, generation bumped on spec change,
// no-op writes skipped), patch, delete (namespace contents and owner-reference dependents go too),
// lists (selectors, limit/continue over a consistent snapshot) and the scale and status
// subresources. It does not speak HTTP.

import { randomBytes, randomUUID } from 'node:crypto';
import { apiError, notFound, qualifiedResource, successStatus } from './api-status.ts';
import { applyDefaults } from './defaults.ts';
import {
  arrayAt,
  cloneJson,
  ensureObject,
  hasField,
  isJsonObject,
  jsonEqual,
  objectAt,
  setDefault,
  setField,
  stringAt,
  withoutKeys,
  type JsonObject,
  type JsonValue,
} from './json-value.ts';
import { applyJsonPatch, applyMergePatch, applyStrategicMergePatch } from './patch.ts';
import { apiVersionOf, type ResourceCatalog, type ResourceDefinition } from './resources.ts';
import {
  fieldsMatch,
  formatLabelSelector,
  labelsMatch,
  labelsOf,
  type FieldRequirement,
  type LabelRequirement,
} from './selectors.ts';
import { objectKey, type ObjectStore } from './store.ts';
import { invalid, validateObject } from './validate.ts';

export type PatchType = 'json' | 'merge' | 'strategic' | 'apply';

export interface WriteOptions {
  /** dryRun=All: everything but storing. */
  readonly dryRun?: boolean;
  readonly fieldManager?: string;
}

export interface ListQuery {
  readonly labelSelector?: readonly LabelRequirement[];
  readonly fieldSelector?: readonly FieldRequirement[];
  readonly limit?: number;
  readonly continueToken?: string;
  readonly resourceVersion?: string;
  readonly resourceVersionMatch?: string;
}

export interface DeleteOptions {
  readonly propagationPolicy?: string;
  readonly preconditions?: { readonly uid?: string; readonly resourceVersion?: string };
}

/** Called after every stored write so simulated controllers can react. */
export type WriteHook = (
  definition: ResourceDefinition,
  object: JsonObject,
  deleted: boolean,
) => void;

const namespaceOnlyMetadata = [
  'managedFields',
  'selfLink',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
];

function nowTimestamp(): string {
  // RFC 3339 with second precision, as metav1.Time marshals.
  return new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function metadataOf(object: JsonObject): JsonObject {
  return ensureObject(object, 'metadata');
}

/** Characters of generated names (k8s.io/apiserver/pkg/storage/names, utilrand.String). */
const generatedNameAlphabet = 'bcdfghjklmnpqrstvwxz2456789';

export function randomSuffix(length: number): string {
  const bytes = randomBytes(length);
  let out = '';
  for (const byte of bytes) out += generatedNameAlphabet[byte % generatedNameAlphabet.length];
  return out;
}

function withoutMetadataAndStatus(object: JsonObject): JsonObject {
  return withoutKeys(object, ['metadata', 'status']);
}

function withoutResourceVersion(object: JsonObject): JsonObject {
  return {
    ...object,
    metadata: withoutKeys(objectAt(object, 'metadata') ?? {}, ['resourceVersion']),
  };
}

interface ContinueToken {
  readonly rv: number;
  readonly start: string;
}

function encodeContinue(token: ContinueToken): string {
  return Buffer.from(JSON.stringify(token), 'utf8').toString('base64url');
}

function decodeContinue(text: string): ContinueToken {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
    if (
      isJsonObject(parsed) &&
      typeof parsed['rv'] === 'number' &&
      typeof parsed['start'] === 'string'
    )
      return { rv: parsed['rv'], start: parsed['start'] };
  } catch {
    // Fall through to the BadRequest below.
  }
  throw apiError(
    'BadRequest',
    'continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)',
  );
}

export class ObjectRegistry {
  private readonly usedClusterIps = new Set<string>();
  private readonly usedNodePorts = new Set<number>();
  private nextClusterIp = 10;
  private nextNodePort = 30000;
  private readonly hooks: WriteHook[] = [];

  constructor(
    readonly store: ObjectStore,
    readonly catalog: ResourceCatalog,
  ) {}

  onWrite(hook: WriteHook): void {
    this.hooks.push(hook);
  }

  definitionFor(apiVersion: string, kind: string): ResourceDefinition {
    const definition = this.catalog.byApiVersionKind(apiVersion, kind);
    if (definition === undefined)
      throw apiError('NotFound', `no matches for kind "${kind}" in version "${apiVersion}"`);
    return definition;
  }

  get(definition: ResourceDefinition, namespace: string, name: string): JsonObject {
    const object = this.store.get(definition, this.keyOf(definition, namespace, name));
    if (object === undefined) throw notFound(definition.resource, definition.group, name);
    return object;
  }

  /** The matcher of a list or watch query, after checking the field selector's labels. */
  matcherFor(definition: ResourceDefinition, query: ListQuery): (object: JsonObject) => boolean {
    const labels = query.labelSelector ?? [];
    const fields = query.fieldSelector ?? [];
    for (const requirement of fields) {
      const known =
        requirement.field === 'metadata.name' ||
        requirement.field === 'metadata.namespace' ||
        Object.hasOwn(definition.selectableFields, requirement.field);
      if (!known) throw apiError('BadRequest', `field label not supported: ${requirement.field}`);
    }
    return (object) => {
      if (labels.length > 0 && !labelsMatch(labels, labelsOf(object))) return false;
      if (fields.length === 0) return true;
      const metadata = objectAt(object, 'metadata');
      return fieldsMatch(fields, (field) => {
        if (field === 'metadata.name') return stringAt(metadata, 'name') ?? '';
        if (field === 'metadata.namespace') return stringAt(metadata, 'namespace') ?? '';
        return definition.selectableFields[field]?.(object) ?? '';
      });
    };
  }

  list(
    definition: ResourceDefinition,
    namespace: string | undefined,
    query: ListQuery,
  ): JsonObject {
    const matches = this.matcherFor(definition, query);
    let revision = this.store.resourceVersion;
    let start = '';
    if (query.continueToken !== undefined && query.continueToken !== '') {
      const token = decodeContinue(query.continueToken);
      if (token.rv < this.store.oldestResourceVersion)
        throw apiError(
          'Expired',
          'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.',
        );
      revision = token.rv;
      start = token.start;
    } else if (query.resourceVersionMatch === 'Exact') {
      const exact = Number(query.resourceVersion);
      if (!Number.isInteger(exact) || exact <= 0)
        throw apiError(
          'BadRequest',
          'resourceVersionMatch "Exact" needs a resourceVersion greater than 0',
        );
      if (exact > this.store.resourceVersion)
        throw apiError('BadRequest', `resource version ${exact} is newer than the current one`);
      revision = exact;
    }
    const all = this.store
      .list(definition, namespace, revision === this.store.resourceVersion ? undefined : revision)
      .filter((object) => this.keyOfObject(definition, object) > start || start === '')
      .filter(matches);
    const limit = query.limit !== undefined && query.limit > 0 ? query.limit : all.length;
    const page = all.slice(0, limit);
    const metadata: JsonObject = { resourceVersion: String(revision) };
    if (page.length < all.length) {
      const last = page[page.length - 1];
      if (last !== undefined)
        metadata['continue'] = encodeContinue({
          rv: revision,
          start: this.keyOfObject(definition, last),
        });
      // remainingItemCount is only known, and only set, when nothing is filtered out.
      if ((query.labelSelector ?? []).length === 0 && (query.fieldSelector ?? []).length === 0)
        metadata['remainingItemCount'] = all.length - page.length;
    }
    return {
      kind: `${definition.kind}List`,
      apiVersion: apiVersionOf(definition),
      metadata,
      // The API server sends list items without apiVersion and kind.
      items: page.map((object) => withoutKeys(object, ['apiVersion', 'kind'])),
    };
  }

  create(
    definition: ResourceDefinition,
    namespace: string,
    body: JsonValue,
    options: WriteOptions = {},
  ): JsonObject {
    const object = this.checkBody(definition, body);
    const metadata = metadataOf(object);
    namespace = this.checkNamespace(definition, namespace, metadata);
    if (hasField(metadata, 'resourceVersion') && stringAt(metadata, 'resourceVersion') !== '')
      // storage.ErrResourceVersionSetOnCreate, which the API server answers with 500.
      throw apiError('InternalError', 'resourceVersion should not be set on objects to be created');
    const generateName = stringAt(metadata, 'generateName') ?? '';
    if ((stringAt(metadata, 'name') ?? '') === '' && generateName !== '')
      // names.SimpleNameGenerator: the prefix cut to 58 characters plus 5 random ones.
      setField(metadata, 'name', `${generateName.slice(0, 58)}${randomSuffix(5)}`);
    const name = stringAt(metadata, 'name') ?? '';
    if (
      name !== '' &&
      this.store.get(definition, this.keyOf(definition, namespace, name)) !== undefined
    )
      throw apiError(
        'AlreadyExists',
        `${qualifiedResource(definition.resource, definition.group)} "${name}" already exists`,
        {
          name,
          group: definition.group,
          kind: definition.resource,
        },
      );
    if (definition.namespaced && definition.kind !== 'Namespace') this.requireNamespace(namespace);
    for (const field of [
      ...namespaceOnlyMetadata,
      'uid',
      'creationTimestamp',
      'generation',
      'resourceVersion',
    ])
      delete metadata[field];
    setField(metadata, 'uid', randomUUID());
    setField(metadata, 'creationTimestamp', nowTimestamp());
    if (definition.generation) setField(metadata, 'generation', 1);
    if (definition.subresources.includes('status')) setField(object, 'status', {});
    applyDefaults(definition.kind, object);
    this.admitCreate(definition, object, options);
    validateObject(definition, object, undefined);
    if (options.dryRun === true) return object;
    this.commitAllocations(definition, object);
    const stored = this.store.create(definition, this.keyOf(definition, namespace, name), object);
    this.afterWrite(definition, stored, false);
    return stored;
  }

  update(
    definition: ResourceDefinition,
    namespace: string,
    name: string,
    body: JsonValue,
    options: WriteOptions = {},
  ): JsonObject {
    const previous = this.get(definition, namespace, name);
    const object = this.checkBody(definition, body);
    return this.replace(definition, namespace, name, object, previous, options);
  }

  patch(
    definition: ResourceDefinition,
    namespace: string,
    name: string,
    type: PatchType,
    patchBody: JsonValue,
    options: WriteOptions = {},
  ): JsonObject {
    const key = this.keyOf(definition, namespace, name);
    const previous = this.store.get(definition, key);
    if (type === 'apply') {
      if ((options.fieldManager ?? '') === '')
        throw apiError(
          'BadRequest',
          'PATCH with application/apply-patch+yaml requires the fieldManager parameter',
        );
      if (previous === undefined) {
        const body = this.checkBody(definition, patchBody);
        const metadata = metadataOf(body);
        if ((stringAt(metadata, 'name') ?? name) !== name)
          throw apiError(
            'BadRequest',
            `the name of the object (${stringAt(metadata, 'name')}) does not match the name on the URL (${name})`,
          );
        setField(metadata, 'name', name);
        return this.create(definition, namespace, body, options);
      }
    }
    if (previous === undefined) throw notFound(definition.resource, definition.group, name);
    const patched = this.applyPatch(definition.kind, previous, type, patchBody);
    return this.replace(
      definition,
      namespace,
      name,
      this.checkBody(definition, patched),
      previous,
      options,
    );
  }

  applyPatch(kind: string, current: JsonObject, type: PatchType, patchBody: JsonValue): JsonValue {
    switch (type) {
      case 'json':
        return applyJsonPatch(current, patchBody);
      case 'merge':
        if (!isJsonObject(patchBody))
          throw apiError('BadRequest', 'a merge patch must be a JSON object');
        return applyMergePatch(current, patchBody);
      case 'strategic':
        return applyStrategicMergePatch(current, patchBody, kind);
      case 'apply': {
        // Server-side apply without field ownership: the applied configuration merges into the
        // live object as a strategic merge patch would.
        if (!isJsonObject(patchBody))
          throw apiError('BadRequest', 'an apply patch must be an object');
        return applyStrategicMergePatch(current, patchBody, kind);
      }
    }
  }

  delete(
    definition: ResourceDefinition,
    namespace: string,
    name: string,
    deleteOptions: DeleteOptions = {},
    options: WriteOptions = {},
  ): JsonObject {
    const object = this.get(definition, namespace, name);
    const metadata = objectAt(object, 'metadata');
    const uid = stringAt(metadata, 'uid') ?? '';
    const preconditions = deleteOptions.preconditions;
    if (preconditions?.uid !== undefined && preconditions.uid !== uid)
      throw this.conflict(
        definition,
        name,
        `Precondition failed: UID in precondition: ${preconditions.uid}, UID in object meta: ${uid}`,
      );
    const rv = stringAt(metadata, 'resourceVersion') ?? '';
    if (preconditions?.resourceVersion !== undefined && preconditions.resourceVersion !== rv)
      throw this.conflict(
        definition,
        name,
        `Precondition failed: ResourceVersion in precondition: ${preconditions.resourceVersion}, ResourceVersion in object meta: ${rv}`,
      );
    if (options.dryRun === true) return this.deleteResponse(definition, object);
    let last = object;
    if (definition.kind === 'Namespace') last = this.deleteNamespaceContents(definition, object);
    this.remove(
      definition,
      this.keyOf(definition, namespace, name),
      deleteOptions.propagationPolicy,
    );
    return this.deleteResponse(definition, last);
  }

  deleteCollection(
    definition: ResourceDefinition,
    namespace: string | undefined,
    query: ListQuery,
    deleteOptions: DeleteOptions = {},
    options: WriteOptions = {},
  ): JsonObject {
    const list = this.list(definition, namespace, { ...query, limit: 0, continueToken: '' });
    const items = arrayAt(list, 'items') ?? [];
    const deleted: JsonValue[] = [];
    for (const item of items) {
      if (!isJsonObject(item)) continue;
      const metadata = objectAt(item, 'metadata');
      const name = stringAt(metadata, 'name') ?? '';
      const itemNamespace = stringAt(metadata, 'namespace') ?? '';
      if (this.store.get(definition, this.keyOf(definition, itemNamespace, name)) === undefined)
        continue;
      this.delete(definition, itemNamespace, name, deleteOptions, options);
      deleted.push(item);
    }
    return {
      ...list,
      metadata: { resourceVersion: String(this.store.resourceVersion) },
      items: deleted,
    };
  }

  // ---- subresources ----

  getScale(definition: ResourceDefinition, namespace: string, name: string): JsonObject {
    this.requireSubresource(definition, 'scale');
    return this.scaleOf(definition, this.get(definition, namespace, name));
  }

  updateScale(
    definition: ResourceDefinition,
    namespace: string,
    name: string,
    body: JsonValue,
    options: WriteOptions = {},
  ): JsonObject {
    this.requireSubresource(definition, 'scale');
    const previous = this.get(definition, namespace, name);
    if (!isJsonObject(body))
      throw apiError('BadRequest', 'the body of a scale update must be a Scale object');
    const replicas = objectAt(body, 'spec')?.['replicas'] ?? 0;
    if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0)
      throw apiError(
        'Invalid',
        `Scale.autoscaling "${name}" is invalid: spec.replicas: Invalid value: ${JSON.stringify(replicas)}: must be greater than or equal to 0`,
        {
          name,
          group: 'autoscaling',
          kind: 'Scale',
          causes: [
            {
              reason: 'FieldValueInvalid',
              field: 'spec.replicas',
              message: 'must be greater than or equal to 0',
            },
          ],
        },
      );
    const rv = stringAt(objectAt(body, 'metadata'), 'resourceVersion') ?? '';
    if (rv !== '' && rv !== stringAt(objectAt(previous, 'metadata'), 'resourceVersion'))
      throw this.modified(definition, name);
    const next = cloneJson(previous);
    setField(ensureObject(next, 'spec'), 'replicas', replicas);
    const stored = this.replace(
      definition,
      namespace,
      name,
      withoutResourceVersion(next),
      previous,
      options,
    );
    return this.scaleOf(definition, stored);
  }

  patchScale(
    definition: ResourceDefinition,
    namespace: string,
    name: string,
    type: PatchType,
    patchBody: JsonValue,
    options: WriteOptions = {},
  ): JsonObject {
    const current = this.getScale(definition, namespace, name);
    const patched = this.applyPatch('Scale', current, type === 'apply' ? 'merge' : type, patchBody);
    return this.updateScale(definition, namespace, name, patched, options);
  }

  updateStatus(
    definition: ResourceDefinition,
    namespace: string,
    name: string,
    body: JsonValue,
    options: WriteOptions = {},
  ): JsonObject {
    this.requireSubresource(definition, 'status');
    const previous = this.get(definition, namespace, name);
    const object = this.checkBody(definition, body);
    const rv = stringAt(metadataOf(object), 'resourceVersion') ?? '';
    if (rv !== '' && rv !== stringAt(objectAt(previous, 'metadata'), 'resourceVersion'))
      throw this.modified(definition, name);
    // A status write changes status only (PrepareForUpdate of the status strategies).
    const next: JsonObject = { ...cloneJson(previous), status: object['status'] ?? {} };
    return this.commitUpdate(definition, namespace, name, next, previous, options);
  }

  patchStatus(
    definition: ResourceDefinition,
    namespace: string,
    name: string,
    type: PatchType,
    patchBody: JsonValue,
    options: WriteOptions = {},
  ): JsonObject {
    this.requireSubresource(definition, 'status');
    const previous = this.get(definition, namespace, name);
    const patched = this.applyPatch(definition.kind, previous, type, patchBody);
    return this.updateStatus(definition, namespace, name, patched, options);
  }

  /** Writes a status as a controller would: no checks, no-op writes skipped. */
  writeStatus(
    definition: ResourceDefinition,
    object: JsonObject,
    status: JsonObject,
    spec?: JsonObject,
  ): void {
    const metadata = objectAt(object, 'metadata');
    const key = this.keyOf(
      definition,
      stringAt(metadata, 'namespace') ?? '',
      stringAt(metadata, 'name') ?? '',
    );
    const previous = this.store.get(definition, key);
    if (previous === undefined) return;
    const next: JsonObject = { ...previous, status };
    if (spec !== undefined) next['spec'] = spec;
    if (jsonEqual(next, previous)) return;
    const stored = this.store.update(definition, key, next);
    this.afterWrite(definition, stored, false);
  }

  // ---- internals ----

  keyOf(definition: ResourceDefinition, namespace: string, name: string): string {
    return objectKey(definition.namespaced ? namespace : '', name);
  }

  private keyOfObject(definition: ResourceDefinition, object: JsonObject): string {
    const metadata = objectAt(object, 'metadata');
    return this.keyOf(
      definition,
      stringAt(metadata, 'namespace') ?? '',
      stringAt(metadata, 'name') ?? '',
    );
  }

  private requireSubresource(
    definition: ResourceDefinition,
    subresource: 'scale' | 'status',
  ): void {
    if (!definition.subresources.includes(subresource))
      throw apiError('NotFound', 'the server could not find the requested resource');
  }

  private requireNamespace(namespace: string): void {
    const definition = this.catalog.byResource('', 'v1', 'namespaces');
    if (definition === undefined || this.store.get(definition, namespace) === undefined)
      throw notFound('namespaces', '', namespace);
  }

  /** A body must be an object whose apiVersion and kind, when given, are this resource's. */
  private checkBody(definition: ResourceDefinition, body: JsonValue): JsonObject {
    if (!isJsonObject(body))
      throw apiError('BadRequest', `the body must be a ${definition.kind} object`);
    const object = cloneJson(body);
    const apiVersion = stringAt(object, 'apiVersion') ?? '';
    const kind = stringAt(object, 'kind') ?? '';
    const expected = apiVersionOf(definition);
    if (apiVersion !== '' && apiVersion !== expected)
      throw apiError(
        'BadRequest',
        `the API version in the data (${apiVersion}) does not match the expected API version (${expected})`,
      );
    if (kind !== '' && kind !== definition.kind)
      throw apiError(
        'BadRequest',
        `the kind in the data (${kind}) does not match the expected kind (${definition.kind})`,
      );
    if (hasField(object, 'metadata') && !isJsonObject(object['metadata']))
      throw apiError('BadRequest', 'metadata must be an object');
    // apiVersion and kind lead, as the API server serialises them.
    return {
      apiVersion: expected,
      kind: definition.kind,
      ...withoutKeys(object, ['apiVersion', 'kind']),
    };
  }

  private checkNamespace(
    definition: ResourceDefinition,
    namespace: string,
    metadata: JsonObject,
  ): string {
    if (!definition.namespaced) {
      delete metadata['namespace'];
      return '';
    }
    const given = stringAt(metadata, 'namespace') ?? '';
    if (given !== '' && given !== namespace)
      throw apiError(
        'BadRequest',
        'the namespace of the provided object does not match the namespace sent on the request',
      );
    setField(metadata, 'namespace', namespace);
    return namespace;
  }

  private conflict(definition: ResourceDefinition, name: string, why: string): Error {
    return apiError(
      'Conflict',
      `Operation cannot be fulfilled on ${qualifiedResource(definition.resource, definition.group)} "${name}": ${why}`,
      { name, group: definition.group, kind: definition.resource },
    );
  }

  private modified(definition: ResourceDefinition, name: string): Error {
    return this.conflict(
      definition,
      name,
      'the object has been modified; please apply your changes to the latest version and try again',
    );
  }

  /** The update path shared by PUT, PATCH and scale: checks, keeps what the server owns, stores. */
  private replace(
    definition: ResourceDefinition,
    namespace: string,
    name: string,
    object: JsonObject,
    previous: JsonObject,
    options: WriteOptions,
  ): JsonObject {
    const metadata = metadataOf(object);
    const bodyName = stringAt(metadata, 'name') ?? '';
    if (bodyName !== '' && bodyName !== name)
      throw apiError(
        'BadRequest',
        `the name of the object (${bodyName}) does not match the name on the URL (${name})`,
      );
    setField(metadata, 'name', name);
    this.checkNamespace(definition, namespace, metadata);
    const before = objectAt(previous, 'metadata');
    const rv = stringAt(metadata, 'resourceVersion') ?? '';
    if (rv !== '' && rv !== stringAt(before, 'resourceVersion'))
      throw this.modified(definition, name);
    const uid = stringAt(metadata, 'uid') ?? '';
    if (uid !== '' && uid !== stringAt(before, 'uid'))
      throw this.conflict(
        definition,
        name,
        `Precondition failed: UID in precondition: ${uid}, UID in object meta: ${stringAt(before, 'uid') ?? ''}`,
      );
    for (const field of namespaceOnlyMetadata) delete metadata[field];
    for (const field of ['uid', 'creationTimestamp', 'generation'])
      if (before !== undefined && hasField(before, field))
        setField(metadata, field, before[field] ?? null);
    if (definition.subresources.includes('status')) {
      if (hasField(previous, 'status')) setField(object, 'status', previous['status'] ?? null);
      else delete object['status'];
    }
    applyDefaults(definition.kind, object);
    this.keepAllocations(definition, object, previous);
    validateObject(definition, object, previous);
    if (
      definition.generation &&
      !jsonEqual(withoutMetadataAndStatus(object), withoutMetadataAndStatus(previous))
    ) {
      const generation = before?.['generation'];
      setField(metadata, 'generation', (typeof generation === 'number' ? generation : 0) + 1);
    }
    return this.commitUpdate(definition, namespace, name, object, previous, options);
  }

  private commitUpdate(
    definition: ResourceDefinition,
    namespace: string,
    name: string,
    object: JsonObject,
    previous: JsonObject,
    options: WriteOptions,
  ): JsonObject {
    setField(
      metadataOf(object),
      'resourceVersion',
      stringAt(objectAt(previous, 'metadata'), 'resourceVersion') ?? '',
    );
    // An update that changes nothing is not written: no new resourceVersion, no watch event.
    if (jsonEqual(object, previous) || options.dryRun === true)
      return jsonEqual(object, previous) ? previous : object;
    this.commitAllocations(definition, object);
    const stored = this.store.update(definition, this.keyOf(definition, namespace, name), object);
    this.afterWrite(definition, stored, false);
    return stored;
  }

  private afterWrite(definition: ResourceDefinition, object: JsonObject, deleted: boolean): void {
    for (const hook of this.hooks) hook(definition, object, deleted);
  }

  private deleteResponse(definition: ResourceDefinition, object: JsonObject): JsonObject {
    // Pods and namespaces answer with the object; other resources with a Success Status.
    if (definition.kind === 'Pod' || definition.kind === 'Namespace') return object;
    const metadata = objectAt(object, 'metadata');
    return successStatus({
      name: stringAt(metadata, 'name') ?? '',
      group: definition.group,
      kind: definition.resource,
      uid: stringAt(metadata, 'uid') ?? '',
    });
  }

  /** Marks the namespace Terminating, deletes everything in it, and returns its last state. */
  private deleteNamespaceContents(
    definition: ResourceDefinition,
    namespace: JsonObject,
  ): JsonObject {
    const name = stringAt(objectAt(namespace, 'metadata'), 'name') ?? '';
    const terminating = cloneJson(namespace);
    setField(metadataOf(terminating), 'deletionTimestamp', nowTimestamp());
    setField(ensureObject(terminating, 'status'), 'phase', 'Terminating');
    const stored = this.store.update(definition, name, terminating);
    for (const contained of this.catalog.definitions) {
      if (!contained.namespaced) continue;
      for (const object of this.store.list(contained, name))
        this.remove(contained, this.keyOfObject(contained, object), 'Orphan');
    }
    return stored;
  }

  /** Deletes one object, then (unless orphaning) everything it owns, as the garbage collector would. */
  private remove(
    definition: ResourceDefinition,
    key: string,
    propagationPolicy: string | undefined,
  ): void {
    const object = this.store.get(definition, key);
    if (object === undefined) return;
    this.releaseAllocations(definition, object);
    this.store.delete(definition, key);
    this.afterWrite(definition, object, true);
    if (propagationPolicy === 'Orphan') return;
    const uid = stringAt(objectAt(object, 'metadata'), 'uid');
    if (uid === undefined) return;
    for (const dependentDefinition of this.catalog.definitions) {
      for (const dependent of this.store.list(dependentDefinition, undefined)) {
        const owners = arrayAt(objectAt(dependent, 'metadata'), 'ownerReferences') ?? [];
        if (owners.some((owner) => isJsonObject(owner) && owner['uid'] === uid))
          this.remove(
            dependentDefinition,
            this.keyOfObject(dependentDefinition, dependent),
            propagationPolicy,
          );
      }
    }
  }

  // ---- admission and allocation ----

  /** What admission plugins add to new objects: service accounts, priority, tolerations (Pods). */
  private admitCreate(
    definition: ResourceDefinition,
    object: JsonObject,
    options: WriteOptions,
  ): void {
    if (definition.kind === 'Service') this.allocateService(object, options.dryRun === true);
    if (definition.kind === 'Job') generateJobSelector(object);
    if (definition.kind !== 'Pod') return;
    const spec = ensureObject(object, 'spec');
    const namespace = stringAt(objectAt(object, 'metadata'), 'namespace') ?? '';
    // ServiceAccount admission: the namespace's "default" account, and its token mounted.
    const account = stringAt(spec, 'serviceAccountName') ?? '';
    setField(spec, 'serviceAccountName', account === '' ? 'default' : account);
    setField(spec, 'serviceAccount', spec['serviceAccountName'] ?? 'default');
    const accountDefinition = this.catalog.byResource('', 'v1', 'serviceaccounts');
    const serviceAccount =
      accountDefinition === undefined
        ? undefined
        : this.store.get(
            accountDefinition,
            objectKey(namespace, stringAt(spec, 'serviceAccountName') ?? 'default'),
          );
    const automount =
      typeof spec['automountServiceAccountToken'] === 'boolean'
        ? spec['automountServiceAccountToken']
        : serviceAccount?.['automountServiceAccountToken'] !== false;
    if (automount) mountServiceAccountToken(spec);
    // Priority admission and DefaultTolerationSeconds admission.
    setDefault(spec, 'priority', 0);
    setDefault(spec, 'preemptionPolicy', 'PreemptLowerPriority');
    const tolerations = arrayAt(spec, 'tolerations') ?? [];
    for (const taint of ['node.kubernetes.io/not-ready', 'node.kubernetes.io/unreachable']) {
      if (tolerations.some((t) => isJsonObject(t) && t['key'] === taint)) continue;
      tolerations.push({
        key: taint,
        operator: 'Exists',
        effect: 'NoExecute',
        tolerationSeconds: 300,
      });
    }
    setField(spec, 'tolerations', tolerations);
    const status = ensureObject(object, 'status');
    setField(status, 'phase', 'Pending');
    setField(status, 'qosClass', qosClassOf(spec));
  }

  /** ClusterIP and NodePort allocation (pkg/registry/core/service/ipallocator, portallocator). */
  private allocateService(service: JsonObject, dryRun: boolean): void {
    const spec = ensureObject(service, 'spec');
    const type = stringAt(spec, 'type') ?? 'ClusterIP';
    const name = stringAt(objectAt(service, 'metadata'), 'name') ?? '';
    if (type !== 'ExternalName') {
      let ip = stringAt(spec, 'clusterIP') ?? '';
      if (ip === '') ip = this.freeClusterIp();
      else if (ip !== 'None' && this.usedClusterIps.has(ip))
        throw invalidService(
          name,
          'spec.clusterIPs',
          ip,
          'failed to allocate IP ' + ip + ': provided IP is already allocated',
        );
      setField(spec, 'clusterIP', ip);
      setField(spec, 'clusterIPs', [ip]);
      setDefault(spec, 'ipFamilies', ['IPv4']);
      setDefault(spec, 'ipFamilyPolicy', 'SingleStack');
    }
    if (type === 'NodePort' || type === 'LoadBalancer') {
      for (const port of arrayAt(spec, 'ports') ?? []) {
        if (!isJsonObject(port)) continue;
        const given = port['nodePort'];
        if (typeof given === 'number') {
          if (this.usedNodePorts.has(given))
            throw invalidService(
              name,
              'spec.ports[].nodePort',
              String(given),
              'provided port is already allocated',
            );
        } else {
          setField(port, 'nodePort', this.freeNodePort(dryRun));
        }
      }
    }
  }

  private freeClusterIp(): string {
    // 10.96.0.0/12, the kubeadm default service CIDR; 10.96.0.1 is the kubernetes Service.
    for (let n = this.nextClusterIp; n < this.nextClusterIp + 65536 * 16; n++) {
      const offset = n % (65536 * 16);
      const ip = `10.${96 + (offset >> 16)}.${(offset >> 8) & 255}.${offset & 255}`;
      if (offset > 1 && !this.usedClusterIps.has(ip)) {
        this.nextClusterIp = n + 1;
        return ip;
      }
    }
    throw apiError('InternalError', 'no Service IP addresses left in 10.96.0.0/12');
  }

  private freeNodePort(dryRun: boolean): number {
    for (let i = 0; i <= 2767; i++) {
      const port = 30000 + ((this.nextNodePort - 30000 + i) % 2768);
      if (!this.usedNodePorts.has(port)) {
        if (!dryRun) this.nextNodePort = port + 1;
        return port;
      }
    }
    throw apiError('InternalError', 'no node ports left in 30000-32767');
  }

  private commitAllocations(definition: ResourceDefinition, object: JsonObject): void {
    if (definition.kind !== 'Service') return;
    const spec = objectAt(object, 'spec');
    const ip = stringAt(spec, 'clusterIP');
    if (ip !== undefined && ip !== '' && ip !== 'None') this.usedClusterIps.add(ip);
    for (const port of arrayAt(spec, 'ports') ?? [])
      if (isJsonObject(port) && typeof port['nodePort'] === 'number')
        this.usedNodePorts.add(port['nodePort']);
  }

  private releaseAllocations(definition: ResourceDefinition, object: JsonObject): void {
    if (definition.kind !== 'Service') return;
    const spec = objectAt(object, 'spec');
    const ip = stringAt(spec, 'clusterIP');
    if (ip !== undefined) this.usedClusterIps.delete(ip);
    for (const port of arrayAt(spec, 'ports') ?? [])
      if (isJsonObject(port) && typeof port['nodePort'] === 'number')
        this.usedNodePorts.delete(port['nodePort']);
  }

  /** Updates keep allocated values the new object leaves out (service REST patchAllocatedValues). */
  private keepAllocations(
    definition: ResourceDefinition,
    object: JsonObject,
    previous: JsonObject,
  ): void {
    if (definition.kind === 'Pod') {
      // Pods keep what admission and scheduling set.
      const spec = ensureObject(object, 'spec');
      const before = objectAt(previous, 'spec') ?? {};
      for (const field of [
        'serviceAccountName',
        'serviceAccount',
        'nodeName',
        'priority',
        'preemptionPolicy',
      ])
        if (!hasField(spec, field) && hasField(before, field))
          setField(spec, field, before[field] ?? null);
      return;
    }
    if (definition.kind === 'Job') {
      // The generated selector is immutable and kept when an update leaves it out.
      const spec = ensureObject(object, 'spec');
      const before = objectAt(previous, 'spec') ?? {};
      if (!hasField(spec, 'selector') && hasField(before, 'selector'))
        setField(spec, 'selector', before['selector'] ?? null);
      return;
    }
    if (definition.kind !== 'Service') return;
    const spec = ensureObject(object, 'spec');
    const before = objectAt(previous, 'spec') ?? {};
    if (stringAt(spec, 'type') === 'ExternalName') return;
    for (const field of ['clusterIP', 'clusterIPs', 'ipFamilies', 'ipFamilyPolicy'])
      if (!hasField(spec, field) && hasField(before, field))
        setField(spec, field, before[field] ?? null);
    const oldPorts = (arrayAt(before, 'ports') ?? []).filter(isJsonObject);
    const type = stringAt(spec, 'type');
    for (const port of (arrayAt(spec, 'ports') ?? []).filter(isJsonObject)) {
      if (type !== 'NodePort' && type !== 'LoadBalancer') {
        delete port['nodePort'];
        continue;
      }
      if (hasField(port, 'nodePort')) continue;
      const match = oldPorts.find(
        (old) => old['port'] === port['port'] && hasField(old, 'nodePort'),
      );
      setField(port, 'nodePort', match?.['nodePort'] ?? this.freeNodePort(false));
    }
    const ip = stringAt(spec, 'clusterIP') ?? '';
    if (ip === '') {
      const fresh = this.freeClusterIp();
      setField(spec, 'clusterIP', fresh);
      setField(spec, 'clusterIPs', [fresh]);
    }
  }

  /** The autoscaling/v1 Scale of a scalable object. */
  private scaleOf(definition: ResourceDefinition, object: JsonObject): JsonObject {
    const metadata = objectAt(object, 'metadata') ?? {};
    const spec = objectAt(object, 'spec');
    const status = objectAt(object, 'status');
    const selector = spec?.['selector'];
    // ReplicationControllers and DeploymentConfigs select with a plain label map.
    const selectorText = isJsonObject(selector)
      ? hasField(selector, 'matchLabels') || hasField(selector, 'matchExpressions')
        ? formatLabelSelector(selector)
        : formatLabelSelector({ matchLabels: selector })
      : '';
    const scaleMetadata: JsonObject = {};
    for (const field of ['name', 'namespace', 'uid', 'resourceVersion', 'creationTimestamp'])
      if (hasField(metadata, field)) setField(scaleMetadata, field, metadata[field] ?? null);
    const scaleStatus: JsonObject = {
      replicas: typeof status?.['replicas'] === 'number' ? status['replicas'] : 0,
    };
    if (selectorText !== '') scaleStatus['selector'] = selectorText;
    return {
      kind: 'Scale',
      apiVersion: 'autoscaling/v1',
      metadata: scaleMetadata,
      spec: { replicas: typeof spec?.['replicas'] === 'number' ? spec['replicas'] : 0 },
      status: scaleStatus,
    };
  }
}

/**
 * The selector the Job strategy generates unless spec.manualSelector is set
 * (pkg/registry/batch/job/strategy.go generateSelector): the Job's uid, also written into the
 * template's labels with the job name.
 */
function generateJobSelector(job: JsonObject): void {
  const spec = ensureObject(job, 'spec');
  if (spec['manualSelector'] === true) return;
  const metadata = objectAt(job, 'metadata');
  const uid = stringAt(metadata, 'uid') ?? '';
  const name = stringAt(metadata, 'name') ?? '';
  const labels = ensureObject(ensureObject(ensureObject(spec, 'template'), 'metadata'), 'labels');
  for (const [key, value] of [
    ['batch.kubernetes.io/controller-uid', uid],
    ['batch.kubernetes.io/job-name', name],
    ['controller-uid', uid],
    ['job-name', name],
  ] as const)
    setDefault(labels, key, value);
  if (!hasField(spec, 'selector'))
    setField(spec, 'selector', { matchLabels: { 'batch.kubernetes.io/controller-uid': uid } });
}

function invalidService(name: string, field: string, value: string, why: string): Error {
  const definition = { group: '', kind: 'Service' } as ResourceDefinition;
  return invalid(definition, name, [
    { reason: 'FieldValueInvalid', field, message: `Invalid value: "${value}": ${why}` },
  ]);
}

/** The projected token volume the ServiceAccount admission plugin adds (plugin/pkg/admission/serviceaccount). */
function mountServiceAccountToken(spec: JsonObject): void {
  const mountPath = '/var/run/secrets/kubernetes.io/serviceaccount';
  const containers = [
    ...(arrayAt(spec, 'initContainers') ?? []),
    ...(arrayAt(spec, 'containers') ?? []),
  ].filter(isJsonObject);
  if (
    containers.some((c) =>
      (arrayAt(c, 'volumeMounts') ?? []).some(
        (m) => isJsonObject(m) && m['mountPath'] === mountPath,
      ),
    )
  )
    return;
  const volumeName = `kube-api-access-${randomSuffix(5)}`;
  const volumes = arrayAt(spec, 'volumes') ?? [];
  volumes.push({
    name: volumeName,
    projected: {
      defaultMode: 420,
      sources: [
        { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
        { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
        {
          downwardAPI: {
            items: [
              {
                path: 'namespace',
                fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' },
              },
            ],
          },
        },
      ],
    },
  });
  setField(spec, 'volumes', volumes);
  for (const container of containers) {
    const mounts = arrayAt(container, 'volumeMounts') ?? [];
    mounts.push({ name: volumeName, readOnly: true, mountPath });
    setField(container, 'volumeMounts', mounts);
  }
}

/** The pod's QoS class (pkg/apis/core/helper/qos): Guaranteed, Burstable or BestEffort. */
export function qosClassOf(spec: JsonObject): string {
  const containers = [
    ...(arrayAt(spec, 'initContainers') ?? []),
    ...(arrayAt(spec, 'containers') ?? []),
  ].filter(isJsonObject);
  let anySet = false;
  let guaranteed = containers.length > 0;
  for (const container of containers) {
    const resources = objectAt(container, 'resources');
    const requests = objectAt(resources, 'requests') ?? {};
    const limits = objectAt(resources, 'limits') ?? {};
    if (Object.keys(requests).length > 0 || Object.keys(limits).length > 0) anySet = true;
    for (const resource of ['cpu', 'memory']) {
      if (
        !hasField(limits, resource) ||
        !jsonEqual(limits[resource], requests[resource] ?? limits[resource])
      )
        guaranteed = false;
    }
  }
  if (!anySet) return 'BestEffort';
  return guaranteed ? 'Guaranteed' : 'Burstable';
}
