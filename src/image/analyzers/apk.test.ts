import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { apkAnalyzer } from './apk.ts';
import { fixtureInput, inputOf, runAnalyzerContract } from './contract.ts';

runAnalyzerContract({ analyzer: apkAnalyzer, sample: () => fixtureInput('alpine-3.19') });

describe('apk', () => {
  it('lists installed packages with their origin on Alpine v3.19', async () => {
    const result = await apkAnalyzer.analyze(fixtureInput('alpine-3.19'));
    assert.deepEqual(result.findings, []);
    assert.deepEqual(
      result.components.map((c) => [c.name, c.version, c.sourceName, c.ecosystem]),
      [
        ['musl', '1.2.4_git20230717-r4', 'musl', 'Alpine:v3.19'],
        ['libcrypto3', '3.1.4-r5', 'openssl', 'Alpine:v3.19'],
        ['busybox', '1.36.1-r15', 'busybox', 'Alpine:v3.19'],
      ],
    );
    assert.equal(
      result.components[1]?.purl,
      'pkg:apk/alpine/libcrypto3@3.1.4-r5?arch=x86_64&distro=alpine-3.19.1&upstream=openssl',
    );
  });

  it('reports an entry without a version and a line that is not "K:value"', async () => {
    const db = 'P:ok\nV:1.0-r0\n\nP:broken\nA:x86_64\n\nnot a field\nP:ok2\nV:2.0-r1\n';
    const result = await apkAnalyzer.analyze(inputOf({ '/lib/apk/db/installed': db }));
    assert.deepEqual(
      result.components.map((c) => c.name),
      ['ok', 'ok2'],
    );
    assert.deepEqual(
      result.findings.map((f) => f.line),
      [4, 7],
    );
  });
});
