// Executables in an image, and the parts of them analysers read: which files are worth keeping
// (executable bit, size cap), which object format a file is (magic numbers), its named sections
// (ELF, PE, Mach-O) and its ELF load segments. Shared by the Go and Rust binary analysers.
// Not a general object-file library: no symbols, relocations, fat Mach-O or compressed sections.

import { selectFiles } from './registry.ts';
import type { AnalyzerInput, FileInfo, ImageFile } from './types.ts';

/** Larger executables are not kept; real ones (even static Go or Rust builds) are far smaller. */
export const maxExecutableSize = 256 * 1024 * 1024;
const minExecutableSize = 64;
const executableBits = 0o111;

/** An executable worth reading: only its bytes tell whether it is Go, Rust or neither. */
export function isExecutableCandidate(path: string, info: FileInfo): boolean {
  return (
    (info.mode & executableBits) !== 0 &&
    info.size > minExecutableSize &&
    info.size <= maxExecutableSize &&
    !path.startsWith('/proc/') &&
    !path.startsWith('/sys/')
  );
}

/** The kept files that are executable candidates, in path order. */
export function selectExecutables(input: AnalyzerInput): readonly ImageFile[] {
  return selectFiles(input, (path) => {
    const file = input.files.get(path);
    return (
      file !== undefined &&
      isExecutableCandidate(path, { size: file.content.length, mode: file.mode })
    );
  });
}

/** A file that claims an object format but whose headers do not hold together. */
export class ExecFormatError extends Error {
  override readonly name = 'ExecFormatError';
}

export type ExecFormat = 'elf' | 'pe' | 'mach-o';

const elfMagic = 0x7f454c46; // "\x7fELF", System V ABI "e_ident"
const machOMagic32 = 0xfeedface; // <mach-o/loader.h> MH_MAGIC
const machOMagic64 = 0xfeedfacf; // MH_MAGIC_64
const peOffsetField = 0x3c; // PE format (learn.microsoft.com), "MS-DOS Stub": e_lfanew

/**
 * The object format from the magic numbers, or undefined for anything else (scripts, data, fat
 * Mach-O, whose magic Java class files share). An MZ file without a PE signature is plain DOS.
 */
export function sniffExecFormat(data: Buffer): ExecFormat | undefined {
  if (data.length < 64) return undefined;
  if (data.readUInt32BE(0) === elfMagic) return 'elf';
  const le = data.readUInt32LE(0);
  const be = data.readUInt32BE(0);
  if ([machOMagic32, machOMagic64].includes(le) || [machOMagic32, machOMagic64].includes(be))
    return 'mach-o';
  if (data[0] === 0x4d && data[1] === 0x5a) {
    const at = data.readUInt32LE(peOffsetField);
    if (at + 4 <= data.length && data.readUInt32BE(at) === 0x50450000) return 'pe';
  }
  return undefined;
}

/** Bounds-checked reads: every offset comes from the file, so none is trusted. */
interface FieldReader {
  u16(offset: number): number;
  u32(offset: number): number;
  /** A 64-bit field as a number; values past 2^53 become MAX_SAFE_INTEGER (beyond any file). */
  u64(offset: number): number;
  /** A 64-bit field exactly, for addresses. */
  u64Exact(offset: number): bigint;
  /** The bytes [offset, offset + size), or ExecFormatError naming `what`. */
  bytes(offset: number, size: number, what: string): Buffer;
}

function fieldReader(data: Buffer, little: boolean, format: string): FieldReader {
  const check = (offset: number, size: number, what: string): void => {
    if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(size) || offset < 0 || size < 0)
      throw new ExecFormatError(`${format} ${what} has an impossible offset or size`);
    if (offset + size > data.length)
      throw new ExecFormatError(
        `${format} ${what} (offset ${offset}, ${size} bytes) runs past the end of the ` +
          `${data.length}-byte file; the file is truncated or corrupt`,
      );
  };
  const u64Exact = (offset: number): bigint => {
    check(offset, 8, 'header field');
    return little ? data.readBigUInt64LE(offset) : data.readBigUInt64BE(offset);
  };
  return {
    u16: (offset) => {
      check(offset, 2, 'header field');
      return little ? data.readUInt16LE(offset) : data.readUInt16BE(offset);
    },
    u32: (offset) => {
      check(offset, 4, 'header field');
      return little ? data.readUInt32LE(offset) : data.readUInt32BE(offset);
    },
    u64: (offset) => {
      const value = u64Exact(offset);
      return value > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(value);
    },
    u64Exact,
    bytes: (offset, size, what) => {
      check(offset, size, what);
      return data.subarray(offset, offset + size);
    },
  };
}

