import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ClusterObject, Container, ManifestObject, Workload } from '../model/index.ts';
import {
  hasExplicitTag,
  isWorkloadKind,
  normaliseAll,
  normaliseObject,
  parseImageRef,
  parseManifestText,
  parseQuantity,
} from './index.ts';

function manifest(yaml: string): ManifestObject {
  const parsed = parseManifestText(yaml, 'test.yaml');
  assert.deepEqual(parsed.problems, []);
  const [object] = parsed.objects;
  assert.ok(object, 'fixture holds no object');
  return object;
}

function normalise(yaml: string): ClusterObject {
  const object = normaliseObject(manifest(yaml));
  assert.ok(object, 'object was not normalised');
  return object;
}

function workload(yaml: string): Workload {
  const object = normalise(yaml);
  assert.equal(object.kind, 'Workload');
  return object;
}

function container(w: Workload, name: string): Container {
  const found = w.containers.find((c) => c.name === name);
  assert.ok(found, `no container '${name}'`);
  return found;
}

const podSpec = {
  initContainers: [{ name: 'setup', image: 'busybox:1.36' }],
  containers: [
    { name: 'app', image: 'nginx:1.25' },
    { name: 'sidecar', image: 'envoyproxy/envoy:v1.29' },
  ],
  ephemeralContainers: [{ name: 'debug', image: 'busybox' }],
};

/** A workload manifest (JSON, which is YAML) of `kind` with the pod spec where that kind keeps it. */
function workloadManifest(apiVersion: string, kind: string): { yaml: string; path: string } {
  const metadata = { name: 'w', namespace: 'ns' };
  const template = { metadata: { labels: { app: 'w' } }, spec: podSpec };
  const selector = { matchLabels: { app: 'w' } };
  const json = (body: object) => JSON.stringify({ apiVersion, kind, ...body }, null, 2);
  switch (kind) {
    case 'Pod':
      return {
        yaml: json({ metadata: { ...metadata, labels: { app: 'w' } }, spec: podSpec }),
        path: 'spec',
      };
    case 'CronJob':
      return {
        yaml: json({
          metadata,
          spec: { schedule: '* * * * *', jobTemplate: { spec: { template } } },
        }),
        path: 'spec.jobTemplate.spec.template.spec',
      };
    default:
      return { yaml: json({ metadata, spec: { selector, template } }), path: 'spec.template.spec' };
  }
}

const workloadKinds: [string, string, number | null][] = [
  ['v1', 'Pod', null],
  ['apps/v1', 'Deployment', 1],
  ['apps/v1', 'ReplicaSet', 1],
  ['v1', 'ReplicationController', 1],
  ['apps/v1', 'StatefulSet', 1],
  ['apps/v1', 'DaemonSet', null],
  ['batch/v1', 'Job', null],
  ['batch/v1', 'CronJob', null],
  ['apps.openshift.io/v1', 'DeploymentConfig', 1],
];

