import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PalisadeError } from '../model/index.ts';
import type { JsonObject } from './json-value.ts';
import { ObjectRegistry } from './registry.ts';
import { ResourceCatalog, type ResourceDefinition } from './resources.ts';
import { parseLabelSelector } from './selectors.ts';
import { ObjectStore } from './store.ts';

function setup(eventWindow = 1000): {
  registry: ObjectRegistry;
  configMaps: ResourceDefinition;
  deployments: ResourceDefinition;
} {
  const catalog = new ResourceCatalog({ openshift: false });
  const registry = new ObjectRegistry(new ObjectStore(eventWindow), catalog);
  const namespaces = catalog.byResource('', 'v1', 'namespaces');
  const configMaps = catalog.byResource('', 'v1', 'configmaps');
  const deployments = catalog.byResource('apps', 'v1', 'deployments');
  assert.ok(namespaces && configMaps && deployments);
  for (const name of ['a', 'b']) registry.create(namespaces, '', { metadata: { name } });
  return { registry, configMaps, deployments };
}

/** A JSON value as text, for messages and comparisons. */
function text(value: unknown): string {
  return typeof value === 'string' ? value : (JSON.stringify(value) ?? '');
}

function rvOf(object: JsonObject): string {
  return text((object['metadata'] as JsonObject)['resourceVersion']);
}

function names(list: JsonObject): string[] {
  return (list['items'] as JsonObject[]).map((i) => text((i['metadata'] as JsonObject)['name']));
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : '';
}

function statusOf(error: unknown): number {
  return error instanceof PalisadeError ? error.status : 0;
}

const deployment = (replicas: number): JsonObject => ({
  metadata: { name: 'web' },
  spec: {
    replicas,
    selector: { matchLabels: { app: 'web' } },
    template: {
      metadata: { labels: { app: 'web' } },
      spec: { containers: [{ name: 'app', image: 'nginx:1' }] },
    },
  },
});

