// Evaluates compiled policies against normalised objects. Sections are ORed, groups ANDed;
// groups on one subject level must hold for the same element. A violation is a result, never an
// exception. Image-dependent sections are decided by the scans the caller supplies
// (EvaluateOptions.imageScans) and reported as undecided for containers whose image has none.
// With scans, evaluation is three-valued: an image group without data is unknown; a section that
// holds when unknowns count as false is a violation, one that holds only when they count as true
// is undecided.

import type {
  ClusterObject,
  LifecycleStage,
  ObjectMeta,
  Suppression,
  Undecided,
  Violation,
  ViolationObject,
} from '../model/index.ts';
import type {
  CompiledGroup,
  CompiledPolicy,
  CompiledScope,
  CompiledSection,
  LevelNode,
} from './compile.ts';
import { levels, rootScope } from './field.ts';
import type { AnyScope, FieldDefinition, LevelDefinition } from './field.ts';
import { imageScansKey, nowKey, scannedImageOf } from './image-scans.ts';
import type { ImageScanLookup } from './image-scans.ts';
import type { FieldValue, ValuePredicate } from './values.ts';

/** Annotation listing policy ids (or names) to skip for one object. */
export const ignoreAnnotation = 'palisade.dev/ignore';

export interface EvaluationResult {
  readonly violations: Violation[];
  readonly undecided: Undecided[];
  readonly suppressed: Suppression[];
}

export interface EvaluateOptions {
  /** Stages being evaluated; a policy runs when it has one of them. */
  readonly stages: readonly LifecycleStage[];
  /** Cluster name, for scopes that name one; without it cluster conditions are not applied. */
  readonly cluster?: string;
  /** Evaluation time, for exclusion expiry and image ages. */
  readonly now?: number;
  /**
   * Scans of the containers' images. With it, image fields are decided for containers whose
   * image has a scan (and Unscanned Image for every container); without it every section using
   * image fields is undecided.
   */
  readonly imageScans?: ImageScanLookup;
}

/** Scope key: true while testing whether a section could hold (unknown image data as true). */
const optimisticKey = 'imageOptimistic';
/** Matched vulnerabilities or components named in one violation message; the rest are counted. */
const imageMessageCap = 5;

/** Whether an image group has no data to decide it on the container in scope. */
function imageUnknown(field: FieldDefinition, scope: AnyScope): boolean {
  if (field.imageData === 'presence') return false;
  return field.imageData === 'unavailable' || scannedImageOf(scope) === undefined;
}

/** Binds the scans and the clock in an object's root scope, when the evaluation has scans. */
function bindImageScans(scope: AnyScope, options: EvaluateOptions): AnyScope {
  if (options.imageScans === undefined) return scope;
  scope[imageScansKey] = options.imageScans;
  scope[nowKey] = options.now ?? Date.now();
  scope[optimisticKey] = false;
  return scope;
}

interface Message {
  readonly text: string;
  /** From a negated group: a qualifier ("not in kube-system") that speaks only if nothing else does. */
  readonly qualifier: boolean;
  /** The generic "has FIELD VALUES" text, left out when a qualifier with its own words speaks. */
  readonly generic: boolean;
}

function metaOf(object: ClusterObject): ObjectMeta {
  return object.meta;
}

function scopeMatches(
  scope: CompiledScope,
  meta: ObjectMeta,
  cluster: string | undefined,
): boolean {
  if (scope.cluster && cluster !== undefined && !scope.cluster.test(cluster)) return false;
  if (scope.namespace && !scope.namespace.test(meta.namespace)) return false;
  if (scope.label) {
    const { key, value } = scope.label;
    if (!Object.entries(meta.labels).some(([k, v]) => key.test(k) && value.test(v))) return false;
  }
  return true;
}

function isExcluded(
  compiled: CompiledPolicy,
  object: ClusterObject,
  options: EvaluateOptions,
): boolean {
  const meta = metaOf(object);
  const now = options.now ?? Date.now();
  return compiled.exclusions.some((exclusion) => {
    if (exclusion.expiresAt !== undefined && exclusion.expiresAt < now) return false;
    if (
      exclusion.imageName !== undefined &&
      exclusion.deploymentName === undefined &&
      exclusion.scope === undefined
    ) {
      // An image exclusion: skip workloads whose every image starts with the excluded name.
      return (
        object.kind === 'Workload' &&
        object.containers.length > 0 &&
        object.containers.every((c) => c.image.fullName.startsWith(exclusion.imageName ?? ''))
      );
    }
    if (exclusion.deploymentName && !exclusion.deploymentName.test(meta.name)) return false;
    if (exclusion.scope && !scopeMatches(exclusion.scope, meta, options.cluster)) return false;
    return exclusion.deploymentName !== undefined || exclusion.scope !== undefined;
  });
}

