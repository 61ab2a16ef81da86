// The Sensor's small HTTP server for the kubelet and Prometheus: /healthz (the process runs),
// /readyz (caches filled and Central up to date) and /metrics. Nothing else is served.

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Sensor } from './sensor.ts';

export interface HealthServer {
  readonly url: string;
  close(): Promise<void>;
}

export async function startHealthServer(
  sensor: Sensor,
  listen: { readonly host: string; readonly port: number },
): Promise<HealthServer> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (path === '/healthz') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
      return;
    }
    if (path === '/readyz') {
      const body = {
        ready: sensor.ready(),
        informersSynced: sensor.synced(),
        centralConnected: sensor.sync.connected,
        resyncNeeded: sensor.sync.resyncNeeded,
        queued: sensor.sync.queued,
      };
      res
        .writeHead(body.ready ? 200 : 503, { 'content-type': 'application/json' })
        .end(`${JSON.stringify(body)}\n`);
      return;
    }
    if (path === '/metrics') {
      for (const [kind, informer] of sensor.informers)
        sensor.metrics.objects.set({ kind }, informer.cache.size);
      sensor.metrics.registry
        .metrics()
        .then((text) =>
          res.writeHead(200, { 'content-type': sensor.metrics.registry.contentType }).end(text),
        )
        .catch(() => res.writeHead(500).end());
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(listen.port, listen.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const host = listen.host.includes(':') ? `[${listen.host}]` : listen.host;
  return {
    url: `http://${host === '0.0.0.0' || host === '[::]' ? '127.0.0.1' : host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
