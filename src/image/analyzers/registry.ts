// Registers analysers by id (a duplicate id throws) and runs them over one image: the layer
// reader asks `wantsFile`, then `analyzeImage` merges every analyser's result. An analyser
// that throws anyway becomes a finding, so one bad file never loses the rest of the scan.

import type { Component, ImageFinding, OsRelease } from '../../model/index.ts';
import type { Analyzer, AnalyzerInput, AnalyzerResult, FileInfo, ImageFile } from './types.ts';

export function registerAnalyzers(list: readonly Analyzer[]): readonly Analyzer[] {
  const seen = new Set<string>();
  for (const analyzer of list) {
    if (seen.has(analyzer.id)) throw new Error(`analyzer '${analyzer.id}' is registered twice`);
    seen.add(analyzer.id);
  }
  return list;
}

/** Whether any analyser wants the file; the layer reader keeps only those. */
export function wantsFile(path: string, info: FileInfo, list: readonly Analyzer[]): boolean {
  return list.some((analyzer) => analyzer.wants(path, info));
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
