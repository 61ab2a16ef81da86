// npm packages: package-lock.json (lockfileVersion 1 "dependencies" trees, 2 and 3 "packages"
// maps keyed by node_modules path; docs.npmjs.com "package-lock.json") and the package.json
// of every installed package under node_modules. A lockfile entry that is also installed is
// reported once, from node_modules.

import type { Component, ImageFinding } from '../../model/index.ts';
import { isRecord, languageComponent, parseJson, stringField } from './language.ts';
import { finding, selectFiles } from './registry.ts';
import type { Analyzer } from './types.ts';

const id = 'npm';
const maxFileSize = 64 * 1024 * 1024;

function isLockfile(path: string): boolean {
  return path.endsWith('/package-lock.json') && !path.includes('/node_modules/');
}

/** /x/node_modules/name/package.json or /x/node_modules/@scope/name/package.json. */
function isInstalledManifest(path: string): boolean {
  return /\/node_modules\/(?:@[^/]+\/)?[^/@][^/]*\/package\.json$/.test(path);
}

function lockfilePackages(value: unknown): { name: string; version: string }[] {
  const out: { name: string; version: string }[] = [];
  if (!isRecord(value)) return out;
  const packages = value['packages'];
  if (isRecord(packages)) {
    for (const [key, entry] of Object.entries(packages)) {
      if (key === '' || !isRecord(entry) || entry['link'] === true) continue;
      const index = key.lastIndexOf('node_modules/');
      const name =
        stringField(entry, 'name') ??
        (index < 0 ? undefined : key.slice(index + 'node_modules/'.length));
      const version = stringField(entry, 'version');
      if (name !== undefined && version !== undefined) out.push({ name, version });
    }
    return out;
  }
  // lockfileVersion 1: nested "dependencies" objects.
  const walk = (deps: unknown, depth: number): void => {
    if (!isRecord(deps) || depth > 64) return;
    for (const [name, entry] of Object.entries(deps)) {
      const version = stringField(entry, 'version');
      if (version !== undefined && !version.startsWith('file:') && !version.startsWith('link:')) {
        out.push({ name, version });
      }
      if (isRecord(entry)) walk(entry['dependencies'], depth + 1);
    }
  };
  walk(value['dependencies'], 0);
  return out;
}

export const npmAnalyzer: Analyzer = {
  id,
  early: 'packages',
  files: { suffixes: ['/package-lock.json', '/package.json'] },
  wants: (path, info) =>
    (isLockfile(path) || isInstalledManifest(path)) && info.size <= maxFileSize,
  analyze(input) {
    const components: Component[] = [];
    const findings: ImageFinding[] = [];
    const installed = new Set<string>();
    for (const file of selectFiles(input, isInstalledManifest)) {
      const parsed = parseJson(file.content);
      if ('error' in parsed) {
        findings.push(finding(id, 'malformed-manifest', file, `invalid JSON: ${parsed.error}`));
        continue;
      }
      const name = stringField(parsed.value, 'name');
      const version = stringField(parsed.value, 'version');
      // Nested package.json files of a package's own subfolders have no name/version.
      if (name === undefined || version === undefined) continue;
      installed.add(`${name}@${version}`);
      components.push(languageComponent('npm', name, version, file));
    }
    for (const file of selectFiles(input, isLockfile)) {
      const parsed = parseJson(file.content);
      if ('error' in parsed) {
        findings.push(finding(id, 'malformed-lockfile', file, `invalid JSON: ${parsed.error}`));
        continue;
      }
      const seen = new Set<string>();
      for (const { name, version } of lockfilePackages(parsed.value)) {
        const key = `${name}@${version}`;
        if (installed.has(key) || seen.has(key)) continue;
        seen.add(key);
        components.push(languageComponent('npm', name, version, file));
      }
    }
    return { components, findings };
  },
};