/** A NUL-terminated (or field-filling) name. */
function cString(bytes: Buffer): string {
  const end = bytes.indexOf(0);
  return bytes.toString('latin1', 0, end < 0 ? bytes.length : end);
}

interface ElfHeader {
  readonly is64: boolean;
  readonly read: FieldReader;
}

function elfHeader(data: Buffer): ElfHeader {
  // System V ABI "ELF Header": e_ident[EI_CLASS] 1 = 32-bit, 2 = 64-bit; EI_DATA 1 = LE, 2 = BE.
  const elfClass = data[4];
  const encoding = data[5];
  if ((elfClass !== 1 && elfClass !== 2) || (encoding !== 1 && encoding !== 2))
    throw new ExecFormatError(
      `ELF header has class ${elfClass ?? '?'} and data encoding ${encoding ?? '?'}, not 1 or 2`,
    );
  return { is64: elfClass === 2, read: fieldReader(data, encoding === 1, 'ELF') };
}

const shnXIndex = 0xffff; // SHN_XINDEX: the real e_shstrndx is in section 0's sh_link
const shtNoBits = 8; // SHT_NOBITS: occupies no space in the file

function elfSection(data: Buffer, name: string): Buffer | undefined {
  const { is64, read } = elfHeader(data);
  // "ELF Header" e_shoff, e_shentsize, e_shnum, e_shstrndx.
  const shoff = is64 ? read.u64(40) : read.u32(32);
  const shentsize = read.u16(is64 ? 58 : 46);
  let shnum = read.u16(is64 ? 60 : 48);
  let shstrndx = read.u16(is64 ? 62 : 50);
  if (shoff === 0) return undefined; // section headers stripped (sstrip): nothing to find
  const entrySize = is64 ? 64 : 40;
  if (shentsize < entrySize) throw new ExecFormatError(`ELF section header size ${shentsize}`);
  // "Sections": with 0xff00 or more sections, section 0 holds the count and the string index.
  if (shnum === 0) shnum = is64 ? read.u64(shoff + 32) : read.u32(shoff + 20);
  if (shstrndx === shnXIndex) shstrndx = read.u32(shoff + (is64 ? 40 : 24));
  if (shnum === 0) return undefined;
  read.bytes(shoff, shnum * shentsize, 'section header table');
  const header = (index: number): { name: number; type: number; offset: number; size: number } => {
    const at = shoff + index * shentsize;
    return {
      name: read.u32(at),
      type: read.u32(at + 4),
      offset: is64 ? read.u64(at + 24) : read.u32(at + 16),
      size: is64 ? read.u64(at + 32) : read.u32(at + 20),
    };
  };
  if (shstrndx >= shnum)
    throw new ExecFormatError(`ELF section name table index ${shstrndx} of ${shnum} sections`);
  const strtab = header(shstrndx);
  const names = read.bytes(strtab.offset, strtab.size, 'section name table');
  const wanted = Buffer.from(`${name}\0`, 'latin1');
  for (let index = 0; index < shnum; index++) {
    const section = header(index);
    if (!names.subarray(section.name, section.name + wanted.length).equals(wanted)) continue;
    if (section.type === shtNoBits)
      throw new ExecFormatError(`ELF section ${name} has no data in the file (SHT_NOBITS)`);
    return read.bytes(section.offset, section.size, `section ${name}`);
  }
  return undefined;
}

function peSection(data: Buffer, name: string): Buffer | undefined {
  // PE format (learn.microsoft.com/windows/win32/debug/pe-format): e_lfanew → "PE\0\0", then
  // the COFF file header (NumberOfSections at 2, SizeOfOptionalHeader at 16), the optional
  // header, and 40-byte section headers (Name[8], VirtualSize 8, SizeOfRawData 16,
  // PointerToRawData 20). Executables keep names in the 8 bytes ("/n" long names are for objects).
  const read = fieldReader(data, true, 'PE');
  const coff = read.u32(peOffsetField) + 4;
  const count = read.u16(coff + 2);
  const table = coff + 20 + read.u16(coff + 16);
  read.bytes(table, count * 40, 'section table');
  for (let index = 0; index < count; index++) {
    const at = table + index * 40;
    if (cString(read.bytes(at, 8, 'section name')) !== name) continue;
    const virtualSize = read.u32(at + 8);
    const rawSize = read.u32(at + 16);
    // SizeOfRawData is rounded up to FileAlignment; VirtualSize is the real length when smaller.
    const size = virtualSize !== 0 && virtualSize < rawSize ? virtualSize : rawSize;
    return read.bytes(read.u32(at + 20), size, `section ${name}`);
  }
  return undefined;
}

