// Go module build information embedded in Go binaries (Go src/debug/buildinfo/buildinfo.go
// and src/runtime/debug/mod.go). A 32-byte header starts with the magic "\xff Go buildinf:"
// on a 16-byte boundary, then the pointer size and flags. Go 1.18+ (flag bit 2) puts two
// varint-length strings after the header: the Go version and the module info. Older
// binaries put two pointers to Go string headers there instead, which we resolve through the
// ELF program headers (ELF only: container images are Linux). The module info is
// "path/mod/dep/=>/build" lines, tab-separated, wrapped in 16-byte sentinels.

import { elfLoadSegments, sniffExecFormat, type ElfSegment } from './exec-sections.ts';

const magic = Buffer.from('\xff Go buildinf:', 'latin1');
const flagBigEndian = 0x1;
const flagVersionInline = 0x2;
const maxStringLength = 16 * 1024 * 1024;

export interface GoModule {
  readonly path: string;
  readonly version: string;
}

export interface GoBuildInfo {
  /** "go1.21.5" as the binary records it. */
  readonly goVersion: string;
  readonly path?: string;
  readonly main?: GoModule;
  readonly deps: readonly GoModule[];
}

export class GoBuildInfoError extends Error {
  override readonly name = 'GoBuildInfoError';
}

/** Offset of the build info header, or -1 when the binary has none. */
export function findBuildInfo(data: Buffer): number {
  let at = data.indexOf(magic);
  while (at >= 0) {
    if (at % 16 === 0 && at + 32 <= data.length) return at;
    at = data.indexOf(magic, at + 1);
  }
  return -1;
}

function readVarint(data: Buffer, offset: number): [value: number, next: number] {
  let value = 0;
  let shift = 0;
  for (let i = offset; i < data.length && i < offset + 10; i++) {
    const byte = data[i] ?? 0;
    value += (byte & 0x7f) * 2 ** shift;
    if ((byte & 0x80) === 0) return [value, i + 1];
    shift += 7;
  }
  throw new GoBuildInfoError('truncated varint');
}

function readInlineString(data: Buffer, offset: number): [text: string, next: number] {
  const [length, start] = readVarint(data, offset);
  if (length > maxStringLength || start + length > data.length) {
    throw new GoBuildInfoError(`string of ${length} bytes runs past the end`);
  }
  return [data.toString('utf8', start, start + length), start + length];
}

function readPointerString(
  data: Buffer,
  pointer: bigint,
  ptrSize: number,
  big: boolean,
  segments: readonly ElfSegment[],
): string {
  const toOffset = (vaddr: bigint, length: bigint): number => {
    const segment = segments.find((s) => vaddr >= s.vaddr && vaddr + length <= s.vaddr + s.size);
    if (segment === undefined)
      throw new GoBuildInfoError(`address 0x${vaddr.toString(16)} is in no segment`);
    const offset = Number(segment.offset + (vaddr - segment.vaddr));
    if (offset + Number(length) > data.length)
      throw new GoBuildInfoError('string outside the file');
    return offset;
  };
  const readPtr = (offset: number): bigint =>
    ptrSize === 8
      ? big
        ? data.readBigUInt64BE(offset)
        : data.readBigUInt64LE(offset)
      : BigInt(big ? data.readUInt32BE(offset) : data.readUInt32LE(offset));
  const header = toOffset(pointer, BigInt(2 * ptrSize));
  const dataPointer = readPtr(header);
  const length = readPtr(header + ptrSize);
  if (length > BigInt(maxStringLength)) throw new GoBuildInfoError('string too long');
  if (length === 0n) return '';
  const start = toOffset(dataPointer, length);
  return data.toString('utf8', start, start + Number(length));
}

/** Strips the 16-byte sentinels around module info (runtime/debug infoStart/infoEnd). */
function unwrapModInfo(text: string): string {
  if (text.length >= 33 && text[text.length - 17] === '\n') return text.slice(16, -16);
  return text;
}

export function parseModInfo(text: string): Omit<GoBuildInfo, 'goVersion'> {
  let path: string | undefined;
  let main: GoModule | undefined;
  const deps: GoModule[] = [];
  for (const line of text.split('\n')) {
    const fields = line.split('\t');
    const [kind, modulePath = '', version = ''] = fields;
    if (kind === 'path') path = modulePath;
    else if (kind === 'mod') main = { path: modulePath, version };
    else if (kind === 'dep') deps.push({ path: modulePath, version });
    else if (kind === '=>') {
      // A replacement applies to the dep line just before it.
      const replaced = deps.pop();
      if (replaced !== undefined)
        deps.push({ path: replaced.path, version: version === '' ? replaced.version : version });
    }
  }
  return {
    ...(path === undefined ? {} : { path }),
    ...(main === undefined ? {} : { main }),
    deps,
  };
}

/** Reads the build info of a Go binary; undefined when it is not one. */
export function readGoBuildInfo(data: Buffer): GoBuildInfo | undefined {
  const at = findBuildInfo(data);
  if (at < 0) return undefined;
  const ptrSize = data[at + 14] ?? 0;
  const flags = data[at + 15] ?? 0;
  let goVersion: string;
  let modInfo: string;
  if ((flags & flagVersionInline) !== 0) {
    const [version, next] = readInlineString(data, at + 32);
    [modInfo] = readInlineString(data, next);
    goVersion = version;
  } else {
    if (ptrSize !== 4 && ptrSize !== 8) throw new GoBuildInfoError(`pointer size ${ptrSize}`);
    const big = (flags & flagBigEndian) !== 0;
    if (sniffExecFormat(data) !== 'elf')
      throw new GoBuildInfoError('pre-1.18 build info is only read from ELF binaries');
    const segments = elfLoadSegments(data);
    const pointer = (offset: number): bigint =>
      ptrSize === 8
        ? big
          ? data.readBigUInt64BE(offset)
          : data.readBigUInt64LE(offset)
        : BigInt(big ? data.readUInt32BE(offset) : data.readUInt32LE(offset));
    goVersion = readPointerString(data, pointer(at + 16), ptrSize, big, segments);
    modInfo = readPointerString(data, pointer(at + 16 + ptrSize), ptrSize, big, segments);
  }
  if (!goVersion.startsWith('go') && !goVersion.startsWith('devel')) {
    throw new GoBuildInfoError(`"${goVersion.slice(0, 40)}" is not a Go version`);
  }
  return { goVersion, ...parseModInfo(unwrapModInfo(modInfo)) };
}

/** "go1.21.5 X:boringcrypto" → "1.21.5"; "go1.22rc1" → "1.22.0-rc.1" (OSV Go stdlib versions). */
export function stdlibVersion(goVersion: string): string | undefined {
  const match = /^go(\d+)\.(\d+)(?:\.(\d+))?(?:(rc|beta)(\d+))?/.exec(goVersion);
  if (match === null) return undefined;
  const [, major, minor, patch, pre, preNumber] = match;
  const base = `${major}.${minor}.${patch ?? '0'}`;
  return pre === undefined ? base : `${base}-${pre}.${preNumber}`;
}
