// Real kubectl 1.35 against the simulated API server: if kubectl accepts its answers, the
// simulation is faithful where it matters. Each test starts its own cluster on a free port.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startSimCluster, type JsonObject, type SimCluster } from '../src/simcluster/index.ts';
import { kubeBinaries } from './kit/kube-binaries.ts';
import { selfSignedCertificate } from './kit/processes.ts';

const run = promisify(execFile);

interface KubectlResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

interface Harness {
  readonly cluster: SimCluster;
  readonly dir: string;
  kubectl(...args: string[]): Promise<KubectlResult>;
  /** kubectl that must succeed; returns stdout. */
  ok(...args: string[]): Promise<string>;
  json(...args: string[]): Promise<JsonObject>;
  file(name: string, text: string): Promise<string>;
  close(): Promise<void>;
}

let kubectlPath = '';

before(async () => {
  kubectlPath = (await kubeBinaries()).kubectl;
});

/** A throwaway self-signed certificate for 127.0.0.1 (the kit's), as PEM text. */
async function selfSignedPem(dir: string): Promise<{ cert: string; key: string }> {
  const { certFile, keyFile } = await selfSignedCertificate(dir);
  return { cert: await readFile(certFile, 'utf8'), key: await readFile(keyFile, 'utf8') };
}