describe('normaliseObject for workloads', () => {
  for (const [apiVersion, kind, replicas] of workloadKinds) {
    it(`turns a ${kind} into a Workload with its init, regular and ephemeral containers`, () => {
      const { yaml, path } = workloadManifest(apiVersion, kind);
      const w = workload(yaml);
      assert.ok(isWorkloadKind(kind));
      assert.equal(w.workloadKind, kind);
      assert.equal(w.meta.kind, kind);
      assert.equal(w.meta.name, 'w');
      assert.equal(w.meta.namespace, 'ns');
      assert.equal(w.podSpecPath, path);
      assert.equal(w.replicas, replicas);
      assert.deepEqual(w.podLabels, { app: 'w' });
      assert.deepEqual(
        w.containers.map((c) => `${c.type}:${c.name}:${c.image.fullName}`),
        [
          'init:setup:busybox:1.36',
          'regular:app:nginx:1.25',
          'regular:sidecar:envoyproxy/envoy:v1.29',
          'ephemeral:debug:busybox',
        ],
      );
      assert.equal(w.source.file, 'test.yaml');
      assert.equal(w.source.line, 1);
    });
  }

  it('reads the replica count a Deployment states', () => {
    const w = workload(
      'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec:\n  replicas: 5\n  template: {spec: {containers: [{name: a, image: x}]}}\n',
    );
    assert.equal(w.replicas, 5);
  });

  it('reads a ReplicationController map selector as matchLabels', () => {
    const w = workload(
      'apiVersion: v1\nkind: ReplicationController\nmetadata: {name: rc}\nspec:\n  selector: {app: rc}\n  template: {spec: {containers: [{name: a, image: x}]}}\n',
    );
    assert.deepEqual(w.selector, { matchLabels: { app: 'rc' }, matchExpressions: [] });
  });

  it('defaults the service account to "default" and keeps the deprecated serviceAccount field', () => {
    const plain = workload(
      'apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: a, image: x}]}\n',
    );
    assert.equal(plain.serviceAccountName, 'default');
    const legacy = workload(
      'apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {serviceAccount: old, containers: [{name: a, image: x}]}\n',
    );
    assert.equal(legacy.serviceAccountName, 'old');
    assert.equal(legacy.deprecatedServiceAccount, 'old');
  });

  it('reads host namespaces, treating a quoted "true" as true', () => {
    const w = workload(
      'apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {hostNetwork: true, hostPID: "true", containers: [{name: a, image: x}]}\n',
    );
    assert.equal(w.hostNetwork, true);
    assert.equal(w.hostPID, true);
    assert.equal(w.hostIPC, false);
  });

  it('does not throw on malformed fields: a string where a list belongs yields no containers', () => {
    const w = workload(
      'apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: "oops"}\n',
    );
    assert.deepEqual(w.containers, []);
  });

  it('links each volume mount to its pod volume and reads the volume type and source', () => {
    const w = workload(`apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  volumes:
  - {name: host, hostPath: {path: /var/run/docker.sock}}
  - {name: creds, secret: {secretName: db-creds}}
  - {name: scratch, emptyDir: {}}
  containers:
  - name: a
    image: x
    volumeMounts:
    - {name: host, mountPath: /sock}
    - {name: creds, mountPath: /creds, readOnly: true}
`);
    assert.deepEqual(
      w.volumes.map((v) => `${v.name}:${v.type}:${v.source}`),
      ['host:hostPath:/var/run/docker.sock', 'creds:secret:db-creds', 'scratch:emptyDir:'],
    );
    const mounts = container(w, 'a').mounts;
    assert.equal(mounts[0]?.volume?.type, 'hostPath');
    assert.equal(mounts[0]?.readOnly, false);
    assert.equal(mounts[1]?.readOnly, true);
  });
});

describe('parseImageRef', () => {
  const cases: [string, string, string, string, string][] = [
    // reference, registry, remote, tag, digest
    ['nginx', 'docker.io', 'library/nginx', 'latest', ''],
    ['nginx:1.25', 'docker.io', 'library/nginx', '1.25', ''],
    ['bitnami/redis:7.2', 'docker.io', 'bitnami/redis', '7.2', ''],
    ['docker.io/nginx', 'docker.io', 'library/nginx', 'latest', ''],
    ['index.docker.io/bitnami/redis', 'docker.io', 'bitnami/redis', 'latest', ''],
    ['myregistry:5000/team/app:1.2', 'myregistry:5000', 'team/app', '1.2', ''],
    ['myregistry:5000/app', 'myregistry:5000', 'app', 'latest', ''],
    ['localhost/app:dev', 'localhost', 'app', 'dev', ''],
    ['localhost:5000/app', 'localhost:5000', 'app', 'latest', ''],
    [
      'quay.io/prometheus/node-exporter:v1.7.0',
      'quay.io',
      'prometheus/node-exporter',
      'v1.7.0',
      '',
    ],
    ['nginx@sha256:abc123', 'docker.io', 'library/nginx', '', 'sha256:abc123'],
    ['gcr.io/p/app:v1@sha256:def456', 'gcr.io', 'p/app', 'v1', 'sha256:def456'],
  ];
  for (const [reference, registry, remote, tag, digest] of cases) {
    it(`resolves '${reference}' to ${registry} / ${remote} tag '${tag}' digest '${digest}'`, () => {
      assert.deepEqual(parseImageRef(reference), {
        fullName: reference,
        registry,
        remote,
        tag,
        digest,
      });
    });
  }

  it('tells a written tag from a defaulted one, not mistaking a registry port for a tag', () => {
    assert.equal(hasExplicitTag(parseImageRef('nginx')), false);
    assert.equal(hasExplicitTag(parseImageRef('myregistry:5000/app')), false);
    assert.equal(hasExplicitTag(parseImageRef('myregistry:5000/app:latest')), true);
    assert.equal(hasExplicitTag(parseImageRef('nginx@sha256:abc')), false);
  });
});

