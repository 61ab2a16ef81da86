import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { WriteClock } from '../store/index.ts';
import { ReadCache } from './read-cache.ts';

describe('the read cache', () => {
  it('computes once per database generation and again after a write', async () => {
    const clock = new WriteClock();
    const cache = new ReadCache(clock);
    let computed = 0;
    const read = () => cache.json('/a', () => Promise.resolve({ n: ++computed }));
    assert.equal(await read(), '{"n":1}');
    assert.equal(await read(), '{"n":1}');
    clock.tick();
    assert.equal(await read(), '{"n":2}');
    assert.equal(await cache.json('/b', () => Promise.resolve('other')), '"other"');
  });

  it('shares one computation among identical requests that arrive together', async () => {
    const cache = new ReadCache(new WriteClock());
    let computed = 0;
    const slow = () => new Promise<number>((resolve) => setTimeout(() => resolve(++computed), 10));
    const answers = await Promise.all(Array.from({ length: 20 }, () => cache.json('/a', slow)));
    assert.ok(answers.every((a) => a === '1'));
    assert.equal(computed, 1);
  });

  it('keeps nothing computed while a write landed, nor a failure, nor while untrusted', async () => {
    const clock = new WriteClock();
    const cache = new ReadCache(clock);
    let computed = 0;
    await cache.json('/a', () => {
      clock.tick(); // a write lands mid-read
      return Promise.resolve(++computed);
    });
    assert.equal(await cache.json('/a', () => Promise.resolve(++computed)), '2');
    clock.tick();
    await assert.rejects(cache.json('/a', () => Promise.reject(new Error('down'))));
    assert.equal(await cache.json('/a', () => Promise.resolve(++computed)), '3');
    clock.setTrusted(false);
    assert.equal(await cache.json('/a', () => Promise.resolve(++computed)), '4');
    assert.equal(await cache.json('/a', () => Promise.resolve(++computed)), '5');
  });
});
