// Import compatibility with StackRox: its 89 default policies (shared/stackrox-policies) must
// parse, compile, evaluate on a fixture set and round-trip through export without loss.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { readManifests } from '../src/k8s/index.ts';
import type { Policy } from '../src/model/index.ts';
import {
  checkObjects,
  compilePolicy,
  exportPolicies,
  parsePolicyText,
} from '../src/policy/index.ts';

const repoRoot = fileURLToPath(new URL('../', import.meta.url));
const policyDir = fileURLToPath(new URL('../../shared/stackrox-policies/', import.meta.url));
const fixtureDir = fileURLToPath(new URL('./fixtures/stackrox/', import.meta.url));
const skip = existsSync(policyDir)
  ? false
  : `../shared/stackrox-policies is absent (${policyDir}); it holds the StackRox default policies`;

const files = skip
  ? []
  : readdirSync(policyDir)
      .filter((f) => f.endsWith('.json'))
      .sort();

function load(file: string): { json: unknown; policy: Policy } {
  const text = readFileSync(`${policyDir}${file}`, 'utf8');
  const policies = parsePolicyText(text, file);
  assert.equal(policies.length, 1, `${file} holds ${policies.length} policies`);
  const [policy] = policies;
  assert.ok(policy);
  return { json: JSON.parse(text) as unknown, policy };
}

describe('StackRox default policies', { skip }, () => {
  it('are all 89 present', () => {
    assert.equal(files.length, 89);
  });

  it('all import and compile', () => {
    const failures: string[] = [];
    for (const file of files) {
      try {
        compilePolicy(load(file).policy);
      } catch (error) {
        failures.push(`${file}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    assert.deepEqual(failures, []);
  });

  it('round-trip through export and import without losing or changing anything', () => {
    for (const file of files) {
      const { json, policy } = load(file);
      const exported = exportPolicies([policy]);
      assert.deepEqual(
        (JSON.parse(exported) as { policies: unknown[] }).policies,
        [json],
        `${file} changed in export`,
      );
      assert.deepEqual(parsePolicyText(exported, 'export.json'), [policy], `${file} re-import`);
    }
  });

  it('keep keys Palisade does not know through a round trip', () => {
    const { json } = load('privileged.json');
    const extended = { ...(json as object), futureField: { nested: [1, 'two'] }, zz: null };
    const [policy] = parsePolicyText(JSON.stringify(extended), 'extended.json');
    assert.ok(policy);
    assert.deepEqual((JSON.parse(exportPolicies([policy])) as { policies: unknown[] }).policies, [
      extended,
    ]);
  });

  describe('at DEPLOY and BUILD stages on the fixture set', () => {
    const evaluate = async () => {
      const manifests = await readManifests([fixtureDir], { baseDir: repoRoot });
      assert.deepEqual(manifests.problems, []);
      const results = new Map<string, { violations: string[]; undecided: string[] }>();
      for (const file of files) {
        const { policy } = load(file);
        if (!policy.lifecycleStages.some((s) => s === 'DEPLOY' || s === 'BUILD')) continue;
        const result = checkObjects(manifests.objects, [compilePolicy(policy)], {
          stages: ['DEPLOY', 'BUILD'],
        });
        for (const v of result.violations) {
          assert.ok(v.message.length > 0, `${file}: empty message`);
          assert.ok(v.file?.startsWith('test/fixtures/stackrox/'), `${file}: file ${v.file}`);
          assert.ok((v.line ?? 0) > 0, `${file}: no line`);
        }
        results.set(policy.name, {
          violations: [...new Set(result.violations.map((v) => v.object.name))].sort(),
          undecided: result.undecided.map((u) => u.object.name).sort(),
        });
      }
      return results;
    };

    it('evaluate every deploy- and build-stage policy without throwing', async () => {
      const results = await evaluate();
      assert.equal(results.size, 53);
    });

    it('find what the fixtures plant, and nothing on the careful workload', async () => {
      const results = await evaluate();
      const violations = (name: string) => {
        const result = results.get(name);
        assert.ok(result, `no result for '${name}'`);
        return result.violations;
      };
      assert.deepEqual(violations('Privileged Container'), ['web']);
      assert.deepEqual(violations('CAP_SYS_ADMIN capability added'), ['web']);
      assert.deepEqual(violations('Latest tag'), ['debug', 'report', 'web']);
      assert.deepEqual(
        violations("Docker CIS 5.15: Ensure that the host's process namespace is not shared"),
        ['node-agent'],
      );
      assert.deepEqual(violations('Mount Container Runtime Socket'), ['node-agent', 'web']);
      assert.deepEqual(violations('Secure Shell (ssh) Port Exposed'), ['web']);
      assert.deepEqual(
        violations('Docker CIS 5.7: Ensure privileged ports are not mapped within containers'),
        ['web'],
      );
      assert.deepEqual(violations('Deployments with externally exposed endpoints'), [
        'api',
        'legacy',
        'web',
      ]);
      assert.deepEqual(violations('Environment Variable Contains Secret'), ['web']);
      assert.deepEqual(violations('Secret Mounted as Environment Variable'), ['db', 'report']);
      assert.ok(
        !violations('Deployments should have at least one ingress Network Policy').includes('api'),
      );
      for (const [name, result] of results) {
        if (name === 'Deployments with externally exposed endpoints') continue;
        assert.ok(!result.violations.includes('api'), `'${name}' fires on the careful workload`);
      }
    });

    it('leave image-scan policies undecided rather than passed or violated', async () => {
      const results = await evaluate();
      const log4shell = results.get('Log4Shell: log4j Remote Code Execution vulnerability');
      assert.deepEqual(log4shell, {
        violations: [],
        undecided: ['api', 'db', 'debug', 'legacy', 'node-agent', 'report', 'web'],
      });
      // Privileged AND fixable CVSS >= 6: only the privileged workload is left for a scan to decide.
      assert.deepEqual(results.get('Fixable CVSS >= 6 and Privileged'), {
        violations: [],
        undecided: ['web'],
      });
    });
  });
});
