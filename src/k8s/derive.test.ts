import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ClusterObject, LabelSelector, Workload } from '../model/index.ts';
import { normaliseAll, parseManifestText, selectorMatches } from './index.ts';

function load(yaml: string): ClusterObject[] {
  const parsed = parseManifestText(yaml, 'derive.yaml');
  assert.deepEqual(parsed.problems, []);
  const result = normaliseAll(parsed.objects);
  assert.deepEqual(result.problems, []);
  return result.objects;
}

function workloadNamed(objects: readonly ClusterObject[], name: string): Workload {
  const found = objects.find((o): o is Workload => o.kind === 'Workload' && o.meta.name === name);
  assert.ok(found, `no workload '${name}'`);
  return found;
}

/** A Deployment with pod labels and one container exposing the given ports. */
function deployment(
  name: string,
  labels: Record<string, string>,
  options: { namespace?: string; ports?: string; serviceAccount?: string } = {},
): string {
  return `apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}, namespace: ${options.namespace ?? 'shop'}}
spec:
  selector: {matchLabels: ${JSON.stringify(labels)}}
  template:
    metadata: {labels: ${JSON.stringify(labels)}}
    spec:
      serviceAccountName: ${options.serviceAccount ?? 'default'}
      containers:
      - name: app
        image: shop/app:1.0
        ports: ${options.ports ?? '[{name: http, containerPort: 8080}]'}
`;
}

function service(name: string, type: string, extra = ''): string {
  return `apiVersion: v1
kind: Service
metadata: {name: ${name}, namespace: shop}
spec:
  type: ${type}
  selector: {app: web}
  ports: [{port: 80, targetPort: http${type === 'ClusterIP' ? '' : ', nodePort: 30080'}}]
${extra}`;
}

function exposureOf(objects: readonly ClusterObject[], name: string) {
  return workloadNamed(objects, name).context.exposure.map(
    (e) => `${e.level} ${e.containerPort}/${e.protocol} node=${e.nodePort} via=${e.via}`,
  );
}

describe('exposure', () => {
  it('marks a port behind a ClusterIP Service INTERNAL, resolving a named targetPort', () => {
    const objects = load(`${deployment('web', { app: 'web' })}---\n${service('web', 'ClusterIP')}`);
    assert.deepEqual(exposureOf(objects, 'web'), ['INTERNAL 8080/TCP node=0 via=Service web']);
  });

  it('marks a port behind a NodePort Service NODE with its node port', () => {
    const objects = load(`${deployment('web', { app: 'web' })}---\n${service('web', 'NodePort')}`);
    assert.deepEqual(exposureOf(objects, 'web'), ['NODE 8080/TCP node=30080 via=Service web']);
  });

  it('marks a port behind a LoadBalancer Service EXTERNAL', () => {
    const objects = load(
      `${deployment('web', { app: 'web' })}---\n${service('web', 'LoadBalancer')}`,
    );
    assert.deepEqual(exposureOf(objects, 'web'), ['EXTERNAL 8080/TCP node=30080 via=Service web']);
  });

  it('marks a port EXTERNAL when an Ingress routes to its Service', () => {
    const ingress = `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: front, namespace: shop}
spec:
  rules:
  - http:
      paths:
      - {path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}
`;
    const objects = load(
      `${deployment('web', { app: 'web' })}---\n${service('web', 'ClusterIP')}---\n${ingress}`,
    );
    assert.deepEqual(exposureOf(objects, 'web'), [
      'INTERNAL 8080/TCP node=0 via=Service web',
      'EXTERNAL 8080/TCP node=0 via=Ingress front',
    ]);
  });

  it('marks a port ROUTE when an OpenShift Route points at its Service', () => {
    const route = `apiVersion: route.openshift.io/v1
kind: Route
metadata: {name: public, namespace: shop}
spec:
  to: {kind: Service, name: web}
`;
    const objects = load(
      `${deployment('web', { app: 'web' })}---\n${service('web', 'ClusterIP')}---\n${route}`,
    );
    assert.ok(exposureOf(objects, 'web').includes('ROUTE 8080/TCP node=0 via=Route public'));
  });

  it('marks a hostPort HOST', () => {
    const objects = load(
      deployment('agent', { app: 'agent' }, { ports: '[{containerPort: 9100, hostPort: 9100}]' }),
    );
    assert.deepEqual(exposureOf(objects, 'agent'), ['HOST 9100/TCP node=9100 via=hostPort']);
  });

  it('leaves a declared port UNSET when nothing exposes it', () => {
    const objects = load(deployment('web', { app: 'web' }));
    assert.deepEqual(exposureOf(objects, 'web'), ['UNSET 8080/TCP node=0 via=']);
  });

  it('does not expose a workload through a Service in another namespace or with another selector', () => {
    const otherNamespace = service('web', 'LoadBalancer').replace(
      'namespace: shop',
      'namespace: other',
    );
    const otherSelector = service('api', 'LoadBalancer').replace('{app: web}', '{app: api}');
    const objects = load(
      `${deployment('web', { app: 'web' })}---\n${otherNamespace}---\n${otherSelector}`,
    );
    assert.deepEqual(exposureOf(objects, 'web'), ['UNSET 8080/TCP node=0 via=']);
  });
});

