// Evaluates compiled policies against normalised objects. Sections are ORed, groups ANDed;
// groups on one subject level must hold for the same element. A violation is a result, never an
// exception. Image-dependent sections are reported as undecided until scan data exists.

import type {
  ClusterObject,
  LifecycleStage,
  ObjectMeta,
  Suppression,
  Undecided,
  Violation,
  ViolationObject,
} from '../model/index.ts';
import type { CompiledGroup, CompiledPolicy, CompiledScope, LevelNode } from './compile.ts';
import { levels, rootScope } from './field.ts';
import type { AnyScope } from './field.ts';
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
  /** Evaluation time, for exclusion expiry. */
  readonly now?: number;
}

interface Message {
  readonly text: string;
  readonly qualifier: boolean;
}

interface NodeMatch {
  /** The element this node matched (the container for the container level). */
  readonly element: unknown;
  readonly messages: Message[];
  readonly children: { readonly level: string; readonly matches: NodeMatch[] }[];
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

/** Values of `values` that satisfy a predicate, for the message; all values when inverted. */
function matchGroupValues(
  values: readonly FieldValue[],
  predicates: readonly ((v: FieldValue) => boolean)[],
  and: boolean,
): FieldValue[] | null {
  if (and) {
    const hits: FieldValue[] = [];
    for (const predicate of predicates) {
      const hit = values.find(predicate);
      if (hit === undefined) return null;
      hits.push(hit);
    }
    return hits;
  }
  const hits = values.filter((v) => predicates.some((p) => p(v)));
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
    const definition = levels[child.level];
    const elements = definition.elements?.(scope) ?? [];
    const saved = scope[definition.key];
    let found = false;
    for (let e = 0; e < elements.length && !found; e++) {
      scope[definition.key] = elements[e];
      found = testNode(child, scope);
    }
    scope[definition.key] = saved;
    if (!found) return false;
  }
  return true;
}

/** Matches a node for its messages; binds child elements in `scope` in place, and restores it. */
function matchNode(node: LevelNode, scope: AnyScope, element?: unknown): NodeMatch | null {
  const messages: Message[] = [];
  for (const group of node.groups) {
    const values = group.field.extract(scope);
    const hits = matchGroupValues(values, group.predicates, group.and);
    let matched = hits !== null;
    if (group.field.required) matched = !matched;
    if (group.negate) matched = !matched;
    if (!matched) return null;
    // Negated groups are usually qualifiers ("not in kube-system"); they speak only when
    // nothing else in the section does (see violationsOf).
    messages.push({
      text: group.field.describe(scope, hits ?? values, group.negate),
      qualifier: group.negate,
    });
  }
  const children: NodeMatch['children'] = [];
  for (const child of node.children) {
    const definition = levels[child.level];
    const elements = definition.elements?.(scope) ?? [];
    const matches: NodeMatch[] = [];
    const saved = scope[definition.key];
    for (const childElement of elements) {
      // The allocation-free test first; only a holding element is matched for messages.
      scope[definition.key] = childElement;
      const match = testNode(child, scope) ? matchNode(child, scope, childElement) : null;
      scope[definition.key] = saved;
      if (match) matches.push(match);
    }
    if (matches.length === 0) return null;
    children.push({ level: child.level, matches });
  }
  return { element, messages, children };
}

function collectMessages(match: NodeMatch, into: Message[]): void {
  into.push(...match.messages);
  for (const child of match.children) for (const m of child.matches) collectMessages(m, into);
}

/** The messages' texts joined, without repeats; qualifiers only when nothing else speaks. */
function joinMessages(parts: readonly Message[]): string {
  if (parts.length === 1) return (parts[0] as Message).text;
  let primary = 0;
  for (const m of parts) if (!m.qualifier) primary++;
  const texts: string[] = [];
  for (const m of parts) {
    if (primary > 0 && m.qualifier) continue;
    if (!texts.includes(m.text)) texts.push(m.text);
  }
  return texts.join('; ');
}

interface PendingViolation {
  readonly container?: string;
  readonly message: string;
}

/** Flattens a root match into violations: one per matched container when containers decide it. */
function violationsOf(match: NodeMatch): PendingViolation[] {
  const rootMessages = match.messages;
  const containerChild = match.children.find((c) => c.level === 'container');
  const others: Message[] = [];
  for (const child of match.children) {
    if (child === containerChild) continue;
    for (const m of child.matches) collectMessages(m, others);
  }
  if (!containerChild)
    return [{ message: joinMessages([...rootMessages, ...others]) || 'matches the policy' }];
  return containerChild.matches.map((m) => {
    const own: Message[] = [];
    collectMessages(m, own);
    const container = (m.element as { name: string }).name;
    return { container, message: joinMessages([...own, ...rootMessages, ...others]) };
  });
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
    rootScope(object),
    objectRefOf(object),
  );
}

/** What evaluation needs of a policy beyond its compiled form, built once per policy. */
interface Prepared {
  readonly compiled: CompiledPolicy;
  /** The trees a quick test walks: decidable sections, image sections without image groups. */
  readonly roots: readonly LevelNode[];
  /** One shared policy reference: results hold many of them. */
  readonly policyRef: Violation['policy'];
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
      policyRef: { id, name, severity },
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
  const roots = prepared.roots;
  let holds = false;
  for (let r = 0; r < roots.length && !holds; r++) holds = testNode(roots[r] as LevelNode, scope);
  if (!holds) return;
  // Exclusions after the test: most objects do not match, and exclusions cost regexes.
  if (compiled.exclusions.length > 0 && isExcluded(compiled, object, options)) return;
  const policy = compiled.policy;
  const policyRef = prepared.policyRef;
  const pending: PendingViolation[] = [];
  let undecided = false;
  for (const section of compiled.sections) {
    if (section.runtimeOnly) continue;
    if (section.needsImage) {
      // Decide what can be decided; if the rest holds, only an image scan can settle it.
      if (testNode(stripImageGroups(section.root), scope)) undecided = true;
      continue;
    }
    // The allocation-free test first: only a section that holds is matched for its messages.
    if (!testNode(section.root, scope)) continue;
    const match = matchNode(section.root, scope);
    if (match) pending.push(...violationsOf(match));
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
    const violation: Writable<Violation> = {
      policy: policyRef,
      object: objectRef,
      message: p.message,
    };
    if (p.container !== undefined) violation.container = p.container;
    violation.file = file;
    violation.line = line;
    if (remediation) violation.remediation = remediation;
    result.violations.push(violation);
  }
}

type Writable<T> = { -readonly [K in keyof T]: T[K] };

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
    groups: node.groups.filter((g) => !g.field.needsImage),
    children: node.children.map(stripImageGroups),
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
    const scope = rootScope(object);
    const ref = objectRefOf(object);
    for (let p = 0; p < list.length; p++) {
      evaluatePrepared(list[p] as Prepared, object, options, result, scope, ref);
    }
  }
  return result;
}