/** Values of `values` that satisfy a predicate, for the message; null when none does. */
function matchGroupValues(
  values: readonly FieldValue[],
  predicates: readonly ValuePredicate[],
  and: boolean,
): FieldValue[] | null {
  // Loops rather than find/filter/some: this runs for every group of every violation.
  const hits: FieldValue[] = [];
  if (and) {
    for (let p = 0; p < predicates.length; p++) {
      const predicate = predicates[p] as ValuePredicate;
      let hit: FieldValue | undefined;
      for (let v = 0; v < values.length && hit === undefined; v++)
        if (predicate(values[v] as FieldValue)) hit = values[v];
      if (hit === undefined) return null;
      hits.push(hit);
    }
    return hits;
  }
  for (let v = 0; v < values.length; v++) {
    const value = values[v] as FieldValue;
    for (let p = 0; p < predicates.length; p++) {
      if ((predicates[p] as ValuePredicate)(value)) {
        hits.push(value);
        break;
      }
    }
  }
  return hits.length > 0 ? hits : null;
}

/** Whether a group holds on the scope, without allocating (the hot path of evaluation). */
function testGroup(group: CompiledGroup, scope: AnyScope): boolean {
  // Plain loops, no closures: this runs for every (policy, object, group) and closures would
  // allocate on each call.
  const raw = group.field.extractRaw(scope);
  const predicates = group.predicates;
  let matched = false;
  if (raw !== undefined) {
    const many = Array.isArray(raw);
    const values = raw as readonly FieldValue[];
    const count = many ? values.length : 1;
    if (group.and) {
      matched = true;
      for (let p = 0; p < predicates.length && matched; p++) {
        const predicate = predicates[p] as ValuePredicate;
        let any = false;
        for (let v = 0; v < count && !any; v++)
          any = predicate(many ? (values[v] as FieldValue) : (raw as FieldValue));
        matched = any;
      }
    } else {
      for (let v = 0; v < count && !matched; v++) {
        const value = many ? (values[v] as FieldValue) : (raw as FieldValue);
        for (let p = 0; p < predicates.length && !matched; p++)
          matched = (predicates[p] as ValuePredicate)(value);
      }
    }
  }
  if (group.field.required) matched = !matched;
  return group.negate ? !matched : matched;
}

/** Whether a node holds: its groups on the scope, and each child level on some element. */
function testNode(node: LevelNode, scope: AnyScope): boolean {
  const groups = node.groups;
  for (let g = 0; g < groups.length; g++)
    if (!testGroup(groups[g] as CompiledGroup, scope)) return false;
  const children = node.children;
  for (let c = 0; c < children.length; c++) {
    const child = children[c] as LevelNode;
    const definition = child.definition;
    const elements = (definition.elements as NonNullable<LevelDefinition['elements']>)(scope);
    const key = definition.key;
    const saved = scope[key];
    let found = false;
    for (let e = 0; e < elements.length && !found; e++) {
      scope[key] = elements[e];
      found = testNode(child, scope);
    }
    scope[key] = saved;
    if (!found) return false;
  }
  return true;
}

/**
 * testNode when the evaluation has image scans: an image group or level without data is
 * unknown, and counts as the scope's optimistic flag says. Kept apart so that evaluation
 * without scans runs testNode unchanged.
 */
function testNodeWithScans(node: LevelNode, scope: AnyScope): boolean {
  const groups = node.groups;
  for (let g = 0; g < groups.length; g++) {
    const group = groups[g] as CompiledGroup;
    if (group.field.needsImage && imageUnknown(group.field, scope)) {
      if (scope[optimisticKey] === true) continue;
      return false;
    }
    if (!testGroup(group, scope)) return false;
  }
  const children = node.children;
  for (let c = 0; c < children.length; c++) {
    const child = children[c] as LevelNode;
    const definition = levels[child.level];
    if (definition.needsScan === true && scannedImageOf(scope) === undefined) {
      // No scan for this container: the image level is unknown.
      if (scope[optimisticKey] === true) continue;
      return false;
    }
    const elements = definition.elements?.(scope) ?? [];
    const saved = scope[definition.key];
    let found = false;
    for (let e = 0; e < elements.length && !found; e++) {
      scope[definition.key] = elements[e];
      found = testNodeWithScans(child, scope);
    }
    scope[definition.key] = saved;
    if (!found) return false;
  }
  return true;
}

type NodeTest = (node: LevelNode, scope: AnyScope) => boolean;

