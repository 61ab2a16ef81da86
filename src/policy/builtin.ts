// Loads the built-in policy pack: one StackRox-format JSON file per policy in builtin/, with its
// fixtures beside it (<id>.fire.yaml must violate, <id>.pass.yaml must not; image policies also
// have <id>.<kind>.scans.json, the scans of the fixture's images).

import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Policy } from '../model/index.ts';
import { PalisadeError } from '../model/index.ts';
import { readPolicy } from './schema.ts';

export const builtinDirectory = fileURLToPath(new URL('./builtin/', import.meta.url));

let cached: Policy[] | undefined;

/** Every built-in policy, sorted by id. Ids are the file names without .json. */
export function loadBuiltinPolicies(): Policy[] {
  if (cached) return cached;
  const files = readdirSync(builtinDirectory)
    .filter((f) => f.endsWith('.json') && !f.endsWith('.scans.json'))
    .sort();
  const policies = files.map((file) => {
    const text = readFileSync(`${builtinDirectory}${file}`, 'utf8');
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      throw new PalisadeError(
        'policy-invalid',
        `built-in ${file}: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    const policy = readPolicy(json, `built-in ${file}`);
    const id = file.slice(0, -'.json'.length);
    if (policy.id !== id)
      throw new PalisadeError(
        'policy-invalid',
        `built-in ${file}: id '${policy.id}' must equal the file name '${id}'`,
      );
    return policy;
  });
  cached = policies;
  return policies;
}

export type PolicySetName = 'all' | 'default' | 'pss-baseline' | 'pss-restricted' | 'cis';
export const policySetNames: readonly PolicySetName[] = [
  'all',
  'default',
  'pss-baseline',
  'pss-restricted',
  'cis',
];

/** Selects built-in policies by set: default = enabled by default; named sets by policySets. */
export function selectPolicySet(policies: readonly Policy[], set: PolicySetName): Policy[] {
  switch (set) {
    case 'all':
      return [...policies];
    case 'default':
      return policies.filter((p) => p.disabled !== true);
    case 'pss-baseline':
    case 'pss-restricted':
    case 'cis':
      return policies.filter((p) => (p.policySets ?? []).includes(set));
  }
}
