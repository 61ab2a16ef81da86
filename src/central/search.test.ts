import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PalisadeError } from '../model/index.ts';
import { parseSearchQuery } from './search.ts';

const fields = ['Namespace', 'Severity', 'Deployment', 'Policy', 'Cluster'];

describe('search query syntax', () => {
  it('parses clauses joined by + with comma-separated values', () => {
    assert.deepEqual(parseSearchQuery('Namespace:payments+Severity:HIGH,CRITICAL', fields), [
      { field: 'Namespace', values: [{ value: 'payments', match: 'prefix', negate: false }] },
      {
        field: 'Severity',
        values: [
          { value: 'HIGH', match: 'prefix', negate: false },
          { value: 'CRITICAL', match: 'prefix', negate: false },
        ],
      },
    ]);
  });

  it('reads exact quoted values, r/ regexes and ! negation, and field names in any case', () => {
    const [clause] = parseSearchQuery('deployment:"web",r/api-.*,!debug', fields);
    assert.equal(clause?.field, 'Deployment');
    assert.deepEqual(clause?.values, [
      { value: 'web', match: 'exact', negate: false },
      { value: 'api-.*', match: 'regex', negate: false },
      { value: 'debug', match: 'prefix', negate: true },
    ]);
  });

  it('keeps + and , inside quotes as part of the value', () => {
    const [clause] = parseSearchQuery('Policy:"a+b, c"', fields);
    assert.deepEqual(clause?.values, [{ value: 'a+b, c', match: 'exact', negate: false }]);
  });

  it('treats an empty query as no filter', () => {
    assert.deepEqual(parseSearchQuery('  ', fields), []);
  });

  for (const [query, pattern] of [
    ['Color:red', /unknown field 'Color'/],
    ['Namespace', /expected Field:value/],
    ['Namespace:', /empty value/],
    ['Namespace:a+Namespace:b', /appears twice/],
    ['Policy:"open', /unclosed double quote/],
    ['Deployment:r/', /empty regex/],
    ['x'.repeat(5000), /longer than/],
  ] as const) {
    it(`rejects '${query.slice(0, 30)}' with a 400 query-invalid error`, () => {
      assert.throws(
        () => parseSearchQuery(query, fields),
        (error: unknown) =>
          error instanceof PalisadeError &&
          error.code === 'query-invalid' &&
          error.status === 400 &&
          pattern.test(error.message),
      );
    });
  }
});
