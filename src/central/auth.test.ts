import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { permissions, roleAllows } from './auth.ts';

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
