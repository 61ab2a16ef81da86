import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PalisadeError } from '../model/index.ts';
import { parsePlatform, platformMatches } from './platform.ts';

describe('platforms', () => {
  it('parses and normalises os/arch/variant like containerd', () => {
    assert.deepEqual(parsePlatform('linux/amd64'), { os: 'linux', architecture: 'amd64' });
    assert.deepEqual(parsePlatform('linux/aarch64'), {
      os: 'linux',
      architecture: 'arm64',
      variant: 'v8',
    });
    assert.deepEqual(parsePlatform('linux/arm'), {
      os: 'linux',
      architecture: 'arm',
      variant: 'v7',
    });
    assert.throws(
      () => parsePlatform('amd64'),
      (error: unknown) => error instanceof PalisadeError && error.code === 'platform-invalid',
    );
  });

  it('matches index entries with default variants filled in', () => {
    assert.equal(
      platformMatches(parsePlatform('linux/arm64'), { os: 'linux', architecture: 'arm64' }),
      true,
    );
    assert.equal(
      platformMatches(parsePlatform('linux/arm64'), {
        os: 'linux',
        architecture: 'arm64',
        variant: 'v8',
      }),
      true,
    );
    assert.equal(
      platformMatches(parsePlatform('linux/arm/v6'), {
        os: 'linux',
        architecture: 'arm',
        variant: 'v7',
      }),
      false,
    );
    assert.equal(
      platformMatches(parsePlatform('linux/amd64'), { os: 'unknown', architecture: 'unknown' }),
      false,
    );
  });
});
