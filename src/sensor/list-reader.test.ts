import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ListReader } from './list-reader.ts';

const list = {
  kind: 'PodList',
  apiVersion: 'v1',
  metadata: { resourceVersion: '42', continue: 'eyJydiI6NDJ9' },
  items: [
    {
      metadata: { name: 'a', labels: { note: 'braces } ] { [ in a "quoted" value \\' } },
      spec: { containers: [{ name: 'app', args: ['[', ']', '{"items":[1]}'] }] },
    },
    { metadata: { name: 'ünïcödé-☃', annotations: { 'x/items': '{"items":[]}' } } },
    { metadata: { name: 'c' }, items: [{ nested: true }] },
  ],
};

/** Feeds the text in pieces of the given sizes (the rest as one piece). */
function read(text: string, sizes: readonly number[]): { items: unknown[]; rest: unknown } {
  const items: unknown[] = [];
  const reader = new ListReader((item) => items.push(item));
  const bytes = Buffer.from(text);
  let at = 0;
  for (const size of sizes) {
    reader.write(bytes.subarray(at, at + size));
    at += size;
  }
  reader.write(bytes.subarray(at));
  return { items, rest: reader.end() };
}

describe('ListReader', () => {
  it('hands over each item and returns the list without them, however the bytes are split', () => {
    const text = JSON.stringify(list, null, 1);
    const length = Buffer.byteLength(text);
    for (let cut = 0; cut <= length; cut++) {
      const { items, rest } = read(text, [cut]);
      assert.deepEqual(items, list.items, `cut at byte ${cut}`);
      assert.deepEqual(rest, { ...list, items: [] }, `cut at byte ${cut}`);
    }
    const { items } = read(
      text,
      Array.from({ length }, () => 1),
    );
    assert.deepEqual(items, list.items, 'one byte at a time');
  });

  it('reads metadata that comes after the items, and a list without items', () => {
    const after = `{"items":[{"metadata":{"name":"x"}}],"metadata":{"continue":"next"}}`;
    assert.deepEqual(read(after, [5, 17]), {
      items: [{ metadata: { name: 'x' } }],
      rest: { items: [], metadata: { continue: 'next' } },
    });
    assert.deepEqual(read('{"kind":"List","items":null}', []), {
      items: [],
      rest: { kind: 'List', items: null },
    });
  });

  it('takes only the top-level items: an "items" key deeper down is part of an item', () => {
    const text = `{"metadata":{"items":[{"not":"an item"}]},"items":[{"items":[{"deep":1}]}]}`;
    assert.deepEqual(read(text, [30]), {
      items: [{ items: [{ deep: 1 }] }],
      rest: { metadata: { items: [{ not: 'an item' }] }, items: [] },
    });
  });

  it('refuses a response that ends inside a value', () => {
    const reader = new ListReader(() => undefined);
    reader.write(Buffer.from('{"items":[{"metadata":{"name":"cut'));
    assert.throws(() => reader.end(), SyntaxError);
  });

  it('passes a malformed item on as a JSON error', () => {
    const reader = new ListReader(() => undefined);
    assert.throws(() => reader.write(Buffer.from('{"items":[{"a":tru}]}')), SyntaxError);
  });
});
