// Agreement with Polaris on its own per-check fixtures (shared/corpora/polaris). Each Polaris
// check maps to the built-in policies whose references name `polaris:<checkId>`; a fixture file
// FAILs for Palisade when any mapped policy has a violation on the objects in that file.
// Upstream semantics (test/schema_test.go): failure* files must fail, success* files must pass,
// mutated* files are `polaris fix` outputs (not inputs), dirs with check.yaml are custom checks.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseManifestText } from '../src/k8s/index.ts';
import type { Policy } from '../src/model/index.ts';
import { checkObjects, compilePolicy, loadBuiltinPolicies } from '../src/policy/index.ts';

const corpusDir = fileURLToPath(new URL('../../shared/corpora/polaris/', import.meta.url));
const skip = existsSync(`${corpusDir}EXPECTED_INDEX.tsv`)
  ? false
  : `../shared/corpora/polaris is absent (${corpusDir}); it holds Polaris's check fixtures`;

/** Agreement needed over all fixture files of mapped checks. */
const requiredAgreement = 0.95;

interface Fixture {
  readonly check: string;
  readonly file: string;
  readonly expected: 'FAIL' | 'PASS';
}

/** Rows of EXPECTED_INDEX.tsv that are inputs of built-in checks (not mutations, not custom). */
function readFixtures(): { fixtures: Fixture[]; customChecks: string[] } {
  const lines = readFileSync(`${corpusDir}EXPECTED_INDEX.tsv`, 'utf8').trim().split('\n');
  const header = (lines.shift() ?? '').split('\t');
  const column = (name: string) => {
    const index = header.indexOf(name);
    assert.ok(index >= 0, `EXPECTED_INDEX.tsv has no '${name}' column`);
    return index;
  };
  const [checkAt, fileAt, expectedAt, customAt] = [
    column('check'),
    column('file'),
    column('expected'),
    column('custom_check_yaml'),
  ];
  const fixtures: Fixture[] = [];
  const customChecks = new Set<string>();
  for (const line of lines) {
    const cells = line.split('\t');
    const [check, file, expected, custom] = [
      cells[checkAt] ?? '',
      cells[fileAt] ?? '',
      cells[expectedAt] ?? '',
      cells[customAt] ?? '',
    ];
    if (custom === 'yes') {
      customChecks.add(check);
      continue;
    }
    if (file.startsWith('mutated')) continue;
    // Upstream: a name containing "failure" must fail; any other input must pass.
    if (expected !== 'FAIL' && expected !== 'PASS') continue;
    assert.equal(expected, file.includes('failure') ? 'FAIL' : 'PASS', `${check}/${file}`);
    fixtures.push({ check, file, expected });
  }
  return { fixtures, customChecks: [...customChecks].sort() };
}

interface CheckTally {
  files: number;
  agree: number;
  missed: string[];
  extra: string[];
  policies: string[];
}

function printTable(tallies: ReadonlyMap<string, CheckTally>, unmapped: readonly string[]): void {
  const rows = [['check', 'files', 'agree', 'missed', 'extra', 'policies']];
  for (const [check, t] of tallies) {
    rows.push([
      check,
      String(t.files),
      String(t.agree),
      String(t.missed.length),
      String(t.extra.length),
      t.policies.join(','),
    ]);
  }
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  for (const row of rows) console.log(row.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  '));
  for (const [check, t] of tallies) {
    for (const file of t.missed)
      console.log(`missed: ${check}/${file} (Polaris fails it, we pass)`);
    for (const file of t.extra)
      console.log(`extra:  ${check}/${file} (Polaris passes it, we fail)`);
  }
  console.log(`unmapped checks (not counted): ${unmapped.join(', ') || 'none'}`);
}

describe('Polaris check fixtures', { skip }, () => {
  it(`agree with Polaris on at least ${requiredAgreement * 100}% of the files of mapped checks`, () => {
    const source = readFileSync(`${corpusDir}SOURCE.txt`, 'utf8');
    const commit = /Commit:\s*(\S+)/.exec(source)?.[1] ?? 'unknown commit';
    const { fixtures, customChecks } = readFixtures();
    assert.ok(fixtures.length > 250, `only ${fixtures.length} fixture files indexed`);

    const policies = loadBuiltinPolicies();
    const mappedPolicies = (check: string): Policy[] =>
      policies.filter((p) => (p.references ?? []).includes(`polaris:${check}`));

    const tallies = new Map<string, CheckTally>();
    const unmapped = new Set<string>();
    for (const fixture of fixtures) {
      const mapped = mappedPolicies(fixture.check);
      if (mapped.length === 0) {
        unmapped.add(fixture.check);
        continue;
      }
      const relative = `test/checks/${fixture.check}/${fixture.file}`;
      const parsed = parseManifestText(readFileSync(`${corpusDir}${relative}`, 'utf8'), relative);
      assert.deepEqual(
        parsed.problems.filter((p) => p.level === 'error'),
        [],
        `${relative} does not parse`,
      );
      const result = checkObjects(
        parsed.objects,
        mapped.map((p) => compilePolicy(p)),
        {
          stages: ['DEPLOY', 'BUILD'],
        },
      );
      const verdict = result.violations.length > 0 ? 'FAIL' : 'PASS';
      const tally = tallies.get(fixture.check) ?? {
        files: 0,
        agree: 0,
        missed: [],
        extra: [],
        policies: mapped.map((p) => p.id),
      };
      tally.files++;
      if (verdict === fixture.expected) tally.agree++;
      else if (fixture.expected === 'FAIL') tally.missed.push(fixture.file);
      else tally.extra.push(fixture.file);
      tallies.set(fixture.check, tally);
    }

    console.log(`Polaris ${commit}: custom checks skipped: ${customChecks.join(', ')}`);
    printTable(tallies, [...unmapped].sort());
    const files = [...tallies.values()].reduce((n, t) => n + t.files, 0);
    const agree = [...tallies.values()].reduce((n, t) => n + t.agree, 0);
    const ratio = files === 0 ? 0 : agree / files;
    console.log(
      `agreement: ${agree}/${files} files = ${(ratio * 100).toFixed(1)}% over ${tallies.size} mapped checks`,
    );
    assert.ok(files > 0, 'no built-in policy references a Polaris check');
    assert.ok(
      ratio >= requiredAgreement,
      `agreement ${(ratio * 100).toFixed(1)}% is below ${requiredAgreement * 100}%`,
    );
  });
});
