import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseChallenges } from './registry-auth.ts';

describe('WWW-Authenticate challenges', () => {
  it('parses a Bearer challenge with realm, service and scope', () => {
    assert.deepEqual(
      parseChallenges(
        'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/alpine:pull"',
      ),
      [
        {
          scheme: 'bearer',
          params: {
            realm: 'https://auth.docker.io/token',
            service: 'registry.docker.io',
            scope: 'repository:library/alpine:pull',
          },
        },
      ],
    );
  });

  it('parses Basic, unquoted values, escapes and several challenges', () => {
    assert.deepEqual(
      parseChallenges(
        'Basic realm="a \\"quoted\\" realm", Bearer realm=https://x/token, error=insufficient_scope',
      ),
      [
        { scheme: 'basic', params: { realm: 'a "quoted" realm' } },
        { scheme: 'bearer', params: { realm: 'https://x/token', error: 'insufficient_scope' } },
      ],
    );
    assert.deepEqual(parseChallenges(''), []);
  });
});
