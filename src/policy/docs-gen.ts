// `npm run docs`: writes docs/policy-fields.md and docs/policies.md from the code.
import { writeFileSync } from 'node:fs';
import { loadBuiltinPolicies } from './builtin.ts';
import { renderFieldDocs, renderPolicyDocs } from './docs.ts';
import { defaultRegistry } from './registry.ts';

const docs = new URL('../../docs/', import.meta.url);
writeFileSync(new URL('policy-fields.md', docs), renderFieldDocs(defaultRegistry));
writeFileSync(new URL('policies.md', docs), renderPolicyDocs(loadBuiltinPolicies()));
