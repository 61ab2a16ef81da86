// Runs compiled policies over a set of manifest objects: normalise, derive context, evaluate.
// The one path by which `check`, the admission webhook and Central evaluate deploy-time policy.

import type { InputProblem, LifecycleStage, ManifestObject } from '../model/index.ts';
import { normaliseAll } from '../k8s/index.ts';
import type { CompiledPolicy } from './compile.ts';
import { evaluateAll } from './evaluate.ts';
import type { EvaluationResult } from './evaluate.ts';

export interface CheckResult extends EvaluationResult {
  readonly problems: InputProblem[];
  readonly objectCount: number;
}

export interface CheckOptions {
  readonly stages?: readonly LifecycleStage[];
  readonly now?: number;
  readonly cluster?: string;
}

export function checkObjects(
  objects: readonly ManifestObject[],
  policies: readonly CompiledPolicy[],
  options: CheckOptions = {},
): CheckResult {
  const normalised = normaliseAll(objects);
  const result = evaluateAll(policies, normalised.objects, {
    stages: options.stages ?? ['DEPLOY', 'BUILD'],
    ...(options.now !== undefined ? { now: options.now } : {}),
    ...(options.cluster !== undefined ? { cluster: options.cluster } : {}),
  });
  return { ...result, problems: normalised.problems, objectCount: objects.length };
}
