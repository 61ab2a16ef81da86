// Alpine (and Wolfi/Chainguard) packages from apk-tools' database /lib/apk/db/installed:
// paragraphs of "K:value" lines (apk-spec "Installed database" / apk-tools database.c), where
// P is the name, V the version, A the arch and o the origin (source) package that advisories name.

import type { Component, ImageFinding } from '../../model/index.ts';
import { buildPurl } from './purl.ts';
import { detectOsRelease, distroEcosystem, distroQualifier } from './os-release.ts';
import { finding } from './registry.ts';
import type { Analyzer } from './types.ts';

const id = 'apk';
const installedPath = '/lib/apk/db/installed';
const maxInstalledSize = 64 * 1024 * 1024;

export const apkAnalyzer: Analyzer = {
  id,
  early: 'packages',
  files: { paths: [installedPath] },
  wants: (path, info) => path === installedPath && info.size <= maxInstalledSize,
  analyze(input) {
    const file = input.files.get(installedPath);
    if (file === undefined) return { components: [], findings: [] };
    const os = detectOsRelease(input.files);
    const ecosystem = distroEcosystem(os, 'Alpine');
    const namespace = os?.family === 'alpine' ? os.id : 'alpine';
    const distro = distroQualifier(os);
    const components: Component[] = [];
    const findings: ImageFinding[] = [];
    let entry = new Map<string, string>();
    let entryLine = 1;
    const flush = (): void => {
      if (entry.size === 0) return;
      const name = entry.get('P');
      const version = entry.get('V');
      if (name === undefined || name === '' || version === undefined || version === '') {
        findings.push(
          finding(id, 'malformed-database', file, 'package entry without P: or V:', entryLine),
        );
      } else {
        const arch = entry.get('A');
        const origin = entry.get('o') ?? name;
        components.push({
          type: 'apk',
          name,
          version,
          sourceName: origin,
          sourceVersion: version,
          ...(arch === undefined ? {} : { arch }),
          ecosystem,
          purl: buildPurl({
            type: 'apk',
            namespace,
            name,
            version,
            qualifiers: { arch, distro, upstream: origin === name ? undefined : origin },
          }),
          file: file.path,
          layer: file.layer,
        });
      }
      entry = new Map();
    };
    const lines = file.content.toString('utf8').split('\n');
    for (let i = 0; i < lines.length; i++) {
      const line = (lines[i] ?? '').replace(/\r$/, '');
      if (line === '') {
        flush();
        continue;
      }
      if (line.length < 2 || line[1] !== ':') {
        findings.push(
          finding(
            id,
            'malformed-database',
            file,
            `expected "K:value", found "${line.slice(0, 60)}"`,
            i + 1,
          ),
        );
        continue;
      }
      if (entry.size === 0) entryLine = i + 1;
      const key = line[0] ?? '';
      // Keys repeat for files (F:, R:, Z:); only the first P/V/A/o of an entry matters.
      if (!entry.has(key)) entry.set(key, line.slice(2));
    }
    flush();
    return { components, findings };
  },
};
