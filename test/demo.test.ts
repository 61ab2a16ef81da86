// The bundled demo cluster (demo/manifests), which `npm start` checks and Central loads as its
// demo: it must parse cleanly, be big enough to look like a real shop, and show the contrast
// between a well-run namespace and the risky ones under the default built-in policies.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import type { ManifestObject, Violation } from '../src/model/index.ts';
import { isWorkloadKind, readManifests } from '../src/k8s/index.ts';
import {
  checkObjects,
  compilePolicy,
  loadBuiltinPolicies,
  selectPolicySet,
} from '../src/policy/index.ts';

const demoDir = fileURLToPath(new URL('../demo/manifests', import.meta.url));
const wellRun = 'shop-backend';
const risky = ['platform', 'payments'];

const demo = await readManifests([demoDir]);
const policies = selectPolicySet(loadBuiltinPolicies(), 'default').map((p) => compilePolicy(p));
const result = checkObjects(demo.objects, policies);

function namespaceOf(object: ManifestObject): string {
  const metadata = object.body.metadata as { name?: unknown; namespace?: unknown } | undefined;
  const name = object.kind === 'Namespace' ? metadata?.name : metadata?.namespace;
  return typeof name === 'string' ? name : '';
}

const workloads = demo.objects.filter((o) => isWorkloadKind(o.kind));
const workloadsByNamespace = new Map<string, number>();
for (const w of workloads) {
  const ns = namespaceOf(w);
  workloadsByNamespace.set(ns, (workloadsByNamespace.get(ns) ?? 0) + 1);
}

function violationsIn(namespace: string): Violation[] {
  return result.violations.filter((v) => v.object.namespace === namespace);
}

function highOrCritical(policyId: string): Violation[] {
  return result.violations.filter(
    (v) =>
      v.policy.id === policyId &&
      (v.policy.severity === 'HIGH_SEVERITY' || v.policy.severity === 'CRITICAL_SEVERITY'),
  );
}

describe('demo cluster (demo/manifests)', () => {
  it('reads without input problems of level error', () => {
    assert.ok(demo.files.length >= 4, `only ${demo.files.length} files read`);
    assert.deepEqual(
      demo.problems.filter((p) => p.level === 'error'),
      [],
    );
    assert.deepEqual(
      result.problems.filter((p) => p.level === 'error'),
      [],
    );
  });

  it('models at least 4 namespaces and 32 workloads', () => {
    const namespaces = new Set(demo.objects.map(namespaceOf).filter((ns) => ns !== ''));
    assert.ok(namespaces.size >= 4, `only ${namespaces.size} namespaces`);
    assert.ok(workloads.length >= 32, `only ${workloads.length} workloads`);
    for (const ns of workloadsByNamespace.keys())
      assert.ok(
        demo.objects.some((o) => o.kind === 'Namespace' && namespaceOf(o) === ns),
        `workload namespace '${ns}' has no Namespace object`,
      );
  });

  it('has violations in every namespace that has workloads', () => {
    for (const ns of workloadsByNamespace.keys())
      assert.ok(violationsIn(ns).length > 0, `no violations in namespace '${ns}'`);
  });

  it('flags a privileged container, a docker socket mount and a cluster-admin binding at high or critical severity', () => {
    assert.ok(highOrCritical('privileged-container').length > 0, 'no privileged container found');
    const sockets = highOrCritical('container-runtime-socket');
    assert.ok(
      sockets.some((v) => /docker\.sock/.test(v.message)),
      `no docker socket mount found: ${sockets.map((v) => v.message).join('; ')}`,
    );
    assert.ok(
      highOrCritical('cluster-admin-binding').some((v) => v.object.kind === 'ClusterRoleBinding'),
      'no cluster-admin binding found',
    );
  });

  it('shows clearly fewer violations per workload in the well-run namespace than in the risky ones', () => {
    const perWorkload = (ns: string) =>
      violationsIn(ns).length / (workloadsByNamespace.get(ns) ?? Number.NaN);
    const good = perWorkload(wellRun);
    assert.ok(Number.isFinite(good), `namespace '${wellRun}' has no workloads`);
    for (const ns of risky) {
      const bad = perWorkload(ns);
      assert.ok(Number.isFinite(bad), `namespace '${ns}' has no workloads`);
      assert.ok(
        good * 3 < bad,
        `${wellRun} has ${good.toFixed(2)} violations per workload, ${ns} ${bad.toFixed(2)}`,
      );
    }
    assert.equal(
      violationsIn(wellRun).filter(
        (v) => v.policy.severity === 'HIGH_SEVERITY' || v.policy.severity === 'CRITICAL_SEVERITY',
      ).length,
      0,
      'the well-run namespace has high or critical violations',
    );
  });
});
