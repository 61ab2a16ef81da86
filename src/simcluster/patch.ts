// The PATCH body types of the API server: JSON merge patch (RFC 7386), JSON patch (RFC 6902) and
// strategic merge patch (k8s.io/apimachinery/pkg/util/strategicpatch) for the list fields whose
// merge keys the built-in types declare (`patchStrategy:"merge" patchMergeKey:"…"` in
// k8s.io/api). It is not a full strategic-merge implementation: lists of types not listed in
// `mergeKeyFor` are replaced, as strategicpatch does for lists without a patch strategy.

import { apiError } from './api-status.ts';
import {
  cloneJson,
  isJsonObject,
  jsonEqual,
  setField,
  type JsonObject,
  type JsonValue,
} from './json-value.ts';

/** RFC 7386: objects merge recursively, null removes, everything else replaces. */
export function applyMergePatch(target: JsonValue, patch: JsonValue): JsonValue {
  if (!isJsonObject(patch)) return cloneJson(patch);
  const result: JsonObject = isJsonObject(target) ? cloneJson(target) : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else
      setField(
        result,
        key,
        applyMergePatch(Object.hasOwn(result, key) ? (result[key] ?? null) : null, value),
      );
  }
  return result;
}

// ---- RFC 6902 JSON patch ----

function patchFailed(message: string): Error {
  // The API server answers a JSON patch that cannot be applied with 422 (pkg/endpoints/handlers/patch.go).
  return apiError('Invalid', message);
}

function parsePointer(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw patchFailed(`invalid JSON pointer "${pointer}"`);
  return pointer
    .slice(1)
    .split('/')
    .map((part) => part.replaceAll('~1', '/').replaceAll('~0', '~'));
}

function arrayIndex(part: string, length: number, forInsert: boolean): number {
  if (forInsert && part === '-') return length;
  if (!/^(0|[1-9]\d*)$/.test(part)) throw patchFailed(`invalid array index "${part}"`);
  const index = Number(part);
  if (index > length || (!forInsert && index === length))
    throw patchFailed(`array index ${index} is out of bounds`);
  return index;
}

function resolveParent(document: JsonValue, path: string[]): JsonValue {
  let current = document;
  for (const part of path.slice(0, -1)) {
    if (Array.isArray(current)) current = current[arrayIndex(part, current.length, false)] ?? null;
    else if (isJsonObject(current) && Object.hasOwn(current, part)) current = current[part] ?? null;
    else throw patchFailed(`path "/${path.join('/')}" does not exist`);
  }
  return current;
}

function getAt(document: JsonValue, path: string[]): JsonValue {
  if (path.length === 0) return document;
  const parent = resolveParent(document, path);
  const last = path[path.length - 1] ?? '';
  if (Array.isArray(parent)) return parent[arrayIndex(last, parent.length, false)] ?? null;
  if (isJsonObject(parent) && Object.hasOwn(parent, last)) return parent[last] ?? null;
  throw patchFailed(`path "/${path.join('/')}" does not exist`);
}

function removeAt(document: JsonValue, path: string[]): JsonValue {
  if (path.length === 0) throw patchFailed('cannot remove the whole document');
  const parent = resolveParent(document, path);
  const last = path[path.length - 1] ?? '';
  if (Array.isArray(parent))
    return parent.splice(arrayIndex(last, parent.length, false), 1)[0] ?? null;
  if (isJsonObject(parent) && Object.hasOwn(parent, last)) {
    const value = parent[last] ?? null;
    delete parent[last];
    return value;
  }
  throw patchFailed(`path "/${path.join('/')}" does not exist`);
}

function addAt(document: JsonValue, path: string[], value: JsonValue, replace: boolean): JsonValue {
  if (path.length === 0) return value;
  const parent = resolveParent(document, path);
  const last = path[path.length - 1] ?? '';
  if (Array.isArray(parent)) {
    const index = arrayIndex(last, parent.length, !replace);
    if (replace) parent[index] = value;
    else parent.splice(index, 0, value);
  } else if (isJsonObject(parent)) {
    if (replace && !Object.hasOwn(parent, last))
      throw patchFailed(`path "/${path.join('/')}" does not exist`);
    setField(parent, last, value);
  } else {
    throw patchFailed(`path "/${path.join('/')}" does not exist`);
  }
  return document;
}

/** Most operations one JSON patch may hold (the API server's maxJSONPatchOperations). */
export const maxJsonPatchOperations = 10000;

