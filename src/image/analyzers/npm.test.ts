import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fixtureInput, inputOf, runAnalyzerContract } from './contract.ts';
import { npmAnalyzer } from './npm.ts';

runAnalyzerContract({ analyzer: npmAnalyzer, sample: () => fixtureInput('node-app') });

describe('npm', () => {
  it('lists installed packages once and lockfile-only packages from the lockfile', async () => {
    const result = await npmAnalyzer.analyze(fixtureInput('node-app'));
    assert.deepEqual(result.findings, []);
    assert.deepEqual(
      result.components.map((c) => `${c.name}@${c.version} ${c.file}`),
      [
        '@types/node@20.11.5 /app/node_modules/@types/node/package.json',
        'express@4.18.2 /app/node_modules/express/package.json',
        'debug@2.6.9 /app/package-lock.json',
        'lodash@4.17.20 /legacy/package-lock.json',
        'minimist@1.2.5 /legacy/package-lock.json',
        'ansi-html@0.0.7 /legacy/package-lock.json',
      ],
    );
    assert.equal(result.components[0]?.purl, 'pkg:npm/%40types/node@20.11.5');
    assert.equal(result.components[0]?.ecosystem, 'npm');
  });

  it('reports invalid JSON and keeps going', async () => {
    const result = await npmAnalyzer.analyze(
      inputOf({
        '/a/package-lock.json': '{"lockfileVersion": 3, "packages": ',
        '/a/node_modules/x/package.json': '{"name":"x","version":"1.0.0"}',
      }),
    );
    assert.deepEqual(
      result.components.map((c) => c.name),
      ['x'],
    );
    assert.deepEqual(
      result.findings.map((f) => [f.code, f.file]),
      [['malformed-lockfile', '/a/package-lock.json']],
    );
  });
});
