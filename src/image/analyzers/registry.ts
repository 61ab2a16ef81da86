// Registers analysers by id (a duplicate id throws) and runs them over one image: the layer
// reader asks `wantsFile`, then `analyzeImage` merges every analyser's result. An analyser
// that throws anyway becomes a finding, so one bad file never loses the rest of the scan.

import type { Component, ImageFinding, OsRelease } from '../../model/index.ts';
import { compileHint, mergeHints } from '../file-hints.js';
import type {
  Analyzer,
  AnalyzerInput,
  AnalyzerResult,
  FileHint,
  FileInfo,
  ImageFile,
} from './types.ts';

export function registerAnalyzers(list: readonly Analyzer[]): readonly Analyzer[] {
  const seen = new Set<string>();
  for (const analyzer of list) {
    if (seen.has(analyzer.id)) throw new Error(`analyzer '${analyzer.id}' is registered twice`);
    seen.add(analyzer.id);
  }
  return list;
}

const hintMatchers = new WeakMap<Analyzer, (path: string, mode: number) => boolean>();

function hintMatcher(analyzer: Analyzer): (path: string, mode: number) => boolean {
  let matcher = hintMatchers.get(analyzer);
  if (matcher === undefined) {
    matcher = compileHint(analyzer.files);
    hintMatchers.set(analyzer, matcher);
  }
  return matcher;
}

/** Whether any analyser wants the file, within its hint; the layer reader keeps only those. */
export function wantsFile(path: string, info: FileInfo, list: readonly Analyzer[]): boolean {
  return list.some(
    (analyzer) => hintMatcher(analyzer)(path, info.mode) && analyzer.wants(path, info),
  );
}

/** Every file any of these analysers could want: what the layer reader may not skip. */
export function filesOf(list: readonly Analyzer[]): FileHint {
  return mergeHints(list.map((analyzer) => analyzer.files));
}

export async function analyzeImage(
  input: AnalyzerInput,
  list: readonly Analyzer[],
): Promise<AnalyzerResult> {
  let os: OsRelease | undefined;
  const components: Component[] = [];
  const findings: ImageFinding[] = [];
  for (const analyzer of list) {
    try {
      const result = await analyzer.analyze(input);
      os ??= result.os;
      components.push(...result.components);
      findings.push(...result.findings);
    } catch (error) {
      findings.push({
        analyzer: analyzer.id,
        code: 'analyzer-failed',
        file: '',
        message: `analyzer '${analyzer.id}' failed: ${error instanceof Error ? error.message : String(error)}`,
      });
    }
  }
  return os === undefined ? { components, findings } : { os, components, findings };
}

/** Files of the input whose path matches, in path order (so results are deterministic). */
export function selectFiles(
  input: AnalyzerInput,
  match: (path: string) => boolean,
): readonly ImageFile[] {
  return [...input.files.values()]
    .filter((file) => match(file.path))
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

export function finding(
  analyzer: string,
  code: string,
  file: { readonly path: string; readonly layer: string },
  message: string,
  line?: number,
): ImageFinding {
  const base = { analyzer, code, file: file.path, layer: file.layer, message };
  return line === undefined ? base : { ...base, line };
}
