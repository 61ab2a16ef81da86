// End-to-end: `palisade check` as a process on a fixture directory; exit codes, every output
// format against its golden file, and SARIF against the SARIF 2.1.0 JSON schema.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import AjvModule from 'ajv-draft-04';

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = join(root, 'bin', 'palisade');
const pinned = [
  '--no-config',
  '--policy',
  'test/fixtures/policies',
  '--include',
  'test-privileged,test-latest,test-no-limits',
];

function palisade(args: string[], options: { input?: string; cwd?: string } = {}) {
  const result = spawnSync(process.execPath, [bin, ...args], {
    cwd: options.cwd ?? root,
    input: options.input ?? '',
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
    timeout: 60_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

function golden(name: string, actual: string): void {
  const path = join(root, 'test', 'golden', name);
  if (process.env.UPDATE_GOLDEN === '1') writeFileSync(path, actual);
  assert.equal(
    actual,
    readFileSync(path, 'utf8'),
    `output differs from test/golden/${name} (UPDATE_GOLDEN=1 to refresh)`,
  );
}

describe('palisade check (process)', () => {
  for (const format of ['table', 'json', 'sarif', 'junit', 'csv']) {
    it(`renders ${format} output byte for byte like its golden file`, () => {
      const run = palisade(['check', 'test/fixtures/check', ...pinned, '-o', format]);
      assert.equal(run.code, 1, run.stderr);
      golden(`check.${format}`, run.stdout);
    });
  }

  it('writes SARIF that validates against the SARIF 2.1.0 schema and carries what GitHub needs', () => {
    const run = palisade(['check', 'test/fixtures/check', ...pinned, '-o', 'sarif']);
    const sarif = JSON.parse(run.stdout) as {
      runs: {
        tool: {
          driver: { rules: { properties: Record<string, unknown>; help: { text: string } }[] };
        };
        results: {
          partialFingerprints: Record<string, string>;
          locations: {
            physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number } };
          }[];
        }[];
      }[];
    };
    const require = createRequire(import.meta.url);
    const schemaPath = require.resolve('@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json');
    const schema = JSON.parse(readFileSync(schemaPath, 'utf8')) as Record<string, unknown>;
    delete schema.id;
    // ajv-draft-04 is CommonJS: its class is the default export's default.
    const Ajv = AjvModule.default;
    const ajv = new Ajv({
      allErrors: true,
      strict: false,
      validateFormats: false,
      unicodeRegExp: false,
    });
    const validate = ajv.compile(schema);
    assert.ok(validate(sarif), JSON.stringify(validate.errors?.slice(0, 3)));
    const run0 = sarif.runs[0];
    assert.ok(run0);
    for (const rule of run0.tool.driver.rules) {
      assert.match(String(rule.properties['security-severity']), /^\d+\.\d$/);
      assert.ok(rule.help.text.length > 0);
    }
    assert.ok(run0.results.length > 0);
    for (const result of run0.results) {
      assert.ok(Object.values(result.partialFingerprints)[0]);
      const location = result.locations[0]?.physicalLocation;
      assert.match(
        location?.artifactLocation.uri ?? '',
        /^test\/fixtures\/check\/apps\/(web\.yaml|list\.json)$/,
      );
      assert.ok((location?.region.startLine ?? 0) >= 1);
    }
  });

  it('keeps SARIF fingerprints stable across runs', () => {
    const a = palisade(['check', 'test/fixtures/check', ...pinned, '-o', 'sarif']).stdout;
    const b = palisade(['check', 'test/fixtures/check', ...pinned, '-o', 'sarif']).stdout;
    assert.equal(a, b);
  });

  it('exits 0 when nothing is at or above --fail-on, and --severity only filters what is shown', () => {
    assert.equal(
      palisade(['check', 'test/fixtures/check', ...pinned, '--fail-on', 'none']).code,
      0,
    );
    const shown = palisade([
      'check',
      'test/fixtures/check',
      ...pinned,
      '-o',
      'json',
      '--severity',
      'critical',
      '--fail-on',
      'medium',
    ]);
    assert.equal(shown.code, 1);
    const body = JSON.parse(shown.stdout) as { violations: { policy: { severity: string } }[] };
    assert.ok(body.violations.length > 0);
    assert.ok(body.violations.every((v) => v.policy.severity === 'CRITICAL_SEVERITY'));
  });

  it('fails on a violated policy with a deploy-time enforcement action whatever its severity', () => {
    const args = [
      'check',
      'test/fixtures/check',
      '--no-config',
      '--policy',
      'test/fixtures/policies',
      '--include',
      'test-enforced',
    ];
    const run = palisade([...args, '--fail-on', 'critical']);
    assert.equal(run.code, 1, run.stdout);
    assert.match(run.stdout, /policies with enforcement \(\d+\)/);
    assert.equal(palisade([...args, '--fail-on', 'none']).code, 0);
  });

  it('lists suppressions from the palisade.dev/ignore annotation', () => {
    const run = palisade(['check', 'test/fixtures/check', ...pinned, '-o', 'json']);
    const body = JSON.parse(run.stdout) as {
      suppressed: { policy: { id: string }; object: { name: string } }[];
    };
    assert.deepEqual(
      body.suppressed.map((s) => `${s.policy.id}/${s.object.name}`),
      ['test-privileged/debug'],
    );
  });

  it('reads manifests from stdin with -', () => {
    const input = readFileSync(join(root, 'test/fixtures/check/apps/web.yaml'), 'utf8');
    const run = palisade(['check', '-', ...pinned, '-o', 'json'], { input });
    assert.equal(run.code, 1);
    const body = JSON.parse(run.stdout) as { violations: { file: string }[] };
    assert.ok(body.violations.length > 0 && body.violations.every((v) => v.file === '<stdin>'));
  });

  it('exits 2 with a file:line error for hostile input while still checking the other files', () => {
    const dir = mkdtempSync(join(tmpdir(), 'palisade-cli-'));
    try {
      const bomb = [
        'a: &a ["x","x","x","x","x","x","x","x","x"]',
        ...Array.from(
          { length: 9 },
          (_, i) =>
            `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)}]`,
        ),
      ].join('\n');
      writeFileSync(
        join(dir, 'bomb.yaml'),
        `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata:\n  ${bomb.split('\n').join('\n  ')}\n`,
      );
      writeFileSync(
        join(dir, 'good.yaml'),
        readFileSync(join(root, 'test/fixtures/check/apps/web.yaml')),
      );
      const run = palisade(['check', dir, ...pinned, '-o', 'json'], { cwd: root });
      assert.equal(run.code, 2);
      assert.match(run.stderr, /bomb\.yaml:1: .*alias/);
      const body = JSON.parse(run.stdout) as { violations: unknown[] };
      assert.ok(body.violations.length > 0, 'the good file was not checked');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('exits 2 on usage errors and invalid policy files, naming the problem', () => {
    const missing = palisade(['check']);
    assert.equal(missing.code, 2);
    const badFormat = palisade(['check', '.', '-o', 'yaml']);
    assert.equal(badFormat.code, 2);
    const unknown = palisade([
      'check',
      'test/fixtures/check',
      '--no-config',
      '--include',
      'no-such-policy',
    ]);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /unknown policy 'no-such-policy'/);
    const dir = mkdtempSync(join(tmpdir(), 'palisade-cli-'));
    try {
      writeFileSync(
        join(dir, 'bad.json'),
        JSON.stringify({
          name: 'Bad',
          severity: 'HIGH_SEVERITY',
          lifecycleStages: ['DEPLOY'],
          policyVersion: '1.1',
          policySections: [
            { policyGroups: [{ fieldName: 'Image Tag', values: [{ value: '(a)\\1' }] }] },
          ],
        }),
      );
      const bad = palisade([
        'check',
        'test/fixtures/check',
        '--no-config',
        '--policy',
        join(dir, 'bad.json'),
      ]);
      assert.equal(bad.code, 2);
      assert.match(bad.stderr, /policy 'Bad'.*Image Tag.*invalid regex/);
      assert.doesNotMatch(bad.stderr, /at .*\.ts:\d+/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reads settings from .palisade.yaml found upward, with flags winning', () => {
    const dir = mkdtempSync(join(tmpdir(), 'palisade-cfg-'));
    try {
      writeFileSync(
        join(dir, '.palisade.yaml'),
        `output: json\nfailOn: none\npolicy: [${JSON.stringify(join(root, 'test/fixtures/policies'))}]\ninclude: test-latest\n`,
      );
      const run = palisade(['check', join(root, 'test/fixtures/check')], { cwd: dir });
      assert.equal(run.code, 0, run.stderr);
      const body = JSON.parse(run.stdout) as { violations: { policy: { id: string } }[] };
      assert.deepEqual([...new Set(body.violations.map((v) => v.policy.id))], ['test-latest']);
      assert.equal(
        palisade(['check', join(root, 'test/fixtures/check'), '--fail-on', 'low'], { cwd: dir })
          .code,
        1,
      );
      writeFileSync(join(dir, '.palisade.yaml'), 'failOn: sometimes\n');
      const bad = palisade(['check', join(root, 'test/fixtures/check')], { cwd: dir });
      assert.equal(bad.code, 2);
      assert.match(bad.stderr, /\.palisade\.yaml: failOn/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('palisade policy (process)', () => {
  it('lists every built-in policy in full as JSON, references included', () => {
    const run = palisade(['policy', 'list', '-o', 'json']);
    assert.equal(run.code, 0);
    const body = JSON.parse(run.stdout) as { policies: { id: string; references: string[] }[] };
    assert.ok(body.policies.length >= 110);
    assert.ok(body.policies.every((p) => p.references.length > 0));
  });

  it('validates, exports and re-imports policies without loss', () => {
    const dir = mkdtempSync(join(tmpdir(), 'palisade-pol-'));
    try {
      const exported = palisade(['policy', 'export', 'host-network', 'privileged-container']);
      assert.equal(exported.code, 0);
      writeFileSync(join(dir, 'export.json'), exported.stdout);
      assert.equal(palisade(['policy', 'validate', join(dir, 'export.json')]).code, 0);
      assert.equal(
        palisade(['policy', 'import', join(dir, 'export.json'), '--into', join(dir, 'out')]).code,
        0,
      );
      const again = palisade(['policy', 'export', '--from', join(dir, 'out')]);
      assert.deepEqual(JSON.parse(again.stdout), JSON.parse(exported.stdout));
      const shown = palisade(['policy', 'show', 'host-network']);
      assert.equal((JSON.parse(shown.stdout) as { id: string }).id, 'host-network');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
