// Safe readers for untrusted, untyped JSON values from manifests: each returns a typed value or
// a neutral default, so normalisation never throws on a malformed field.

export type UntypedRecord = Readonly<Record<string, unknown>>;

const emptyRecord: UntypedRecord = Object.freeze({});

export function asRecord(value: unknown): UntypedRecord {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as UntypedRecord)
    : emptyRecord;
}

export function asArray(value: unknown): readonly unknown[] {
  return Array.isArray(value) ? value : [];
}

export function asString(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return '';
}

export function asOptionalBoolean(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (value === 'true') return true;
  if (value === 'false') return false;
  return undefined;
}

export function asOptionalNumber(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value)))
    return Number(value);
  return undefined;
}

/**
 * A map of strings. A plain object whose values are all strings already is returned as it is
 * (parsed manifests hold thousands of label maps; nothing in Palisade mutates them).
 */
export function asStringMap(value: unknown): Readonly<Record<string, string>> {
  const record = asRecord(value);
  if (isPlainStringMap(record)) return record as Readonly<Record<string, string>>;
  const out: Record<string, string> = {};
  for (const key in record) if (Object.hasOwn(record, key)) out[key] = asString(record[key]);
  return out;
}

function isPlainStringMap(record: UntypedRecord): boolean {
  const prototype: unknown = Object.getPrototypeOf(record);
  if (prototype !== Object.prototype && prototype !== null) return false;
  for (const key in record)
    if (!Object.hasOwn(record, key) || typeof record[key] !== 'string') return false;
  return true;
}

/** An array of strings; one that is all strings already is returned as it is. */
export function asStringArray(value: unknown): string[] {
  if (!Array.isArray(value)) return [];
  for (let i = 0; i < value.length; i++)
    if (typeof value[i] !== 'string') return value.map(asString);
  return value as string[];
}

export function isPresent(value: unknown): boolean {
  return value !== undefined && value !== null;
}
