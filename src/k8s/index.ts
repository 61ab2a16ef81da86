// Public surface of k8s/: reading manifests and normalising them into the model.
export { parseManifestText, decodeManifestBytes, defaultParseLimits } from './parse.ts';
export type { ParseLimits, ParseResult } from './parse.ts';
export { readManifests, parseManifestBytes } from './sources.ts';
export type { ManifestSet, ReadManifestOptions } from './sources.ts';
export {
  normaliseObject,
  normaliseWorkload,
  isWorkloadKind,
  readMeta,
  emptyWorkloadContext,
} from './normalize.ts';
export { deriveContexts, effectiveNamespace, grantsEverything } from './derive.ts';
export { parseImageRef, hasExplicitTag } from './image-ref.ts';
export { parseQuantity } from './quantity.ts';
export { selectorMatches, mapSelectorMatches } from './labels.ts';

import type { ClusterObject, InputProblem, ManifestObject } from '../model/index.ts';
import { normaliseObject } from './normalize.ts';
import { deriveContextsInPlace } from './derive.ts';

/** Normalises a set of manifest objects and derives cross-object context; unknown kinds are skipped. */
export function normaliseAll(objects: readonly ManifestObject[]): {
  objects: ClusterObject[];
  problems: InputProblem[];
} {
  const normalised: ClusterObject[] = [];
  const problems: InputProblem[] = [];
  for (const object of objects) {
    try {
      const result = normaliseObject(object);
      if (result) normalised.push(result);
    } catch (error) {
      problems.push({
        level: 'error',
        code: 'object-invalid',
        message: `cannot read ${object.kind}: ${error instanceof Error ? error.message : String(error)}`,
        file: object.source.file,
        line: object.source.line,
      });
    }
  }
  return { objects: deriveContextsInPlace(normalised), problems };
}
