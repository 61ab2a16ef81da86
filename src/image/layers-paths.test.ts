import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  classifyWhiteout,
  normaliseEntryPath,
  PathEscapeError,
  symlinkTargetPath,
} from './layers-paths.ts';

describe('layer entry paths', () => {
  it('cleans names into absolute paths under the root', () => {
    assert.equal(normaliseEntryPath('./usr//bin/'), '/usr/bin');
    assert.equal(normaliseEntryPath('/etc/passwd'), '/etc/passwd');
    assert.equal(normaliseEntryPath('a/b/../c'), '/a/c');
    assert.equal(normaliseEntryPath('./'), '/');
  });

  it('clamps ".." at the root of an absolute name but refuses it in a relative one (moby pkg/archive)', () => {
    assert.equal(normaliseEntryPath('/../etc/x'), '/etc/x');
    assert.throws(() => normaliseEntryPath('../etc/x'), PathEscapeError);
    assert.throws(() => normaliseEntryPath('a/../../x'), PathEscapeError);
  });

  it('resolves symlink targets from the link directory and refuses escapes', () => {
    assert.equal(
      symlinkTargetPath('/etc/os-release', '../usr/lib/os-release'),
      '/usr/lib/os-release',
    );
    assert.equal(symlinkTargetPath('/lib', 'usr/lib'), '/usr/lib');
    assert.equal(symlinkTargetPath('/etc/mtab', '/proc/self/mounts'), '/proc/self/mounts');
    assert.throws(() => symlinkTargetPath('/etc/x', '../../y'), PathEscapeError);
  });

  it('classifies whiteouts as OCI layer.md defines them', () => {
    assert.deepEqual(classifyWhiteout('/etc/.wh.passwd'), { kind: 'delete', path: '/etc/passwd' });
    assert.deepEqual(classifyWhiteout('/.wh.tmp'), { kind: 'delete', path: '/tmp' });
    assert.deepEqual(classifyWhiteout('/opt/.wh..wh..opq'), { kind: 'opaque', directory: '/opt' });
    assert.deepEqual(classifyWhiteout('/.wh..wh.plnk'), { kind: 'metadata' });
    assert.equal(classifyWhiteout('/etc/wh.not'), undefined);
  });
});
