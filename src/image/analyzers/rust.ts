// Rust crates from Cargo.lock ([[package]] tables with name, version and source;
// doc.rust-lang.org/cargo "Cargo.lock") and from executables built with cargo-auditable
// (rust-auditable.ts). Only crates with a source are reported: a lockfile crate without one,
// like an auditable crate whose source is "local", is a member of the workspace being built or
// a path dependency, not a dependency from crates.io, another registry or git. From binaries,
// build-time crates (kind "build": build scripts, proc-macros) are left out as Trivy does
// (pkg/dependency/parser/rust/binary): they are not in the executable that runs.
// Executables are kept by the shared rule in exec-sections.ts, the same as Go binaries.

import type { Component, ImageFinding } from '../../model/index.ts';
import { isExecutableCandidate, selectExecutables } from './exec-sections.ts';
import { languageComponent, lineAt } from './language.ts';
import { finding, selectFiles } from './registry.ts';
import { readAuditableData } from './rust-auditable.ts';
import type { Analyzer, AnalyzerInput, ImageFile } from './types.ts';

const id = 'rust';
const maxFileSize = 16 * 1024 * 1024;

const isLockfile = (path: string): boolean => path.endsWith('/Cargo.lock');

function tomlString(block: string, key: string): string | undefined {
  return new RegExp(`^${key}\\s*=\\s*"([^"]*)"`, 'm').exec(block)?.[1];
}

function analyzeLockfile(file: ImageFile, components: Component[], findings: ImageFinding[]): void {
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

function analyzeExecutable(
  file: ImageFile,
  components: Component[],
  findings: ImageFinding[],
): void {
  const data = readAuditableData(file.content);
  switch (data.kind) {
    case 'absent':
      return;
    case 'unreadable':
      findings.push(finding(id, data.problem.code, file, data.problem.message));
      return;
    case 'read':
      for (const problem of data.problems)
        findings.push(finding(id, problem.code, file, problem.message));
      for (const crate of data.packages) {
        // A root from crates.io (`cargo auditable install <crate>`) is a published crate
        // like any other; a local root is the workspace member being built.
        if (crate.source === 'local' || crate.kind === 'build') continue;
        components.push(languageComponent('cargo', crate.name, crate.version, file));
      }
      return;
  }
}

export const rustAnalyzer: Analyzer = {
  id,
  files: { suffixes: ['/Cargo.lock'], executables: true },
  wants: (path, info) =>
    (isLockfile(path) && info.size <= maxFileSize) || isExecutableCandidate(path, info),
  analyze(input: AnalyzerInput) {
    const components: Component[] = [];
    const findings: ImageFinding[] = [];
    for (const file of selectFiles(input, isLockfile)) analyzeLockfile(file, components, findings);
    for (const file of selectExecutables(input)) analyzeExecutable(file, components, findings);
    return { components, findings };
  },
};
