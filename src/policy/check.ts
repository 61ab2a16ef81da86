// Runs compiled policies over a set of manifest objects: normalise, derive context, evaluate.
// The one path by which `check`, the admission webhook and Central evaluate deploy-time policy.

import type {
  InputProblem,
  LifecycleStage,
  ManifestObject,
  ObjectRef,
  SubjectKind,
} from '../model/index.ts';
import { normaliseAll } from '../k8s/index.ts';
import type { CompiledPolicy } from './compile.ts';
import type { ImageScanLookup } from './image-scans.ts';
import { evaluateAll } from './evaluate.ts';
import type { EvaluationResult } from './evaluate.ts';

/** An object that took part in the check, with the subject kind policies see it as. */
export interface CheckedObject extends ObjectRef {
  readonly subject: SubjectKind;
  readonly file: string;
  readonly line: number;
}

export interface CheckResult extends EvaluationResult {
  readonly problems: InputProblem[];
  readonly checked: CheckedObject[];
}

export interface CheckOptions {
  readonly stages?: readonly LifecycleStage[];
  readonly now?: number;
  readonly cluster?: string;
  /** Scans of the objects' images: image fields are decided where a container's image has one. */
  readonly imageScans?: ImageScanLookup;
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
    ...(options.imageScans !== undefined ? { imageScans: options.imageScans } : {}),
  });
  const checked = normalised.objects.map((o) => ({
    apiVersion: o.meta.apiVersion,
    kind: o.meta.kind,
    namespace: o.meta.namespace,
    name: o.meta.name,
    subject: o.kind,
    file: o.source.file,
    line: o.source.line,
  }));
  return { ...result, problems: normalised.problems, checked };
}
