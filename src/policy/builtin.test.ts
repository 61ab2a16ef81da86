import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { parseManifestText } from '../k8s/index.ts';
import { readScanFixture } from '../../test/kit/image-scan-fixtures.ts';
import {
  builtinDirectory,
  checkObjects,
  compilePolicy,
  loadBuiltinPolicies,
  selectPolicySet,
} from './index.ts';

const policies = loadBuiltinPolicies();
const referenceSchemes = new Set([
  'cis-k8s',
  'nist-800-190',
  'nist-800-53',
  'pci-dss',
  'hipaa',
  'pss',
  'mitre',
  'nsa',
  'kubescape',
  'kube-linter',
  'polaris',
  'checkov',
  'kube-score',
  'kubesec',
  'trivy',
  'stackrox',
]);

function run(policyId: string, kind: 'fire' | 'pass' | 'undecided') {
  const file = `${builtinDirectory}${policyId}.${kind}.yaml`;
  assert.ok(existsSync(file), `missing fixture ${policyId}.${kind}.yaml`);
  const parsed = parseManifestText(readFileSync(file, 'utf8'), `${policyId}.${kind}.yaml`);
  assert.deepEqual(
    parsed.problems.filter((p) => p.level === 'error'),
    [],
  );
  const policy = policies.find((p) => p.id === policyId);
  assert.ok(policy);
  // Image policies' fire/pass fixtures come with the scans of their images beside them.
  const imageScans =
    kind === 'undecided'
      ? undefined
      : readScanFixture(`${builtinDirectory}${policyId}.${kind}.scans.json`);
  return checkObjects(
    parsed.objects,
    [compilePolicy(policy)],
    imageScans === undefined ? {} : { imageScans, now: Date.parse('2025-06-01T00:00:00Z') },
  );
}

describe('built-in policy pack', () => {
  it('has at least 110 policies with unique ids and names', () => {
    assert.ok(policies.length >= 110, `only ${policies.length} built-in policies`);
    assert.equal(new Set(policies.map((p) => p.id)).size, policies.length);
    assert.equal(new Set(policies.map((p) => p.name)).size, policies.length);
  });

  it('pss-baseline is a subset of pss-restricted', () => {
    const restricted = new Set(selectPolicySet(policies, 'pss-restricted').map((p) => p.id));
    for (const p of selectPolicySet(policies, 'pss-baseline'))
      assert.ok(restricted.has(p.id), `${p.id} is baseline but not restricted`);
  });

  for (const policy of policies) {
    describe(policy.id, () => {
      it('is complete: description, rationale, remediation, categories, kebab-case id, known references', () => {
        assert.match(policy.id, /^[a-z0-9]+(-[a-z0-9]+)*$/);
        for (const key of ['description', 'rationale', 'remediation'] as const) {
          assert.ok((policy[key] ?? '').length > 10, `${key} is missing`);
        }
        assert.ok((policy.categories ?? []).length > 0, 'categories missing');
        assert.ok((policy.references ?? []).length > 0, 'references missing');
        for (const ref of policy.references ?? []) {
          assert.ok(
            referenceSchemes.has(ref.split(':')[0] ?? ''),
            `unknown reference scheme in '${ref}'`,
          );
        }
      });
      it('compiles', () => {
        compilePolicy(policy);
      });
      if (existsSync(`${builtinDirectory}${policy.id}.undecided.yaml`)) {
        it('is undecided without an image scan on its .undecided.yaml fixture', () => {
          const result = run(policy.id, 'undecided');
          assert.deepEqual(result.violations, []);
          assert.ok(result.undecided.length > 0, 'not reported as undecided');
          assert.match(result.undecided[0]?.reason ?? '', /image scan/);
        });
        for (const kind of ['fire', 'pass'] as const)
          it(`has a .${kind}.scans.json beside its .${kind}.yaml fixture`, () => {
            assert.ok(existsSync(`${builtinDirectory}${policy.id}.${kind}.scans.json`));
          });
      }
      it('fires on its .fire.yaml fixture', () => {
        const result = run(policy.id, 'fire');
        assert.ok(result.violations.length > 0, 'no violation on the fire fixture');
        for (const v of result.violations)
          assert.ok(v.message.length > 0 && v.line !== undefined && v.line > 0);
      });
      it('passes its .pass.yaml fixture', () => {
        const result = run(policy.id, 'pass');
        assert.deepEqual(
          result.violations.map((v) => v.message),
          [],
        );
        if (existsSync(`${builtinDirectory}${policy.id}.pass.scans.json`))
          assert.deepEqual(result.undecided, [], 'image policy left undecided with scans');
      });
    });
  }
});
