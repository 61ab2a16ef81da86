// .NET dependencies from *.deps.json, the runtime's dependency manifest of an application
// (dotnet/runtime docs "deps.json"): "libraries" keyed "Name/Version" with a type; only
// "package" entries come from NuGet ("project" entries are the application itself).

import type { Component, ImageFinding } from '../../model/index.ts';
import { isRecord, languageComponent, parseJson } from './language.ts';
import { finding, selectFiles } from './registry.ts';
import type { Analyzer } from './types.ts';

const id = 'dotnet';
const maxFileSize = 16 * 1024 * 1024;
const isDepsFile = (path: string): boolean => path.endsWith('.deps.json');

export const dotnetAnalyzer: Analyzer = {
  id,
  early: 'packages',
  files: { suffixes: ['.deps.json'] },
  wants: (path, info) => isDepsFile(path) && info.size <= maxFileSize,
  analyze(input) {
    const components: Component[] = [];
    const findings: ImageFinding[] = [];
    for (const file of selectFiles(input, isDepsFile)) {
      const parsed = parseJson(file.content);
      if ('error' in parsed) {
        findings.push(finding(id, 'malformed-manifest', file, `invalid JSON: ${parsed.error}`));
        continue;
      }
      const libraries = isRecord(parsed.value) ? parsed.value['libraries'] : undefined;
      if (!isRecord(libraries)) continue;
      for (const [key, library] of Object.entries(libraries)) {
        if (!isRecord(library) || library['type'] !== 'package') continue;
        const slash = key.lastIndexOf('/');
        if (slash <= 0 || slash === key.length - 1) {
          findings.push(
            finding(id, 'malformed-manifest', file, `library key "${key}" is not Name/Version`),
          );
          continue;
        }
        components.push(
          languageComponent('nuget', key.slice(0, slash), key.slice(slash + 1), file),
        );
      }
    }
    return { components, findings };
  },
};
