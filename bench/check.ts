// Benchmark for `palisade check`: one YAML stream of 10,000 workloads with their Services,
// NetworkPolicies, ServiceAccounts and RBAC, all default policies. Prints objects/s and the
// ratio of the whole check to parsing the same YAML alone, both measured in this run.

import { parseManifestText } from '../src/k8s/index.ts';
import {
  checkObjects,
  compilePolicy,
  loadBuiltinPolicies,
  selectPolicySet,
} from '../src/policy/index.ts';

function workloadYaml(i: number): string {
  const ns = `team-${i % 50}`;
  const name = `svc-${i}`;
  const risky = i % 7 === 0;
  return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
  namespace: ${ns}
  labels: { app: ${name}, owner: team-${i % 50} }
spec:
  replicas: ${1 + (i % 3)}
  selector:
    matchLabels: { app: ${name} }
  template:
    metadata:
      labels: { app: ${name} }
    spec:
      serviceAccountName: ${name}
      securityContext: { runAsNonRoot: true, runAsUser: 10001, seccompProfile: { type: RuntimeDefault } }
      containers:
        - name: app
          image: registry.example.com/${ns}/${name}:${risky ? 'latest' : `1.${i % 10}.0`}
          ports: [{ name: http, containerPort: 8080 }]
          securityContext: { privileged: ${risky}, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: [ALL] } }
          resources: { requests: { cpu: 100m, memory: 128Mi }, limits: { cpu: 500m, memory: 256Mi } }
          env:
            - { name: MODE, value: production }
            - name: DB_PASSWORD
              valueFrom: { secretKeyRef: { name: db-${i % 50}, key: password } }
          livenessProbe: { httpGet: { path: /healthz, port: http } }
          readinessProbe: { httpGet: { path: /ready, port: http } }
        - name: proxy
          image: envoyproxy/envoy:v1.31.${i % 5}
          resources: { limits: { cpu: 200m, memory: 64Mi } }
---
apiVersion: v1
kind: Service
metadata: { name: ${name}, namespace: ${ns} }
spec:
  type: ${i % 10 === 0 ? 'LoadBalancer' : 'ClusterIP'}
  selector: { app: ${name} }
  ports: [{ port: 80, targetPort: http }]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: ${name}, namespace: ${ns} }
spec:
  podSelector: { matchLabels: { app: ${name} } }
  policyTypes: [Ingress]
  ingress: [{ ports: [{ port: 8080 }] }]
---
apiVersion: v1
kind: ServiceAccount
metadata: { name: ${name}, namespace: ${ns} }
automountServiceAccountToken: false
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: { name: ${name}, namespace: ${ns} }
roleRef: { apiGroup: rbac.authorization.k8s.io, kind: Role, name: reader }
subjects: [{ kind: ServiceAccount, name: ${name}, namespace: ${ns} }]
`;
}

function roleYaml(i: number): string {
  return `apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: { name: reader, namespace: team-${i} }
rules:
  - { apiGroups: [""], resources: [configmaps, pods], verbs: [get, list, watch] }
`;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

/** The benchmark's YAML stream: 50 Roles, then per workload 5 objects. */
export function benchManifest(workloads: number): string {
  const docs: string[] = [];
  for (let i = 0; i < 50; i++) docs.push(roleYaml(i));
  for (let i = 0; i < workloads; i++) docs.push(workloadYaml(i));
  return docs.join('---\n');
}

export function runCheckBench(
  workloads = Number(process.env.BENCH_WORKLOADS ?? 10_000),
  rounds = 5,
): string {
  const text = benchManifest(workloads);
  const policies = selectPolicySet(loadBuiltinPolicies(), 'default').map((p) => compilePolicy(p));
  const parseTimes: number[] = [];
  const totalTimes: number[] = [];
  let objects = 0;
  let violations = 0;
  // Each measurement runs in its own function and keeps nothing alive afterwards, so neither
  // phase pays for collecting the other's garbage.
  const parseOnly = (): number => {
    const start = performance.now();
    objects = parseManifestText(text, 'bench.yaml').objects.length;
    return performance.now() - start;
  };
  const parseAndCheck = (): number => {
    const start = performance.now();
    const parsed = parseManifestText(text, 'bench.yaml');
    violations = checkObjects(parsed.objects, policies).violations.length;
    return performance.now() - start;
  };
  for (let round = 0; round < rounds; round++) {
    parseTimes.push(parseOnly());
    totalTimes.push(parseAndCheck());
  }
  const parseMs = median(parseTimes);
  const totalMs = median(totalTimes);
  const objectsPerSecond = Math.round(objects / (totalMs / 1000));
  console.log(
    `check: ${objects} objects (${workloads} workloads), ${(text.length / 1e6).toFixed(1)} MB YAML, ${policies.length} default policies, ${violations} violations`,
  );
  console.log(
    `check: parse-only median ${parseMs.toFixed(0)} ms, parse+check median ${totalMs.toFixed(0)} ms over ${rounds} rounds`,
  );
  return `bench check: objects_per_s=${objectsPerSecond} ratio_to_parse=${(totalMs / parseMs).toFixed(2)} objects=${objects} policies=${policies.length} total_ms=${totalMs.toFixed(0)} parse_ms=${parseMs.toFixed(0)}`;
}