/** A cluster and a kubectl bound to it; with a token the cluster speaks HTTPS, as kubectl sends tokens only over TLS. */
async function harness(token?: string): Promise<Harness> {
  const dir = await mkdtemp(join(tmpdir(), 'palisade-simcluster-'));
  const cluster = await startSimCluster(
    token === undefined ? {} : { token, tls: await selfSignedPem(dir) },
  );
  const kubeconfig = join(dir, 'kubeconfig');
  await writeFile(kubeconfig, cluster.kubeconfig());
  const kubectl = async (...args: string[]): Promise<KubectlResult> => {
    try {
      const { stdout, stderr } = await run(
        kubectlPath,
        ['--kubeconfig', kubeconfig, '--cache-dir', join(dir, 'cache'), ...args],
        { env: { PATH: process.env['PATH'] ?? '', HOME: dir }, timeout: 20_000 },
      );
      return { code: 0, stdout, stderr };
    } catch (error) {
      const failed = error as { code?: number; stdout?: string; stderr?: string };
      return { code: failed.code ?? -1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
    }
  };
  const ok = async (...args: string[]): Promise<string> => {
    const result = await kubectl(...args);
    assert.equal(result.code, 0, `kubectl ${args.join(' ')} failed: ${result.stderr}`);
    return result.stdout;
  };
  return {
    cluster,
    dir,
    kubectl,
    ok,
    json: async (...args) => JSON.parse(await ok(...args, '-o', 'json')) as JsonObject,
    file: async (name, text) => {
      const path = join(dir, name);
      await writeFile(path, text);
      return path;
    },
    close: async () => {
      await cluster.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

const deploymentYaml = (image: string, labels = 'app: web'): string => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: default
  labels: {${labels}}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: app
        image: ${image}
        ports: [{containerPort: 8080}]
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: default}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: 8080}]
`;

function field(object: JsonObject, path: string): unknown {
  let current: unknown = object;
  for (const part of path.split('.'))
    current = (current as Record<string, unknown> | undefined)?.[part];
  return current;
}

function itemNames(list: JsonObject): string[] {
  return (list['items'] as JsonObject[]).map((item) => String(field(item, 'metadata.name')));
}

describe('kubectl over plain HTTP', () => {
  it('lists the built-in namespaces and the kubernetes Service', async () => {
    const h = await harness();
    try {
      assert.match(h.cluster.url, /^http:/);
      assert.deepEqual(itemNames(await h.json('get', 'namespaces')), [
        'default',
        'kube-node-lease',
        'kube-public',
        'kube-system',
      ]);
      const service = await h.json('get', 'service', 'kubernetes');
      assert.equal(field(service, 'spec.clusterIP'), '10.96.0.1');
    } finally {
      await h.close();
    }
  });
});

describe('kubectl 1.35 against the simulated cluster (HTTPS, bearer token)', () => {
  let h: Harness;
  before(async () => {
    h = await harness('secret-token');
  });
  after(async () => {
    await h.close();
  });

  it('reports the server version and serves discovery for api-resources', async () => {
    assert.match(await h.ok('version'), /Server Version: v1\.35\.0/);
    const resources = await h.ok('api-resources', '--no-headers');
    for (const line of [
      /^deployments\s+deploy\s+apps\/v1\s+true\s+Deployment$/m,
      /^namespaces\s+ns\s+v1\s+false\s+Namespace$/m,
      /^networkpolicies\s+netpol\s+networking\.k8s\.io\/v1\s+true\s+NetworkPolicy$/m,
      /^clusterrolebindings\s+rbac\.authorization\.k8s\.io\/v1\s+false\s+ClusterRoleBinding$/m,
      /^horizontalpodautoscalers\s+hpa\s+autoscaling\/v2\s+true\s+HorizontalPodAutoscaler$/m,
    ])
      assert.match(resources, line);
    assert.doesNotMatch(resources, /routes|deploymentconfigs/);
  });

  it('apply creates, then updates on change, then leaves an unchanged object alone', async () => {
    const first = await h.file('v1.yaml', deploymentYaml('nginx:1.27'));
    assert.match(
      await h.ok('apply', '-f', first),
      /deployment\.apps\/web created\nservice\/web created/,
    );
    const created = await h.json('get', 'deployment', 'web');
    assert.equal(field(created, 'metadata.generation'), 1);
    assert.equal(field(created, 'spec.replicas'), 1);
    assert.equal(field(created, 'spec.strategy.type'), 'RollingUpdate');
    const container = (field(created, 'spec.template.spec.containers') as JsonObject[])[0];
    assert.equal(container?.['imagePullPolicy'], 'IfNotPresent');
    assert.deepEqual(container?.['ports'], [{ containerPort: 8080, protocol: 'TCP' }]);
    const service = await h.json('get', 'service', 'web');
    assert.equal(field(service, 'spec.type'), 'ClusterIP');
    assert.match(String(field(service, 'spec.clusterIP')), /^10\.9[6-9]\.|^10\.1[01]\d\./);

    const second = await h.file(
      'v2.yaml',
      deploymentYaml('nginx:latest', 'app: web, tier: frontend'),
    );
    assert.match(
      await h.ok('apply', '-f', second),
      /deployment\.apps\/web configured\nservice\/web unchanged/,
    );
    const updated = await h.json('get', 'deployment', 'web');
    assert.equal(field(updated, 'metadata.generation'), 2);
    assert.equal(field(updated, 'metadata.labels.tier'), 'frontend');
    // The stored pull policy stays: defaulting fills only absent fields, as on a real server.
    assert.equal(
      (field(updated, 'spec.template.spec.containers') as JsonObject[])[0]?.['imagePullPolicy'],
      'IfNotPresent',
    );
    assert.equal(field(updated, 'metadata.uid'), field(created, 'metadata.uid'));
    const annotations = field(updated, 'metadata.annotations') as Record<string, string>;
    assert.match(
      annotations['kubectl.kubernetes.io/last-applied-configuration'] ?? '',
      /nginx:latest/,
    );
    assert.match(await h.ok('apply', '-f', second), /deployment\.apps\/web unchanged/);
  });

  it('applies every kind Palisade reads and serves them back with their defaults', async () => {
    const manifest = await h.file(
      'kinds.yaml',
      `
apiVersion: v1
kind: Namespace
metadata: {name: kinds}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: robot, namespace: kinds}
automountServiceAccountToken: false
---
apiVersion: v1
kind: Secret
metadata: {name: creds, namespace: kinds}
stringData: {password: hunter2}
---
apiVersion: v1
kind: ReplicationController
metadata: {name: legacy, namespace: kinds}
spec:
  template:
    metadata: {labels: {app: legacy}}
    spec: {containers: [{name: app, image: nginx:1.27}]}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db, namespace: kinds}