export function applyJsonPatch(target: JsonValue, operations: JsonValue): JsonValue {
  if (!Array.isArray(operations))
    throw apiError('BadRequest', 'a JSON patch must be an array of operations');
  if (operations.length > maxJsonPatchOperations)
    throw apiError(
      'Invalid',
      `the allowed maximum operations in a JSON patch is ${maxJsonPatchOperations}, got ${operations.length}`,
    );
  let document = cloneJson(target);
  for (const operation of operations) {
    const op = isJsonObject(operation) ? operation['op'] : undefined;
    if (!isJsonObject(operation) || typeof op !== 'string')
      throw apiError('BadRequest', 'each JSON patch operation needs an "op"');
    const pathText = operation['path'];
    if (typeof pathText !== 'string') throw patchFailed(`operation "${op}" needs a "path"`);
    const path = parsePointer(pathText);
    const value = (): JsonValue => {
      if (!Object.hasOwn(operation, 'value'))
        throw patchFailed(`operation "${op}" needs a "value"`);
      return cloneJson(operation['value'] ?? null);
    };
    const from = (): string[] => {
      const text = operation['from'];
      if (typeof text !== 'string') throw patchFailed(`operation "${op}" needs a "from"`);
      return parsePointer(text);
    };
    switch (op) {
      case 'add':
        document = addAt(document, path, value(), false);
        break;
      case 'remove':
        removeAt(document, path);
        break;
      case 'replace':
        getAt(document, path);
        document = addAt(document, path, value(), true);
        break;
      case 'move': {
        const source = from();
        const moved = removeAt(document, source);
        document = addAt(document, path, moved, false);
        break;
      }
      case 'copy':
        document = addAt(document, path, cloneJson(getAt(document, from())), false);
        break;
      case 'test':
        if (!jsonEqual(getAt(document, path), value()))
          throw patchFailed(`testing value ${pathText} failed: test failed`);
        break;
      default:
        throw apiError('BadRequest', `unknown JSON patch operation "${op}"`);
    }
  }
  return document;
}

// ---- strategic merge patch ----

/** Where a value sits: the object's kind and the field names from the root (lists add "[]"). */
interface PatchContext {
  readonly kind: string;
  readonly path: readonly string[];
}

const containerLists = new Set(['containers', 'initContainers', 'ephemeralContainers']);

/**
 * The merge key of a list field with patchStrategy "merge" (k8s.io/api struct tags), '' for a
 * list of primitives merged as a set, or undefined when the list is replaced whole.
 */
export function mergeKeyFor(context: PatchContext, field: string): string | undefined {
  const parent = context.path[context.path.length - 1] ?? '';
  const inContainer = containerLists.has(parent.replace(/\[\]$/, ''));
  if (context.path.length === 1 && context.path[0] === 'metadata') {
    if (field === 'finalizers') return '';
    if (field === 'ownerReferences') return 'uid';
    return undefined;
  }
  if (parent === 'status' && field === 'conditions') return 'type';
  switch (field) {
    case 'containers':
    case 'initContainers':
    case 'ephemeralContainers':
    case 'volumes':
    case 'imagePullSecrets':
    case 'resourceClaims':
    case 'schedulingGates':
      return parent === 'spec' ? 'name' : undefined;
    case 'env':
      return inContainer ? 'name' : undefined;
    case 'volumeMounts':
      return inContainer ? 'mountPath' : undefined;
    case 'volumeDevices':
      return inContainer ? 'devicePath' : undefined;
    case 'ports':
      if (inContainer) return 'containerPort';
      return context.kind === 'Service' && context.path.join('.') === 'spec' ? 'port' : undefined;
    case 'hostAliases':
      return parent === 'spec' ? 'ip' : undefined;
    case 'topologySpreadConstraints':
      return parent === 'spec' ? 'topologyKey' : undefined;
    default:
      return undefined;
  }
}

const directivePrefixes = ['$setElementOrder/', '$deleteFromPrimitiveList/'] as const;

/** Applies a strategic merge patch to an object of the given kind. */
export function applyStrategicMergePatch(
  target: JsonObject,
  patch: JsonValue,
  kind: string,
): JsonObject {
  if (!isJsonObject(patch))
    throw apiError('BadRequest', 'a strategic merge patch must be a JSON object');
  const result = mergeMap(cloneJson(target), patch, { kind, path: [] });
  return result ?? {};
}

