import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { normaliseAll, parseManifestText } from '../k8s/index.ts';
import type { Violation, Workload } from '../model/index.ts';
import { imageVulnerabilityFactor, normaliseFactor, scoreWorkload } from './index.ts';
import { expandScanFixture } from '../../test/kit/image-scan-fixtures.ts';

function workloadsOf(yaml: string): Workload[] {
  const parsed = parseManifestText(yaml, 'risk.yaml');
  return normaliseAll(parsed.objects).objects.filter((o): o is Workload => o.kind === 'Workload');
}

function violation(id: string, severity: Violation['policy']['severity']): Violation {
  return {
    policy: { id, name: id, severity },
    object: { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'shop', name: 'web' },
    message: 'x',
  };
}

const quiet = `apiVersion: apps/v1
kind: Deployment
metadata: { name: quiet, namespace: shop }
spec:
  selector: { matchLabels: { app: quiet } }
  template:
    metadata: { labels: { app: quiet } }
    spec:
      containers:
        - name: app
          image: example/quiet:1
          securityContext: { capabilities: { drop: [ALL] } }
`;

const risky = `apiVersion: apps/v1
kind: Deployment
metadata: { name: web, namespace: shop }
spec:
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web } }
    spec:
      containers:
        - name: app
          image: example/web:1
          ports: [{ containerPort: 8080 }]
          securityContext: { privileged: true, capabilities: { add: [SYS_ADMIN] } }
          env:
            - name: TOKEN
              valueFrom: { secretKeyRef: { name: t, key: t } }
          volumeMounts: [{ name: data, mountPath: /data }]
      volumes: [{ name: data, emptyDir: {} }]
---
apiVersion: v1
kind: Service
metadata: { name: web, namespace: shop }
spec:
  type: LoadBalancer
  selector: { app: web }
  ports: [{ port: 80, targetPort: 8080 }]
`;

describe('risk score', () => {
  it('normalises a factor linearly up to its saturation and caps it at its maximum', () => {
    assert.equal(normaliseFactor(0, 50, 4), 1);
    assert.equal(normaliseFactor(25, 50, 4), 2.5);
    assert.equal(normaliseFactor(51, 50, 4), 4);
  });

  it('is 1 with no factors for a quiet, unexposed, unviolated deployment', () => {
    const [workload] = workloadsOf(quiet);
    assert.ok(workload);
    assert.deepEqual(scoreWorkload(workload, []), { score: 1, factors: [] });
  });

  it('multiplies policy violations, service configuration and reachability, each explained', () => {
    const [workload] = workloadsOf(risky);
    assert.ok(workload);
    const result = scoreWorkload(workload, [
      violation('a', 'CRITICAL_SEVERITY'),
      violation('a', 'CRITICAL_SEVERITY'),
      violation('b', 'HIGH_SEVERITY'),
    ]);
    const byName = new Map(result.factors.map((f) => [f.name, f]));
    // Violations: 4² + 3² = 25 (the repeated policy counts once) → 1 + 25/50 × 3 = 2.5.
    assert.equal(byName.get('Policy Violations')?.multiplier, 2.5);
    // Configuration: read-write volume, secrets, SYS_ADMIN, no drop = 4, privileged ×2 = 8 → 2.
    assert.equal(byName.get('Service Configuration')?.multiplier, 2);
    assert.match(byName.get('Service Configuration')?.reasons.join(' ') ?? '', /privileged.*app/);
    // Reachability: LoadBalancer = external 3 → 1 + 3/10 = 1.3.
    assert.equal(byName.get('Service Reachability')?.multiplier, 1.3);
    assert.equal(result.score, 6.5);
  });

  it('ranks the risky deployment above the quiet one', () => {
    const [quietWorkload] = workloadsOf(quiet);
    const [riskyWorkload] = workloadsOf(risky);
    assert.ok(quietWorkload && riskyWorkload);
    assert.ok(scoreWorkload(riskyWorkload, []).score > scoreWorkload(quietWorkload, []).score);
  });
});

describe('image vulnerability risk', () => {
  const scan = expandScanFixture('web:1', {
    components: [
      { name: 'openssl', version: '3.0.11' },
      { name: 'zlib', version: '1.2.13' },
    ],
    vulnerabilities: [
      { id: 'CVE-2024-0001', component: 'openssl', severity: 'CRITICAL' },
      { id: 'DLA-1-1', aliases: ['CVE-2024-0001'], component: 'zlib', severity: 'IMPORTANT' },
      { id: 'CVE-2024-0002', component: 'zlib', severity: 'LOW' },
      { id: 'CVE-2024-0003', component: 'zlib', severity: 'UNKNOWN' },
    ],
  });

  it('weighs each distinct CVE by its worst severity: sum of squares / 10, saturation 100, max 4', () => {
    const factor = imageVulnerabilityFactor(scan.vulnerabilities);
    // CVE-2024-0001 counted once as critical (9.5²) plus one low (2²): 94.25 / 10 = 9.425.
    assert.equal(factor?.multiplier, Math.round(normaliseFactor(9.425, 100, 4) * 1000) / 1000);
    assert.deepEqual(factor?.reasons, ['image vulnerabilities: 1 critical, 1 low']);
  });

  it('saturates at 4 and is absent without weighted vulnerabilities', () => {
    const many = Array.from({ length: 20 }, (_, i) => ({
      ...(scan.vulnerabilities[0] as (typeof scan.vulnerabilities)[number]),
      id: `CVE-2024-1${i}`,
    }));
    assert.equal(imageVulnerabilityFactor(many)?.multiplier, 4);
    assert.equal(imageVulnerabilityFactor([]), null);
    assert.equal(imageVulnerabilityFactor(scan.vulnerabilities.slice(3)), null);
  });

  it('multiplies into the deployment score', () => {
    const [workload] = workloadsOf(quiet);
    assert.ok(workload);
    const plain = scoreWorkload(workload, []);
    const withImages = scoreWorkload(workload, [], scan.vulnerabilities);
    assert.ok(withImages.score > plain.score);
    assert.ok(withImages.factors.some((f) => f.name === 'Image Vulnerabilities'));
  });
});