/**
 * Pushes the messages of a node that holds on `scope` (the caller has tested it) and of its
 * matching descendants into `into`. Child elements are bound in `scope` in place and restored.
 * Returns false, with `into` as it was, when an image level has no data after all.
 * `qualifiers` says whether negated groups' messages can be shown (see violationsOfSection).
 */
function collectNode(
  node: LevelNode,
  scope: AnyScope,
  test: NodeTest,
  qualifiers: boolean,
  into: Message[],
): boolean {
  const mark = into.length;
  const groups = node.groups;
  for (let g = 0; g < groups.length; g++) {
    const group = groups[g] as CompiledGroup;
    if (group.negate && !qualifiers) continue;
    if (group.field.needsImage && imageUnknown(group.field, scope)) {
      into.length = mark;
      return false;
    }
    const values = group.field.extract(scope);
    const hits = matchGroupValues(values, group.predicates, group.and);
    into.push({
      text: group.field.describe(scope, hits ?? values, group.negate),
      qualifier: group.negate,
      generic: !group.field.describesItself,
    });
  }
  const children = node.children;
  for (let c = 0; c < children.length; c++) {
    if (!collectLevel(children[c] as LevelNode, scope, test, qualifiers, into)) {
      into.length = mark;
      return false;
    }
  }
  return true;
}

/** Messages of every element of a child level that holds; false when none does. */
function collectLevel(
  child: LevelNode,
  scope: AnyScope,
  test: NodeTest,
  qualifiers: boolean,
  into: Message[],
): boolean {
  const definition = child.definition;
  if (definition.needsScan === true && scannedImageOf(scope) === undefined) return false;
  const elements = (definition.elements as NonNullable<LevelDefinition['elements']>)(scope);
  const key = definition.key;
  const saved = scope[key];
  // Image levels can match hundreds of vulnerabilities: name a few, count the rest.
  const cap = definition.needsScan === true ? imageMessageCap : Infinity;
  let named = 0;
  let more = 0;
  for (let e = 0; e < elements.length; e++) {
    // The allocation-free test first; only a holding element is matched for messages.
    scope[key] = elements[e];
    if (test(child, scope)) {
      if (named >= cap) more++;
      else if (collectNode(child, scope, test, qualifiers, into)) named++;
    }
  }
  scope[key] = saved;
  if (more > 0)
    into.push({
      text: `and ${more} more ${child.level === 'vulnerability' ? 'vulnerabilities' : 'components'}`,
      qualifier: false,
      generic: false,
    });
  return named > 0;
}

/**
 * The texts of `parts` joined, without repeats. Qualifiers speak only when nothing else does,
 * and then those in their field's own words rather than the generic ones, if there are any.
 */
function joinMessages(parts: readonly Message[]): string {
  if (parts.length === 1) return (parts[0] as Message).text;
  let primary = false;
  let worded = false;
  for (const m of parts) {
    if (!m.qualifier) primary = true;
    else if (!m.generic) worded = true;
  }
  let joined = '';
  for (let i = 0; i < parts.length; i++) {
    const m = parts[i] as Message;
    if (m.qualifier && (primary || (worded && m.generic))) continue;
    if (isRepeatText(parts, i)) continue;
    joined = joined === '' ? m.text : `${joined}; ${m.text}`;
  }
  return joined;
}

function isRepeatText(parts: readonly Message[], i: number): boolean {
  const text = (parts[i] as Message).text;
  for (let j = 0; j < i; j++) if ((parts[j] as Message).text === text) return true;
  return false;
}

interface PendingViolation {
  readonly container?: string;
  readonly message: string;
}

/**
 * The violations of a section that holds on `scope`: one per matched container when the section
 * tests containers (the container's messages, then the object's), else one for the object.
 */
function violationsOfSection(
  root: LevelNode,
  scope: AnyScope,
  test: NodeTest,
  qualifiers: boolean,
  pending: PendingViolation[],
): void {
  // Messages of the root's groups and of its non-container levels, shared by every violation.
  const shared: Message[] = [];
  if (!collectNode(rootWithoutContainers(root), scope, test, qualifiers, shared)) return;
  const containers = root.children.find((c) => c.level === 'container');
  if (containers === undefined) {
    pending.push({ message: joinMessages(shared) || 'matches the policy' });
    return;
  }
  const definition = containers.definition;
  const elements = (definition.elements as NonNullable<LevelDefinition['elements']>)(scope);
  const key = definition.key;
  const saved = scope[key];
  const parts: Message[] = [];
  for (let e = 0; e < elements.length; e++) {
    scope[key] = elements[e];
    if (!test(containers, scope)) continue;
    parts.length = 0;
    if (!collectNode(containers, scope, test, qualifiers, parts)) continue;
    for (const m of shared) parts.push(m);
    const container = (elements[e] as { name: string }).name;
    pending.push({ container, message: joinMessages(parts) });
  }
  scope[key] = saved;
}