describe('object registry', () => {
  it('gives every write a new, higher global resourceVersion', () => {
    const { registry, configMaps } = setup();
    const first = registry.create(configMaps, 'a', { metadata: { name: 'x' }, data: { k: '1' } });
    const second = registry.create(configMaps, 'b', { metadata: { name: 'y' } });
    const updated = registry.update(configMaps, 'a', 'x', {
      metadata: { name: 'x' },
      data: { k: '2' },
    });
    assert.ok(Number(rvOf(first)) < Number(rvOf(second)));
    assert.ok(Number(rvOf(second)) < Number(rvOf(updated)));
    assert.equal(registry.store.resourceVersion, Number(rvOf(updated)));
  });

  it('refuses an update carrying a stale resourceVersion with 409 Conflict', () => {
    const { registry, configMaps } = setup();
    const created = registry.create(configMaps, 'a', { metadata: { name: 'x' } });
    registry.update(configMaps, 'a', 'x', { metadata: { name: 'x' }, data: { k: '1' } });
    assert.throws(
      () =>
        registry.update(configMaps, 'a', 'x', {
          metadata: { name: 'x', resourceVersion: rvOf(created) },
          data: { k: '2' },
        }),
      (error: unknown) =>
        statusOf(error) === 409 && /the object has been modified/.test(messageOf(error)),
    );
  });

  it('does not write an update that changes nothing', () => {
    const { registry, configMaps } = setup();
    const created = registry.create(configMaps, 'a', { metadata: { name: 'x' }, data: { k: '1' } });
    const same = registry.update(configMaps, 'a', 'x', {
      metadata: { name: 'x' },
      data: { k: '1' },
    });
    assert.equal(rvOf(same), rvOf(created));
  });

  it('bumps generation on spec changes only', () => {
    const { registry, deployments } = setup();
    const created = registry.create(deployments, 'a', deployment(1));
    assert.equal((created['metadata'] as JsonObject)['generation'], 1);
    const labelled = registry.patch(deployments, 'a', 'web', 'merge', {
      metadata: { labels: { x: 'y' } },
    });
    assert.equal((labelled['metadata'] as JsonObject)['generation'], 1);
    const scaled = registry.patchScale(deployments, 'a', 'web', 'merge', { spec: { replicas: 4 } });
    assert.equal((scaled['spec'] as JsonObject)['replicas'], 4);
    const after = registry.get(deployments, 'a', 'web');
    assert.equal((after['metadata'] as JsonObject)['generation'], 2);
    assert.equal((scaled['status'] as JsonObject)['selector'], 'app=web');
  });

  it('answers missing, duplicate and nameless objects with NotFound, AlreadyExists and Invalid', () => {
    const { registry, configMaps } = setup();
    registry.create(configMaps, 'a', { metadata: { name: 'x' } });
    assert.throws(
      () => registry.get(configMaps, 'a', 'nope'),
      (e: unknown) => statusOf(e) === 404,
    );
    assert.throws(
      () => registry.create(configMaps, 'a', { metadata: { name: 'x' } }),
      (e: unknown) => statusOf(e) === 409,
    );
    assert.throws(
      () => registry.create(configMaps, 'a', { metadata: {} }),
      (e: unknown) => statusOf(e) === 422,
    );
    assert.throws(
      () => registry.create(configMaps, 'nowhere', { metadata: { name: 'x' } }),
      (e: unknown) => statusOf(e) === 404,
    );
    assert.throws(
      () => registry.create(configMaps, 'a', { kind: 'Secret', metadata: { name: 'y' } }),
      (e: unknown) => statusOf(e) === 400,
    );
  });

  it('pages a list with limit and continue over a consistent snapshot', () => {
    const { registry, configMaps } = setup();
    for (const name of ['c1', 'c2', 'c3', 'c4', 'c5'])
      registry.create(configMaps, 'a', { metadata: { name } });
    const first = registry.list(configMaps, 'a', { limit: 2 });
    assert.deepEqual(names(first), ['c1', 'c2']);
    const meta = first['metadata'] as JsonObject;
    assert.equal(meta['remainingItemCount'], 3);
    // Changes after the first page do not show in the later pages of the same list.
    registry.create(configMaps, 'a', { metadata: { name: 'c0' } });
    registry.delete(configMaps, 'a', 'c4');
    const second = registry.list(configMaps, 'a', {
      limit: 2,
      continueToken: text(meta['continue']),
    });
    assert.deepEqual(names(second), ['c3', 'c4']);
    assert.equal((second['metadata'] as JsonObject)['resourceVersion'], meta['resourceVersion']);
    const third = registry.list(configMaps, 'a', {
      limit: 2,
      continueToken: text((second['metadata'] as JsonObject)['continue']),
    });
    assert.deepEqual(names(third), ['c5']);
    assert.equal((third['metadata'] as JsonObject)['continue'], undefined);
  });

  it('lists across namespaces sorted by namespace then name, filtered by selectors', () => {
    const { registry, configMaps } = setup();
    registry.create(configMaps, 'b', { metadata: { name: 'x', labels: { keep: 'yes' } } });
    registry.create(configMaps, 'a', { metadata: { name: 'y', labels: { keep: 'yes' } } });
    registry.create(configMaps, 'a', { metadata: { name: 'z' } });
    assert.deepEqual(names(registry.list(configMaps, undefined, {})), ['y', 'z', 'x']);
    assert.deepEqual(
      names(
        registry.list(configMaps, undefined, { labelSelector: parseLabelSelector('keep=yes') }),
      ),
      ['y', 'x'],
    );
    assert.deepEqual(
      names(
        registry.list(configMaps, undefined, {
          fieldSelector: [{ field: 'metadata.namespace', operator: 'neq', value: 'a' }],
        }),
      ),
      ['x'],
    );
    assert.throws(
      () =>
        registry.list(configMaps, undefined, {
          fieldSelector: [{ field: 'spec.nodeName', operator: 'eq', value: 'n' }],
        }),
      (e: unknown) => statusOf(e) === 400 && /field label not supported/.test(messageOf(e)),
    );
  });

  it('expires continue tokens and watch starts older than the event window with 410', () => {
    const { registry, configMaps } = setup(3);
    for (const name of ['c1', 'c2', 'c3']) registry.create(configMaps, 'a', { metadata: { name } });
    const page = registry.list(configMaps, 'a', { limit: 1 });
    const token = text((page['metadata'] as JsonObject)['continue']);
    const listedAt = Number((page['metadata'] as JsonObject)['resourceVersion']);
    assert.equal(registry.store.eventsSince(listedAt).length, 0);
    for (const name of ['c4', 'c5', 'c6', 'c7'])
      registry.create(configMaps, 'a', { metadata: { name } });
    assert.throws(
      () => registry.list(configMaps, 'a', { limit: 1, continueToken: token }),
      (e: unknown) => statusOf(e) === 410,
    );
    assert.throws(
      () => registry.store.eventsSince(listedAt),
      (e: unknown) => statusOf(e) === 410 && /too old resource version/.test(messageOf(e)),
    );
    assert.equal(registry.store.eventsSince(registry.store.resourceVersion - 3).length, 3);
  });

  it('deleting a namespace deletes what is in it', () => {
    const { registry, configMaps } = setup();
    const namespaces = registry.catalog.byResource('', 'v1', 'namespaces');
    assert.ok(namespaces);
    registry.create(configMaps, 'a', { metadata: { name: 'x' } });
    registry.create(configMaps, 'b', { metadata: { name: 'y' } });
    registry.delete(namespaces, '', 'a');
    assert.deepEqual(names(registry.list(configMaps, undefined, {})), ['y']);
  });

  it('deleting an owner deletes its dependents unless told to orphan them', () => {
    const { registry, configMaps, deployments } = setup();
    const owner = registry.create(deployments, 'a', deployment(1));
    const uid = text((owner['metadata'] as JsonObject)['uid']);
    const ownerReferences = [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid }];
    registry.create(configMaps, 'a', { metadata: { name: 'owned', ownerReferences } });
    registry.create(configMaps, 'a', { metadata: { name: 'free' } });
    registry.delete(deployments, 'a', 'web');
    assert.deepEqual(names(registry.list(configMaps, 'a', {})), ['free']);
  });
});
