// Validates a policy against StackRox's rules (pkg/booleanpolicy/validate.go) and compiles it
// once into predicate trees: per section, groups arranged by the subject level they test, so
// that groups on one level must hold for the same element (the same container, mount, rule).

import type { LifecycleStage, Policy, PolicyGroup, SubjectKind } from '../model/index.ts';
import { PalisadeError } from '../model/index.ts';
import { levels, rootLevels } from './field.ts';
import type { FieldDefinition, LevelDefinition, LevelName } from './field.ts';
import { compileValueRegex } from './regex.ts';
import type { ValueRegex } from './regex.ts';
import { defaultRegistry } from './registry.ts';
import type { FieldRegistry } from './registry.ts';
import type { ValuePredicate } from './values.ts';

export interface CompiledGroup {
  readonly field: FieldDefinition;
  readonly predicates: readonly ValuePredicate[];
  readonly and: boolean;
  readonly negate: boolean;
}

export interface LevelNode {
  readonly level: LevelName;
  /** levels[level], kept on the node: evaluation reads it for every element it descends to. */
  readonly definition: LevelDefinition;
  readonly groups: readonly CompiledGroup[];
  readonly children: readonly LevelNode[];
}

export interface CompiledSection {
  readonly name: string;
  readonly root: LevelNode;
  /** Groups decided only by an image scan. */
  readonly needsImage: boolean;
  readonly runtimeOnly: boolean;
}

export interface CompiledScope {
  readonly cluster?: ValueRegex;
  readonly namespace?: ValueRegex;
  readonly label?: { readonly key: ValueRegex; readonly value: ValueRegex };
}

export interface CompiledExclusion {
  readonly deploymentName?: ValueRegex;
  readonly scope?: CompiledScope;
  readonly imageName?: string;
  readonly expiresAt?: number;
}

export interface CompiledPolicy {
  readonly policy: Policy;
  readonly subject: SubjectKind;
  readonly sections: readonly CompiledSection[];
  readonly scopes: readonly CompiledScope[];
  readonly exclusions: readonly CompiledExclusion[];
  readonly stages: ReadonlySet<LifecycleStage>;
}

const subjectKinds = Object.keys(rootLevels) as SubjectKind[];

function invalid(policy: Policy, message: string): PalisadeError {
  return new PalisadeError('policy-invalid', `policy '${policy.name}': ${message}`, {
    details: { policy: policy.id },
  });
}

function pathOf(level: LevelName): LevelName[] {
  const path: LevelName[] = [];
  let current: LevelName | null = level;
  while (current) {
    path.unshift(current);
    current = levels[current].parent;
  }
  return path;
}

interface MutableNode {
  level: LevelName;
  definition: LevelDefinition;
  groups: CompiledGroup[];
  children: MutableNode[];
}

function insertGroup(root: MutableNode, level: LevelName, group: CompiledGroup): void {
  let node = root;
  for (const step of pathOf(level).slice(1)) {
    let child = node.children.find((c) => c.level === step);
    if (!child) {
      child = { level: step, definition: levels[step], groups: [], children: [] };
      node.children.push(child);
    }
    node = child;
  }
  node.groups.push(group);
}

/** Decides the subject kind: stated by the policy, else the first kind every field applies to. */
function subjectOf(policy: Policy, registry: FieldRegistry): SubjectKind {
  if (policy.subjectKind !== undefined) {
    const kind = subjectKinds.find(
      (k) => k.toLowerCase() === String(policy.subjectKind).toLowerCase(),
    );
    if (!kind)
      throw invalid(
        policy,
        `unknown subjectKind '${String(policy.subjectKind)}'; use one of ${subjectKinds.join(', ')}`,
      );
    return kind;
  }
  const names = policy.policySections.flatMap((s) => s.policyGroups.map((g) => g.fieldName));
  for (const kind of subjectKinds) {
    if (names.every((name) => registry.forRoot(name, kind) !== undefined)) return kind;
  }
  return 'Workload';
}

