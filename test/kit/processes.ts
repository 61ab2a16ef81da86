// Child processes for the Sensor end-to-end tests: the simulated API server, Central
// (`palisade serve`) and the Sensor (`palisade sensor`), each its own process, plus a recording
// HTTP relay between the Sensor and Central (what a load balancer would be) so a test can see
// every byte the Sensor sends and restart Central behind it on another port.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';

export const root = fileURLToPath(new URL('../../', import.meta.url));
const run = promisify(execFile);

/** Lines of a child's stdout, awaited by predicate. */
export class LineWatcher {
  readonly lines: string[] = [];
  private waiters: { match: (line: string) => boolean; resolve: (line: string) => void }[] = [];

  constructor(child: ChildProcessWithoutNullStreams) {
    createInterface({ input: child.stdout }).on('line', (line) => {
      this.lines.push(line);
      for (const waiter of [...this.waiters]) {
        if (waiter.match(line)) {
          this.waiters = this.waiters.filter((w) => w !== waiter);
          waiter.resolve(line);
        }
      }
    });
  }

  next(match: (line: string) => boolean, timeoutMs: number, what: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no ${what} in ${timeoutMs} ms: ${this.lines.join('\n')}`)),
        timeoutMs,
      );
      this.waiters.push({
        match,
        resolve: (line) => {
          clearTimeout(timer);
          resolve(line);
        },
      });
    });
  }
}

export interface Child {
  readonly process: ChildProcessWithoutNullStreams;
  readonly out: LineWatcher;
  stderr(): string;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

export function startChild(args: readonly string[], env: Record<string, string> = {}): Child {
  const child = spawn(process.execPath, args, {
    cwd: root,
    env: { ...process.env, LOG_LEVEL: 'warn', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-20_000);
  });
  const out = new LineWatcher(child);
  return {
    process: child,
    out,
    stderr: () => stderr,
    async kill(signal = 'SIGKILL') {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill(signal);
      await exited;
    },
  };
}

export async function selfSignedCertificate(
  dir: string,
): Promise<{ certFile: string; keyFile: string }> {
  const certFile = join(dir, 'cert.pem');
  const keyFile = join(dir, 'key.pem');
  await run('openssl', [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '1',
    '-subj',
    '/CN=simcluster',
    '-addext',
    'subjectAltName=IP:127.0.0.1',
    '-keyout',
    keyFile,
    '-out',
    certFile,
  ]);
  return { certFile, keyFile };
}

export interface SimProcess extends Child {
  readonly url: string;
  readonly kubeconfig: string;
  command(body: Record<string, unknown>): Promise<Record<string, unknown>>;
}

export async function startSimProcess(options: Record<string, unknown>): Promise<SimProcess> {
  const child = startChild([
    '--import',
    'tsx',
    join(root, 'test', 'kit', 'simcluster-process.ts'),
    JSON.stringify(options),
  ]);
  try {
    const first = JSON.parse(
      await child.out.next((l) => l.startsWith('{"url"'), 30_000, 'simcluster start'),
    ) as { url: string; kubeconfig: string };
    let queue = Promise.resolve();
    const command = (body: Record<string, unknown>) => {
      const answer = queue.then(async () => {
        const reply = child.out.next(
          (l) => l.startsWith('{"ok"'),
          30_000,
          `answer to ${String(body['op'])}`,
        );
        child.process.stdin.write(`${JSON.stringify(body)}\n`);
        return JSON.parse(await reply) as Record<string, unknown>;
      });
      queue = answer.then(
        () => undefined,
        () => undefined,
      );
      return answer;
    };
    return { ...child, url: first.url, kubeconfig: first.kubeconfig, command };
  } catch (error) {
    await child.kill();
    throw error;
  }
}

export interface CentralProcess extends Child {
  readonly url: string;
}

export async function startCentralProcess(
  dataDir: string,
  adminToken: string,
): Promise<CentralProcess> {
  const child = startChild(
    [join(root, 'bin', 'palisade'), 'serve', '--port', '0', '--data-dir', dataDir],
    { PALISADE_ADMIN_TOKEN: adminToken },
  );
  try {
    const line = await child.out.next((l) => /listening on http/.test(l), 90_000, 'Central start');
    const url = /listening on (http:\/\/\S+)/.exec(line)?.[1] ?? '';
    return { ...child, url };
  } catch (error) {
    await child.kill();
    throw new Error(`${String(error)}\n${child.stderr()}`, { cause: error });
  }
}

/** An HTTP relay to a changeable target that keeps every request body it forwards (decoded). */
export class RecordingRelay {
  readonly bodies: string[] = [];
  target: string | undefined;
  private server: Server | undefined;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        // What was sent, as text: the Sensor gzips its bodies (content-encoding).
        const text =
          req.headers['content-encoding'] === 'gzip' && body.length > 0 ? gunzipSync(body) : body;
        this.bodies.push(text.toString('utf8'));
        if (this.target === undefined) {
          res.writeHead(502).end('{"error":{"code":"bad-gateway","message":"Central is down"}}');
          return;
        }
        const upstream = request(
          new URL(req.url ?? '/', this.target),
          { method: req.method, headers: req.headers },
          (answer) => {
            res.writeHead(answer.statusCode ?? 502, answer.headers);
            answer.pipe(res);
          },
        );
        upstream.on('error', () => {
          if (!res.headersSent) res.writeHead(502);
          res.end();
        });
        upstream.end(body);
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (server === undefined) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs: number,
  intervalMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline)
      throw new Error(
        `${what}: not within ${timeoutMs} ms${last instanceof Error ? ` (${last.message})` : ''}`,
      );
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

export async function readText(path: string): Promise<string> {
  return readFile(path, 'utf8');
}
