import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fixtureInput, inputOf, runAnalyzerContract } from './contract.ts';
import { rustAnalyzer } from './rust.ts';

runAnalyzerContract({ analyzer: rustAnalyzer, sample: () => fixtureInput('rust') });

describe('rust', () => {
  it('lists crates from a registry and leaves out workspace members', async () => {
    const result = await rustAnalyzer.analyze(fixtureInput('rust'));
    assert.deepEqual(
      result.components.map((c) => [c.name, c.version, c.ecosystem, c.purl]),
      [
        ['smallvec', '1.6.0', 'crates.io', 'pkg:cargo/smallvec@1.6.0'],
        ['time', '0.1.43', 'crates.io', 'pkg:cargo/time@0.1.43'],
      ],
    );
  });

  it('reports a package table without a version with its line', async () => {
    const lock = 'version = 3\n\n[[package]]\nname = "x"\nsource = "registry+y"\n';
    const result = await rustAnalyzer.analyze(inputOf({ '/a/Cargo.lock': lock }));
    assert.deepEqual(
      result.findings.map((f) => [f.code, f.line]),
      [['malformed-lockfile', 3]],
    );
  });
});