spec:
  serviceName: db
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec: {containers: [{name: db, image: postgres:16}]}
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent, namespace: kinds}
spec:
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec: {hostNetwork: true, containers: [{name: agent, image: agent:1, securityContext: {privileged: true}}]}
---
apiVersion: batch/v1
kind: Job
metadata: {name: once, namespace: kinds}
spec:
  template:
    spec: {restartPolicy: Never, containers: [{name: job, image: busybox:1.36}]}
---
apiVersion: batch/v1
kind: CronJob
metadata: {name: nightly, namespace: kinds}
spec:
  schedule: "0 3 * * *"
  jobTemplate:
    spec:
      template:
        spec: {restartPolicy: OnFailure, containers: [{name: job, image: busybox:1.36}]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny, namespace: kinds}
spec: {podSelector: {}}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web, namespace: kinds}
spec:
  rules:
  - host: web.example.com
    http:
      paths: [{path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: reader, namespace: kinds}
rules: [{apiGroups: [""], resources: [pods], verbs: [get, list]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: reader, namespace: kinds}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: reader}
subjects: [{kind: ServiceAccount, name: robot, namespace: kinds}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: kinds-admin}
rules: [{apiGroups: ["*"], resources: ["*"], verbs: ["*"]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: kinds-admin}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: kinds-admin}
subjects: [{kind: ServiceAccount, name: robot, namespace: kinds}]
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: db, namespace: kinds}
spec: {minAvailable: 1, selector: {matchLabels: {app: db}}}
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: db, namespace: kinds}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: StatefulSet, name: db}
  maxReplicas: 5
