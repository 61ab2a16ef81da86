// The criteria field definition: one declarative object per field, read by the compiler, the
// validator, the docs generator and (later) the UI field picker. Fields attach to a level of a
// subject tree (workload → container → mount, role → rule, …); groups at the same level of a
// section must be satisfied by the same element, as StackRox links matches within a container.

import type {
  BindingObject,
  ClusterObject,
  ConfigObject,
  Container,
  HorizontalPodAutoscalerObject,
  IngressObject,
  LifecycleStage,
  NamespaceObject,
  NetworkPolicyObject,
  PodDisruptionBudgetObject,
  PolicyRule,
  PortExposure,
  RoleObject,
  ServiceAccountObject,
  ServiceObject,
  ServicePort,
  Subject,
  SubjectKind,
  Volume,
  VolumeMount,
  Vulnerability,
  Workload,
} from '../model/index.ts';
import { scannedImageOf } from './image-scans.ts';
import type { ScannedComponent } from './image-scans.ts';
import type { FieldValue, ValueSyntax } from './values.ts';

export interface LevelScopes {
  workload: { workload: Workload };
  container: { workload: Workload; container: Container };
  mount: { workload: Workload; container: Container; mount: VolumeMount };
  component: { workload: Workload; container: Container; component: ScannedComponent };
  vulnerability: {
    workload: Workload;
    container: Container;
    component: ScannedComponent;
    vulnerability: Vulnerability;
  };
  volume: { workload: Workload; volume: Volume };
  exposure: { workload: Workload; exposure: PortExposure };
  role: { role: RoleObject };
  roleRule: { role: RoleObject; rule: PolicyRule };
  binding: { binding: BindingObject };
  bindingRule: { binding: BindingObject; rule: PolicyRule };
  bindingSubject: { binding: BindingObject; subject: Subject };
  service: { service: ServiceObject };
  servicePort: { service: ServiceObject; servicePort: ServicePort };
  ingress: { ingress: IngressObject };
  networkPolicy: { networkPolicy: NetworkPolicyObject };
  serviceAccount: { serviceAccount: ServiceAccountObject };
  config: { config: ConfigObject };
  configEntry: { config: ConfigObject; entry: readonly [string, string] };
  namespace: { namespace: NamespaceObject };
  pdb: { pdb: PodDisruptionBudgetObject };
  hpa: { hpa: HorizontalPodAutoscalerObject };
}

export type LevelName = keyof LevelScopes;

/** The union of every level's scope, as the evaluator carries it while descending. */
export type AnyScope = Partial<{ [K in LevelName]: LevelScopes[K] }[LevelName]> &
  Record<string, unknown>;

export interface LevelDefinition {
  readonly name: LevelName;
  readonly root: SubjectKind;
  readonly parent: LevelName | null;
  /** Scope key this level binds. */
  readonly key: string;
  /** Child elements of this level, read from the parent scope (absent for roots). */
  readonly elements?: (scope: AnyScope) => readonly unknown[];
  /** Elements come from the container's image scan: unknown, not absent, without one. */
  readonly needsScan?: boolean;
}

function level(
  name: LevelName,
  root: SubjectKind,
  parent: LevelName | null,
  key: string,
  elements?: (scope: AnyScope) => readonly unknown[],
): LevelDefinition {
  return elements ? { name, root, parent, key, elements } : { name, root, parent, key };
}