describe('network policy coverage', () => {
  function policy(name: string, namespace: string, selector: string, types: string): string {
    return `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: ${name}, namespace: ${namespace}}
spec:
  podSelector: ${selector}
  policyTypes: ${types}
`;
  }

  const workloads = [
    deployment('web', { app: 'web', tier: 'front' }),
    deployment('db', { app: 'db', tier: 'data' }),
    deployment('batch', { app: 'batch' }),
  ].join('---\n');

  function coverage(objects: readonly ClusterObject[]) {
    return ['web', 'db', 'batch'].map((name) => {
      const { hasIngressNetworkPolicy: i, hasEgressNetworkPolicy: e } = workloadNamed(
        objects,
        name,
      ).context;
      return `${name}:${i ? 'I' : '-'}${e ? 'E' : '-'}`;
    });
  }

  it('finds no policy when the namespace has none', () => {
    assert.deepEqual(coverage(load(workloads)), ['web:--', 'db:--', 'batch:--']);
  });

  it('applies an empty podSelector to every workload in its namespace only', () => {
    const objects = load(
      `${workloads}---\n${policy('deny', 'shop', '{}', '[Ingress, Egress]')}---\n${deployment('elsewhere', { app: 'web' }, { namespace: 'other' })}`,
    );
    assert.deepEqual(coverage(objects), ['web:IE', 'db:IE', 'batch:IE']);
    const other = workloadNamed(objects, 'elsewhere').context;
    assert.equal(other.hasIngressNetworkPolicy, false);
  });

  it('selects pods with matchExpressions In, NotIn, Exists and DoesNotExist', () => {
    const objects = load(
      [
        workloads,
        policy(
          'front-in',
          'shop',
          '{matchExpressions: [{key: tier, operator: In, values: [front]}]}',
          '[Ingress]',
        ),
        policy(
          'not-front-egress',
          'shop',
          '{matchExpressions: [{key: tier, operator: Exists}, {key: tier, operator: NotIn, values: [front]}]}',
          '[Egress]',
        ),
        policy(
          'untiered',
          'shop',
          '{matchExpressions: [{key: tier, operator: DoesNotExist}]}',
          '[Ingress]',
        ),
      ].join('---\n'),
    );
    assert.deepEqual(coverage(objects), ['web:I-', 'db:-E', 'batch:I-']);
  });

  it('combines matchLabels and matchExpressions with AND', () => {
    const objects = load(
      `${workloads}---\n${policy('both', 'shop', '{matchLabels: {app: web}, matchExpressions: [{key: tier, operator: In, values: [data]}]}', '[Ingress]')}`,
    );
    assert.deepEqual(coverage(objects), ['web:--', 'db:--', 'batch:--']);
  });

  it('matches selectors directly by Kubernetes label semantics', () => {
    const selector = (expressions: LabelSelector['matchExpressions']): LabelSelector => ({
      matchLabels: {},
      matchExpressions: expressions,
    });
    const labels = { app: 'web' };
    assert.equal(selectorMatches(selector([]), labels), true);
    assert.equal(
      selectorMatches(selector([{ key: 'app', operator: 'NotIn', values: ['db'] }]), labels),
      true,
    );
    assert.equal(
      selectorMatches(selector([{ key: 'missing', operator: 'NotIn', values: ['x'] }]), labels),
      true,
    );
    assert.equal(
      selectorMatches(selector([{ key: 'missing', operator: 'In', values: ['x'] }]), labels),
      false,
    );
  });
});

