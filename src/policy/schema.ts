// Reads policy files in StackRox's JSON format: one policy, or an export `{"policies": [...]}`.
// Validates the shape with zod at the edge; unknown keys are preserved for lossless round trips.

import { z } from 'zod';
import type { Policy } from '../model/index.ts';
import { PalisadeError } from '../model/index.ts';

const severity = z.enum(['LOW_SEVERITY', 'MEDIUM_SEVERITY', 'HIGH_SEVERITY', 'CRITICAL_SEVERITY']);
const stage = z.enum(['DEPLOY', 'BUILD', 'RUNTIME']);

const policyValue = z.looseObject({ value: z.string() });
const policyGroup = z.looseObject({
  fieldName: z.string().min(1),
  booleanOperator: z.enum(['OR', 'AND']).optional(),
  negate: z.boolean().optional(),
  values: z.array(policyValue),
});
const policySection = z.looseObject({
  sectionName: z.string().optional(),
  policyGroups: z.array(policyGroup),
});
const scope = z.looseObject({
  cluster: z.string().optional(),
  namespace: z.string().optional(),
  label: z.looseObject({ key: z.string(), value: z.string() }).nullable().optional(),
});

export const policySchema = z.looseObject({
  id: z.string().optional(),
  name: z.string().min(1, 'a policy needs a name'),
  description: z.string().optional(),
  rationale: z.string().optional(),
  remediation: z.string().optional(),
  disabled: z.boolean().optional(),
  categories: z.array(z.string()).optional(),
  lifecycleStages: z.array(stage).min(1, 'a policy needs at least one lifecycle stage'),
  eventSource: z
    .enum(['NOT_APPLICABLE', 'DEPLOYMENT_EVENT', 'AUDIT_LOG_EVENT', 'NODE_EVENT'])
    .optional(),
  severity,
  enforcementActions: z.array(z.string()).optional(),
  policyVersion: z.string().optional(),
  policySections: z.array(policySection).min(1, 'a policy needs at least one policy section'),
  scope: z.array(scope).optional(),
  exclusions: z
    .array(
      z.looseObject({
        name: z.string().optional(),
        deployment: z
          .looseObject({ name: z.string().optional(), scope: scope.nullable().optional() })
          .nullable()
          .optional(),
        image: z.looseObject({ name: z.string() }).nullable().optional(),
        expiration: z.string().nullable().optional(),
      }),
    )
    .optional(),
  mitreAttackVectors: z
    .array(z.looseObject({ tactic: z.string(), techniques: z.array(z.string()) }))
    .optional(),
  references: z.array(z.string()).optional(),
  policySets: z.array(z.string()).optional(),
  subjectKind: z.string().optional(),
});

function formatIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.length ? issue.path.join('.') : '(root)'}: ${issue.message}`)
    .join('; ');
}

/** Validates one policy object (already JSON-parsed). */
export function readPolicy(value: unknown, where: string): Policy {
  const result = policySchema.safeParse(value);
  if (!result.success) {
    throw new PalisadeError('policy-invalid', `${where}: ${formatIssues(result.error)}`, {
      details: { where },
    });
  }
  const data = result.data;
  const id = data.id && data.id !== '' ? data.id : slugify(data.name);
  return { ...data, id, policyVersion: data.policyVersion ?? '1.1' } as Policy;
}

export function slugify(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

/** Parses a policy file's text: a single policy or `{"policies": [...]}`. */
export function parsePolicyText(text: string, file: string): Policy[] {
  let json: unknown;
  try {
    json = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (error) {
    throw new PalisadeError(
      'policy-invalid',
      `${file}: not valid JSON: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  if (typeof json === 'object' && json !== null && !Array.isArray(json) && 'policies' in json) {
    const policies = json.policies;
    if (!Array.isArray(policies))
      throw new PalisadeError('policy-invalid', `${file}: "policies" must be an array`);
    return policies.map((p, i) => readPolicy(p, `${file}: policies[${i}]`));
  }
  return [readPolicy(json, file)];
}

/** Serialises policies as a StackRox-style export. */
export function exportPolicies(policies: readonly Policy[]): string {
  return `${JSON.stringify({ policies }, null, 2)}\n`;
}
