import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Policy } from '../../model/index.ts';
import { PalisadeError } from '../../model/index.ts';
import { parseManifestText } from '../../k8s/index.ts';
import { checkObjects, compilePolicy, defaultRegistry, levels, readPolicy } from '../index.ts';
import type { FieldDefinition } from '../index.ts';
import { readScanFixture } from '../../../test/kit/image-scan-fixtures.ts';

// One case per (criteria field, subject kind): cases/<id>.json is a one-group policy using the
// field, cases/<id>.fire.yaml must violate it and cases/<id>.pass.yaml must not. Image fields'
// cases have the scans of their images beside them: cases/<id>.fire.scans.json, .pass.scans.json.

const casesDirectory = fileURLToPath(new URL('./cases/', import.meta.url));

const cases: Policy[] = readdirSync(casesDirectory)
  .filter((f) => f.endsWith('.json') && !f.endsWith('.scans.json'))
  .sort()
  .map((file) => {
    const policy = readPolicy(
      JSON.parse(readFileSync(`${casesDirectory}${file}`, 'utf8')),
      `field case ${file}`,
    );
    assert.equal(`${policy.id}.json`, file, `${file}: id must equal the file name`);
    return policy;
  });

function subjectsOf(field: FieldDefinition): string[] {
  return [...new Set(field.levels.map((l) => levels[l].root))];
}

function run(policy: Policy, kind: 'fire' | 'pass') {
  const name = `${policy.id}.${kind}.yaml`;
  assert.ok(existsSync(`${casesDirectory}${name}`), `missing fixture ${name}`);
  const parsed = parseManifestText(readFileSync(`${casesDirectory}${name}`, 'utf8'), name);
  assert.deepEqual(
    parsed.problems.filter((p) => p.level === 'error'),
    [],
  );
  const imageScans = readScanFixture(`${casesDirectory}${policy.id}.${kind}.scans.json`);
  return checkObjects(
    parsed.objects,
    [compilePolicy(policy)],
    imageScans === undefined ? {} : { imageScans, now: Date.parse('2025-06-01T00:00:00Z') },
  );
}

function onePolicy(fieldName: string, value: string, stages: Policy['lifecycleStages']): Policy {
  return {
    id: 'field-probe',
    name: `Field probe: ${fieldName}`,
    severity: 'LOW_SEVERITY',
    lifecycleStages: stages,
    policyVersion: '1.1',
    policySections: [{ policyGroups: [{ fieldName, values: [{ value }] }] }],
  };
}

const deployment = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
        - name: web
          image: nginx:1.27
`;

const fields = defaultRegistry.all();
const decidable = fields.filter(
  (f) => !f.runtimeOnly && (!f.needsImage || f.imageData !== 'unavailable'),
);

describe('criteria field cases', () => {
  it('cover every deploy-time field on every subject kind it applies to', () => {
    const covered = new Set(
      cases.flatMap((policy) => {
        const subject = compilePolicy(policy).subject;
        return policy.policySections.flatMap((s) =>
          s.policyGroups.map((g) => `${g.fieldName} on ${subject}`),
        );
      }),
    );
    const missing = decidable.flatMap((f) =>
      subjectsOf(f)
        .map((kind) => `${f.name} on ${kind}`)
        .filter((pair) => !covered.has(pair)),
    );
    assert.deepEqual(missing, [], 'fields without a case in src/policy/fields/cases/');
  });

  it('give every image field case the scans of its images', () => {
    for (const policy of cases) {
      const field = policy.policySections[0]?.policyGroups[0]?.fieldName ?? '';
      if (!defaultRegistry.definitions(field).some((f) => f.needsImage)) continue;
      for (const kind of ['fire', 'pass'])
        assert.ok(
          existsSync(`${casesDirectory}${policy.id}.${kind}.scans.json`),
          `${policy.id}.${kind}.scans.json is missing`,
        );
    }
  });

  it('use exactly one criteria group each', () => {
    for (const policy of cases) {
      assert.equal(policy.policySections.length, 1, policy.id);
      assert.equal(policy.policySections[0]?.policyGroups.length, 1, policy.id);
    }
  });

  for (const policy of cases) {
    describe(policy.id, () => {
      it('compiles', () => {
        compilePolicy(policy);
      });
      it('fires on its .fire.yaml fixture with a message, file and line', () => {
        const result = run(policy, 'fire');
        assert.ok(result.violations.length > 0, 'no violation on the fire fixture');
        for (const v of result.violations) {
          assert.ok(v.message.length > 0, 'empty message');
          assert.ok((v.file ?? '').length > 0, 'no file');
          assert.ok(v.line !== undefined && v.line > 0, 'no line');
        }
      });
      it('passes its .pass.yaml fixture', () => {
        const result = run(policy, 'pass');
        assert.deepEqual(
          result.violations.map((v) => v.message),
          [],
        );
        assert.deepEqual(result.undecided, [], 'undecided although the scans decide it');
      });
    });
  }

  describe('image-derived fields', () => {
    for (const field of fields.filter((f) => f.needsImage)) {
      it(`${field.name} leaves a simple Deployment undecided without an image scan`, () => {
        const parsed = parseManifestText(deployment, 'deployment.yaml');
        const policy = onePolicy(field.name, probeValue(field), ['DEPLOY']);
        const result = checkObjects(parsed.objects, [compilePolicy(policy)]);
        assert.deepEqual(result.violations, []);
        assert.equal(result.undecided.length, 1, 'not reported as undecided');
        assert.match(result.undecided[0]?.reason ?? '', /image scan/);
      });
    }
  });

  describe('runtime-only fields', () => {
    for (const field of fields.filter((f) => f.runtimeOnly)) {
      it(`${field.name} is rejected in a DEPLOY-stage policy, naming the field`, () => {
        assert.throws(
          () => compilePolicy(onePolicy(field.name, probeValue(field), ['DEPLOY'])),
          (error: unknown) =>
            error instanceof PalisadeError &&
            error.message.includes(`'${field.name}'`) &&
            error.message.includes('DEPLOY'),
        );
      });
    }
  });
});

/** A value the field's syntax accepts. */
function probeValue(field: FieldDefinition): string {
  for (const candidate of [
    'true',
    '1',
    'CRITICAL',
    'PODS_EXEC',
    'CREATE',
    'RUN=.*',
    'name=.*',
    '.*',
  ]) {
    try {
      field.syntax.parse(candidate);
      return candidate;
    } catch {
      // Try the next candidate.
    }
  }
  throw new Error(`no probe value parses for '${field.name}'`);
}
