import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { PalisadeError } from '../model/index.ts';
import {
  kubeAccessFromFiles,
  kubeAccessFromText,
  kubeAccessInCluster,
  type KubeAccess,
} from './kube-config.ts';

const pem = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';

function kubeconfig(options: {
  cluster?: Record<string, unknown>;
  user?: Record<string, unknown>;
  current?: string;
  extraContexts?: { name: string; context: Record<string, unknown> }[];
}): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      { name: 'c1', cluster: { server: 'https://api.example:6443/', ...options.cluster } },
    ],
    users: [{ name: 'u1', user: options.user ?? {} }],
    contexts: [
      { name: 'ctx', context: { cluster: 'c1', user: 'u1' } },
      ...(options.extraContexts ?? []),
    ],
    'current-context': options.current ?? 'ctx',
  });
}

async function headersOf(access: KubeAccess): Promise<Record<string, unknown>> {
  return ((await access.requestOptions()).headers ?? {}) as Record<string, unknown>;
}

describe('kube-config', () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'palisade-kube-config-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads the current context: server without its trailing slash, bearer token, CA data', async () => {
    const access = kubeAccessFromText(
      kubeconfig({
        cluster: { 'certificate-authority-data': Buffer.from(pem).toString('base64') },
        user: { token: 'abc', as: 'jane' },
      }),
    );
    assert.equal(access.server, 'https://api.example:6443');
    const options = await access.requestOptions();
    assert.deepEqual(options.headers, { authorization: 'Bearer abc', 'impersonate-user': 'jane' });
    assert.ok(options.agent instanceof HttpsAgent);
    assert.equal(String(options.agent.options.ca), pem);
    assert.equal(options.agent.options.rejectUnauthorized, true);
    assert.equal(
      options.agent,
      (await access.requestOptions()).agent,
      'one agent for all requests',
    );
  });

  it('skips TLS verification only when the cluster says so, and speaks plain HTTP to http://', async () => {
    const insecure = kubeAccessFromText(
      kubeconfig({ cluster: { 'insecure-skip-tls-verify': true, 'tls-server-name': 'kube' } }),
    );
    const agent = (await insecure.requestOptions()).agent as HttpsAgent;
    assert.equal(agent.options.rejectUnauthorized, false);
    assert.equal(agent.options.servername, 'kube');
    const plain = kubeAccessFromText(kubeconfig({ cluster: { server: 'http://127.0.0.1:8080' } }));
    assert.ok((await plain.requestOptions()).agent instanceof HttpAgent);
  });

  it('uses basic auth and no bearer header for a user with a username', async () => {
    const access = kubeAccessFromText(kubeconfig({ user: { username: 'admin', password: 'pw' } }));
    const options = await access.requestOptions();
    assert.equal(options.auth, 'admin:pw');
    assert.deepEqual(options.headers, {});
  });

  it('selects another context when asked, and says which is missing', () => {
    const text = kubeconfig({
      extraContexts: [{ name: 'other', context: { cluster: 'c2', user: 'u1' } }],
    });
    assert.throws(
      () => kubeAccessFromText(text, 'other'),
      (error: unknown) =>
        error instanceof PalisadeError &&
        error.code === 'kubeconfig-invalid' &&
        /no current cluster \(context 'other'\)/.test(error.message),
    );
    assert.throws(() => kubeAccessFromText(kubeconfig({ current: 'nope' })), /context 'nope'/);
    assert.throws(() => kubeAccessFromText('clusters: {}'), /clusters is not a list/);
  });

  it('resolves relative paths against the kubeconfig folder and re-reads a token file after 60 s', async () => {
    const folder = join(dir, 'relative');
    await mkdir(folder, { recursive: true });
    await writeFile(join(folder, 'ca.pem'), pem);
    await writeFile(join(folder, 'client.pem'), 'CERT');
    await writeFile(join(folder, 'client.key'), 'KEY');
    await writeFile(join(folder, 'token'), 'first\n');
    const file = join(folder, 'config');
    await writeFile(
      file,
      kubeconfig({
        cluster: { 'certificate-authority': 'ca.pem' },
        user: {
          'client-certificate': 'client.pem',
          'client-key': 'client.key',
          'token-file': 'token',
        },
      }),
    );
    let now = 1_000_000;
    const access = kubeAccessFromFiles([file], undefined, { now: () => now });
    const agent = (await access.requestOptions()).agent as HttpsAgent;
    assert.equal(String(agent.options.ca), pem);
    assert.equal(String(agent.options.cert), 'CERT');
    assert.equal((agent.options.key as Buffer).toString(), 'KEY');
    assert.equal((await headersOf(access))['authorization'], 'Bearer first');
    await writeFile(join(folder, 'token'), 'second\n');
    now += 30_000;
    assert.equal((await headersOf(access))['authorization'], 'Bearer first');
    now += 31_000;
    assert.equal((await headersOf(access))['authorization'], 'Bearer second');
  });

  it('merges several kubeconfig files as kubectl does: the first to set a name wins', async () => {
    const first = join(dir, 'first');
    const second = join(dir, 'second');
    await writeFile(first, kubeconfig({ user: { token: 'from-first' } }));
    await writeFile(
      second,
      stringify({
        clusters: [{ name: 'c1', cluster: { server: 'https://ignored' } }],
        users: [{ name: 'u2', user: { token: 'from-second' } }],
        contexts: [{ name: 'two', context: { cluster: 'c1', user: 'u2' } }],
        'current-context': 'two',
      }),
    );
    const merged = kubeAccessFromFiles([first, second]);
    assert.equal(merged.server, 'https://api.example:6443');
    assert.equal((await headersOf(merged))['authorization'], 'Bearer from-first');
    const other = kubeAccessFromFiles([first, second], 'two');
    assert.equal((await headersOf(other))['authorization'], 'Bearer from-second');
  });

  it('reads the in-cluster service account: its CA and its token', async () => {
    const folder = join(dir, 'serviceaccount');
    await mkdir(folder, { recursive: true });
    await writeFile(join(folder, 'ca.crt'), pem);
    await writeFile(join(folder, 'token'), 'sa-token');
    const saved = { ...process.env };
    process.env['KUBERNETES_SERVICE_HOST'] = 'fd00::1';
    process.env['KUBERNETES_SERVICE_PORT'] = '443';
    try {
      const access = kubeAccessInCluster(folder);
      assert.equal(access.server, 'https://[fd00::1]:443');
      const options = await access.requestOptions();
      assert.equal(String((options.agent as HttpsAgent).options.ca), pem);
      assert.deepEqual(options.headers, { authorization: 'Bearer sa-token' });
    } finally {
      process.env = saved;
    }
  });

  it('leaves exec credential plugins to client-node', async () => {
    const credential = JSON.stringify({
      apiVersion: 'client.authentication.k8s.io/v1',
      kind: 'ExecCredential',
      status: { token: 'from-exec' },
    });
    const access = kubeAccessFromText(
      kubeconfig({
        user: {
          exec: {
            apiVersion: 'client.authentication.k8s.io/v1',
            command: process.execPath,
            args: ['-e', `process.stdout.write(${JSON.stringify(credential)})`],
            interactiveMode: 'Never',
          },
        },
      }),
    );
    assert.equal(access.server, 'https://api.example:6443');
    assert.equal((await headersOf(access))['Authorization'], 'Bearer from-exec');
  });
});
