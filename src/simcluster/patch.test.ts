import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PalisadeError } from '../model/index.ts';
import type { JsonObject } from './json-value.ts';
import { applyJsonPatch, applyMergePatch, applyStrategicMergePatch } from './patch.ts';

function deployment(): JsonObject {
  return {
    metadata: { name: 'web', labels: { app: 'web', old: 'x' }, finalizers: ['a'] },
    spec: {
      replicas: 1,
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%' } },
      template: {
        spec: {
          containers: [
            {
              name: 'app',
              image: 'nginx:1',
              ports: [{ containerPort: 80 }],
              env: [{ name: 'A', value: '1' }],
            },
            { name: 'side', image: 'busybox' },
          ],
          tolerations: [{ key: 'k', operator: 'Exists' }],
        },
      },
    },
  };
}

function containersOf(object: JsonObject): JsonObject[] {
  const spec = ((object['spec'] as JsonObject)['template'] as JsonObject)['spec'] as JsonObject;
  return spec['containers'] as JsonObject[];
}

describe('JSON merge patch (RFC 7386)', () => {
  it('merges objects, removes keys set to null and replaces lists', () => {
    const result = applyMergePatch(deployment(), {
      metadata: { labels: { old: null, new: 'y' } },
      spec: { template: { spec: { containers: [{ name: 'only', image: 'x' }] } } },
    }) as JsonObject;
    assert.deepEqual((result['metadata'] as JsonObject)['labels'], { app: 'web', new: 'y' });
    assert.deepEqual(containersOf(result), [{ name: 'only', image: 'x' }]);
  });

  it('treats "__proto__" as an ordinary key', () => {
    const result = applyMergePatch(
      {},
      JSON.parse('{"__proto__": {"polluted": true}}') as JsonObject,
    ) as JsonObject;
    assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
    assert.deepEqual(Object.keys(result), ['__proto__']);
  });
});

describe('JSON patch (RFC 6902)', () => {
  it('applies add, replace, remove, move, copy and test in order', () => {
    const result = applyJsonPatch(deployment(), [
      { op: 'test', path: '/spec/replicas', value: 1 },
      { op: 'replace', path: '/spec/replicas', value: 3 },
      { op: 'add', path: '/metadata/labels/a~1b', value: 'slash' },
      { op: 'remove', path: '/metadata/labels/old' },
      { op: 'add', path: '/spec/template/spec/containers/-', value: { name: 'third', image: 'x' } },
      { op: 'copy', from: '/metadata/name', path: '/metadata/annotations' },
      { op: 'move', from: '/metadata/annotations', path: '/metadata/copied' },
    ]) as JsonObject;
    assert.equal((result['spec'] as JsonObject)['replicas'], 3);
    assert.deepEqual((result['metadata'] as JsonObject)['labels'], { app: 'web', 'a/b': 'slash' });
    assert.equal((result['metadata'] as JsonObject)['copied'], 'web');
    assert.deepEqual(
      containersOf(result).map((c) => c['name']),
      ['app', 'side', 'third'],
    );
  });

  it('a failed test is a 422 and leaves the input untouched', () => {
    const input = deployment();
    assert.throws(
      () =>
        applyJsonPatch(input, [
          { op: 'remove', path: '/spec/replicas' },
          { op: 'test', path: '/spec/paused', value: true },
        ]),
      (error: unknown) => error instanceof PalisadeError && error.status === 422,
    );
    assert.equal((input['spec'] as JsonObject)['replicas'], 1);
  });

  it('a patch that is not an array is a BadRequest', () => {
    assert.throws(
      () => applyJsonPatch({}, { op: 'add' }),
      (e: unknown) => e instanceof PalisadeError && e.status === 400,
    );
  });
});

describe('strategic merge patch', () => {
  it('merges containers by name and their env by name and ports by containerPort', () => {
    const result = applyStrategicMergePatch(
      deployment(),
      {
        spec: {
          template: {
            spec: {
              containers: [
                {
                  name: 'app',
                  image: 'nginx:2',
                  env: [{ name: 'B', value: '2' }],
                  ports: [{ containerPort: 80, name: 'http' }],
                },
                { name: 'new', image: 'redis' },
              ],
            },
          },
        },
      },
      'Deployment',
    );
    const containers = containersOf(result);
    assert.deepEqual(
      containers.map((c) => c['name']),
      ['app', 'side', 'new'],
    );
    assert.equal(containers[0]?.['image'], 'nginx:2');
    assert.deepEqual(containers[0]?.['env'], [
      { name: 'A', value: '1' },
      { name: 'B', value: '2' },
    ]);
    assert.deepEqual(containers[0]?.['ports'], [{ containerPort: 80, name: 'http' }]);
  });

  it('replaces lists without a merge key, such as tolerations', () => {
    const result = applyStrategicMergePatch(
      deployment(),
      { spec: { template: { spec: { tolerations: [{ key: 'other', operator: 'Exists' }] } } } },
      'Deployment',
    );
    const spec = ((result['spec'] as JsonObject)['template'] as JsonObject)['spec'] as JsonObject;
    assert.deepEqual(spec['tolerations'], [{ key: 'other', operator: 'Exists' }]);
  });

  it('honours $patch: delete, $setElementOrder, $retainKeys and $deleteFromPrimitiveList', () => {
    const result = applyStrategicMergePatch(
      deployment(),
      {
        metadata: { finalizers: ['b'], '$deleteFromPrimitiveList/finalizers': ['a'] },
        spec: {
          strategy: { $retainKeys: ['type'], type: 'Recreate', rollingUpdate: null },
          template: {
            spec: {
              '$setElementOrder/containers': [{ name: 'side' }, { name: 'app' }],
              containers: [{ name: 'app', $patch: 'delete' }],
            },
          },
        },
      },
      'Deployment',
    );
    assert.deepEqual((result['metadata'] as JsonObject)['finalizers'], ['b']);
    assert.deepEqual((result['spec'] as JsonObject)['strategy'], { type: 'Recreate' });
    assert.deepEqual(
      containersOf(result).map((c) => c['name']),
      ['side'],
    );
  });

  it('merges Service ports by port number', () => {
    const service: JsonObject = {
      spec: { ports: [{ port: 80, targetPort: 8080 }, { port: 443 }] },
    };
    const result = applyStrategicMergePatch(
      service,
      { spec: { ports: [{ port: 80, name: 'http' }] } },
      'Service',
    );
    assert.deepEqual((result['spec'] as JsonObject)['ports'], [
      { port: 80, targetPort: 8080, name: 'http' },
      { port: 443 },
    ]);
  });
});
