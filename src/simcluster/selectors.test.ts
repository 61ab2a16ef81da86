import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PalisadeError } from '../model/index.ts';
import {
  fieldsMatch,
  formatLabelSelector,
  labelsMatch,
  parseFieldSelector,
  parseLabelSelector,
} from './selectors.ts';

function selects(selector: string, labels: Record<string, string>): boolean {
  return labelsMatch(parseLabelSelector(selector), labels);
}

describe('label selectors', () => {
  const web = { app: 'web', tier: 'frontend', 'example.com/team': 'a' };
  const db = { app: 'db' };

  it('an empty selector selects everything', () => {
    assert.deepEqual(parseLabelSelector(''), []);
    assert.equal(selects('', {}), true);
  });

  it('=, == and != compare values, and != also selects objects without the key', () => {
    assert.equal(selects('app=web', web), true);
    assert.equal(selects('app==web', web), true);
    assert.equal(selects('app=db', web), false);
    assert.equal(selects('tier!=frontend', web), false);
    assert.equal(selects('tier!=frontend', db), true);
  });

  it('in and notin take value sets; notin also selects objects without the key', () => {
    assert.equal(selects('tier in (frontend, backend)', web), true);
    assert.equal(selects('tier in (backend)', web), false);
    assert.equal(selects('tier notin (backend)', web), true);
    assert.equal(selects('tier notin (frontend)', web), false);
    assert.equal(selects('tier notin (frontend)', db), true);
  });

  it('a bare key requires it and !key forbids it', () => {
    assert.equal(selects('tier', web), true);
    assert.equal(selects('tier', db), false);
    assert.equal(selects('!tier', web), false);
    assert.equal(selects('!tier', db), true);
  });

  it('requirements are ANDed, with prefixed keys and spaces allowed', () => {
    assert.equal(selects('app=web, example.com/team=a,!missing', web), true);
    assert.equal(selects('app=web,example.com/team=b', web), false);
  });

  it('gt and lt compare integers', () => {
    assert.equal(selects('n>3', { n: '4' }), true);
    assert.equal(selects('n<3', { n: '4' }), false);
    assert.equal(selects('n>3', { n: 'four' }), false);
  });

  it('malformed selectors are BadRequest errors', () => {
    for (const bad of [
      'app=web,',
      'app in web',
      'app in ()',
      '=web',
      'app=we b',
      'a b',
      'app=-bad-',
    ]) {
      assert.throws(
        () => parseLabelSelector(bad),
        (error: unknown) => error instanceof PalisadeError && error.status === 400,
        bad,
      );
    }
  });

  it('formats a LabelSelector as sorted selector text', () => {
    assert.equal(
      formatLabelSelector({
        matchLabels: { b: '2', a: '1' },
        matchExpressions: [
          { key: 'c', operator: 'In', values: ['y', 'x'] },
          { key: 'd', operator: 'DoesNotExist' },
        ],
      }),
      'a=1,b=2,c in (x,y),!d',
    );
  });
});

describe('field selectors', () => {
  const values: Record<string, string> = { 'metadata.name': 'web', 'status.phase': 'Running' };
  const valueOf = (field: string): string => values[field] ?? '';

  it('=, == and != compare field values', () => {
    assert.equal(fieldsMatch(parseFieldSelector('metadata.name=web'), valueOf), true);
    assert.equal(fieldsMatch(parseFieldSelector('metadata.name==db'), valueOf), false);
    assert.equal(
      fieldsMatch(parseFieldSelector('status.phase!=Pending,metadata.name=web'), valueOf),
      true,
    );
  });

  it('backslash escapes commas and equals signs in values', () => {
    assert.deepEqual(parseFieldSelector('a=x\\,y\\=z'), [
      { field: 'a', operator: 'eq', value: 'x,y=z' },
    ]);
  });

  it('a term without an operator is a BadRequest error', () => {
    assert.throws(
      () => parseFieldSelector('metadata.name'),
      (e: unknown) => e instanceof PalisadeError && e.status === 400,
    );
  });
});
