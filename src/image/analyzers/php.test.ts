import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fixtureInput, inputOf, runAnalyzerContract } from './contract.ts';
import { phpAnalyzer } from './php.ts';

runAnalyzerContract({ analyzer: phpAnalyzer, sample: () => fixtureInput('php') });

describe('php', () => {
  it('lists packages and dev packages of composer.lock', async () => {
    const result = await phpAnalyzer.analyze(fixtureInput('php'));
    assert.deepEqual(
      result.components.map((c) => [c.name, c.version, c.purl]),
      [
        ['league/flysystem', '2.0.5', 'pkg:composer/league/flysystem@2.0.5'],
        ['symfony/http-foundation', 'v5.4.0', 'pkg:composer/symfony/http-foundation@v5.4.0'],
        ['phpunit/phpunit', '9.6.13', 'pkg:composer/phpunit/phpunit@9.6.13'],
      ],
    );
    assert.equal(result.components[0]?.ecosystem, 'Packagist');
  });

  it('reports a lockfile that is not an object', async () => {
    const result = await phpAnalyzer.analyze(inputOf({ '/a/composer.lock': '[]' }));
    assert.match(result.findings[0]?.message ?? '', /not an object/);
  });
});
