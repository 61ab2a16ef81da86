import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fixtureInput, inputOf, runAnalyzerContract } from './contract.ts';
import { dotnetAnalyzer } from './dotnet.ts';

runAnalyzerContract({ analyzer: dotnetAnalyzer, sample: () => fixtureInput('dotnet') });

describe('dotnet', () => {
  it('lists NuGet packages of deps.json and not the project itself', async () => {
    const result = await dotnetAnalyzer.analyze(fixtureInput('dotnet'));
    assert.deepEqual(
      result.components.map((c) => [c.name, c.version, c.ecosystem, c.purl]),
      [
        ['Newtonsoft.Json', '13.0.1', 'NuGet', 'pkg:nuget/Newtonsoft.Json@13.0.1'],
        [
          'System.Text.Encodings.Web',
          '4.7.1',
          'NuGet',
          'pkg:nuget/System.Text.Encodings.Web@4.7.1',
        ],
      ],
    );
  });

  it('reports invalid JSON', async () => {
    const result = await dotnetAnalyzer.analyze(inputOf({ '/a/app.deps.json': '{' }));
    assert.equal(result.findings[0]?.code, 'malformed-manifest');
  });
});
