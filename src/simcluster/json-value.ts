// Plain JSON values as the simulated API server stores them, and the few safe operations on them
// it needs. Keys come from request bodies, so they are written with defineProperty: a key
// "__proto__" is an ordinary field, never a prototype change.

export type JsonValue = null | boolean | number | string | JsonValue[] | JsonObject;
export interface JsonObject {
  [key: string]: JsonValue;
}

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The object under `key`, or undefined when absent or not an object. */
export function objectAt(parent: JsonObject | undefined, key: string): JsonObject | undefined {
  if (parent === undefined || !Object.hasOwn(parent, key)) return undefined;
  const value = parent[key];
  return isJsonObject(value) ? value : undefined;
}

/** The object under `key`, created empty when absent or not an object. */
export function ensureObject(parent: JsonObject, key: string): JsonObject {
  const existing = objectAt(parent, key);
  if (existing !== undefined) return existing;
  const created: JsonObject = {};
  setField(parent, key, created);
  return created;
}

export function arrayAt(parent: JsonObject | undefined, key: string): JsonValue[] | undefined {
  if (parent === undefined || !Object.hasOwn(parent, key)) return undefined;
  const value = parent[key];
  return Array.isArray(value) ? value : undefined;
}

export function stringAt(parent: JsonObject | undefined, key: string): string | undefined {
  if (parent === undefined || !Object.hasOwn(parent, key)) return undefined;
  const value = parent[key];
  return typeof value === 'string' ? value : undefined;
}

export function hasField(parent: JsonObject, key: string): boolean {
  return Object.hasOwn(parent, key) && parent[key] !== null;
}

export function setField(target: JsonObject, key: string, value: JsonValue): void {
  Object.defineProperty(target, key, {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  });
}

/** Sets `key` only when it is absent or null (server-side defaulting). */
export function setDefault(target: JsonObject, key: string, value: JsonValue): void {
  if (!hasField(target, key)) setField(target, key, value);
}

export function cloneJson<T extends JsonValue>(value: T): T {
  return structuredClone(value);
}

export function jsonEqual(a: JsonValue | undefined, b: JsonValue | undefined): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    return a.every((item, index) => jsonEqual(item, b[index]));
  }
  if (isJsonObject(a)) {
    if (!isJsonObject(b)) return false;
    const keys = Object.keys(a);
    if (keys.length !== Object.keys(b).length) return false;
    return keys.every((key) => Object.hasOwn(b, key) && jsonEqual(a[key], b[key]));
  }
  return false;
}

/** Depth of the deepest nesting of objects and arrays, counted without recursion. */
export function jsonDepth(value: unknown): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [current, depth] = stack.pop() as [unknown, number];
    if (typeof current !== 'object' || current === null) continue;
    deepest = Math.max(deepest, depth);
    for (const child of Object.values(current)) stack.push([child, depth + 1]);
  }
  return deepest;
}

/** A shallow copy without the given keys. */
export function withoutKeys(object: JsonObject, keys: readonly string[]): JsonObject {
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(object))
    if (!keys.includes(key)) setField(out, key, value);
  return out;
}