const withoutContainersCache = new WeakMap<LevelNode, LevelNode>();

/** The root with its container level removed (violationsOfSection walks that one itself). */
function rootWithoutContainers(root: LevelNode): LevelNode {
  if (!root.children.some((c) => c.level === 'container')) return root;
  let cached = withoutContainersCache.get(root);
  if (!cached) {
    cached = { ...root, children: root.children.filter((c) => c.level !== 'container') };
    withoutContainersCache.set(root, cached);
  }
  return cached;
}

/** Whether any group of the tree is not negated: then negated groups never speak. */
function hasPrimaryGroup(node: LevelNode): boolean {
  return node.groups.some((g) => !g.negate) || node.children.some(hasPrimaryGroup);
}

function ignoredPolicies(meta: ObjectMeta): Set<string> | null {
  const raw = meta.annotations[ignoreAnnotation];
  if (raw === undefined) return null;
  return new Set(
    raw
      .split(',')
      .map((s) => s.trim().toLowerCase())
      .filter((s) => s !== ''),
  );
}

/** Evaluates one compiled policy against one object, adding to `result`. */
export function evaluatePolicy(
  compiled: CompiledPolicy,
  object: ClusterObject,
  options: EvaluateOptions,
  result: EvaluationResult,
): void {
  evaluatePrepared(
    prepare(compiled),
    object,
    options,
    result,
    bindImageScans(rootScope(object), options),
    objectRefOf(object),
  );
}

/** What evaluation needs of a policy beyond its compiled form, built once per policy. */
interface Prepared {
  readonly compiled: CompiledPolicy;
  /** The trees a quick test walks: decidable sections, image sections without image groups. */
  readonly roots: readonly LevelNode[];
  /** With image scans: every non-runtime section whole (tested with unknowns as true). */
  readonly fullRoots: readonly LevelNode[];
  /** One shared policy reference: results hold many of them. */
  readonly policyRef: Violation['policy'];
  /** Per section (by index): whether negated groups' messages can be shown. */
  readonly qualifiers: readonly boolean[];
}

const preparedCache = new WeakMap<CompiledPolicy, Prepared>();

function prepare(compiled: CompiledPolicy): Prepared {
  let prepared = preparedCache.get(compiled);
  if (!prepared) {
    const { id, name, severity } = compiled.policy;
    prepared = {
      compiled,
      roots: compiled.sections
        .filter((s) => !s.runtimeOnly)
        .map((s) => (s.needsImage ? stripImageGroups(s.root) : s.root)),
      fullRoots: compiled.sections.filter((s) => !s.runtimeOnly).map((s) => s.root),
      policyRef: { id, name, severity },
      qualifiers: compiled.sections.map((s) => !hasPrimaryGroup(s.root)),
    };
    preparedCache.set(compiled, prepared);
  }
  return prepared;
}

