// `palisade serve` as a real process: it prints a one-time admin token, answers real HTTP (and
// HTTPS with a certificate made here by openssl), and exits cleanly on SIGTERM.

import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const bin = new URL('../bin/palisade', import.meta.url).pathname;

interface Served {
  readonly child: ChildProcess;
  readonly address: string;
  readonly token: string;
}

async function serve(args: readonly string[]): Promise<Served> {
  const child = spawn(process.execPath, [bin, 'serve', '--port', '0', ...args], {
    env: { ...process.env, PALISADE_ADMIN_TOKEN: '', DATABASE_URL: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stderr?.on('data', (chunk: Buffer) => (err += chunk.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`serve did not start:\n${out}\n${err}`)),
      30_000,
    );
    child.on('exit', (code) => reject(new Error(`serve exited ${code}:\n${out}\n${err}`)));
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const token = /token \(shown once; store it now\): (\S+)/.exec(out)?.[1];
      const address = /listening on (\S+)/.exec(out)?.[1];
      if (token !== undefined && address !== undefined) {
        clearTimeout(timer);
        resolve({ child, address, token });
      }
    });
  });
}

function stop(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve(child.exitCode);
    child.removeAllListeners('exit');
    child.on('exit', (code) => resolve(code));
    child.kill('SIGTERM');
  });
}

function hasOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('palisade serve', () => {
  const dirs: string[] = [];
  const tempDir = async () => {
    const dir = await mkdtemp(join(tmpdir(), 'palisade-serve-'));
    dirs.push(dir);
    return dir;
  };
  after(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it('prints a one-time admin token, serves real HTTP with it, and exits 0 on SIGTERM', async () => {
    const served = await serve(['--data-dir', await tempDir()]);
    try {
      assert.equal((await fetch(`${served.address}/healthz`)).status, 200);
      const unauthorised = await fetch(`${served.address}/api/v1/policies`);
      assert.equal(unauthorised.status, 401);
      const listed = await fetch(`${served.address}/api/v1/policies?limit=1`, {
        headers: { authorization: `Bearer ${served.token}` },
      });
      assert.equal(listed.status, 200);
      assert.ok(((await listed.json()) as { total: number }).total > 100);
    } finally {
      assert.equal(await stop(served.child), 0);
    }
  });

  it(
    'serves HTTPS with the given certificate and key',
    { skip: hasOpenssl() ? false : 'openssl is not installed' },
    async () => {
      const dir = await tempDir();
      const cert = join(dir, 'cert.pem');
      const key = join(dir, 'key.pem');
      execFileSync(
        'openssl',
        [
          'req',
          '-x509',
          '-newkey',
          'rsa:2048',
          '-nodes',
          '-keyout',
          key,
          '-out',
          cert,
          '-days',
          '1',
          '-subj',
          '/CN=localhost',
          '-addext',
          'subjectAltName=IP:127.0.0.1',
        ],
        { stdio: 'ignore' },
      );
      const served = await serve([
        '--data-dir',
        join(dir, 'data'),
        '--tls-cert',
        cert,
        '--tls-key',
        key,
      ]);
      try {
        assert.match(served.address, /^https:/);
        const status = await new Promise<number>((resolve, reject) => {
          const req = request(
            `${served.address}/healthz`,
            { ca: execFileSync('cat', [cert]) },
            (res) => {
              res.resume();
              resolve(res.statusCode ?? 0);
            },
          );
          req.on('error', reject);
          req.end();
        });
        assert.equal(status, 200);
      } finally {
        assert.equal(await stop(served.child), 0);
      }
    },
  );
});
