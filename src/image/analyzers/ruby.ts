// Ruby gems installed by RubyGems or Bundler: specifications/<name>-<version>.gemspec, the
// generated Ruby files whose `s.name = "…"` and `s.version = "…"` lines give the gem. The
// file name is the fallback ("rack-2.2.8.gemspec"), as RubyGems names them that way.

import type { Component, ImageFinding } from '../../model/index.ts';
import { languageComponent } from './language.ts';
import { finding, selectFiles } from './registry.ts';
import type { Analyzer } from './types.ts';

const id = 'ruby';
const maxFileSize = 1024 * 1024;

function isGemspec(path: string): boolean {
  return /\/specifications\/[^/]+\.gemspec$/.test(path);
}

function assignment(text: string, field: string): string | undefined {
  const pattern = new RegExp(`\\.${field}\\s*=\\s*(?:Gem::Version\\.new\\()?\\s*["']([^"']+)["']`);
  return pattern.exec(text)?.[1];
}

export const rubyAnalyzer: Analyzer = {
  id,
  early: 'packages',
  files: { suffixes: ['.gemspec'] },
  wants: (path, info) => isGemspec(path) && info.size <= maxFileSize,
  analyze(input) {
    const components: Component[] = [];
    const findings: ImageFinding[] = [];
    for (const file of selectFiles(input, isGemspec)) {
      const text = file.content.toString('utf8');
      const base = file.path.slice(file.path.lastIndexOf('/') + 1, -'.gemspec'.length);
      const fromName = /^(.+)-(\d[^-]*)$/.exec(base);
      const name = assignment(text, 'name') ?? fromName?.[1];
      const version = assignment(text, 'version') ?? fromName?.[2];
      if (name === undefined || version === undefined) {
        findings.push(finding(id, 'malformed-gemspec', file, 'gemspec without name or version'));
        continue;
      }
      components.push(languageComponent('gem', name, version, file));
    }
    return { components, findings };
  },
};