describe('security context resolution', () => {
  const pod = `apiVersion: v1
kind: Pod
metadata:
  name: p
  annotations:
    seccomp.security.alpha.kubernetes.io/pod: runtime/default
    container.seccomp.security.alpha.kubernetes.io/legacy: localhost/profiles/audit.json
    container.apparmor.security.beta.kubernetes.io/legacy: localhost/k8s-deny-write
    container.apparmor.security.beta.kubernetes.io/plain: runtime/default
spec:
  securityContext:
    runAsUser: 1000
    runAsGroup: 3000
    runAsNonRoot: true
    seccompProfile: {type: Localhost, localhostProfile: pod.json}
  containers:
  - name: inherits
    image: x
  - name: overrides
    image: x
    securityContext:
      runAsUser: 0
      runAsNonRoot: false
      privileged: true
      seccompProfile: {type: Unconfined}
      capabilities: {add: [NET_ADMIN], drop: [ALL]}
  - name: legacy
    image: x
  - name: plain
    image: x
`;
  const w = workload(pod);

  it('gives a container the pod values for the fields Kubernetes inherits', () => {
    const sc = container(w, 'inherits').securityContext;
    assert.equal(sc.runAsUser, 1000);
    assert.equal(sc.runAsGroup, 3000);
    assert.equal(sc.runAsNonRoot, true);
    assert.deepEqual(sc.seccompProfile, { type: 'Localhost', localhostProfile: 'pod.json' });
    assert.equal(sc.privileged, undefined);
    assert.equal(container(w, 'inherits').hasSecurityContext, false);
  });

  it('lets container values override pod values', () => {
    const c = container(w, 'overrides');
    assert.equal(c.securityContext.runAsUser, 0);
    assert.equal(c.securityContext.runAsNonRoot, false);
    assert.equal(c.securityContext.privileged, true);
    assert.deepEqual(c.securityContext.seccompProfile, { type: 'Unconfined' });
    assert.deepEqual(c.securityContext.capabilities, { add: ['NET_ADMIN'], drop: ['ALL'] });
    assert.equal(c.securityContext.runAsGroup, 3000);
    assert.equal(c.hasSecurityContext, true);
  });

  it('reads the legacy per-container seccomp annotation over the pod profile', () => {
    assert.deepEqual(container(w, 'legacy').securityContext.seccompProfile, {
      type: 'Localhost',
      localhostProfile: 'profiles/audit.json',
    });
  });

  it('reads legacy AppArmor annotations per container', () => {
    assert.deepEqual(container(w, 'legacy').securityContext.appArmorProfile, {
      type: 'Localhost',
      localhostProfile: 'k8s-deny-write',
    });
    assert.deepEqual(container(w, 'plain').securityContext.appArmorProfile, {
      type: 'RuntimeDefault',
    });
    assert.equal(container(w, 'inherits').securityContext.appArmorProfile, undefined);
  });

  it('prefers the pod seccompProfile field to the legacy pod annotation', () => {
    assert.deepEqual(w.podSecurityContext.seccompProfile, {
      type: 'Localhost',
      localhostProfile: 'pod.json',
    });
  });

  it('reads the legacy pod seccomp annotation when the pod sets no profile', () => {
    const legacy = workload(`apiVersion: v1
kind: Pod
metadata:
  name: p
  annotations: {seccomp.security.alpha.kubernetes.io/pod: docker/default}
spec: {containers: [{name: a, image: x}]}
`);
    assert.deepEqual(legacy.podSecurityContext.seccompProfile, { type: 'RuntimeDefault' });
    assert.deepEqual(container(legacy, 'a').securityContext.seccompProfile, {
      type: 'RuntimeDefault',
    });
  });

  it('reads legacy annotations from the pod template of a Deployment, not the Deployment itself', () => {
    const d = workload(`apiVersion: apps/v1
kind: Deployment
metadata:
  name: d
  annotations: {container.apparmor.security.beta.kubernetes.io/a: unconfined}
spec:
  template:
    metadata:
      annotations: {container.apparmor.security.beta.kubernetes.io/a: runtime/default}
    spec: {containers: [{name: a, image: x}]}
`);
    assert.deepEqual(container(d, 'a').securityContext.appArmorProfile, { type: 'RuntimeDefault' });
  });
});