export const levels: Readonly<Record<LevelName, LevelDefinition>> = {
  workload: level('workload', 'Workload', null, 'workload'),
  container: level(
    'container',
    'Workload',
    'workload',
    'container',
    (s) => (s.workload as Workload).containers,
  ),
  mount: level('mount', 'Workload', 'container', 'mount', (s) => (s.container as Container).mounts),
  component: {
    ...level(
      'component',
      'Workload',
      'container',
      'component',
      (s) => scannedImageOf(s)?.components ?? [],
    ),
    needsScan: true,
  },
  vulnerability: {
    ...level(
      'vulnerability',
      'Workload',
      'component',
      'vulnerability',
      (s) => (s.component as ScannedComponent).vulnerabilities,
    ),
    needsScan: true,
  },
  volume: level(
    'volume',
    'Workload',
    'workload',
    'volume',
    (s) => (s.workload as Workload).volumes,
  ),
  exposure: level(
    'exposure',
    'Workload',
    'workload',
    'exposure',
    (s) => (s.workload as Workload).context.exposure,
  ),
  role: level('role', 'Role', null, 'role'),
  roleRule: level('roleRule', 'Role', 'role', 'rule', (s) => (s.role as RoleObject).rules),
  binding: level('binding', 'Binding', null, 'binding'),
  bindingRule: level(
    'bindingRule',
    'Binding',
    'binding',
    'rule',
    (s) => (s.binding as BindingObject).roleRules ?? [],
  ),
  bindingSubject: level(
    'bindingSubject',
    'Binding',
    'binding',
    'subject',
    (s) => (s.binding as BindingObject).subjects,
  ),
  service: level('service', 'Service', null, 'service'),
  servicePort: level(
    'servicePort',
    'Service',
    'service',
    'servicePort',
    (s) => (s.service as ServiceObject).ports,
  ),
  ingress: level('ingress', 'Ingress', null, 'ingress'),
  networkPolicy: level('networkPolicy', 'NetworkPolicy', null, 'networkPolicy'),
  serviceAccount: level('serviceAccount', 'ServiceAccount', null, 'serviceAccount'),
  config: level('config', 'Config', null, 'config'),
  configEntry: level('configEntry', 'Config', 'config', 'entry', (s) => {
    const config = s.config as ConfigObject;
    return config.flavour === 'ConfigMap'
      ? Object.entries(config.data)
      : config.keys.map((k) => [k, ''] as const);
  }),
  namespace: level('namespace', 'Namespace', null, 'namespace'),
  pdb: level('pdb', 'PodDisruptionBudget', null, 'pdb'),
  hpa: level('hpa', 'HorizontalPodAutoscaler', null, 'hpa'),
};

/** The root level of each subject kind and the scope key the root object binds to. */
export const rootLevels: Readonly<Record<SubjectKind, LevelName>> = {
  Workload: 'workload',
  Role: 'role',
  Binding: 'binding',
  Service: 'service',
  Ingress: 'ingress',
  NetworkPolicy: 'networkPolicy',
  ServiceAccount: 'serviceAccount',
  Config: 'config',
  Namespace: 'namespace',
  PodDisruptionBudget: 'pdb',
  HorizontalPodAutoscaler: 'hpa',
};

export function rootScope(object: ClusterObject): AnyScope {
  return { [levels[rootLevels[object.kind]].key]: object };
}

export interface FieldDefinition {
  /** The field name exactly as in policy JSON (StackRox's string where it exists). */
  readonly name: string;
  readonly stages: readonly LifecycleStage[];
  readonly levels: readonly LevelName[];
  readonly syntax: ValueSyntax;
  readonly negatable: boolean;
  readonly multiple: boolean;
  /** AND between values is allowed (StackRox forbids it for a few fields). */
  readonly andAllowed: boolean;
  /** The field is decided by an image scan; until one exists a policy using it is undecided. */
  readonly needsImage: boolean;
  /**
   * For image fields, what decides them: `scan` data of the container's image (unknown without
   * a scan), the scan's `presence` alone (Unscanned Image), or nothing Palisade records yet
   * (`unavailable`: always undecided).
   */
  readonly imageData: 'scan' | 'presence' | 'unavailable';
  /** The field is decided by runtime events (process, network, audit); `check` cannot decide it. */
  readonly runtimeOnly: boolean;
  /** Required-style fields violate when no value matches (Required Label, Required Annotation). */
  readonly required: boolean;
  /** Palisade's addition rather than a StackRox field. */
  readonly extension: boolean;
  readonly description: string;
  extract(scope: AnyScope): readonly FieldValue[];
  /** The field's value(s) without normalising to a list: a scalar, a list, or undefined. */
  extractRaw(scope: AnyScope): FieldValue | readonly FieldValue[] | undefined;
  /** Says what matched, for the violation message ("container 'app' is privileged"). */
  describe(scope: AnyScope, values: readonly FieldValue[], negated: boolean): string;
  /** describe is the field's own sentence, not the generic "has FIELD VALUES". */
  readonly describesItself: boolean;
}