function compileScope(
  policy: Policy,
  scope: {
    cluster?: string | undefined;
    namespace?: string | undefined;
    label?: { key: string; value: string } | null | undefined;
  },
  where: string,
): CompiledScope {
  const regex = (pattern: string, what: string) => {
    try {
      return compileValueRegex(pattern);
    } catch (error) {
      throw invalid(
        policy,
        `${where}: invalid ${what} regex '${pattern}': ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  };
  const out: {
    cluster?: ValueRegex;
    namespace?: ValueRegex;
    label?: { key: ValueRegex; value: ValueRegex };
  } = {};
  if (scope.cluster) out.cluster = regex(scope.cluster, 'cluster');
  if (scope.namespace) out.namespace = regex(scope.namespace, 'namespace');
  if (scope.label && scope.label.key)
    out.label = {
      key: regex(scope.label.key, 'label key'),
      value: regex(scope.label.value || '.*', 'label value'),
    };
  return out;
}

function compileGroup(
  policy: Policy,
  group: PolicyGroup,
  field: FieldDefinition,
  where: string,
): CompiledGroup {
  if (group.values.length === 0)
    throw invalid(policy, `${where}: field '${group.fieldName}' needs at least one value`);
  if (group.negate && !field.negatable)
    throw invalid(policy, `${where}: field '${group.fieldName}' cannot be negated`);
  if (group.values.length > 1 && !field.multiple)
    throw invalid(policy, `${where}: field '${group.fieldName}' takes a single value`);
  if (group.booleanOperator === 'AND' && !field.andAllowed)
    throw invalid(policy, `${where}: field '${group.fieldName}' cannot use the AND operator`);
  const predicates = group.values.map((v, i) => {
    try {
      return field.syntax.parse(v.value);
    } catch (error) {
      throw invalid(
        policy,
        `${where}: field '${group.fieldName}' value ${i + 1}: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  });
  return { field, predicates, and: group.booleanOperator === 'AND', negate: group.negate === true };
}

export interface CompileOptions {
  readonly registry?: FieldRegistry;
}

/** Validates and compiles one policy; throws PalisadeError('policy-invalid') naming the problem. */
export function compilePolicy(policy: Policy, options: CompileOptions = {}): CompiledPolicy {
  const registry = options.registry ?? defaultRegistry;
  if (policy.policyVersion !== '1.1')
    throw invalid(policy, `policyVersion must be "1.1", got "${policy.policyVersion}"`);
  const subject = subjectOf(policy, registry);
  const rootLevel = rootLevels[subject];
  const stages = new Set(policy.lifecycleStages);
  const sections = policy.policySections.map((section, sectionIndex) => {
    const where = `section ${sectionIndex + 1}${section.sectionName ? ` ('${section.sectionName}')` : ''}`;
    if (section.policyGroups.length === 0) throw invalid(policy, `${where} has no criteria`);
    const seen = new Set<string>();
    const root: MutableNode = {
      level: rootLevel,
      definition: levels[rootLevel],
      groups: [],
      children: [],
    };
    let needsImage = false;
    let runtimeOnly = false;
    for (const group of section.policyGroups) {
      if (seen.has(group.fieldName))
        throw invalid(policy, `${where}: field '${group.fieldName}' appears more than once`);
      seen.add(group.fieldName);
      const known = registry.definitions(group.fieldName);
      if (known.length === 0) {
        const hint = registry.suggest(group.fieldName);
        throw invalid(
          policy,
          `${where}: unknown field '${group.fieldName}'${hint ? `; did you mean '${hint}'?` : ''}`,
        );
      }
      const field = registry.forRoot(group.fieldName, subject);
      if (!field)
        throw invalid(
          policy,
          `${where}: field '${group.fieldName}' does not apply to ${subject} objects`,
        );
      for (const stage of stages) {
        if (!field.stages.includes(stage)) {
          throw invalid(
            policy,
            `${where}: field '${group.fieldName}' cannot be used at lifecycle stage ${stage}`,
          );
        }
      }
      const level = field.levels.find((l) => levels[l].root === subject) ?? rootLevel;
      insertGroup(root, level, compileGroup(policy, group, field, where));
      needsImage ||= field.needsImage;
      runtimeOnly ||= field.runtimeOnly;
    }
    return { name: section.sectionName ?? '', root, needsImage, runtimeOnly };
  });
  const scopes = (policy.scope ?? []).map((s, i) => compileScope(policy, s, `scope ${i + 1}`));
  const exclusions = (policy.exclusions ?? []).map((e, i): CompiledExclusion => {
    const where = `exclusion ${i + 1}`;
    const out: {
      deploymentName?: ValueRegex;
      scope?: CompiledScope;
      imageName?: string;
      expiresAt?: number;
    } = {};
    if (e.deployment?.name)
      out.deploymentName = compileScope(policy, { namespace: e.deployment.name }, where)
        .namespace as ValueRegex;
    if (e.deployment?.scope) out.scope = compileScope(policy, e.deployment.scope, where);
    if (e.image?.name) out.imageName = e.image.name;
    if (e.expiration) {
      const t = Date.parse(e.expiration);
      if (Number.isNaN(t))
        throw invalid(policy, `${where}: expiration '${e.expiration}' is not a date`);
      out.expiresAt = t;
    }
    return out;
  });
  return { policy, subject, sections, scopes, exclusions, stages };
}
