// PHP packages from composer.lock ("packages" and "packages-dev" arrays of {name, version};
// getcomposer.org/doc "composer.lock"). Versions keep Composer's spelling ("v5.4.0").

import type { Component, ImageFinding } from '../../model/index.ts';
import { isRecord, languageComponent, parseJson, stringField } from './language.ts';
import { finding, selectFiles } from './registry.ts';
import type { Analyzer } from './types.ts';

const id = 'php';
const maxFileSize = 32 * 1024 * 1024;
const isLockfile = (path: string): boolean => path.endsWith('/composer.lock');

export const phpAnalyzer: Analyzer = {
  id,
  early: 'packages',
  files: { suffixes: ['/composer.lock'] },
  wants: (path, info) => isLockfile(path) && info.size <= maxFileSize,
  analyze(input) {
    const components: Component[] = [];
    const findings: ImageFinding[] = [];
    for (const file of selectFiles(input, isLockfile)) {
      const parsed = parseJson(file.content);
      if ('error' in parsed || !isRecord(parsed.value)) {
        const reason = 'error' in parsed ? parsed.error : 'not an object';
        findings.push(finding(id, 'malformed-lockfile', file, `invalid composer.lock: ${reason}`));
        continue;
      }
      for (const key of ['packages', 'packages-dev']) {
        const list = parsed.value[key];
        if (!Array.isArray(list)) continue;
        for (const entry of list) {
          const name = stringField(entry, 'name');
          const version = stringField(entry, 'version');
          if (name !== undefined && version !== undefined) {
            components.push(languageComponent('composer', name, version, file));
          }
        }
      }
    }
    return { components, findings };
  },
};
