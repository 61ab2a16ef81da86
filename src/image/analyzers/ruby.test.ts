import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fixtureInput, inputOf, runAnalyzerContract } from './contract.ts';
import { rubyAnalyzer } from './ruby.ts';

runAnalyzerContract({ analyzer: rubyAnalyzer, sample: () => fixtureInput('ruby') });

describe('ruby', () => {
  it('reads name and version from gemspecs, platform gems included', async () => {
    const result = await rubyAnalyzer.analyze(fixtureInput('ruby'));
    assert.deepEqual(
      result.components.map((c) => [c.name, c.version, c.ecosystem, c.purl]),
      [
        ['nokogiri', '1.15.4', 'RubyGems', 'pkg:gem/nokogiri@1.15.4'],
        ['rack', '2.2.8', 'RubyGems', 'pkg:gem/rack@2.2.8'],
      ],
    );
  });

  it('falls back to the file name', async () => {
    const result = await rubyAnalyzer.analyze(
      inputOf({ '/g/specifications/json-2.7.1.gemspec': '# empty' }),
    );
    assert.deepEqual(
      result.components.map((c) => [c.name, c.version]),
      [['json', '2.7.1']],
    );
  });
});
