// Python distributions installed in site-packages: *.dist-info/METADATA (wheels, PEP 376/566)
// and *.egg-info/PKG-INFO (setuptools), both RFC 822 style headers ("Core metadata
// specifications", packaging.python.org) of which Name and Version are read.

import type { Component, ImageFinding } from '../../model/index.ts';
import { languageComponent } from './language.ts';
import { finding, selectFiles } from './registry.ts';
import type { Analyzer } from './types.ts';

const id = 'python';
const maxFileSize = 4 * 1024 * 1024;

function isMetadata(path: string): boolean {
  return /\.dist-info\/METADATA$/.test(path) || /\.egg-info(\/PKG-INFO)?$/.test(path);
}

/** The header block (up to the first blank line) of a metadata file. */
export function parseMetadataHeaders(text: string): Map<string, string> {
  const headers = new Map<string, string>();
  for (const line of text.split('\n')) {
    const clean = line.replace(/\r$/, '');
    if (clean === '') break;
    const match = /^([A-Za-z0-9-]+):\s*(.*)$/.exec(clean);
    if (match !== null && !headers.has(match[1] ?? ''))
      headers.set(match[1] ?? '', (match[2] ?? '').trim());
  }
  return headers;
}

export const pythonAnalyzer: Analyzer = {
  id,
  early: 'packages',
  files: { suffixes: ['.dist-info/METADATA', '.egg-info', '.egg-info/PKG-INFO'] },
  wants: (path, info) => isMetadata(path) && info.size <= maxFileSize,
  analyze(input) {
    const components: Component[] = [];
    const findings: ImageFinding[] = [];
    for (const file of selectFiles(input, isMetadata)) {
      const headers = parseMetadataHeaders(file.content.toString('utf8'));
      const name = headers.get('Name');
      const version = headers.get('Version');
      if (name === undefined || name === '' || version === undefined || version === '') {
        findings.push(
          finding(id, 'malformed-metadata', file, 'metadata without Name or Version', 1),
        );
        continue;
      }
      components.push(languageComponent('pypi', name, version, file));
    }
    return { components, findings };
  },
};
