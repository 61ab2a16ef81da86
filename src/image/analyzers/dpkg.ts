// Debian packages from dpkg's database: /var/lib/dpkg/status (deb-control(5) paragraphs) and
// distroless images' /var/lib/dpkg/status.d/<package> files. Advisories name the source
// package and compare the source version ("Source: glibc (2.36-9+deb12u4)"), so both are kept.
// The layer of a package is the layer that wrote its /var/lib/dpkg/info/<name>.list file, which
// dpkg writes per package; the status file itself is rewritten by every install.

import type { Component, ImageFinding } from '../../model/index.ts';
import { buildPurl } from './purl.ts';
import { detectOsRelease, distroEcosystem, distroQualifier } from './os-release.ts';
import { finding, selectFiles } from './registry.ts';
import type { Analyzer, AnalyzerInput, ImageFile } from './types.ts';

const id = 'dpkg';
const statusPath = '/var/lib/dpkg/status';
const statusDir = '/var/lib/dpkg/status.d/';
const infoDir = '/var/lib/dpkg/info/';
/** A full Debian system's status file is a few MB; 64 MiB is far beyond any real one. */
const maxStatusSize = 64 * 1024 * 1024;

export interface ControlParagraph {
  /** 1-based line of the paragraph's first field. */
  readonly line: number;
  readonly fields: ReadonlyMap<string, string>;
}

export interface ControlParseResult {
  readonly paragraphs: readonly ControlParagraph[];
  readonly errors: readonly { readonly line: number; readonly message: string }[];
}

/**
 * Parses deb-control(5) paragraphs: "Field: value" lines, continuation lines starting with a
 * space or tab, paragraphs separated by blank lines. Field names are case-insensitive and kept
 * as first written. A line that is neither is reported and skipped.
 */
export function parseControlParagraphs(text: string): ControlParseResult {
  const paragraphs: ControlParagraph[] = [];
  const errors: { line: number; message: string }[] = [];
  let fields = new Map<string, string>();
  let start = 0;
  let last: string | undefined;
  const flush = (): void => {
    if (fields.size > 0) paragraphs.push({ line: start, fields });
    fields = new Map();
    last = undefined;
  };
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i] ?? '';
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    const number = i + 1;
    if (line.trim() === '') {
      flush();
      continue;
    }
    if (line.startsWith(' ') || line.startsWith('\t')) {
      if (last === undefined) {
        errors.push({ line: number, message: 'continuation line outside a field' });
      } else {
        fields.set(last, `${fields.get(last) ?? ''}\n${line.trim()}`);
      }
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) {
      errors.push({
        line: number,
        message: `expected "Field: value", found "${line.slice(0, 60)}"`,
      });
      continue;
    }
    if (fields.size === 0) start = number;
    last = canonicalField(line.slice(0, colon));
    fields.set(last, line.slice(colon + 1).trim());
  }
  flush();
  return { paragraphs, errors };
}

/** Field names seen, canonicalised: a status file repeats a dozen names thousands of times. */
const canonicalFields = new Map<string, string>();

function canonicalField(name: string): string {
  let canonical = canonicalFields.get(name);
  if (canonical === undefined) {
    canonical = name
      .trim()
      .toLowerCase()
      .replace(/(^|-)([a-z])/g, (_m, dash: string, c: string) => dash + c.toUpperCase());
    // Bounded: a hostile file can name any number of fields.
    if (canonicalFields.size < 1000) canonicalFields.set(name, canonical);
  }
  return canonical;
}

/** "glibc (2.36-9+deb12u4)" → name and version; "openssl" → name only. */
export function parseSourceField(value: string): { name: string; version?: string } {
  const match = /^(\S+)(?:\s+\(([^)]+)\))?/.exec(value.trim());
  if (match === null) return { name: value.trim() };
  const [, name = '', version] = match;
  return version === undefined ? { name } : { name, version: version.trim() };
}

