// The analyser contract (shared/STYLE.md "Each plug-in family has a contract suite"): every
// analyser's test calls runAnalyzerContract with a sample image its analyser understands.
// Lives outside *.test.ts so that importing it does not run tests of its own.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileHint } from '../file-hints.js';
import type { Analyzer, AnalyzerInput, AnalyzerResult, ImageFile } from './types.ts';

export const fixtureRoot = fileURLToPath(new URL('fixtures/', import.meta.url));

/** Reads fixtures/<name>/** as an image whose files were all written by one layer. */
export function fixtureInput(
  name: string,
  layer = `sha256:${name.padEnd(64, '0').slice(0, 64)}`,
): AnalyzerInput {
  const root = join(fixtureRoot, name);
  const files = new Map<string, ImageFile>();
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir)) {
      const path = join(dir, entry);
      if (statSync(path).isDirectory()) walk(path);
      else {
        const imagePath = path.slice(root.length);
        files.set(imagePath, { path: imagePath, layer, content: readFileSync(path), mode: 0o644 });
      }
    }
  };
  walk(root);
  return { files };
}

/** Builds an input from path → content pairs. */
export function inputOf(
  entries: Record<string, string | Buffer>,
  layer = 'sha256:test',
  mode = 0o644,
): AnalyzerInput {
  const files = new Map<string, ImageFile>();
  for (const [path, content] of Object.entries(entries)) {
    files.set(path, {
      path,
      layer,
      content: typeof content === 'string' ? Buffer.from(content) : content,
      mode,
    });
  }
  return { files };
}

/** A small deterministic PRNG (mulberry32) for garbage input. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function replace(input: AnalyzerInput, file: ImageFile, content: Buffer): AnalyzerInput {
  const files = new Map(input.files);
  files.set(file.path, { ...file, content });
  return { files };
}

function assertWellFormed(analyzer: Analyzer, input: AnalyzerInput, result: AnalyzerResult): void {
  const layers = new Set([...input.files.values()].map((f) => f.layer));
  for (const c of result.components) {
    assert.ok(c.name !== '', `${analyzer.id}: component without a name`);
    assert.ok(c.version !== '', `${analyzer.id}: ${c.name} without a version`);
    assert.ok(c.ecosystem !== '', `${analyzer.id}: ${c.name} without an ecosystem`);
    assert.ok(c.purl.startsWith(`pkg:${c.type}/`), `${analyzer.id}: bad purl ${c.purl}`);
    assert.ok(
      input.files.has(c.file) || c.file.includes('!'),
      `${analyzer.id}: ${c.name} from unknown file ${c.file}`,
    );
    assert.ok(layers.has(c.layer), `${analyzer.id}: ${c.name} from unknown layer ${c.layer}`);
  }
  for (const f of result.findings) {
    assert.equal(f.analyzer, analyzer.id);
    assert.match(f.code, /^[a-z0-9]+(-[a-z0-9]+)*$/);
    assert.ok(f.message !== '');
  }
}

export interface AnalyzerContractOptions {
  readonly analyzer: Analyzer;
  /** An image the analyser finds components (or an OS) in. */
  readonly sample: () => AnalyzerInput;
}

export function runAnalyzerContract({ analyzer, sample }: AnalyzerContractOptions): void {
  // node:test awaits describe/it itself; the returned promises need no handling here.
  void describe(`analyzer contract: ${analyzer.id}`, () => {
    void it('has a kebab-case id', () => {
      assert.match(analyzer.id, /^[a-z0-9]+(-[a-z0-9]+)*$/);
    });

    void it('finds nothing and reports nothing in an empty image', async () => {
      assert.deepEqual(await analyzer.analyze({ files: new Map() }), {
        components: [],
        findings: [],
      });
    });

    void it('does not want unrelated files', () => {
      for (const path of ['/usr/share/doc/README', '/etc/passwd', '/proc/self/status']) {
        assert.equal(analyzer.wants(path, { size: 100, mode: 0o644 }), false, path);
      }
    });

    void it('wants the files of its sample, and finds something in it', async () => {
      const input = sample();
      const wanted = [...input.files.values()].filter((f) =>
        analyzer.wants(f.path, { size: f.content.length, mode: f.mode }),
      );
      assert.ok(wanted.length > 0, 'the sample has no file the analyzer wants');
      // Its hint covers what it wants, or the layer reader would never keep those files.
      const hinted = compileHint(analyzer.files);
      for (const file of wanted)
        assert.ok(hinted(file.path, file.mode), `hint misses ${file.path}`);
      const result = await analyzer.analyze(input);
      assert.ok(
        result.components.length > 0 || result.os !== undefined,
        'nothing found in the sample',
      );
      assertWellFormed(analyzer, input, result);
    });

    void it('gives the same result twice', async () => {
      const input = sample();
      assert.deepEqual(await analyzer.analyze(input), await analyzer.analyze(input));
    });

    void it('never throws on truncated, emptied or garbage files', async () => {
      const input = sample();
      const next = random(0x5eed);
      for (const file of input.files.values()) {
        if (!analyzer.wants(file.path, { size: file.content.length, mode: file.mode })) continue;
        const length = file.content.length;
        const garbage = Buffer.alloc(Math.min(length, 4096), 0);
        for (let i = 0; i < garbage.length; i++) garbage[i] = Math.floor(next() * 256);
        const flipped = Buffer.from(file.content);
        for (let i = 0; i < 16 && length > 0; i++)
          flipped[Math.floor(next() * length)] = Math.floor(next() * 256);
        const variants = [
          Buffer.alloc(0),
          file.content.subarray(0, Math.floor(length / 3)),
          file.content.subarray(0, Math.floor((2 * length) / 3)),
          garbage,
          flipped,
        ];
        for (const content of variants) {
          const mutated = replace(input, file, content);
          const result = await analyzer.analyze(mutated);
          assertWellFormed(analyzer, mutated, result);
        }
      }
    });
  });
}
