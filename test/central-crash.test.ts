// A Central process killed (SIGKILL) in the middle of a snapshot ingest restarts on its PGlite
// data directory with every acknowledged write present and the interrupted snapshot either
// wholly applied or not at all.

import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const bin = new URL('../bin/palisade', import.meta.url).pathname;
const adminToken = `test-admin-${randomBytes(8).toString('hex')}`;

function serve(dataDir: string): Promise<{ child: ChildProcess; address: string }> {
  const child = spawn(process.execPath, [bin, 'serve', '--port', '0', '--data-dir', dataDir], {
    env: { ...process.env, PALISADE_ADMIN_TOKEN: adminToken, DATABASE_URL: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start:\n${out}`)), 30_000);
    child.on('exit', (code) => reject(new Error(`serve exited ${code}:\n${out}`)));
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const address = /listening on (\S+)/.exec(out)?.[1];
      if (address !== undefined) {
        clearTimeout(timer);
        child.removeAllListeners('exit');
        resolve({ child, address });
      }
    });
  });
}

const deployment = (namespace: string, name: string) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name, namespace, resourceVersion: '1' },
  spec: {
    selector: { matchLabels: { app: name } },
    template: {
      metadata: { labels: { app: name } },
      spec: { containers: [{ name: 'app', image: `registry.example.com/${name}:1.0` }] },
    },
  },
});

async function call(address: string, token: string, method: string, path: string, body?: unknown) {
  const response = await fetch(`${address}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

describe('Central killed mid-ingest', () => {
  let dir = '';
  const children: ChildProcess[] = [];
  after(async () => {
    for (const child of children) child.kill('SIGKILL');
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('keeps every acknowledged delta and applies the interrupted snapshot wholly or not at all', async () => {
    dir = await mkdtemp(join(tmpdir(), 'palisade-crash-'));
    const first = await serve(dir);
    children.push(first.child);
    const created = await call(first.address, adminToken, 'POST', '/api/v1/clusters', {
      name: 'crash',
    });
    assert.equal(created.status, 201);
    const clusterId = (created.json['cluster'] as { id: string }).id;
    const sensorToken = created.json['sensorToken'] as string;
    const acked = Array.from({ length: 20 }, (_, i) => deployment('acked', `acked-${i}`));
    for (const object of acked) {
      const delta = await call(
        first.address,
        sensorToken,
        'POST',
        `/api/v1/clusters/${clusterId}/deltas`,
        {
          events: [{ type: 'UPSERT', object }],
        },
      );
      assert.equal(delta.status, 200);
    }
    const big = Array.from({ length: 3000 }, (_, i) => deployment('big', `big-${i}`));
    const snapshot = fetch(`${first.address}/api/v1/clusters/${clusterId}/snapshot`, {
      method: 'POST',
      headers: { authorization: `Bearer ${sensorToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ objects: [...acked, ...big] }),
    }).then(
      (r) => r.status,
      () => 'killed' as const,
    );
    await new Promise((resolve) => setTimeout(resolve, 700));
    first.child.kill('SIGKILL');
    const outcome = await snapshot;

    const second = await serve(dir);
    children.push(second.child);
    const count = async (namespace: string) => {
      const page = await call(
        second.address,
        adminToken,
        'GET',
        `/api/v1/deployments?namespace=${namespace}&limit=1`,
      );
      assert.equal(page.status, 200);
      return page.json['total'] as number;
    };
    assert.equal(await count('acked'), 20);
    const bigCount = await count('big');
    // Acknowledged means applied; unacknowledged may have committed just before the kill.
    if (outcome === 200) assert.equal(bigCount, 3000);
    else assert.ok(bigCount === 0 || bigCount === 3000, `a partial snapshot: ${bigCount} of 3000`);
    second.child.kill('SIGTERM');
  });
});
