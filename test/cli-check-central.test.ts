// `palisade check --central`: the CLI reads manifests locally and a real Central evaluates them
// with its enabled policies; results keep their files and lines and match a local check that
// uses the same policies. Bad tokens and unreachable Centrals are clear errors (exit 2).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { createCentral } from '../src/central/index.ts';
import { createApiToken, openDatabase, type Database } from '../src/store/index.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = join(root, 'bin', 'palisade');

/** Runs the CLI as a process without blocking this one (Central answers from here). */
function palisade(args: string[], env: Record<string, string> = {}) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], {
      cwd: root,
      env: { ...process.env, NO_COLOR: '1', ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

interface JsonReport {
  violations: { policy: { id: string }; file: string; line: number; message: string }[];
}

const key = (r: JsonReport) =>
  r.violations.map((v) => `${v.policy.id} ${v.file}:${v.line} ${v.message}`).sort();

describe('palisade check --central', () => {
  let db: Database | undefined;
  let app: FastifyInstance | undefined;
  let url = '';
  let token = '';

  before(async () => {
    db = await openDatabase();
    app = await createCentral({ db });
    url = await app.listen({ port: 0, host: '127.0.0.1' });
    token = (await createApiToken(db, { name: 'ci', role: 'Continuous Integration' })).plainToken;
  });
  after(async () => {
    await app?.close();
    await db?.close();
  });

  it("evaluates with Central's policies and reports the same violations, files and lines as a local check", async () => {
    const remote = await palisade(
      ['check', 'test/fixtures/check', '--no-config', '--central', url, '-o', 'json'],
      {
        PALISADE_TOKEN: token,
      },
    );
    assert.equal(remote.code, 1, remote.stderr);
    const local = await palisade(['check', 'test/fixtures/check', '--no-config', '-o', 'json']);
    const remoteKeys = key(JSON.parse(remote.stdout) as JsonReport);
    assert.ok(remoteKeys.length > 0);
    assert.ok(
      remoteKeys.every((k) => / test\/fixtures\/check\/.+:\d+ /.test(k)),
      remoteKeys[0],
    );
    assert.deepEqual(remoteKeys, key(JSON.parse(local.stdout) as JsonReport));
  });

  it('a bad token, local policy flags and an unreachable Central are usage errors with a clear message', async () => {
    const bad = await palisade([
      'check',
      'test/fixtures/check',
      '--central',
      url,
      '--token',
      'nope',
    ]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /Central at .*: the API token is not valid/);
    const mixed = await palisade([
      'check',
      'test/fixtures/check',
      '--central',
      url,
      '--token',
      token,
      '--include',
      'x',
    ]);
    assert.equal(mixed.code, 2);
    assert.match(mixed.stderr, /--include .* do not apply/);
    const down = await palisade([
      'check',
      'test/fixtures/check',
      '--central',
      'http://127.0.0.1:1',
      '--token',
      token,
    ]);
    assert.equal(down.code, 2);
    assert.match(down.stderr, /Central at http:\/\/127\.0\.0\.1:1/);
    assert.doesNotMatch(down.stderr, /\n\s+at /);
  });
});
