import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fixtureInput, inputOf, runAnalyzerContract } from './contract.ts';
import { pythonAnalyzer } from './python.ts';

runAnalyzerContract({ analyzer: pythonAnalyzer, sample: () => fixtureInput('python') });

describe('python', () => {
  it('reads dist-info METADATA and egg-info PKG-INFO headers only', async () => {
    const result = await pythonAnalyzer.analyze(fixtureInput('python'));
    assert.deepEqual(
      result.components.map((c) => [c.name, c.version, c.purl]),
      [
        ['PyYAML', '6.0.1', 'pkg:pypi/pyyaml@6.0.1'],
        ['requests', '2.31.0', 'pkg:pypi/requests@2.31.0'],
      ],
    );
    assert.equal(result.components[0]?.ecosystem, 'PyPI');
  });

  it('reports metadata without a version', async () => {
    const result = await pythonAnalyzer.analyze(
      inputOf({ '/x/foo.dist-info/METADATA': 'Name: foo\n' }),
    );
    assert.deepEqual(result.components, []);
    assert.equal(result.findings[0]?.code, 'malformed-metadata');
  });
});
