// Go binaries: the main module, its dependencies (with replacements applied) and the Go
// standard library version, from the build info the Go linker embeds (go-buildinfo.ts).
// Every executable up to a size cap is kept (exec-sections.ts), as only its bytes tell
// whether it is Go.

import type { Component, ImageFinding } from '../../model/index.ts';
import { ExecFormatError, isExecutableCandidate, selectExecutables } from './exec-sections.ts';
import { GoBuildInfoError, readGoBuildInfo, stdlibVersion } from './go-buildinfo.ts';
import { languageComponent } from './language.ts';
import { finding } from './registry.ts';
import type { Analyzer, AnalyzerInput } from './types.ts';

const id = 'go-binary';

export const goBinaryAnalyzer: Analyzer = {
  id,
  files: { executables: true },
  wants: isExecutableCandidate,
  analyze(input: AnalyzerInput) {
    const components: Component[] = [];
    const findings: ImageFinding[] = [];
    for (const file of selectExecutables(input)) {
      let info;
      try {
        info = readGoBuildInfo(file.content);
      } catch (error) {
        if (
          !(error instanceof GoBuildInfoError) &&
          !(error instanceof ExecFormatError) &&
          !(error instanceof RangeError)
        )
          throw error;
        findings.push(
          finding(id, 'malformed-buildinfo', file, `Go build info unreadable: ${error.message}`),
        );
        continue;
      }
      if (info === undefined) continue;
      const modules = [...(info.main === undefined ? [] : [info.main]), ...info.deps];
      for (const module of modules) {
        // "(devel)" is a main module built from a working tree: no version to match.
        if (module.path === '' || module.version === '' || module.version === '(devel)') continue;
        components.push(languageComponent('golang', module.path, module.version, file));
      }
      const stdlib = stdlibVersion(info.goVersion);
      if (stdlib !== undefined)
        components.push(languageComponent('golang', 'stdlib', stdlib, file));
    }
    return { components, findings };
  },
};