/** Merges a patch map into a (cloned) original map; undefined means "delete this map". */
function mergeMap(
  original: JsonObject,
  patch: JsonObject,
  context: PatchContext,
): JsonObject | undefined {
  const directive = patch['$patch'];
  if (directive === 'delete') return undefined;
  if (directive === 'replace') {
    const replaced: JsonObject = {};
    for (const [key, value] of Object.entries(patch))
      if (key !== '$patch') setField(replaced, key, cloneJson(value));
    return replaced;
  }
  if (directive !== undefined && directive !== 'merge')
    throw apiError('BadRequest', `unknown patch directive $patch: ${JSON.stringify(directive)}`);
  const result = original;
  for (const [key, value] of Object.entries(patch)) {
    if (key === '$patch' || key === '$retainKeys') continue;
    if (directivePrefixes.some((prefix) => key.startsWith(prefix))) continue;
    if (value === null) {
      delete result[key];
      continue;
    }
    const current = Object.hasOwn(result, key) ? result[key] : undefined;
    const childContext = { kind: context.kind, path: [...context.path, key] };
    if (isJsonObject(value)) {
      const merged = mergeMap(isJsonObject(current) ? current : {}, value, childContext);
      if (merged === undefined) delete result[key];
      else setField(result, key, merged);
    } else if (Array.isArray(value)) {
      setField(result, key, mergeList(Array.isArray(current) ? current : [], value, context, key));
    } else {
      setField(result, key, value);
    }
  }
  for (const [key, value] of Object.entries(patch)) {
    if (key.startsWith('$deleteFromPrimitiveList/') && Array.isArray(value)) {
      const field = key.slice('$deleteFromPrimitiveList/'.length);
      const list = result[field];
      if (Array.isArray(list))
        setField(
          result,
          field,
          list.filter((item) => !value.some((v) => jsonEqual(v, item))),
        );
    }
  }
  for (const [key, value] of Object.entries(patch)) {
    if (key.startsWith('$setElementOrder/') && Array.isArray(value)) {
      const field = key.slice('$setElementOrder/'.length);
      const list = result[field];
      if (Array.isArray(list))
        setField(result, field, orderList(list, value, mergeKeyFor(context, field)));
    }
  }
  const retain = patch['$retainKeys'];
  if (Array.isArray(retain)) {
    // retainKeys: fields of the original that the patch does not list are cleared.
    for (const key of Object.keys(result)) if (!retain.includes(key)) delete result[key];
  }
  return result;
}

function mergeList(
  original: JsonValue[],
  patch: JsonValue[],
  context: PatchContext,
  field: string,
): JsonValue[] {
  const replace = patch.find((item) => isJsonObject(item) && item['$patch'] === 'replace');
  if (replace !== undefined)
    return patch.filter((item) => item !== replace).map((item) => cloneJson(item));
  const mergeKey = mergeKeyFor(context, field);
  if (mergeKey === undefined) return patch.map((item) => cloneJson(item));
  if (mergeKey === '') {
    // A set of primitives: union, keeping the original order first.
    const result = original.map((item) => cloneJson(item));
    for (const item of patch)
      if (!result.some((r) => jsonEqual(r, item))) result.push(cloneJson(item));
    return result;
  }
  const result = original.map((item) => cloneJson(item));
  const elementContext = { kind: context.kind, path: [...context.path, `${field}[]`] };
  for (const item of patch) {
    if (!isJsonObject(item)) {
      result.push(cloneJson(item));
      continue;
    }
    const key = item[mergeKey];
    const index = result.findIndex(
      (r) => isJsonObject(r) && key !== undefined && jsonEqual(r[mergeKey], key),
    );
    if (item['$patch'] === 'delete') {
      if (index >= 0) result.splice(index, 1);
      continue;
    }
    const existing = index >= 0 ? result[index] : undefined;
    const merged = mergeMap(isJsonObject(existing) ? existing : {}, item, elementContext);
    if (merged === undefined) {
      if (index >= 0) result.splice(index, 1);
    } else if (index >= 0) {
      result[index] = merged;
    } else {
      result.push(merged);
    }
  }
  return result;
}

/** $setElementOrder: listed elements in the given order, then the rest as they were. */
function orderList(
  list: JsonValue[],
  order: JsonValue[],
  mergeKey: string | undefined,
): JsonValue[] {
  const keyOf = (item: JsonValue): JsonValue | undefined =>
    mergeKey === undefined || mergeKey === ''
      ? item
      : isJsonObject(item)
        ? item[mergeKey]
        : undefined;
  const orderKeys = order.map(keyOf);
  const ordered: JsonValue[] = [];
  for (const key of orderKeys) {
    const found = list.find((item) => jsonEqual(keyOf(item), key));
    if (found !== undefined) ordered.push(found);
  }
  const rest = list.filter((item) => !orderKeys.some((key) => jsonEqual(keyOf(item), key)));
  return [...ordered, ...rest];
}
