// The Sensor's snapshot goes to Central in pieces (chunked transfer encoding, object by object),
// never as one string: Central (in memory) takes it as it takes any JSON body, and a retried
// attempt streams the same objects again from the start.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { createCentral } from '../src/central/index.ts';
import { CentralClient } from '../src/sensor/index.ts';
import { openDatabase, type Database } from '../src/store/index.ts';
import { centralApi } from './kit/central-api.ts';

const adminToken = 'pal_sensor-snapshot-admin';

function deployment(namespace: string, name: string) {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace, uid: `uid-${name}`, resourceVersion: '1', labels: { app: name } },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name, padding: 'x'.repeat(200) } },
        spec: { containers: [{ name: 'app', image: `registry.example.com/${name}:1.0` }] },
      },
    },
  };
}

describe('the snapshot the Sensor sends', () => {
  let db: Database | undefined;
  let app: FastifyInstance | undefined;
  let centralUrl = '';
  let clusterId = '';
  let sensorToken = '';
  const snapshotRequests: { headers: Record<string, unknown>; status: number }[] = [];
  let failNext = 0;
  let proxy: Server | undefined;

  const api = centralApi(() => centralUrl, adminToken);

  before(async () => {
    db = await openDatabase();
    app = await createCentral({ db, adminToken, imageScanning: false });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const target = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    // In front of Central: notes each snapshot request's headers, and answers 503 when told to.
    proxy = createServer((req, res) => {
      if (req.url?.endsWith('/snapshot') === true) {
        const status = failNext > 0 ? 503 : 200;
        snapshotRequests.push({ headers: { ...req.headers }, status });
        if (failNext > 0) {
          failNext--;
          req.resume();
          req.on('end', () => res.writeHead(503).end('{"error":{"code":"busy","message":"busy"}}'));
          return;
        }
      }
      const upstream = httpRequest(
        new URL(req.url ?? '/', target),
        { method: req.method, headers: req.headers },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      req.pipe(upstream);
    });
    await new Promise<void>((resolve) => proxy?.listen(0, '127.0.0.1', resolve));
    centralUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
    const created = await api<{ cluster: { id: string }; sensorToken: string }>(
      '/api/v1/clusters',
      { method: 'POST', body: JSON.stringify({ name: 'streamed' }) },
    );
    clusterId = created.cluster.id;
    sensorToken = created.sensorToken;
  });

  after(async () => {
    proxy?.closeAllConnections();
    await new Promise((resolve) => proxy?.close(resolve));
    await app?.close();
    await db?.close();
  });

  it('is streamed in chunks, object by object, and Central stores every object', async () => {
    const client = new CentralClient({ url: centralUrl, token: sensorToken, clusterId });
    const objects: unknown[] = [];
    for (const namespace of ['shop', 'pay']) {
      objects.push({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
      for (let i = 0; i < 300; i++) objects.push(deployment(namespace, `svc-${i}`));
    }
    // Over 64 KB of JSON: several writes on the wire.
    assert.ok(JSON.stringify(objects).length > 4 * 64 * 1024);
    await client.snapshot({ objects, sensorVersion: 'test' });
    const [request] = snapshotRequests;
    assert.equal(request?.headers['transfer-encoding'], 'chunked');
    assert.equal(request?.headers['content-length'], undefined);
    assert.equal(request?.headers['content-encoding'], 'gzip');
    const page = await api<{ total: number }>(`/api/v1/deployments?cluster=${clusterId}&limit=1`);
    assert.equal(page.total, 600);
  });

  it('is streamed again from the first object when Central asks for a retry', async () => {
    snapshotRequests.length = 0;
    failNext = 1;
    const client = new CentralClient({ url: centralUrl, token: sensorToken, clusterId });
    const objects = [
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } },
      deployment('shop', 'only-one'),
    ];
    await client.snapshot({ objects, sensorVersion: 'test' });
    assert.deepEqual(
      snapshotRequests.map((r) => r.status),
      [503, 200],
    );
    // A snapshot prunes what it does not hold: only the one deployment is left.
    const page = await api<{ items: { name: string }[]; total: number }>(
      `/api/v1/deployments?cluster=${clusterId}&limit=10`,
    );
    assert.deepEqual(
      page.items.map((d) => d.name),
      ['only-one'],
    );
  });
});
