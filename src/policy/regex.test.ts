import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import RE2 from 're2';

import { compileContainsRegex, compileValueRegex, requiredLiterals } from './regex.ts';

describe('requiredLiterals', () => {
  it('takes the longest run of non-optional plain characters of each alternative', () => {
    assert.deepEqual(requiredLiterals('ingress-nginx/controller.*'), ['ingress-nginx/controller']);
    assert.deepEqual(requiredLiterals('.*tiller.*'), ['tiller']);
    assert.deepEqual(requiredLiterals('system:.*|gce:podsecuritypolicy:calico-sa|Cluster-Admin'), [
      'system:',
      'gce:podsecuritypolicy:calico-sa',
      'cluster-admin',
    ]);
    assert.deepEqual(requiredLiterals('docker\\.io/library/.+'), ['docker.io/library/']);
    assert.deepEqual(requiredLiterals('abc+de'), ['abc']);
    assert.deepEqual(requiredLiterals('xab?cdef'), ['cdef']);
  });

  it('gives up where an alternative has no literal of two characters or the syntax is richer', () => {
    assert.equal(requiredLiterals('a.*|tiller'), undefined);
    assert.equal(requiredLiterals('.*'), undefined);
    assert.equal(requiredLiterals('foo|'), undefined);
    assert.equal(requiredLiterals('(foo)+bar'), undefined);
    assert.equal(requiredLiterals('[a-z]+bar'), undefined);
    assert.equal(requiredLiterals('foo{2}'), undefined);
    assert.equal(requiredLiterals('\\d+foo'), undefined);
    assert.equal(requiredLiterals('ab*c'), undefined);
  });
});

describe('policy regexes', () => {
  // The prefilter must never change an answer: compare with RE2 itself on many values.
  const patterns = [
    'ingress-nginx/controller.*',
    '.*tiller.*',
    'system:.*|gce:podsecuritypolicy:calico-sa|cluster-admin',
    'docker\\.io/library/.+',
    'abc+de',
    'xab?cdef',
    '.*secret.*|.*passw.?ord.*',
  ];
  const values = [
    '',
    'ingress-nginx/controller',
    'INGRESS-NGINX/Controller:v1',
    'k8s.gcr.io/ingress-nginx/controller',
    'helm/tiller',
    'TILLER',
    'tiler',
    'system:node',
    'System:',
    'gce:podsecuritypolicy:calico-sa',
    'cluster-admin',
    'docker.io/library/nginx',
    'docker.io/library/',
    'dockerxio/library/x',
    'abcccde',
    'abde',
    'xacdef',
    'xabcdef',
    'db-password',
    'my-secret-key',
    'PASSWORD',
    // Unicode case folding: U+017F (long s) folds to "s", U+212A (Kelvin) to "k".
    'ſecret',
    'tiller\u212A',
    'ſystem:x',
  ];

  it('answers as RE2 does for anchored and contains patterns, ASCII or not', () => {
    for (const pattern of patterns) {
      const anchored = new RE2(`^(?:${pattern})$`, 'iu');
      const contains = new RE2(pattern, 'iu');
      for (const value of values) {
        assert.equal(
          compileValueRegex(pattern).test(value),
          anchored.test(value),
          `${pattern} ~ ${value}`,
        );
        assert.equal(
          compileContainsRegex(pattern).test(value),
          contains.test(value),
          `contains ${pattern} ~ ${value}`,
        );
      }
    }
  });

  it('matches non-ASCII values through RE2 case folding', () => {
    assert.equal(compileValueRegex('.*secret.*').test('ſecret'), true);
  });
});
