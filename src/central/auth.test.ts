import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { permissions, roleAllows, TokenCache } from './auth.ts';

describe('the role table', () => {
  it('an Admin holds every permission', () => {
    assert.ok(permissions.every((p) => roleAllows('Admin', p)));
  });

  it('an Analyst may read everything and write nothing', () => {
    for (const p of permissions) assert.equal(roleAllows('Analyst', p), p.endsWith(':read'), p);
  });

  it('Continuous Integration may only check, and a Sensor may only ingest', () => {
    assert.deepEqual(
      permissions.filter((p) => roleAllows('Continuous Integration', p)),
      ['check'],
    );
    assert.deepEqual(
      permissions.filter((p) => roleAllows('Sensor', p)),
      ['ingest'],
    );
  });
});

describe('the token cache', () => {
  const principal = (expiresAt: string | null) => ({
    actor: 'ci',
    token: {
      id: '00000000-0000-4000-8000-000000000001',
      name: 'ci',
      role: 'Continuous Integration' as const,
      clusterId: null,
      createdAt: '2026-01-01T00:00:00.000Z',
      expiresAt,
      revokedAt: null,
    },
  });

  it('answers for a validated token until its time to live runs out', () => {
    const cache = new TokenCache(5000);
    cache.set('secret', principal(null), 1000);
    assert.equal(cache.get('secret', 5999)?.actor, 'ci');
    assert.equal(cache.get('secret', 6000), undefined);
    assert.equal(cache.get('other', 1000), undefined);
  });

  it('never answers past the token expiry, and forgets everything on demand', () => {
    const cache = new TokenCache(60_000);
    cache.set('secret', principal(new Date(2000).toISOString()), 1000);
    assert.equal(cache.get('secret', 1999)?.actor, 'ci');
    assert.equal(cache.get('secret', 2000), undefined);
    cache.set('secret', principal(null), 1000);
    cache.forget();
    assert.equal(cache.get('secret', 1001), undefined);
  });
});
