import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { LifecycleStage, Policy, PolicyGroup } from '../model/index.ts';
import { PalisadeError } from '../model/index.ts';
import { compilePolicy, parsePolicyText, readPolicy } from './index.ts';

function policyWith(
  groups: readonly PolicyGroup[],
  extra: Partial<Policy> & { lifecycleStages?: readonly LifecycleStage[] } = {},
): Policy {
  return readPolicy(
    {
      name: 'Test Policy',
      severity: 'HIGH_SEVERITY',
      lifecycleStages: ['DEPLOY'],
      policyVersion: '1.1',
      policySections: [{ sectionName: 'only', policyGroups: groups }],
      ...extra,
    },
    'test',
  );
}

const group = (
  fieldName: string,
  values: string[],
  more: Partial<PolicyGroup> = {},
): PolicyGroup => ({
  fieldName,
  values: values.map((value) => ({ value })),
  ...more,
});

/** Asserts that compiling throws PalisadeError('policy-invalid') whose message matches all of `parts`. */
function assertInvalid(policy: Policy, ...parts: RegExp[]): void {
  assert.throws(
    () => compilePolicy(policy),
    (error: unknown) => {
      assert.ok(error instanceof PalisadeError, `not a PalisadeError: ${String(error)}`);
      assert.equal(error.code, 'policy-invalid');
      for (const part of parts) assert.match(error.message, part);
      return true;
    },
  );
}

describe('compilePolicy validation', () => {
  it('accepts a well-formed policy and reports its subject and stages', () => {
    const compiled = compilePolicy(policyWith([group('Privileged Container', ['true'])]));
    assert.equal(compiled.subject, 'Workload');
    assert.deepEqual([...compiled.stages], ['DEPLOY']);
    assert.equal(compiled.sections.length, 1);
  });

  it('rejects an unknown field, naming it and suggesting the closest known field', () => {
    assertInvalid(
      policyWith([group('Privileged Containr', ['true'])]),
      /unknown field 'Privileged Containr'/,
      /did you mean 'Privileged Container'/,
    );
  });

  it('rejects a field that appears twice in one section', () => {
    assertInvalid(
      policyWith([group('Container Name', ['a']), group('Container Name', ['b'])]),
      /field 'Container Name' appears more than once/,
      /section 1 \('only'\)/,
    );
  });

  it('allows the same field in two different sections', () => {
    const policy = readPolicy(
      {
        name: 'Two Sections',
        severity: 'LOW_SEVERITY',
        lifecycleStages: ['DEPLOY'],
        policySections: [
          { policyGroups: [group('Container Name', ['a'])] },
          { policyGroups: [group('Container Name', ['b'])] },
        ],
      },
      'test',
    );
    assert.equal(compilePolicy(policy).sections.length, 2);
  });

  it('rejects negate on a field that forbids it', () => {
    assertInvalid(
      policyWith([group('Privileged Container', ['true'], { negate: true })]),
      /field 'Privileged Container' cannot be negated/,
    );
  });

  it('accepts negate on a field that allows it', () => {
    compilePolicy(policyWith([group('Container Name', ['app'], { negate: true })]));
  });

  it('rejects several values for a single-value field', () => {
    assertInvalid(
      policyWith([group('Host Network', ['true', 'false'])]),
      /field 'Host Network' takes a single value/,
    );
  });

  it('rejects the AND operator where StackRox forbids it', () => {
    assertInvalid(
      policyWith(
        [
          group(
            'Image Signature Verified By',
            [
              'io.stackrox.signatureintegration.00000000-0000-0000-0000-000000000001',
              'io.stackrox.signatureintegration.00000000-0000-0000-0000-000000000002',
            ],
            { booleanOperator: 'AND' },
          ),
        ],
        { lifecycleStages: ['BUILD', 'DEPLOY'] },
      ),
      /field 'Image Signature Verified By' cannot use the AND operator/,
    );
  });

  it('rejects a regex that does not parse, naming the field and value', () => {
    assertInvalid(
      policyWith([group('Container Name', ['ok', 'app-[a-z'])]),
      /field 'Container Name' value 2/,
      /invalid regex 'app-\[a-z'/,
    );
  });

  it('rejects a backreference, which RE2 does not support', () => {
    assertInvalid(policyWith([group('Image Tag', ['(a)\\1'])]), /field 'Image Tag'/, /regex/);
  });

  it('rejects lookahead, which RE2 does not support', () => {
    assertInvalid(policyWith([group('Namespace', ['(?!kube-).*'])]), /field 'Namespace'/);
  });

  it('rejects a value that is not a number for a numeric field', () => {
    assertInvalid(
      policyWith([group('Replicas', ['three'])]),
      /field 'Replicas' value 1/,
      /expected a number/,
    );
    assertInvalid(policyWith([group('Container CPU Limit', ['>> 2'])]), /'Container CPU Limit'/);
  });

  it('accepts numbers with every comparator', () => {
    compilePolicy(policyWith([group('Replicas', ['<2', '> 5', '<=1', '>=0.5', '3'])]));
  });

  it('rejects a boolean field given something other than true or false', () => {
    assertInvalid(
      policyWith([group('Privileged Container', ['yes'])]),
      /field 'Privileged Container'/,
      /true or false/,
    );
  });

  it('rejects an enumeration value that is not one of the allowed ones', () => {
    assertInvalid(
      policyWith([group('Minimum RBAC Permissions', ['ROOT'])]),
      /field 'Minimum RBAC Permissions'/,
      /CLUSTER_ADMIN/,
    );
  });

  it('rejects an unknown Linux capability and accepts CAP_-prefixed names', () => {
    assertInvalid(policyWith([group('Add Capabilities', ['SYS_GOD'])]), /'Add Capabilities'/);
    assertInvalid(policyWith([group('Add Capabilities', ['ALL'])]), /'Add Capabilities'/);
    compilePolicy(policyWith([group('Add Capabilities', ['CAP_SYS_ADMIN', 'net_raw'])]));
    compilePolicy(policyWith([group('Drop Capabilities', ['ALL'])]));
  });

  it('rejects a policyVersion other than 1.1', () => {
    assertInvalid(
      policyWith([group('Host PID', ['true'])], { policyVersion: '1' }),
      /policyVersion/,
      /"1"/,
    );
  });

  it('rejects a deploy-time field in a BUILD-stage policy', () => {
    assertInvalid(
      policyWith([group('Privileged Container', ['true'])], { lifecycleStages: ['BUILD'] }),
      /field 'Privileged Container' cannot be used at lifecycle stage BUILD/,
    );
  });

  it('rejects a runtime-only field in a DEPLOY-stage policy', () => {
    assertInvalid(
      policyWith([group('Process Name', ['bash'])]),
      /field 'Process Name' cannot be used at lifecycle stage DEPLOY/,
    );
  });

  it('accepts image fields at BUILD and DEPLOY', () => {
    const compiled = compilePolicy(
      policyWith([group('Image Tag', ['latest'])], { lifecycleStages: ['BUILD', 'DEPLOY'] }),
    );
    assert.deepEqual([...compiled.stages].sort(), ['BUILD', 'DEPLOY']);
  });

  it('rejects a group without values', () => {
    assertInvalid(policyWith([group('Host IPC', [])]), /field 'Host IPC' needs at least one value/);
  });

  it('rejects a section without criteria', () => {
    assertInvalid(policyWith([]), /section 1 \('only'\) has no criteria/);
  });

  it('rejects a field that does not apply to the stated subject kind', () => {
    assertInvalid(
      policyWith([group('Privileged Container', ['true'])], { subjectKind: 'Service' }),
      /field 'Privileged Container' does not apply to Service objects/,
    );
  });

  it('rejects an unknown subject kind', () => {
    assertInvalid(
      policyWith([group('Namespace', ['x'])], { subjectKind: 'Gadget' }),
      /unknown subjectKind 'Gadget'/,
    );
  });

  it('picks the subject kind every field applies to when none is stated', () => {
    const compiled = compilePolicy(
      policyWith([group('Service Type', ['LoadBalancer']), group('Namespace', ['prod'])]),
    );
    assert.equal(compiled.subject, 'Service');
  });

  it('rejects a scope with an invalid namespace regex', () => {
    assertInvalid(
      policyWith([group('Host PID', ['true'])], { scope: [{ namespace: 'prod-(' }] }),
      /scope 1/,
      /namespace regex/,
    );
  });

  it('rejects an exclusion whose expiration is not a date', () => {
    assertInvalid(
      policyWith([group('Host PID', ['true'])], {
        exclusions: [{ name: 'x', deployment: { name: 'a' }, expiration: 'next tuesday' }],
      }),
      /exclusion 1/,
      /expiration 'next tuesday'/,
    );
  });
});