function evaluatePrepared(
  prepared: Prepared,
  object: ClusterObject,
  options: EvaluateOptions,
  result: EvaluationResult,
  scope: AnyScope,
  objectRef: ViolationObject,
): void {
  const compiled = prepared.compiled;
  if (object.kind !== compiled.subject) return;
  const meta = metaOf(object);
  if (
    compiled.scopes.length > 0 &&
    !compiled.scopes.some((s) => scopeMatches(s, meta, options.cluster))
  )
    return;
  const withScans = options.imageScans !== undefined;
  let holds = false;
  if (withScans) {
    const roots = prepared.fullRoots;
    scope[optimisticKey] = true;
    for (let r = 0; r < roots.length && !holds; r++)
      holds = testNodeWithScans(roots[r] as LevelNode, scope);
    scope[optimisticKey] = false;
  } else {
    const roots = prepared.roots;
    for (let r = 0; r < roots.length && !holds; r++) holds = testNode(roots[r] as LevelNode, scope);
  }
  if (!holds) return;
  const test: NodeTest = withScans ? testNodeWithScans : testNode;
  // Exclusions after the test: most objects do not match, and exclusions cost regexes.
  if (compiled.exclusions.length > 0 && isExcluded(compiled, object, options)) return;
  const policy = compiled.policy;
  const policyRef = prepared.policyRef;
  const pending: PendingViolation[] = [];
  let undecided = false;
  const sections = compiled.sections;
  for (let i = 0; i < sections.length; i++) {
    const section = sections[i] as CompiledSection;
    if (section.runtimeOnly) continue;
    if (section.needsImage && !withScans) {
      // Decide what can be decided; if the rest holds, only an image scan can settle it.
      if (testNode(stripImageGroups(section.root), scope)) undecided = true;
      continue;
    }
    if (section.needsImage && !test(section.root, scope)) {
      // Not decided by the scans there are; undecided if unknown image data could make it hold.
      scope[optimisticKey] = true;
      if (test(section.root, scope)) undecided = true;
      scope[optimisticKey] = false;
      continue;
    }
    // The allocation-free test first: only a section that holds is matched for its messages.
    if (!test(section.root, scope)) continue;
    violationsOfSection(section.root, scope, test, prepared.qualifiers[i] === true, pending);
  }
  if (pending.length === 0) {
    if (undecided)
      result.undecided.push({
        policy: policyRef,
        object: objectRef,
        reason: 'needs an image scan (uses image-derived criteria)',
      });
    return;
  }
  const ignored = ignoredPolicies(meta);
  if (
    ignored &&
    (ignored.has(policy.id.toLowerCase()) ||
      ignored.has(policy.name.toLowerCase()) ||
      ignored.has('*'))
  ) {
    result.suppressed.push({
      policy: policyRef,
      object: objectRef,
      file: object.source.file,
      line: object.source.line,
    });
    return;
  }
  const file = object.source.file;
  const line = object.source.line;
  const remediation = policy.remediation;
  for (let i = 0; i < pending.length; i++) {
    const p = pending[i] as PendingViolation;
    if (isRepeat(pending, i)) continue;
    // One literal per combination of optional keys: whole shapes, no transitions as keys are added.
    const container = p.container;
    const message = p.message;
    const violation: Violation =
      container === undefined
        ? remediation
          ? { policy: policyRef, object: objectRef, message, file, line, remediation }
          : { policy: policyRef, object: objectRef, message, file, line }
        : remediation
          ? { policy: policyRef, object: objectRef, message, container, file, line, remediation }
          : { policy: policyRef, object: objectRef, message, container, file, line };
    result.violations.push(violation);
  }
}

/** Whether pending[i] repeats an earlier one (same container and message); lists are short. */
function isRepeat(pending: readonly PendingViolation[], i: number): boolean {
  const p = pending[i] as PendingViolation;
  for (let j = 0; j < i; j++) {
    const q = pending[j] as PendingViolation;
    if (q.container === p.container && q.message === p.message) return true;
  }
  return false;
}

/** The object reference results carry; evaluateAll shares one across an object's results. */
function objectRefOf(object: ClusterObject): ViolationObject {
  const meta = object.meta;
  return {
    apiVersion: meta.apiVersion,
    kind: meta.kind,
    namespace: meta.namespace,
    name: meta.name,
  };
}

const strippedCache = new WeakMap<LevelNode, LevelNode>();

function stripImageGroups(node: LevelNode): LevelNode {
  const cached = strippedCache.get(node);
  if (cached) return cached;
  const stripped: LevelNode = {
    level: node.level,
    definition: node.definition,
    groups: node.groups.filter((g) => !g.field.needsImage),
    // Image levels (components, vulnerabilities) exist only in a scan: dropped whole.
    children: node.children.filter((c) => levels[c.level].needsScan !== true).map(stripImageGroups),
  };
  strippedCache.set(node, stripped);
  return stripped;
}

/** Whether a policy takes part in an evaluation of these stages. */
export function runsAtStages(compiled: CompiledPolicy, stages: readonly LifecycleStage[]): boolean {
  return stages.some((s) => compiled.stages.has(s));
}

/** Evaluates every policy against every object. */
export function evaluateAll(
  policies: readonly CompiledPolicy[],
  objects: readonly ClusterObject[],
  options: EvaluateOptions,
): EvaluationResult {
  const result: EvaluationResult = { violations: [], undecided: [], suppressed: [] };
  const active = policies.filter((p) => runsAtStages(p, options.stages));
  const bySubject = new Map<string, Prepared[]>();
  for (const p of active.map(prepare)) {
    const list = bySubject.get(p.compiled.subject);
    if (list) list.push(p);
    else bySubject.set(p.compiled.subject, [p]);
  }
  for (let o = 0; o < objects.length; o++) {
    const object = objects[o] as ClusterObject;
    const list = bySubject.get(object.kind);
    if (list === undefined) continue;
    const scope = bindImageScans(rootScope(object), options);
    const ref = objectRefOf(object);
    for (let p = 0; p < list.length; p++) {
      evaluatePrepared(list[p] as Prepared, object, options, result, scope, ref);
    }
  }
  return result;
}