describe('RBAC level of a workload’s service account', () => {
  const role = (
    kind: string,
    name: string,
    rules: string,
    namespace = 'shop',
  ) => `apiVersion: rbac.authorization.k8s.io/v1
kind: ${kind}
metadata: {name: ${name}${kind === 'Role' ? `, namespace: ${namespace}` : ''}}
rules: ${rules}
`;
  const binding = (
    kind: string,
    name: string,
    roleKind: string,
    roleName: string,
    subject = '{kind: ServiceAccount, name: builder, namespace: shop}',
    namespace = 'shop',
  ) => `apiVersion: rbac.authorization.k8s.io/v1
kind: ${kind}
metadata: {name: ${name}${kind === 'RoleBinding' ? `, namespace: ${namespace}` : ''}}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ${roleKind}, name: ${roleName}}
subjects: [${subject}]
`;
  const app = deployment('app', { app: 'app' }, { serviceAccount: 'builder' });
  const levelOf = (...docs: string[]) =>
    workloadNamed(load([app, ...docs].join('---\n')), 'app').context.rbacLevel;
  const secretsRule = '[{apiGroups: [""], resources: [secrets], verbs: [get, list, create]}]';

  it('is DEFAULT when nothing binds the service account', () => {
    assert.equal(levelOf(role('Role', 'reader', secretsRule)), 'DEFAULT');
  });

  it('is ELEVATED_IN_NAMESPACE when a RoleBinding grants a Role in its namespace', () => {
    assert.equal(
      levelOf(role('Role', 'reader', secretsRule), binding('RoleBinding', 'rb', 'Role', 'reader')),
      'ELEVATED_IN_NAMESPACE',
    );
  });

  it('stays ELEVATED_IN_NAMESPACE when a RoleBinding grants cluster-admin within the namespace', () => {
    assert.equal(
      levelOf(binding('RoleBinding', 'rb', 'ClusterRole', 'cluster-admin')),
      'ELEVATED_IN_NAMESPACE',
    );
  });

  it('is ELEVATED_CLUSTER_WIDE when a ClusterRoleBinding grants a limited ClusterRole', () => {
    assert.equal(
      levelOf(
        role('ClusterRole', 'secret-reader', secretsRule),
        binding('ClusterRoleBinding', 'crb', 'ClusterRole', 'secret-reader'),
      ),
      'ELEVATED_CLUSTER_WIDE',
    );
  });

  it('is CLUSTER_ADMIN when a ClusterRoleBinding grants the built-in cluster-admin role', () => {
    assert.equal(
      levelOf(binding('ClusterRoleBinding', 'crb', 'ClusterRole', 'cluster-admin')),
      'CLUSTER_ADMIN',
    );
  });

  it('is CLUSTER_ADMIN when a ClusterRoleBinding grants a ClusterRole with * on *', () => {
    assert.equal(
      levelOf(
        role('ClusterRole', 'everything', '[{apiGroups: ["*"], resources: ["*"], verbs: ["*"]}]'),
        binding('ClusterRoleBinding', 'crb', 'ClusterRole', 'everything'),
      ),
      'CLUSTER_ADMIN',
    );
  });

  it('counts a binding to the group of all service accounts in the namespace', () => {
    assert.equal(
      levelOf(
        binding(
          'ClusterRoleBinding',
          'crb',
          'ClusterRole',
          'cluster-admin',
          '{kind: Group, name: "system:serviceaccounts:shop"}',
        ),
      ),
      'CLUSTER_ADMIN',
    );
  });

  it('ignores bindings for another service account or in another namespace', () => {
    assert.equal(
      levelOf(
        binding(
          'ClusterRoleBinding',
          'crb',
          'ClusterRole',
          'cluster-admin',
          '{kind: ServiceAccount, name: builder, namespace: other}',
        ),
        role('Role', 'reader', secretsRule, 'other'),
        binding('RoleBinding', 'rb', 'Role', 'reader', undefined, 'other'),
      ),
      'DEFAULT',
    );
  });

  it('resolves a binding’s role rules from the set or the built-in roles', () => {
    const objects = load(
      [
        role('Role', 'reader', secretsRule),
        binding('RoleBinding', 'own', 'Role', 'reader'),
        binding('RoleBinding', 'builtin', 'ClusterRole', 'cluster-admin'),
        binding('RoleBinding', 'unknown', 'ClusterRole', 'not-in-set'),
      ].join('---\n'),
    );
    const rules = objects
      .filter((o) => o.kind === 'Binding')
      .map((o) => (o.kind === 'Binding' ? (o.roleRules?.[0]?.resources ?? null) : null));
    assert.deepEqual(rules, [['secrets'], ['*'], null]);
  });
});