describe('parsePolicyText', () => {
  it('rejects text that is not JSON with policy-invalid naming the file', () => {
    assert.throws(
      () => parsePolicyText('{ nope', 'bad.json'),
      (error: unknown) =>
        error instanceof PalisadeError &&
        error.code === 'policy-invalid' &&
        /bad\.json: not valid JSON/.test(error.message),
    );
  });

  it('rejects a policy without sections or with a bad severity, naming the path', () => {
    assert.throws(
      () =>
        parsePolicyText(
          JSON.stringify({
            name: 'x',
            severity: 'SEVERE',
            lifecycleStages: ['DEPLOY'],
            policySections: [],
          }),
          'p.json',
        ),
      (error: unknown) =>
        error instanceof PalisadeError &&
        error.code === 'policy-invalid' &&
        /severity/.test(error.message) &&
        /policySections/.test(error.message),
    );
  });

  it('reads an export with several policies, giving a missing id the name’s slug', () => {
    const base = {
      severity: 'LOW_SEVERITY',
      lifecycleStages: ['DEPLOY'],
      policyVersion: '1.1',
      policySections: [{ policyGroups: [group('Host PID', ['true'])] }],
    };
    const policies = parsePolicyText(
      JSON.stringify({
        policies: [
          { ...base, name: 'Host PID Used!' },
          { ...base, id: 'x', name: 'Other' },
        ],
      }),
      'export.json',
    );
    assert.deepEqual(
      policies.map((p) => p.id),
      ['host-pid-used', 'x'],
    );
  });
});
