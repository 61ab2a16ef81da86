import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { applyDefaults } from './defaults.ts';
import type { JsonObject } from './json-value.ts';

function deploymentWith(containers: JsonObject[]): JsonObject {
  return {
    metadata: { name: 'web' },
    spec: {
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers } },
    },
  };
}

describe('server-side defaulting', () => {
  it('defaults a Deployment as the API server does', () => {
    const deployment = deploymentWith([
      { name: 'app', image: 'nginx:1.27', ports: [{ containerPort: 80 }] },
    ]);
    applyDefaults('Deployment', deployment);
    const spec = deployment['spec'] as JsonObject;
    assert.equal(spec['replicas'], 1);
    assert.deepEqual(spec['strategy'], {
      type: 'RollingUpdate',
      rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' },
    });
    assert.equal(spec['revisionHistoryLimit'], 10);
    assert.equal(spec['progressDeadlineSeconds'], 600);
    const podSpec = (spec['template'] as JsonObject)['spec'] as JsonObject;
    assert.equal(podSpec['restartPolicy'], 'Always');
    assert.equal(podSpec['dnsPolicy'], 'ClusterFirst');
    assert.equal(podSpec['terminationGracePeriodSeconds'], 30);
    assert.equal(podSpec['schedulerName'], 'default-scheduler');
    const container = (podSpec['containers'] as JsonObject[])[0];
    assert.equal(container?.['imagePullPolicy'], 'IfNotPresent');
    assert.equal(container?.['terminationMessagePath'], '/dev/termination-log');
    assert.equal(container?.['terminationMessagePolicy'], 'File');
    assert.deepEqual(container?.['ports'], [{ containerPort: 80, protocol: 'TCP' }]);
  });

  it('pulls Always for :latest or no tag, IfNotPresent for other tags and digests', () => {
    const images = [
      'nginx',
      'nginx:latest',
      'registry.local:5000/team/app',
      'nginx:1.27',
      'nginx@sha256:' + 'a'.repeat(64),
    ];
    const deployment = deploymentWith(images.map((image, i) => ({ name: `c${i}`, image })));
    applyDefaults('Deployment', deployment);
    const podSpec = ((deployment['spec'] as JsonObject)['template'] as JsonObject)[
      'spec'
    ] as JsonObject;
    assert.deepEqual(
      (podSpec['containers'] as JsonObject[]).map((c) => c['imagePullPolicy']),
      ['Always', 'Always', 'Always', 'IfNotPresent', 'IfNotPresent'],
    );
  });

  it('keeps values that are given, including an explicit replicas of 0', () => {
    const deployment = deploymentWith([{ name: 'app', image: 'nginx', imagePullPolicy: 'Never' }]);
    (deployment['spec'] as JsonObject)['replicas'] = 0;
    applyDefaults('Deployment', deployment);
    const spec = deployment['spec'] as JsonObject;
    assert.equal(spec['replicas'], 0);
    const podSpec = (spec['template'] as JsonObject)['spec'] as JsonObject;
    assert.equal((podSpec['containers'] as JsonObject[])[0]?.['imagePullPolicy'], 'Never');
  });

  it('defaults Service type, session affinity, port protocol and targetPort', () => {
    const service: JsonObject = {
      spec: { ports: [{ port: 80 }, { port: 53, protocol: 'UDP', targetPort: 'dns' }] },
    };
    applyDefaults('Service', service);
    const spec = service['spec'] as JsonObject;
    assert.equal(spec['type'], 'ClusterIP');
    assert.equal(spec['sessionAffinity'], 'None');
    assert.deepEqual(spec['ports'], [
      { port: 80, protocol: 'TCP', targetPort: 80 },
      { port: 53, protocol: 'UDP', targetPort: 'dns' },
    ]);
  });

  it('moves Secret stringData into base64 data', () => {
    const secret: JsonObject = { stringData: { password: 'hunter2' } };
    applyDefaults('Secret', secret);
    assert.deepEqual(secret, {
      type: 'Opaque',
      data: { password: Buffer.from('hunter2').toString('base64') },
    });
  });

  it('gives a NetworkPolicy Egress in policyTypes only when it has egress rules', () => {
    const ingressOnly: JsonObject = { spec: { podSelector: {} } };
    const both: JsonObject = { spec: { podSelector: {}, egress: [{ ports: [{ port: 53 }] }] } };
    applyDefaults('NetworkPolicy', ingressOnly);
    applyDefaults('NetworkPolicy', both);
    assert.deepEqual((ingressOnly['spec'] as JsonObject)['policyTypes'], ['Ingress']);
    assert.deepEqual((both['spec'] as JsonObject)['policyTypes'], ['Ingress', 'Egress']);
    assert.deepEqual((both['spec'] as JsonObject)['egress'], [
      { ports: [{ port: 53, protocol: 'TCP' }] },
    ]);
  });

  it('labels a Namespace with its name and marks it Active', () => {
    const namespace: JsonObject = { metadata: { name: 'team-a' } };
    applyDefaults('Namespace', namespace);
    assert.deepEqual((namespace['metadata'] as JsonObject)['labels'], {
      'kubernetes.io/metadata.name': 'team-a',
    });
    assert.deepEqual(namespace['status'], { phase: 'Active' });
  });
});
