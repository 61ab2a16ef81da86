// Crate lists that cargo-auditable embeds in Rust executables (github.com/rust-secure-code/
// cargo-auditable, PARSING.md and cargo-auditable.schema.json): the `.dep-v0` section (Mach-O:
// `__DATA,.dep-v0`) holds zlib-compressed JSON {"format"?, "packages": [{name, version, source,
// kind?, dependencies?, root?}]}. Reads the list only; the dependency graph is not rebuilt.

import { isUtf8 } from 'node:buffer';
import { inflateSync } from 'node:zlib';
import { ExecFormatError, readSection, type ExecFormat } from './exec-sections.ts';
import { isRecord, parseJson, stringField } from './language.ts';

/** PARSING.md: "8 MiB should be more than enough to hold any legitimate audit data". */
export const maxAuditDataSize = 8 * 1024 * 1024;

export const auditableSection = { name: '.dep-v0', machOSegment: '__DATA' } as const;

/**
 * auditable-serde `Source`: "crates.io", "registry" (another registry), "git", "local" (a path
 * or workspace member) or, for sources it does not know, the scheme of Cargo's source id.
 */
export type AuditableSource = string;

export interface AuditablePackage {
  readonly name: string;
  readonly version: string;
  readonly source: AuditableSource;
  /** auditable-serde `DependencyKind`: absent means "runtime"; "build" is build-time only. */
  readonly kind: 'runtime' | 'build';
  readonly root: boolean;
}

export type AuditableProblemCode =
  'malformed-executable' | 'audit-data-too-large' | 'malformed-audit-data';

export interface AuditableProblem {
  readonly code: AuditableProblemCode;
  readonly message: string;
}

export type AuditableData =
  /** No `.dep-v0` section: not built with cargo-auditable, or not an executable at all. */
  | { readonly kind: 'absent' }
  /** The section could not be read or decoded at all. */
  | { readonly kind: 'unreadable'; readonly problem: AuditableProblem }
  /** The packages that were well-formed, and a problem for each entry that was not. */
  | {
      readonly kind: 'read';
      readonly format: ExecFormat;
      readonly packages: readonly AuditablePackage[];
      readonly problems: readonly AuditableProblem[];
    };

function where(format: ExecFormat): string {
  switch (format) {
    case 'elf':
      return 'ELF section .dep-v0';
    case 'pe':
      return 'PE section .dep-v0';
    case 'mach-o':
      return 'Mach-O section __DATA,.dep-v0';
  }
}

function unreadable(code: AuditableProblemCode, message: string): AuditableData {
  return { kind: 'unreadable', problem: { code, message } };
}

/** The zlib stream, inflated to at most maxAuditDataSize bytes. */
function inflateAuditData(compressed: Buffer, place: string): Buffer | AuditableProblem {
  try {
    return inflateSync(compressed, { maxOutputLength: maxAuditDataSize });
  } catch (error) {
    if (error instanceof RangeError)
      return {
        code: 'audit-data-too-large',
        message:
          `cargo-auditable data (${place}) inflates to more than ${maxAuditDataSize} bytes ` +
          `(a zlib bomb?); its crates are not listed`,
      };
    const reason = error instanceof Error ? error.message : String(error);
    return {
      code: 'malformed-audit-data',
      message: `cargo-auditable data (${place}) is not a valid zlib stream: ${reason}`,
    };
  }
}

/** A field value for a message, cut short: the data is untrusted and may be huge. */
function preview(value: unknown): string {
  const text = JSON.stringify(value);
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}

function parsePackage(
  value: unknown,
  index: number,
  place: string,
): AuditablePackage | AuditableProblem {
  const problem = (what: string): AuditableProblem => ({
    code: 'malformed-audit-data',
    message: `cargo-auditable data (${place}): packages[${index}] ${what}; entry skipped`,
  });
  if (!isRecord(value)) return problem('is not an object');
  const name = stringField(value, 'name');
  const version = stringField(value, 'version');
  const source = stringField(value, 'source');
  if (name === undefined || version === undefined || source === undefined)
    return problem('lacks a name, version or source string');
  const { kind = 'runtime', root = false } = value;
  if (kind !== 'runtime' && kind !== 'build')
    return problem(`has kind ${preview(kind)}, not "runtime" or "build"`);
  if (typeof root !== 'boolean') return problem(`has root ${preview(root)}, not a boolean`);
  return { name, version, source, kind, root };
}

/** Reads the cargo-auditable crate list of an executable. Never throws on bad input. */
export function readAuditableData(executable: Buffer): AuditableData {
  let section;
  try {
    section = readSection(executable, auditableSection);
  } catch (error) {
    if (!(error instanceof ExecFormatError)) throw error;
    return unreadable(
      'malformed-executable',
      `cannot look for cargo-auditable data: ${error.message}`,
    );
  }
  if (section === undefined) return { kind: 'absent' };
  const place = where(section.format);
  const inflated = inflateAuditData(section.data, place);
  if (!Buffer.isBuffer(inflated)) return { kind: 'unreadable', problem: inflated };
  // PARSING.md step 3: well-formed data is UTF-8; rejecting anything else is valid.
  if (!isUtf8(inflated))
    return unreadable('malformed-audit-data', `cargo-auditable data (${place}) is not UTF-8`);
  const parsed = parseJson(inflated);
  if ('error' in parsed)
    return unreadable(
      'malformed-audit-data',
      `cargo-auditable data (${place}) is not JSON: ${parsed.error}`,
    );
  const packages = isRecord(parsed.value) ? parsed.value['packages'] : undefined;
  if (!Array.isArray(packages))
    return unreadable(
      'malformed-audit-data',
      `cargo-auditable data (${place}) has no "packages" array`,
    );
  const read: AuditablePackage[] = [];
  const problems: AuditableProblem[] = [];
  packages.forEach((entry: unknown, index) => {
    const result = parsePackage(entry, index, place);
    if ('code' in result) problems.push(result);
    else read.push(result);
  });
  return { kind: 'read', format: section.format, packages: read, problems };
}
