// Regression tests for built-in policy semantics that a single fire/pass fixture cannot pin.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseManifestText } from '../k8s/index.ts';
import { checkObjects, compilePolicy, loadBuiltinPolicies } from './index.ts';

function violations(policyId: string, yaml: string) {
  const policy = loadBuiltinPolicies().find((p) => p.id === policyId);
  assert.ok(policy, policyId);
  return checkObjects(parseManifestText(yaml, 'case.yaml').objects, [compilePolicy(policy)])
    .violations;
}

const podWithEnv = (name: string, value: string) => `apiVersion: v1
kind: Pod
metadata: { name: p, namespace: shop }
spec:
  containers:
    - name: app
      image: example/app:1
      env: [{ name: ${name}, value: ${JSON.stringify(value)} }]
`;

const roleWith = (
  apiGroups: string[],
  resources: string[],
  verbs: string[],
) => `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: { name: deployer }
rules:
  - apiGroups: ${JSON.stringify(apiGroups)}
    resources: ${JSON.stringify(resources)}
    verbs: ${JSON.stringify(verbs)}
`;

describe('built-in policy semantics', () => {
  it('secret-literal-in-env catches *_PASS variable names but not PASSPORT_COUNTRY', () => {
    assert.ok(
      violations('secret-literal-in-env', podWithEnv('RABBITMQ_DEFAULT_PASS', 'guest')).length > 0,
    );
    assert.deepEqual(violations('secret-literal-in-env', podWithEnv('PASSPORT_COUNTRY', 'NZ')), []);
  });

  it("a wildcard resource grants only the resources of the rule's apiGroups", () => {
    assert.deepEqual(
      violations('pod-exec-attach-access', roleWith(['apps', 'batch'], ['*'], ['*'])),
      [],
    );
    assert.ok(violations('pod-exec-attach-access', roleWith([''], ['*'], ['*'])).length > 0);
    assert.ok(violations('pod-exec-attach-access', roleWith(['*'], ['*'], ['create'])).length > 0);
    assert.deepEqual(violations('secret-read-access', roleWith(['apps'], ['*'], ['get'])), []);
    assert.ok(violations('secret-read-access', roleWith([''], ['secrets'], ['get'])).length > 0);
  });

  it('a subresource wildcard grants the named subresource', () => {
    assert.ok(
      violations('pod-exec-attach-access', roleWith([''], ['pods/*'], ['create'])).length > 0,
    );
    assert.deepEqual(
      violations('pod-exec-attach-access', roleWith([''], ['pods/log'], ['get'])),
      [],
    );
  });
});
