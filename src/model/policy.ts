// Policies in StackRox's JSON format (policyVersion 1.1), and the violations they produce.
// Field names follow StackRox's proto/storage/policy.proto; unknown keys survive import/export.

export type Severity = 'LOW_SEVERITY' | 'MEDIUM_SEVERITY' | 'HIGH_SEVERITY' | 'CRITICAL_SEVERITY';
export type LifecycleStage = 'DEPLOY' | 'BUILD' | 'RUNTIME';
export type EventSource = 'NOT_APPLICABLE' | 'DEPLOYMENT_EVENT' | 'AUDIT_LOG_EVENT' | 'NODE_EVENT';
export type BooleanOperator = 'OR' | 'AND';

export interface PolicyValue {
  readonly value: string;
}

export interface PolicyGroup {
  readonly fieldName: string;
  readonly booleanOperator?: BooleanOperator;
  readonly negate?: boolean;
  readonly values: readonly PolicyValue[];
}

export interface PolicySection {
  readonly sectionName?: string;
  readonly policyGroups: readonly PolicyGroup[];
}

export interface PolicyScope {
  readonly cluster?: string;
  readonly namespace?: string;
  readonly label?: { readonly key: string; readonly value: string } | null;
}

export interface PolicyExclusion {
  readonly name?: string;
  readonly deployment?: { readonly name?: string; readonly scope?: PolicyScope | null } | null;
  readonly image?: { readonly name: string } | null;
  readonly expiration?: string | null;
}

export interface MitreAttackVector {
  readonly tactic: string;
  readonly techniques: readonly string[];
}

export interface Policy {
  readonly id: string;
  readonly name: string;
  readonly description?: string;
  readonly rationale?: string;
  readonly remediation?: string;
  readonly disabled?: boolean;
  readonly categories?: readonly string[];
  readonly lifecycleStages: readonly LifecycleStage[];
  readonly eventSource?: EventSource;
  readonly severity: Severity;
  readonly enforcementActions?: readonly string[];
  readonly policyVersion: string;
  readonly policySections: readonly PolicySection[];
  readonly scope?: readonly PolicyScope[];
  readonly exclusions?: readonly PolicyExclusion[];
  readonly mitreAttackVectors?: readonly MitreAttackVector[];
  readonly notifiers?: readonly string[];
  readonly criteriaLocked?: boolean;
  readonly mitreVectorsLocked?: boolean;
  readonly isDefault?: boolean;
  /** Palisade: standards and peer checks covered, "<scheme>:<id>". */
  readonly references?: readonly string[];
  /** Palisade: named sets this policy belongs to (pss-baseline, pss-restricted, cis). */
  readonly policySets?: readonly string[];
  /** Palisade: the object kind a policy inspects when its fields do not decide it. */
  readonly subjectKind?: string;
  readonly [unknownKey: string]: unknown;
}

export interface ViolationObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
}

export interface Violation {
  readonly policy: { readonly id: string; readonly name: string; readonly severity: Severity };
  readonly object: ViolationObject;
  readonly container?: string;
  readonly message: string;
  readonly file?: string;
  readonly line?: number;
  readonly remediation?: string;
}

/** A policy that could not be decided for an object, e.g. because it needs an image scan. */
export interface Undecided {
  readonly policy: { readonly id: string; readonly name: string; readonly severity: Severity };
  readonly object: ViolationObject;
  readonly reason: string;
}

/** A violation silenced by the palisade.dev/ignore annotation. */
export interface Suppression {
  readonly policy: { readonly id: string; readonly name: string; readonly severity: Severity };
  readonly object: ViolationObject;
  readonly file?: string;
  readonly line?: number;
}
