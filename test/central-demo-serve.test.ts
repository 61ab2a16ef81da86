// What `npm start` runs: `palisade serve --demo` as a process, on a fresh data directory. The
// dashboard summary must show the demo cluster with its violations; SIGTERM stops it cleanly.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openDatabase } from '../src/store/index.ts';

const root = fileURLToPath(new URL('..', import.meta.url));

/** Starts `palisade serve --demo` with these extra arguments; resolves its address. */
function startDemo(dataDir: string, extra: readonly string[] = []) {
  const child = spawn(
    process.execPath,
    [
      join(root, 'bin', 'palisade'),
      'serve',
      '--demo',
      '--port',
      '0',
      '--data-dir',
      dataDir,
      ...extra,
    ],
    {
      cwd: root,
      env: { ...process.env, LOG_LEVEL: 'warn', PALISADE_ADMIN_TOKEN: 'pal_demo-test-token' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  const started = new Promise<{ address: string; output: string }>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no listening line in 90 s: ${output}`)),
      90_000,
    );
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve({ address: match[1], output });
      }
    });
    child.once('exit', (code) => reject(new Error(`exited ${code}: ${output}`)));
  });
  return { child, started };
}

describe('palisade serve --demo (process)', () => {
  it('serves the demo cluster: the summary lists its deployments and violations', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'palisade-demo-'));
    const { child, started } = startDemo(dataDir);
    try {
      const { address, output } = await started;
      assert.match(output, /Demo cluster loaded: \d+ deployments/);
      const response = await fetch(`${address}/api/v1/summary`, {
        headers: { authorization: 'Bearer pal_demo-test-token' },
        signal: AbortSignal.timeout(10_000),
      });
      assert.equal(response.status, 200);
      const summary = (await response.json()) as {
        deployments: number;
        namespaces: number;
        activeAlerts: number;
      };
      assert.ok(summary.deployments >= 30, `${summary.deployments} deployments`);
      assert.ok(summary.namespaces >= 3);
      assert.ok(summary.activeAlerts > 0);
      const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      assert.equal(await exited, 0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('with --no-image-scanning, queues the images it finds and pulls none of them', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'palisade-demo-'));
    const { child, started } = startDemo(dataDir, ['--no-image-scanning']);
    try {
      await started;
      // A worker would have claimed (and, with no registry in reach, failed) a job by now.
      await new Promise((resolve) => setTimeout(resolve, 3_000));
      const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      assert.equal(await exited, 0);
      const db = await openDatabase({ dataDir });
      try {
        const jobs = await db.query<{ state: string; attempts: number }>(
          'SELECT state, attempts FROM image_scan_jobs',
        );
        assert.ok(jobs.length > 10, `${jobs.length} jobs`);
        assert.deepEqual(
          jobs.filter((job) => job.state !== 'queued' || job.attempts !== 0),
          [],
        );
      } finally {
        await db.close();
      }
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
