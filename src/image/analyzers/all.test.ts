import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { analyzers } from './all.ts';
import { fixtureInput } from './contract.ts';
import { analyzeImage, registerAnalyzers, wantsFile } from './registry.ts';
import type { Analyzer } from './types.ts';

describe('analyzer registry', () => {
  it('registers every analyzer once', () => {
    assert.equal(new Set(analyzers.map((a) => a.id)).size, analyzers.length);
    assert.ok(analyzers.length >= 12);
  });

  it('refuses a duplicate id', () => {
    const [first] = analyzers;
    assert.ok(first !== undefined);
    assert.throws(() => registerAnalyzers([first, { ...first }]), /registered twice/);
  });

  it('analyses a Debian image end to end: OS, packages, no findings', async () => {
    const input = fixtureInput('debian-12');
    const kept = new Map(
      [...input.files].filter(([path, f]) =>
        wantsFile(path, { size: f.content.length, mode: f.mode }, analyzers),
      ),
    );
    const result = await analyzeImage({ files: kept }, analyzers);
    assert.equal(result.os?.id, 'debian');
    assert.deepEqual(result.findings, []);
    assert.equal(result.components.length, 4);
  });

  it('turns an analyzer that throws into a finding and keeps the others', async () => {
    const broken: Analyzer = {
      id: 'broken',
      files: { executables: true, prefixes: ['/'] },
      wants: () => true,
      analyze: () => {
        throw new Error('boom');
      },
    };
    const result = await analyzeImage(fixtureInput('alpine-3.19'), [broken, ...analyzers]);
    assert.deepEqual(
      result.findings.map((f) => [f.analyzer, f.code]),
      [['broken', 'analyzer-failed']],
    );
    assert.equal(result.components.length, 3);
  });
});
