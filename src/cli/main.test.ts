// The CLI's entry: each command's module loads only when that command runs, so what help, the
// version and an unknown command show must not depend on which modules happen to be loaded.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { runCli } from './main.ts';

const bin = fileURLToPath(new URL('../../bin/palisade', import.meta.url));

async function run(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: string[] = [];
  const err: string[] = [];
  stdout.on('data', (chunk: Buffer) => out.push(chunk.toString()));
  stderr.on('data', (chunk: Buffer) => err.push(chunk.toString()));
  const code = await runCli(argv, {
    cwd: process.cwd(),
    stdin: new PassThrough(),
    stdout,
    stderr,
    color: false,
  });
  return { code, stdout: out.join(''), stderr: err.join('') };
}

const commands = ['check', 'policy', 'serve', 'sensor', 'cluster', 'image', 'vulndb'];

describe('palisade (entry point)', () => {
  it('lists every command in help, in order', async () => {
    const { code, stdout } = await run(['--help']);
    assert.equal(code, 0);
    const listed = [...stdout.matchAll(/^ {2}(\w+)\b/gm)].map((m) => m[1]);
    assert.deepEqual(
      listed.filter((name) => commands.includes(name ?? '')),
      commands,
    );
  });

  it('prints its version without loading a command', async () => {
    const { code, stdout } = await run(['--version']);
    assert.equal(code, 0);
    assert.match(stdout, /^\d+\.\d+\.\d+\n$/);
  });

  it("shows one command's options and runs one command alone", async () => {
    const help = await run(['check', '--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /--fail-on/);
    const list = await run(['policy', 'list', '-o', 'json']);
    assert.equal(list.code, 0);
    assert.ok((JSON.parse(list.stdout) as { policies: unknown[] }).policies.length >= 110);
  });

  it('names an unknown command and suggests the nearest one', async () => {
    const { code, stderr } = await run(['chek', 'demo/manifests']);
    assert.equal(code, 2);
    assert.match(stderr, /unknown command 'chek'/);
    assert.match(stderr, /check/);
  });

  it('stops quietly when its reader goes away (palisade policy list | head)', async () => {
    const child = spawn(process.execPath, [bin, 'policy', 'list', '-o', 'json'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const stderr: string[] = [];
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk.toString()));
    await once(child.stdout, 'data');
    child.stdout.destroy();
    const [code] = (await once(child, 'exit')) as [number | null];
    assert.equal(stderr.join(''), '');
    assert.equal(code, 0);
  });
});
