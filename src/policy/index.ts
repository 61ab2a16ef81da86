// Public surface of policy/: the StackRox-format policy engine and the built-in pack.
export { compilePolicy } from './compile.ts';
export type { CompiledPolicy, CompileOptions } from './compile.ts';
export { evaluateAll, evaluatePolicy, runsAtStages, ignoreAnnotation } from './evaluate.ts';
export type { EvaluateOptions, EvaluationResult } from './evaluate.ts';
export { parsePolicyText, readPolicy, exportPolicies, slugify } from './schema.ts';
export {
  loadBuiltinPolicies,
  selectPolicySet,
  policySetNames,
  builtinDirectory,
} from './builtin.ts';
export type { PolicySetName } from './builtin.ts';
export { defaultRegistry, FieldRegistry } from './registry.ts';
export type { FieldDefinition, LevelName } from './field.ts';
export { levels } from './field.ts';
export { checkObjects } from './check.ts';
export type { CheckResult, CheckOptions, CheckedObject } from './check.ts';
export { compileValueRegex } from './regex.ts';
export { imageScanLookup, indexImageScan, dockerfileLineOf } from './image-scans.ts';
export type { ImageScanLookup, ScannedImage, ScannedComponent } from './image-scans.ts';