const lcSegment = 0x1; // <mach-o/loader.h> LC_SEGMENT
const lcSegment64 = 0x19; // LC_SEGMENT_64

function machOSection(data: Buffer, segment: string, name: string): Buffer | undefined {
  // <mach-o/loader.h>: mach_header(_64) (ncmds at 16; 28 or 32 bytes), then load commands
  // (cmd, cmdsize). segment_command(_64) is 56 or 72 bytes with nsects at 48 or 64, followed by
  // section(_64) records of 68 or 80 bytes: sectname[16], segname[16], then size and offset
  // at 36/40 (32-bit) or 40/48 (64-bit). Object files put every section in one unnamed segment,
  // so the match is on each section's own segname.
  const little = [machOMagic32, machOMagic64].includes(data.readUInt32LE(0));
  const read = fieldReader(data, little, 'Mach-O');
  const is64 = read.u32(0) === machOMagic64;
  const commands = read.u32(16);
  let at = is64 ? 32 : 28;
  for (let k = 0; k < commands; k++) {
    const cmd = read.u32(at);
    const cmdsize = read.u32(at + 4);
    if (cmdsize < 8) throw new ExecFormatError(`Mach-O load command ${k} of size ${cmdsize}`);
    read.bytes(at, cmdsize, `load command ${k}`);
    if (cmd === (is64 ? lcSegment64 : lcSegment)) {
      const sections = read.u32(at + (is64 ? 64 : 48));
      const first = at + (is64 ? 72 : 56);
      const recordSize = is64 ? 80 : 68;
      if (first + sections * recordSize > at + cmdsize)
        throw new ExecFormatError(`Mach-O segment with ${sections} sections overruns its command`);
      for (let s = 0; s < sections; s++) {
        const record = first + s * recordSize;
        if (cString(read.bytes(record, 16, 'section name')) !== name) continue;
        if (cString(read.bytes(record + 16, 16, 'segment name')) !== segment) continue;
        const size = is64 ? read.u64(record + 40) : read.u32(record + 36);
        const offset = read.u32(record + (is64 ? 48 : 40));
        return read.bytes(offset, size, `section ${segment},${name}`);
      }
    }
    at += cmdsize;
  }
  return undefined;
}

export interface SectionName {
  /** The section name in ELF and PE, and the section within `machOSegment` in Mach-O. */
  readonly name: string;
  readonly machOSegment: string;
}

export interface FoundSection {
  readonly format: ExecFormat;
  /** A view into the file, not a copy. */
  readonly data: Buffer;
}

/**
 * The contents of a named section; undefined when the file is no executable or lacks the
 * section; ExecFormatError when the headers point outside the file or contradict themselves.
 */
export function readSection(data: Buffer, section: SectionName): FoundSection | undefined {
  const format = sniffExecFormat(data);
  let found: Buffer | undefined;
  switch (format) {
    case undefined:
      return undefined;
    case 'elf':
      found = elfSection(data, section.name);
      break;
    case 'pe':
      found = peSection(data, section.name);
      break;
    case 'mach-o':
      found = machOSection(data, section.machOSegment, section.name);
      break;
  }
  return found === undefined ? undefined : { format, data: found };
}

export interface ElfSegment {
  readonly vaddr: bigint;
  readonly offset: bigint;
  readonly size: bigint;
}

const ptLoad = 1; // PT_LOAD

/** PT_LOAD segments of an ELF file (System V ABI, "Program Header"). */
export function elfLoadSegments(data: Buffer): ElfSegment[] {
  if (sniffExecFormat(data) !== 'elf') throw new ExecFormatError('not an ELF file');
  const { is64, read } = elfHeader(data);
  const phoff = is64 ? read.u64(32) : read.u32(28);
  const phentsize = read.u16(is64 ? 54 : 42);
  const phnum = read.u16(is64 ? 56 : 44);
  const entrySize = is64 ? 56 : 32;
  if (phnum > 0 && phentsize < entrySize)
    throw new ExecFormatError(`ELF program header size ${phentsize}`);
  const segments: ElfSegment[] = [];
  for (let k = 0; k < phnum; k++) {
    const at = phoff + k * phentsize;
    read.bytes(at, entrySize, 'program header');
    if (read.u32(at) !== ptLoad) continue;
    segments.push(
      is64
        ? {
            offset: read.u64Exact(at + 8),
            vaddr: read.u64Exact(at + 16),
            size: read.u64Exact(at + 32),
          }
        : {
            offset: BigInt(read.u32(at + 4)),
            vaddr: BigInt(read.u32(at + 8)),
            size: BigInt(read.u32(at + 16)),
          },
    );
  }
  return segments;
}