describe('parseQuantity', () => {
  const cases: [unknown, number | null][] = [
    ['500m', 0.5],
    ['2', 2],
    ['0.5', 0.5],
    ['.25', 0.25],
    ['1e3', 1000],
    ['1E3', 1000],
    ['1k', 1000],
    ['1M', 1e6],
    ['1Ki', 1024],
    ['128Mi', 128 * 2 ** 20],
    ['1Gi', 2 ** 30],
    [0.5, 0.5],
    [3, 3],
    ['', null],
    ['abc', null],
    ['1Gb', null],
    [undefined, null],
    [null, null],
  ];
  for (const [input, expected] of cases) {
    it(`reads ${JSON.stringify(input)} as ${String(expected)}`, () => {
      const value = parseQuantity(input);
      if (expected === null || value === null) assert.equal(value, expected);
      else assert.ok(Math.abs(value - expected) < 1e-9, `got ${value}`);
    });
  }

  it('gives containers CPU in cores and memory in bytes, null when unset', () => {
    const w = workload(`apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  containers:
  - name: a
    image: x
    resources:
      requests: {cpu: 250m, memory: 64Mi}
      limits: {cpu: "1", memory: 1Gi, ephemeral-storage: 2G}
`);
    assert.deepEqual(container(w, 'a').resources, {
      cpuRequest: 0.25,
      cpuLimit: 1,
      memoryRequest: 64 * 2 ** 20,
      memoryLimit: 2 ** 30,
      ephemeralStorageRequest: null,
      ephemeralStorageLimit: 2e9,
    });
  });
});

describe('environment variables', () => {
  const w = workload(`apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  containers:
  - name: a
    image: x
    env:
    - {name: RAW_VAR, value: hello}
    - {name: EMPTY_VAR}
    - name: SECRET_VAR
      valueFrom: {secretKeyRef: {name: db, key: password}}
    - name: CONFIG_VAR
      valueFrom: {configMapKeyRef: {name: settings, key: mode}}
    - name: FIELD_VAR
      valueFrom: {fieldRef: {fieldPath: metadata.name}}
    - name: RESOURCE_VAR
      valueFrom: {resourceFieldRef: {resource: limits.cpu}}
    - name: ODD_VAR
      valueFrom: {somethingNew: {}}
    envFrom:
    - secretRef: {name: all-secrets}
    - configMapRef: {name: all-config}
`);

  it('classifies every env source the way StackRox names them', () => {
    assert.deepEqual(
      container(w, 'a').env.map((e) => [e.name, e.source, e.value]),
      [
        ['RAW_VAR', 'RAW', 'hello'],
        ['EMPTY_VAR', 'UNSET', ''],
        ['SECRET_VAR', 'SECRET_KEY', ''],
        ['CONFIG_VAR', 'CONFIG_MAP_KEY', ''],
        ['FIELD_VAR', 'FIELD', 'metadata.name'],
        ['RESOURCE_VAR', 'RESOURCE_FIELD', 'limits.cpu'],
        ['ODD_VAR', 'UNKNOWN', ''],
      ],
    );
  });

  it('keeps the Secret and ConfigMap a variable refers to', () => {
    const env = container(w, 'a').env;
    assert.deepEqual(
      env.filter((e) => e.refName).map((e) => [e.refName, e.refKey]),
      [
        ['db', 'password'],
        ['settings', 'mode'],
      ],
    );
    assert.deepEqual(container(w, 'a').envFrom, [
      { kind: 'Secret', name: 'all-secrets' },
      { kind: 'ConfigMap', name: 'all-config' },
    ]);
  });
});

