// Java archives (jar, war, ear): Maven coordinates from META-INF/maven/<group>/<artifact>/
// pom.properties, else from MANIFEST.MF (Implementation-Vendor-Id/-Title/-Version or
// Bundle-SymbolicName/-Version), and the same for archives nested inside (WEB-INF/lib/*.jar,
// Spring Boot BOOT-INF/lib/*.jar). Archives are read in memory with zip.ts's caps; the whole
// tree of one archive may inflate at most maxArchiveBudget bytes.

import type { Component, ImageFinding } from '../../model/index.ts';
import { languageComponent } from './language.ts';
import { finding, selectFiles } from './registry.ts';
import type { Analyzer, ImageFile } from './types.ts';
import { openZip } from './zip.ts';
import type { ZipLimits } from './zip.ts';

const id = 'java';
const maxArchiveSize = 256 * 1024 * 1024;
const maxArchiveBudget = 512 * 1024 * 1024;
const maxDepth = 3;
const limits: ZipLimits = { maxEntrySize: 64 * 1024 * 1024, maxEntries: 100_000, maxRatio: 200 };

const archiveSuffixes = ['.jar', '.war', '.ear', '.par', '.sar', '.hpi', '.jpi'];
const isArchive = (path: string): boolean => /\.(jar|war|ear|par|sar|hpi|jpi)$/i.test(path);

/** java.util.Properties lines: key=value or key: value, # and ! comments. */
export function parseProperties(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith('!')) continue;
    const match = /^([^=:\s]+)\s*[=:]?\s*(.*)$/.exec(line);
    if (match !== null) out.set(match[1] ?? '', (match[2] ?? '').trim());
  }
  return out;
}

/** JAR manifest main section: "Name: value" lines, continuations start with one space. */
export function parseManifest(text: string): Map<string, string> {
  const out = new Map<string, string>();
  let last: string | undefined;
  for (const raw of text.split(/\r?\n/)) {
    if (raw === '') break;
    if (raw.startsWith(' ') && last !== undefined) {
      out.set(last, `${out.get(last) ?? ''}${raw.slice(1)}`);
      continue;
    }
    const colon = raw.indexOf(':');
    if (colon <= 0) continue;
    last = raw.slice(0, colon).trim();
    out.set(last, raw.slice(colon + 1).trim());
  }
  return out;
}

interface Budget {
  remaining: number;
}

function readArchive(
  data: Buffer,
  where: string,
  file: ImageFile,
  depth: number,
  budget: Budget,
  components: Component[],
  findings: ImageFinding[],
): void {
  let archive;
  try {
    archive = openZip(data, limits);
  } catch (error) {
    findings.push(
      finding(
        id,
        'malformed-archive',
        file,
        `${where}: ${error instanceof Error ? error.message : String(error)}`,
      ),
    );
    return;
  }
  const read = (entry: (typeof archive.entries)[number]): Buffer | undefined => {
    if (entry.size > budget.remaining) {
      findings.push(
        finding(
          id,
          'archive-too-large',
          file,
          `${where}!${entry.name}: archive inflates beyond ${maxArchiveBudget} bytes; rest skipped`,
        ),
      );
      budget.remaining = 0;
      return undefined;
    }
    try {
      const out = archive.read(entry);
      budget.remaining -= out.length;
      return out;
    } catch (error) {
      findings.push(
        finding(
          id,
          'malformed-archive',
          file,
          `${where}: ${error instanceof Error ? error.message : String(error)}`,
        ),
      );
      return undefined;
    }
  };
  let found = false;
  for (const entry of archive.entries) {
    if (!/^META-INF\/maven\/[^/]+\/[^/]+\/pom\.properties$/.test(entry.name)) continue;
    const content = read(entry);
    if (content === undefined) continue;
    const props = parseProperties(content.toString('utf8'));
    const group = props.get('groupId');
    const artifact = props.get('artifactId');
    const version = props.get('version');
    if (group === undefined || artifact === undefined || version === undefined) continue;
    components.push(languageComponent('maven', `${group}:${artifact}`, version, file, where));
    found = true;
  }
  if (!found) {
    const manifest = archive.entries.find((e) => e.name === 'META-INF/MANIFEST.MF');
    const content = manifest === undefined ? undefined : read(manifest);
    if (content !== undefined) {
      const m = parseManifest(content.toString('utf8'));
      const group = m.get('Implementation-Vendor-Id');
      const artifact = m.get('Implementation-Title');
      const version = m.get('Implementation-Version') ?? m.get('Bundle-Version');
      if (
        group !== undefined &&
        artifact !== undefined &&
        version !== undefined &&
        !artifact.includes(' ')
      ) {
        components.push(languageComponent('maven', `${group}:${artifact}`, version, file, where));
      }
    }
  }
  if (depth >= maxDepth) return;
  for (const entry of archive.entries) {
    if (!isArchive(entry.name) || budget.remaining <= 0) continue;
    const nested = read(entry);
    if (nested !== undefined) {
      readArchive(nested, `${where}!${entry.name}`, file, depth + 1, budget, components, findings);
    }
  }
}

export const javaAnalyzer: Analyzer = {
  id,
  files: { suffixes: archiveSuffixes },
  wants: (path, info) => isArchive(path) && info.size <= maxArchiveSize,
  analyze(input) {
    const components: Component[] = [];
    const findings: ImageFinding[] = [];
    for (const file of selectFiles(input, isArchive)) {
      readArchive(
        file.content,
        file.path,
        file,
        0,
        { remaining: maxArchiveBudget },
        components,
        findings,
      );
    }
    return { components, findings };
  },
};