function isInstalled(status: string | undefined): boolean {
  // Status: want flag status, e.g. "install ok installed"; distroless entries have none.
  if (status === undefined) return true;
  const parts = status.split(/\s+/);
  return parts[2] === 'installed';
}

function packageLayer(
  files: ReadonlyMap<string, ImageFile>,
  name: string,
  arch: string | undefined,
  fallback: string,
): string {
  const candidates = [`${infoDir}${name}.list`];
  if (arch !== undefined) candidates.unshift(`${infoDir}${name}:${arch}.list`);
  for (const path of candidates) {
    const file = files.get(path);
    if (file !== undefined) return file.layer;
  }
  return fallback;
}

/**
 * Parsed status files by their content: a scan analyses a dpkg status early, to match its
 * packages while layers are still read, and again on the finished file system, where it is
 * usually the same buffer. The result is read-only.
 */
const parsedByContent = new WeakMap<Buffer, ControlParseResult>();

function parseStatusFile(content: Buffer): ControlParseResult {
  let parsed = parsedByContent.get(content);
  if (parsed === undefined) {
    parsed = parseControlParagraphs(content.toString('utf8'));
    parsedByContent.set(content, parsed);
  }
  return parsed;
}

function readDatabase(
  file: ImageFile,
  input: AnalyzerInput,
  ecosystem: string,
  namespace: string,
  distro: string | undefined,
): { components: Component[]; findings: ImageFinding[] } {
  const components: Component[] = [];
  const findings: ImageFinding[] = [];
  const parsed = parseStatusFile(file.content);
  for (const error of parsed.errors) {
    findings.push(finding(id, 'malformed-database', file, error.message, error.line));
  }
  for (const paragraph of parsed.paragraphs) {
    const name = paragraph.fields.get('Package');
    const version = paragraph.fields.get('Version');
    if (!isInstalled(paragraph.fields.get('Status'))) continue;
    if (name === undefined || name === '' || version === undefined || version === '') {
      findings.push(
        finding(
          id,
          'malformed-database',
          file,
          'package entry without Package or Version',
          paragraph.line,
        ),
      );
      continue;
    }
    const arch = paragraph.fields.get('Architecture');
    const source = parseSourceField(paragraph.fields.get('Source') ?? name);
    components.push({
      type: 'deb',
      name,
      version,
      sourceName: source.name,
      sourceVersion: source.version ?? version,
      ...(arch === undefined ? {} : { arch }),
      ecosystem,
      purl: buildPurl({
        type: 'deb',
        namespace,
        name,
        version,
        qualifiers: {
          arch,
          distro,
          upstream: source.name === name ? undefined : source.name,
        },
      }),
      file: file.path,
      layer: packageLayer(input.files, name, arch, file.layer),
    });
  }
  return { components, findings };
}

function isStatusFile(path: string): boolean {
  if (path === statusPath) return true;
  return (
    path.startsWith(statusDir) &&
    !path.slice(statusDir.length).includes('/') &&
    !path.endsWith('.md5sums')
  );
}

export const dpkgAnalyzer: Analyzer = {
  id,
  early: 'packages',
  files: { paths: [statusPath], prefixes: [statusDir, infoDir] },
  wants: (path, info) =>
    (isStatusFile(path) && info.size <= maxStatusSize) ||
    (path.startsWith(infoDir) && path.endsWith('.list') && info.size <= maxStatusSize),
  analyze(input) {
    const os = detectOsRelease(input.files);
    const ecosystem = distroEcosystem(os, 'Debian');
    const namespace = os?.family === 'debian' ? os.id : 'debian';
    const distro = distroQualifier(os);
    const components: Component[] = [];
    const findings: ImageFinding[] = [];
    for (const file of selectFiles(input, isStatusFile)) {
      if (file.content.length > maxStatusSize) {
        findings.push(
          finding(id, 'file-too-large', file, `larger than ${maxStatusSize} bytes; skipped`),
        );
        continue;
      }
      const result = readDatabase(file, input, ecosystem, namespace, distro);
      components.push(...result.components);
      findings.push(...result.findings);
    }
    return { components, findings };
  },
};