describe('PodDisruptionBudget and HorizontalPodAutoscaler coverage', () => {
  const pdb = (selector: string, namespace = 'shop') => `apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: pdb, namespace: ${namespace}}
spec:
  minAvailable: 1
  selector: ${selector}
`;
  const hpa = (kind: string, name: string) => `apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: hpa, namespace: shop}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: ${kind}, name: ${name}}
  minReplicas: 2
  maxReplicas: 5
`;
  const app = deployment('web', { app: 'web' });

  it('finds a PDB whose selector matches the pod labels', () => {
    const objects = load(`${app}---\n${pdb('{matchLabels: {app: web}}')}`);
    assert.equal(workloadNamed(objects, 'web').context.hasPodDisruptionBudget, true);
  });

  it('ignores a PDB with another selector, in another namespace, or with an empty selector', () => {
    for (const other of [
      pdb('{matchLabels: {app: db}}'),
      pdb('{matchLabels: {app: web}}', 'other'),
      pdb('{}'),
    ]) {
      const objects = load(`${app}---\n${other}`);
      assert.equal(workloadNamed(objects, 'web').context.hasPodDisruptionBudget, false, other);
    }
  });

  it('finds an HPA that targets the workload by kind and name', () => {
    assert.equal(
      workloadNamed(load(`${app}---\n${hpa('Deployment', 'web')}`), 'web').context.targetedByHpa,
      true,
    );
    assert.equal(
      workloadNamed(load(`${app}---\n${hpa('StatefulSet', 'web')}`), 'web').context.targetedByHpa,
      false,
    );
    assert.equal(
      workloadNamed(load(`${app}---\n${hpa('Deployment', 'api')}`), 'web').context.targetedByHpa,
      false,
    );
  });
});

describe('service accounts and references', () => {
  it('knows whether the named service account is in the set and reads its automount setting', () => {
    const sa = `apiVersion: v1
kind: ServiceAccount
metadata: {name: builder, namespace: shop}
automountServiceAccountToken: false
`;
    const objects = load(
      [
        deployment('with', { app: 'a' }, { serviceAccount: 'builder' }),
        deployment('without', { app: 'b' }, { serviceAccount: 'ghost' }),
        sa,
      ].join('---\n'),
    );
    const withSa = workloadNamed(objects, 'with').context;
    assert.equal(withSa.serviceAccountExists, true);
    assert.equal(withSa.serviceAccountAutomount, false);
    assert.equal(workloadNamed(objects, 'without').context.serviceAccountExists, false);
  });

  it('leaves service account existence unknown when the set holds no service accounts', () => {
    const objects = load(deployment('app', { app: 'a' }, { serviceAccount: 'builder' }));
    assert.equal(workloadNamed(objects, 'app').context.serviceAccountExists, null);
  });

  it('lists Secret and ConfigMap references absent from the set', () => {
    const objects = load(`apiVersion: v1
kind: Pod
metadata: {name: p, namespace: shop}
spec:
  containers:
  - name: a
    image: x
    env:
    - name: A
      valueFrom: {secretKeyRef: {name: present, key: k}}
    - name: B
      valueFrom: {configMapKeyRef: {name: absent-config, key: k}}
    envFrom:
    - secretRef: {name: absent-secret}
---
apiVersion: v1
kind: Secret
metadata: {name: present, namespace: shop}
data: {k: dg==}
`);
    assert.deepEqual(workloadNamed(objects, 'p').context.danglingReferences, [
      'ConfigMap absent-config',
      'Secret absent-secret',
    ]);
  });
});