export interface FieldSpec<L extends LevelName> {
  readonly name: string;
  readonly stages?: readonly LifecycleStage[];
  readonly levels: readonly L[];
  readonly syntax: ValueSyntax;
  readonly negatable?: boolean;
  readonly multiple?: boolean;
  readonly andAllowed?: boolean;
  readonly needsImage?: boolean;
  readonly imageData?: 'scan' | 'presence' | 'unavailable';
  readonly runtimeOnly?: boolean;
  readonly required?: boolean;
  readonly extension?: boolean;
  readonly description: string;
  readonly extract: (
    scope: LevelScopes[L],
  ) => string | number | boolean | undefined | readonly FieldValue[];
  readonly describe?: (
    scope: LevelScopes[L],
    values: readonly FieldValue[],
    negated: boolean,
  ) => string;
}

/** Names the subject in messages: "container 'app'", "role 'x'", "volume 'data'". */
export function subjectLabel(scope: AnyScope): string {
  if (scope.vulnerability)
    return `${(scope.vulnerability as Vulnerability).id} in ${(scope.component as ScannedComponent).component.name} of container '${(scope.container as Container).name}'`;
  if (scope.component)
    return `component ${(scope.component as ScannedComponent).component.name} of container '${(scope.container as Container).name}'`;
  if (scope.mount)
    return `volume mount '${(scope.mount as VolumeMount).name}' of container '${(scope.container as Container).name}'`;
  if (scope.container) return `container '${(scope.container as Container).name}'`;
  if (scope.volume) return `volume '${(scope.volume as Volume).name}'`;
  if (scope.exposure)
    return `port ${(scope.exposure as PortExposure).containerPort}/${(scope.exposure as PortExposure).protocol}`;
  if (scope.rule) return 'a rule';
  if (scope.entry) return `key '${(scope.entry as readonly [string, string])[0]}'`;
  if (scope.servicePort) return `service port ${(scope.servicePort as ServicePort).port}`;
  if (scope.subject)
    return `subject ${(scope.subject as Subject).kind} '${(scope.subject as Subject).name}'`;
  return 'the object';
}

function formatValue(value: FieldValue): string {
  if (Array.isArray(value)) return value.filter((v) => v !== '').join('=');
  return String(value);
}

export function formatValues(values: readonly FieldValue[]): string {
  return values.length === 0 ? '(none)' : values.map(formatValue).join(', ');
}

export function defineField<L extends LevelName>(spec: FieldSpec<L>): FieldDefinition {
  const extract = (scope: AnyScope): readonly FieldValue[] => {
    const value = spec.extract(scope as unknown as LevelScopes[L]);
    if (value === undefined) return [];
    // An array is the list of values; a single pair must be wrapped by the field: [pair(k, v)].
    return Array.isArray(value) ? (value as readonly FieldValue[]) : [value as FieldValue];
  };
  const describe =
    spec.describe !== undefined
      ? (scope: AnyScope, values: readonly FieldValue[], negated: boolean) =>
          (spec.describe as NonNullable<typeof spec.describe>)(
            scope as unknown as LevelScopes[L],
            values,
            negated,
          )
      : (scope: AnyScope, values: readonly FieldValue[], negated: boolean) =>
          `${subjectLabel(scope)} has ${spec.name} ${negated ? 'not matching the policy: ' : ''}${formatValues(values)}`;
  return {
    name: spec.name,
    stages: spec.stages ?? ['DEPLOY', 'RUNTIME'],
    levels: spec.levels,
    syntax: spec.syntax,
    negatable: spec.negatable ?? false,
    multiple: spec.multiple ?? true,
    andAllowed: spec.andAllowed ?? true,
    needsImage: spec.needsImage ?? false,
    imageData: spec.imageData ?? 'scan',
    runtimeOnly: spec.runtimeOnly ?? false,
    required: spec.required ?? false,
    extension: spec.extension ?? false,
    description: spec.description,
    extract,
    // The spec's own function, not a wrapper: evaluation calls it millions of times.
    extractRaw: spec.extract,
    describe,
    describesItself: spec.describe !== undefined,
  };
}

/** One key=value field value. */
export function pair(key: string, value: string): readonly [string, string] {
  return [key, value];
}

/** One SOURCE=name=value field value. */
export function triple(a: string, b: string, c: string): readonly [string, string, string] {
  return [a, b, c];
}
