// Rust crates from Cargo.lock ([[package]] tables with name, version and source;
// doc.rust-lang.org/cargo "Cargo.lock"). Only crates with a source are reported: a crate
// without one is a member of the workspace being built, not a dependency from crates.io.
// Binaries built with cargo-auditable carry a .dep-v0 section; that is not read yet.

import type { Component, ImageFinding } from '../../model/index.ts';
import { languageComponent, lineAt } from './language.ts';
import { finding, selectFiles } from './registry.ts';
import type { Analyzer } from './types.ts';

const id = 'rust';
const maxFileSize = 16 * 1024 * 1024;

const isLockfile = (path: string): boolean => path.endsWith('/Cargo.lock');

function tomlString(block: string, key: string): string | undefined {
  return new RegExp(`^${key}\\s*=\\s*"([^"]*)"`, 'm').exec(block)?.[1];
}

export const rustAnalyzer: Analyzer = {
  id,
  wants: (path, info) => isLockfile(path) && info.size <= maxFileSize,
  analyze(input) {
    const components: Component[] = [];
    const findings: ImageFinding[] = [];
    for (const file of selectFiles(input, isLockfile)) {
      const text = file.content.toString('utf8');
      const marker = /^\[\[package\]\]\s*$/gm;
      const starts = [...text.matchAll(marker)].map((m) => m.index);
      starts.forEach((start, k) => {
        const block = text.slice(start, starts[k + 1] ?? text.length);
        const name = tomlString(block, 'name');
        const version = tomlString(block, 'version');
        if (name === undefined || version === undefined) {
          findings.push(
            finding(
              id,
              'malformed-lockfile',
              file,
              '[[package]] without name or version',
              lineAt(text, start),
            ),
          );
          return;
        }
        if (tomlString(block, 'source') === undefined) return;
        components.push(languageComponent('cargo', name, version, file));
      });
    }
    return { components, findings };
  },
};
