import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FailureLogThrottle } from './image-scanning.ts';

describe('image scan failure logging', () => {
  it('warns once per registry per window, and again after it', () => {
    const throttle = new FailureLogThrottle(600_000);
    assert.equal(throttle.shouldWarn('docker.io', 0), true);
    assert.equal(throttle.shouldWarn('docker.io', 1_000), false);
    assert.equal(throttle.shouldWarn('quay.io', 2_000), true);
    assert.equal(throttle.shouldWarn('docker.io', 599_999), false);
    assert.equal(throttle.shouldWarn('docker.io', 600_000), true);
    assert.equal(throttle.shouldWarn('docker.io', 600_001), false);
  });
});
