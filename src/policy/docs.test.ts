import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { loadBuiltinPolicies } from './builtin.ts';
import { renderFieldDocs, renderPolicyDocs } from './docs.ts';
import { defaultRegistry } from './registry.ts';

const read = (name: string) => readFileSync(new URL(`../../docs/${name}`, import.meta.url), 'utf8');

describe('generated docs', () => {
  it('docs/policy-fields.md documents exactly the registered fields (run npm run docs)', () => {
    assert.equal(read('policy-fields.md'), renderFieldDocs(defaultRegistry));
  });
  it('docs/policies.md lists exactly the built-in policies (run npm run docs)', () => {
    assert.equal(read('policies.md'), renderPolicyDocs(loadBuiltinPolicies()));
  });
  it('registers and documents all 79 StackRox field names of shared/policy-fields.md', (t) => {
    const shared = new URL('../../../shared/policy-fields.md', import.meta.url);
    if (!existsSync(shared)) {
      t.skip('../shared/policy-fields.md is absent (a clone outside the team)');
      return;
    }
    const table = readFileSync(shared, 'utf8').split('### All 79')[1] ?? '';
    const names = [...table.matchAll(/^\| ([^|]+?) \| [^|]+ \| [BDR,]+ \|/gm)].map(
      (m) => m[1] ?? '',
    );
    assert.equal(names.length, 79);
    const text = read('policy-fields.md');
    for (const name of names) {
      assert.ok(defaultRegistry.definitions(name).length > 0, `field '${name}' is not registered`);
      assert.ok(text.includes(`| ${name} |`), `field '${name}' is not documented`);
    }
  });
});