describe('normaliseObject for other kinds', () => {
  it('reads a ClusterRole as a cluster-scoped Role with its rules and no namespace', () => {
    const role = normalise(`apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: r, namespace: ignored}
rules:
- apiGroups: [""]
  resources: [pods/exec]
  verbs: [create]
`);
    assert.equal(role.kind, 'Role');
    assert.ok(role.kind === 'Role');
    assert.equal(role.clusterScoped, true);
    assert.equal(role.meta.namespace, '');
    assert.deepEqual(role.rules[0]?.resources, ['pods/exec']);
  });

  it('gives a RoleBinding ServiceAccount subject without a namespace the binding’s namespace', () => {
    const binding = normalise(`apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: b, namespace: team}
roleRef: {kind: ClusterRole, name: edit}
subjects:
- {kind: ServiceAccount, name: builder}
- {kind: User, name: alice}
`);
    assert.ok(binding.kind === 'Binding');
    assert.equal(binding.clusterScoped, false);
    assert.deepEqual(binding.roleRef, { kind: 'ClusterRole', name: 'edit' });
    assert.deepEqual(
      binding.subjects.map((s) => `${s.kind}:${s.namespace}:${s.name}`),
      ['ServiceAccount:team:builder', 'User::alice'],
    );
  });

  it('defaults a Service to ClusterIP and its targetPort to its port', () => {
    const service = normalise(`apiVersion: v1
kind: Service
metadata: {name: s}
spec:
  selector: {app: web}
  ports: [{port: 80}]
`);
    assert.ok(service.kind === 'Service');
    assert.equal(service.type, 'ClusterIP');
    assert.deepEqual(service.ports, [
      { name: '', port: 80, targetPort: '80', nodePort: 0, protocol: 'TCP' },
    ]);
  });

  it('defaults NetworkPolicy policyTypes to Ingress, adding Egress when egress rules exist', () => {
    const ingressOnly = normalise(
      'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: n}\nspec: {podSelector: {}}\n',
    );
    assert.ok(ingressOnly.kind === 'NetworkPolicy');
    assert.deepEqual(ingressOnly.policyTypes, ['Ingress']);
    const both = normalise(
      'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: n}\nspec: {podSelector: {}, egress: [{}]}\n',
    );
    assert.ok(both.kind === 'NetworkPolicy');
    assert.deepEqual(both.policyTypes, ['Ingress', 'Egress']);
  });

  it('keeps a Secret’s keys but never its values', () => {
    const secret = normalise(`apiVersion: v1
kind: Secret
metadata: {name: s}
data: {password: aHVudGVyMg==}
stringData: {token: plain}
`);
    assert.ok(secret.kind === 'Config');
    assert.equal(secret.flavour, 'Secret');
    assert.equal(secret.secretType, 'Opaque');
    assert.deepEqual(secret.keys, ['password', 'token']);
    assert.deepEqual(secret.data, {});
    assert.ok(!JSON.stringify(secret).includes('aHVudGVyMg=='));
  });

  it('returns null for kinds Palisade does not model', () => {
    const object = manifest('apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n');
    assert.equal(normaliseObject(object), null);
  });

  it('normaliseAll skips unknown kinds and keeps the rest', () => {
    const parsed = parseManifestText(
      'apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n---\napiVersion: v1\nkind: Namespace\nmetadata: {name: team}\n',
      'all.yaml',
    );
    const result = normaliseAll(parsed.objects);
    assert.deepEqual(
      result.objects.map((o) => o.kind),
      ['Namespace'],
    );
    assert.deepEqual(result.problems, []);
  });
});
