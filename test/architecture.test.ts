// Guards the module boundaries of shared/DESIGN.md: engines never import services, nothing
// imports cli, and a folder imports another folder only through its index.ts.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const src = fileURLToPath(new URL('../src/', import.meta.url));
const engines = new Set([
  'model',
  'k8s',
  'policy',
  'image',
  'vuln',
  'risk',
  'network',
  'compliance',
  'runtime',
  'report',
]);
const services = new Set(['store', 'central', 'sensor', 'collector', 'simcluster']);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

interface Edge {
  readonly from: string;
  readonly fromModule: string;
  readonly toModule: string;
  readonly toPath: string;
}

function edges(): Edge[] {
  const out: Edge[] = [];
  for (const file of sourceFiles(src)) {
    const fromModule = relative(src, file).split('/')[0] ?? '';
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(/^(?:import|export)[^'"]*from\s+'(\.[^']+)'/gm)) {
      const target = resolve(dirname(file), match[1] ?? '');
      const toPath = relative(src, target);
      const toModule = toPath.split('/')[0] ?? '';
      if (!toPath.startsWith('..') && toModule !== fromModule)
        out.push({ from: relative(src, file), fromModule, toModule, toPath });
    }
  }
  return out;
}

describe('module boundaries', () => {
  const all = edges();

  it('finds the imports it guards', () => {
    assert.ok(all.length > 10, 'no cross-module imports found: the scan is broken');
  });

  it('engines never import services or the CLI', () => {
    const bad = all.filter(
      (e) => engines.has(e.fromModule) && (services.has(e.toModule) || e.toModule === 'cli'),
    );
    assert.deepEqual(bad, []);
  });

  it('services never import the CLI', () => {
    assert.deepEqual(
      all.filter((e) => services.has(e.fromModule) && e.toModule === 'cli'),
      [],
    );
  });

  it('a folder imports another folder only through its index.ts', () => {
    assert.deepEqual(
      all.filter((e) => e.toPath !== `${e.toModule}/index.ts`),
      [],
    );
  });
});
