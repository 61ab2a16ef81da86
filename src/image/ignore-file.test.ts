import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Component, Vulnerability } from '../model/index.ts';
import { PalisadeError } from '../model/index.ts';
import { applyIgnoreRules, ignoreRuleExpired, parseIgnoreFile } from './ignore-file.ts';

const component: Component = {
  type: 'deb',
  name: 'libssl3',
  version: '3.0.11-1~deb12u2',
  sourceName: 'openssl',
  sourceVersion: '3.0.11-1~deb12u2',
  ecosystem: 'Debian:12',
  purl: 'pkg:deb/debian/libssl3@3.0.11-1~deb12u2',
  file: '/var/lib/dpkg/status',
  layer: 'sha256:aa',
};

function vulnerability(id: string, aliases: string[], of: Component = component): Vulnerability {
  return {
    id,
    aliases,
    component: of,
    installedVersion: of.version,
    fixedVersions: [],
    fixState: 'affected',
    fixable: false,
    severity: 'LOW',
    summary: '',
    references: [],
  };
}

function rejects(text: string, pattern: RegExp): void {
  assert.throws(
    () => parseIgnoreFile(text, 'ignore.yaml'),
    (error: unknown) =>
      error instanceof PalisadeError &&
      error.code === 'ignore-file-invalid' &&
      pattern.test(error.message),
  );
}

describe('ignore file', () => {
  it('reads YAML entries with the line each starts on', () => {
    const rules = parseIgnoreFile(
      '# comment\n- id: CVE-2024-1\n  reason: not reachable\n\n- id: GHSA-xxxx\n  package: lodash\n  reason: dev only\n  expires: 2025-03-01\n',
      'ignore.yaml',
    );
    assert.deepEqual(rules, [
      { id: 'CVE-2024-1', reason: 'not reachable', file: 'ignore.yaml', line: 2 },
      {
        id: 'GHSA-xxxx',
        package: 'lodash',
        reason: 'dev only',
        expires: '2025-03-01',
        file: 'ignore.yaml',
        line: 5,
      },
    ]);
  });

  it('reads JSON, and an empty file is no rules', () => {
    assert.equal(parseIgnoreFile('[{"id": "CVE-1", "reason": "r"}]', 'i.json')[0]?.id, 'CVE-1');
    assert.deepEqual(parseIgnoreFile('', 'i.yaml'), []);
  });

  it('names file and line for each kind of mistake', () => {
    rejects('- id: CVE-1\n', /ignore\.yaml:1: entry 'CVE-1' has no 'reason'/);
    rejects('- reason: r\n', /ignore\.yaml:1: entry has no 'id'/);
    rejects(
      '- id: CVE-1\n  reason: r\n  until: 2025-01-01\n',
      /ignore\.yaml:3: unknown key 'until'/,
    );
    rejects(
      '- id: CVE-1\n  reason: r\n  expires: 2025-02-30\n',
      /expires '2025-02-30' is not a date/,
    );
    rejects('id: CVE-1\n', /ignore\.yaml:1: expected a list/);
    rejects('- id: [a\n', /ignore\.yaml:\d+: not valid YAML or JSON/);
    rejects('- id: CVE-1\n  reason: {a: 1}\n', /ignore\.yaml:2: 'reason' must be a string/);
  });

  it('an expiry day still applies; the day after it does not', () => {
    const [rule] = parseIgnoreFile('- id: CVE-1\n  reason: r\n  expires: 2025-03-01\n', 'i.yaml');
    assert.ok(rule);
    assert.equal(ignoreRuleExpired(rule, new Date('2025-03-01T23:59:59Z')), false);
    assert.equal(ignoreRuleExpired(rule, new Date('2025-03-02T00:00:00Z')), true);
  });

  it('matches by id or alias, and by binary or source package name', () => {
    const rules = parseIgnoreFile(
      [
        '- id: cve-2024-9',
        '  package: openssl',
        '  reason: source name',
        '- id: DSA-1',
        '  package: curl',
        '  reason: other package',
        '- id: CVE-2020-1',
        '  reason: old',
        '  expires: 2020-01-01',
        '',
      ].join('\n'),
      'i.yaml',
    );
    const list = [
      vulnerability('DSA-9', ['CVE-2024-9']),
      vulnerability('DSA-1', []),
      vulnerability('CVE-2020-1', []),
    ];
    const outcome = applyIgnoreRules(list, rules, new Date('2024-06-01T00:00:00Z'));
    assert.deepEqual(
      outcome.ignored.map((i) => [i.vulnerability.id, i.rule.reason]),
      [['DSA-9', 'source name']],
    );
    assert.deepEqual(
      outcome.kept.map((v) => v.id),
      ['DSA-1', 'CVE-2020-1'],
    );
    assert.deepEqual(
      outcome.expired.map((r) => r.id),
      ['CVE-2020-1'],
    );
  });
});