`,
    );
    const applied = await h.ok('apply', '-f', manifest);
    assert.equal(applied.trim().split('\n').length, 16, applied);
    const kinds =
      'sa,secrets,rc,statefulsets,daemonsets,jobs,cronjobs,networkpolicies,ingresses,roles,rolebindings,poddisruptionbudgets,hpa';
    const listed = await h.json('-n', 'kinds', 'get', kinds);
    const names = (listed['items'] as JsonObject[]).map(
      (i) => `${String(field(i, 'kind'))}/${String(field(i, 'metadata.name'))}`,
    );
    for (const expected of [
      'ServiceAccount/robot',
      'Secret/creds',
      'ReplicationController/legacy',
      'StatefulSet/db',
      'DaemonSet/agent',
      'Job/once',
      'CronJob/nightly',
      'NetworkPolicy/deny',
      'Ingress/web',
      'Role/reader',
      'RoleBinding/reader',
      'PodDisruptionBudget/db',
      'HorizontalPodAutoscaler/db',
    ])
      assert.ok(names.includes(expected), `${expected} in ${names.join(' ')}`);
    assert.deepEqual(
      itemNames(await h.json('get', 'clusterroles,clusterrolebindings', '-l', '!nothing')),
      ['kinds-admin', 'kinds-admin'],
    );
    const secret = await h.json('-n', 'kinds', 'get', 'secret', 'creds');
    assert.equal(field(secret, 'data.password'), Buffer.from('hunter2').toString('base64'));
    assert.equal(field(secret, 'stringData'), undefined);
    const job = await h.json('-n', 'kinds', 'get', 'job', 'once');
    const jobSelector = field(job, 'spec.selector.matchLabels') as Record<string, string>;
    assert.equal(jobSelector['batch.kubernetes.io/controller-uid'], field(job, 'metadata.uid'));
    assert.equal(field(job, 'spec.template.metadata.labels.job-name'), 'once');
    assert.equal(field(job, 'spec.backoffLimit'), 6);
    assert.deepEqual(
      field(await h.json('-n', 'kinds', 'get', 'netpol', 'deny'), 'spec.policyTypes'),
      ['Ingress'],
    );
    assert.equal(field(await h.json('-n', 'kinds', 'get', 'hpa', 'db'), 'spec.minReplicas'), 1);
    assert.equal(
      field(await h.json('-n', 'kinds', 'get', 'rc', 'legacy'), 'spec.selector.app'),
      'legacy',
    );
    const daemonSet = await h.json('-n', 'kinds', 'get', 'ds', 'agent');
    assert.equal(field(daemonSet, 'status.desiredNumberScheduled'), 1);
    assert.match(await h.ok('-n', 'kinds', 'get', 'all'), /statefulset\.apps\/db/);
  });

  it('gets single objects, lists, all namespaces, label and field selections', async () => {
    await h.ok('create', 'namespace', 'team-a');
    await h.ok(
      '-n',
      'team-a',
      'create',
      'deployment',
      'api',
      '--image=registry.local/api:2',
      '--replicas=2',
    );
    await h.ok(
      '-n',
      'team-a',
      'run',
      'probe',
      '--image=busybox:1.36',
      '--labels=role=probe',
      '--',
      'sleep',
      '3600',
    );
    await h.ok('-n', 'team-a', 'label', 'deployment', 'api', 'tier=backend');

    const single = await h.json('-n', 'team-a', 'get', 'deployment', 'api');
    assert.equal(field(single, 'kind'), 'Deployment');
    assert.equal(field(single, 'spec.replicas'), 2);
    assert.equal(field(single, 'status.readyReplicas'), 2);
    const all = await h.json('get', 'deployments', '-A');
    assert.ok(itemNames(all).includes('api'));
    assert.deepEqual(itemNames(await h.json('get', 'deployments', '-A', '-l', 'tier=backend')), [
      'api',
    ]);
    assert.deepEqual(
      itemNames(await h.json('get', 'deployments', '-A', '-l', 'tier in (backend,x),app')),
      ['api'],
    );
    assert.deepEqual(itemNames(await h.json('get', 'deployments', '-A', '-l', '!tier')), []);
    assert.deepEqual(itemNames(await h.json('get', 'deployments', '-A', '-l', 'tier!=backend')), [
      'web',
    ]);
    assert.deepEqual(
      itemNames(await h.json('get', 'pods', '-A', '--field-selector', 'status.phase=Running')),
      ['probe'],
    );
    assert.deepEqual(
      itemNames(
        await h.json(
          'get',
          'pods',
          '-A',
          '--field-selector',
          'spec.nodeName=sim-node-1,metadata.namespace=team-a',
        ),
      ),
      ['probe'],
    );
    const pod = await h.json('-n', 'team-a', 'get', 'pod', 'probe');
    assert.equal(field(pod, 'spec.serviceAccountName'), 'default');
    assert.equal(field(pod, 'metadata.labels.role'), 'probe');
    assert.deepEqual((field(pod, 'spec.containers') as JsonObject[])[0]?.['args'], [
      'sleep',
      '3600',
    ]);
    // The human-readable table comes from the server (meta.k8s.io Table).
    assert.match(
      await h.ok('-n', 'team-a', 'get', 'pods'),
      /^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\nprobe\s+1\/1\s+Running\s+0\s+/,
    );
  });

  it('scales, labels, annotates and patches with merge, JSON and strategic patches', async () => {
    await h.ok('create', 'namespace', 'patching');
    await h.ok('-n', 'patching', 'create', 'deployment', 'app', '--image=nginx:1.27');
    assert.match(
      await h.ok('-n', 'patching', 'scale', 'deployment', 'app', '--replicas=3'),
      /scaled/,
    );
    let object = await h.json('-n', 'patching', 'get', 'deployment', 'app');
    assert.equal(field(object, 'spec.replicas'), 3);
    assert.equal(field(object, 'status.replicas'), 3);
    await h.ok('-n', 'patching', 'label', 'deployment', 'app', 'owner=team-a');
    await h.ok('-n', 'patching', 'annotate', 'deployment', 'app', 'note=hello');
    await h.ok(
      '-n',
      'patching',
      'patch',
      'deployment',
      'app',
      '--type',
      'merge',
      '-p',
      '{"spec":{"paused":true}}',
    );
    await h.ok(
      '-n',
      'patching',
      'patch',
      'deployment',
      'app',
      '--type',
      'json',
      '-p',
      '[{"op":"replace","path":"/spec/replicas","value":5}]',
    );
    await h.ok(
      '-n',
      'patching',
      'patch',
      'deployment',
      'app',
      '--type',
      'strategic',
      '-p',
      '{"spec":{"template":{"spec":{"containers":[{"name":"sidecar","image":"envoy:1"},{"name":"nginx","image":"nginx:1.28"}]}}}}',
    );
    object = await h.json('-n', 'patching', 'get', 'deployment', 'app');
    assert.equal(field(object, 'metadata.labels.owner'), 'team-a');
    assert.equal(field(object, 'metadata.annotations.note'), 'hello');
    assert.equal(field(object, 'spec.paused'), true);
    assert.equal(field(object, 'spec.replicas'), 5);
    const containers = field(object, 'spec.template.spec.containers') as JsonObject[];
    assert.deepEqual(
      containers.map((c) => [c['name'], c['image']]),
      [
        ['nginx', 'nginx:1.28'],
        ['sidecar', 'envoy:1'],
      ],
    );
    assert.equal(field(object, 'metadata.generation'), 5);
    const failed = await h.kubectl(
      '-n',
      'patching',
      'patch',
      'deployment',
      'app',
      '--type',
      'json',
      '-p',
      '[{"op":"test","path":"/spec/replicas","value":9}]',
    );
    assert.notEqual(failed.code, 0);
    assert.match(failed.stderr, /test failed/);
  });

  it('deletes objects and whole namespaces with their contents', async () => {
    await h.ok('create', 'namespace', 'doomed');
    await h.ok('-n', 'doomed', 'create', 'deployment', 'one', '--image=nginx:1.27');
    await h.ok('-n', 'doomed', 'create', 'configmap', 'settings', '--from-literal=a=b');
    await h.ok('-n', 'doomed', 'create', 'secret', 'generic', 'creds', '--from-literal=password=x');
    assert.match(
      await h.ok('-n', 'doomed', 'delete', 'configmap', 'settings'),
      /configmap "settings" deleted/,
    );
    const missing = await h.kubectl('-n', 'doomed', 'get', 'configmap', 'settings');
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /Error from server \(NotFound\): configmaps "settings" not found/);
    assert.match(await h.ok('delete', 'namespace', 'doomed'), /namespace "doomed" deleted/);
    assert.deepEqual(itemNames(await h.json('get', 'deployments,secrets', '-n', 'doomed')), []);
    assert.equal(h.cluster.list('apps/v1', 'Deployment', 'doomed').length, 0);
    assert.equal((await h.kubectl('get', 'namespace', 'doomed')).code, 1);
  });

  it('streams watch events until the watch is stopped', async () => {
    await h.ok('create', 'namespace', 'watched');
    await h.ok('-n', 'watched', 'create', 'configmap', 'before', '--from-literal=a=b');
    const child = spawn(
      kubectlPath,
      [
        '--kubeconfig',
        join(h.dir, 'kubeconfig'),
        '--cache-dir',
        join(h.dir, 'cache'),
        '-n',
        'watched',
        'get',
        'configmaps',
        '-w',
        '-o',
        'json',
        '--output-watch-events',
      ],
      { env: { PATH: process.env['PATH'] ?? '', HOME: h.dir } },
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const waitFor = async (pattern: RegExp): Promise<void> => {
      for (let i = 0; i < 100 && !pattern.test(output); i++)
        await new Promise((r) => setTimeout(r, 50));
      assert.match(output, pattern);
    };
    try {
      await waitFor(/"type":\s*"ADDED"[\s\S]*"name":\s*"before"/);
      h.cluster.apply([
        { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'after', namespace: 'watched' } },
      ]);
      await waitFor(/"name":\s*"after"/);
      await h.ok('-n', 'watched', 'delete', 'configmap', 'before');
      await waitFor(/"type":\s*"DELETED"[\s\S]*"name":\s*"before"/);
    } finally {
      child.kill();
    }
  });

  it('explains invalid objects and refuses requests without the token', async () => {
    const nameless = await h.file(
      'bad.yaml',
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {namespace: default}\n',
    );
    const invalid = await h.kubectl('create', '-f', nameless);
    assert.notEqual(invalid.code, 0);
    assert.match(invalid.stderr, /name or generateName is required/);
    const noToken = await h.kubectl('get', 'pods', '--token', 'wrong');
    assert.notEqual(noToken.code, 0);
    assert.match(noToken.stderr, /Unauthorized|must be logged in/);
  });
});
