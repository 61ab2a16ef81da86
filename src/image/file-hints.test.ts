import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { analyzers } from './analyzers/all.ts';
import { filesOf, wantsFile } from './analyzers/registry.ts';
import type { Analyzer } from './analyzers/types.ts';
import { compileHint, mergeHints } from './file-hints.js';

describe('file hints', () => {
  it('match exact paths, prefixes, suffixes in any case, and executables', () => {
    const hint = compileHint({
      paths: ['/etc/os-release'],
      prefixes: ['/var/lib/dpkg/info/'],
      suffixes: ['.jar', '/Cargo.lock'],
    });
    assert.equal(hint('/etc/os-release', 0o644), true);
    assert.equal(hint('/etc/os-release.d', 0o644), false);
    assert.equal(hint('/var/lib/dpkg/info/libc6.list', 0o644), true);
    assert.equal(hint('/var/lib/dpkg/infox', 0o644), false);
    assert.equal(hint('/opt/app/LIB.JAR', 0o644), true);
    assert.equal(hint('/src/cargo.lock', 0o644), true);
    assert.equal(hint('/usr/bin/tool', 0o755), false);
    assert.equal(compileHint({ executables: true })('/usr/bin/tool', 0o100), true);
    assert.equal(compileHint({ executables: true })('/usr/bin/tool', 0o644), false);
    assert.equal(compileHint({})('/anything', 0o777), false);
  });

  it('merge into one that matches what any of them matches', () => {
    const merged = compileHint(
      mergeHints([{ paths: ['/a'] }, { prefixes: ['/b/'] }, { suffixes: ['.c'] }, {}]),
    );
    assert.deepEqual(
      ['/a', '/b/x', '/x.c', '/d'].map((path) => merged(path, 0o644)),
      [true, true, true, false],
    );
    assert.equal(compileHint(mergeHints([{}, { executables: true }]))('/x', 0o755), true);
  });

  it('keep the layer reader from keeping what no analyser hints at, whatever it wants', () => {
    const greedy: Analyzer = {
      id: 'greedy',
      files: { paths: ['/only'] },
      wants: () => true,
      analyze: () => ({ components: [], findings: [] }),
    };
    assert.equal(wantsFile('/only', { size: 1, mode: 0o644 }, [greedy]), true);
    assert.equal(wantsFile('/elsewhere', { size: 1, mode: 0o644 }, [greedy]), false);
  });

  it('of all analysers cover the files real images keep, and not the bulk of an image', () => {
    const all = compileHint(filesOf(analyzers));
    for (const path of [
      '/etc/os-release',
      '/usr/lib/os-release',
      '/var/lib/dpkg/status',
      '/var/lib/dpkg/status.d/base',
      '/var/lib/dpkg/info/libc6:amd64.list',
      '/lib/apk/db/installed',
      '/var/lib/rpm/rpmdb.sqlite',
      '/usr/lib/sysimage/rpm/Packages.db',
      '/app/node_modules/@scope/name/package.json',
      '/app/package-lock.json',
      '/usr/lib/python3/dist-packages/six-1.16.0.dist-info/METADATA',
      '/usr/lib/python3/dist-packages/six.egg-info/PKG-INFO',
      '/usr/local/bundle/specifications/rack-3.0.0.gemspec',
      '/opt/app/app.war',
      '/src/Cargo.lock',
      '/app/app.deps.json',
      '/var/www/composer.lock',
    ])
      assert.equal(all(path, 0o644), true, path);
    assert.equal(all('/usr/local/bin/server', 0o755), true);
    for (const path of [
      '/usr/lib/x86_64-linux-gnu/libc.so.6',
      '/usr/share/doc/a/README',
      '/app/index.js',
    ])
      assert.equal(all(path, 0o644), false, path);
  });
});
