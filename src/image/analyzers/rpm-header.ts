// RPM package headers as rpmdb stores them (rpm lib/header.c; "RPM Package Manager" file
// format, header structure): a big-endian index count and data length, then 16-byte index
// entries (tag, type, offset, count) and the data store. Read with strict bounds: a blob that
// lies about its sizes is rejected, never read past.

export class RpmHeaderError extends Error {
  override readonly name = 'RpmHeaderError';
}

// rpm include/rpm/rpmtag.h
export const rpmTag = {
  name: 1000,
  version: 1001,
  release: 1002,
  epoch: 1003,
  arch: 1022,
  sourceRpm: 1044,
} as const;

const typeInt32 = 4;
const typeString = 6;
const typeStringArray = 8;
const typeI18nString = 9;
/** rpm lib/header.c hdrchkTags / hdrchkData limits. */
const maxIndexEntries = 0x0000ffff;
const maxDataLength = 0x0fffffff;

export type RpmHeaderValue = string | number;

/** Reads the string and int32 tags of a header blob into a map by tag number. */
export function parseRpmHeader(blob: Uint8Array): Map<number, RpmHeaderValue> {
  const data = Buffer.from(blob.buffer, blob.byteOffset, blob.byteLength);
  if (data.length < 8) throw new RpmHeaderError('header shorter than 8 bytes');
  const count = data.readUInt32BE(0);
  const dataLength = data.readUInt32BE(4);
  if (count === 0 || count > maxIndexEntries)
    throw new RpmHeaderError(`index count ${count} out of range`);
  if (dataLength > maxDataLength)
    throw new RpmHeaderError(`data length ${dataLength} out of range`);
  const storeStart = 8 + count * 16;
  if (storeStart + dataLength > data.length) {
    throw new RpmHeaderError(
      `header claims ${storeStart + dataLength} bytes but has ${data.length}`,
    );
  }
  const store = data.subarray(storeStart, storeStart + dataLength);
  const values = new Map<number, RpmHeaderValue>();
  for (let k = 0; k < count; k++) {
    const at = 8 + k * 16;
    const tag = data.readUInt32BE(at);
    const type = data.readUInt32BE(at + 4);
    const offset = data.readUInt32BE(at + 8);
    const n = data.readUInt32BE(at + 12);
    if (offset >= store.length && !(offset === store.length && n === 0)) {
      throw new RpmHeaderError(`tag ${tag}: offset ${offset} outside the data store`);
    }
    if (type === typeString || type === typeI18nString || type === typeStringArray) {
      const end = store.indexOf(0, offset);
      if (end < 0) throw new RpmHeaderError(`tag ${tag}: unterminated string`);
      values.set(tag, store.toString('utf8', offset, end));
    } else if (type === typeInt32 && n >= 1) {
      if (offset + 4 > store.length)
        throw new RpmHeaderError(`tag ${tag}: int32 outside the data store`);
      values.set(tag, store.readInt32BE(offset));
    }
  }
  return values;
}

/** "openssl-3.0.7-24.el9.src.rpm" → name, version and release of the source package. */
export function parseSourceRpm(
  file: string,
): { name: string; version: string; release: string } | undefined {
  const base = file.replace(/\.(no)?src\.rpm$/, '');
  const releaseDash = base.lastIndexOf('-');
  const versionDash = base.lastIndexOf('-', releaseDash - 1);
  if (releaseDash <= 0 || versionDash <= 0) return undefined;
  return {
    name: base.slice(0, versionDash),
    version: base.slice(versionDash + 1, releaseDash),
    release: base.slice(releaseDash + 1),
  };
}
