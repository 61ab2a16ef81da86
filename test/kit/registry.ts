// A real OCI registry for tests (shared/RECIPES.md): Debian's docker-registry (distribution
// 2.8) on a free port with storage in a temp dir, optionally with Bearer-token auth served by
// a local token server signing RS256 JWTs, plus a small HTTP proxy for Basic auth and fault
// injection in front of it. Everything started here is stopped and removed by stop().

import { execFile, spawn, type ChildProcess } from 'node:child_process';
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  randomBytes,
  sign,
  type KeyObject,
} from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import {
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const registryBinary =
  process.env['PALISADE_TEST_REGISTRY_BIN'] ?? '/usr/bin/docker-registry';
export const skopeoBinary = process.env['PALISADE_TEST_SKOPEO_BIN'] ?? '/usr/bin/skopeo';
export const installHint = 'apt-get install -y docker-registry skopeo zstd openssl';

/** Why registry tests cannot run here, or undefined when they can. */
export function registrySkipReason(): string | undefined {
  for (const binary of [registryBinary, skopeoBinary, '/usr/bin/openssl', '/usr/bin/zstd'])
    if (!existsSync(binary)) return `${binary} is not installed (${installHint})`;
  return undefined;
}

export interface TestUser {
  readonly username: string;
  readonly password: string;
}

export interface TokenServer {
  readonly realm: string;
  /** Token requests answered (any outcome). */
  readonly requests: { count: number; refused: number };
  /** Registers an OAuth2 refresh token (a Docker "identitytoken") for a user. */
  addRefreshToken(token: string, username: string): void;
}

export interface TestRegistry {
  /** "127.0.0.1:<port>": use it as the registry part of references. */
  readonly host: string;
  /** The registry's storage root (docker/registry/v2/...). */
  readonly storageDir: string;
  readonly token: TokenServer | undefined;
  stop(): Promise<void>;
}

export interface StartRegistryOptions {
  /** 'token': Bearer tokens from a local token server; default: no auth. */
  readonly auth?: 'none' | 'token';
  /** Users the token server accepts (Basic at the realm, or grant_type=password). */
  readonly users?: readonly TestUser[];
  /** Whether the token server grants pull to anonymous clients. */
  readonly anonymousPull?: boolean;
  /** Address to listen on; default 127.0.0.1. */
  readonly listenHost?: string;
}

const children = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createNetServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export async function startTestRegistry(options: StartRegistryOptions = {}): Promise<TestRegistry> {
  const dir = await mkdtemp(join(tmpdir(), 'palisade-registry-'));
  const storageDir = join(dir, 'storage');
  const listenHost = options.listenHost ?? '127.0.0.1';
  let token: (TokenServer & { close(): Promise<void> }) | undefined;
  try {
    let authYaml = '';
    if (options.auth === 'token') {
      token = await startTokenServer(dir, options);
      authYaml = [
        'auth:',
        '  token:',
        `    realm: ${token.realm}`,
        `    service: ${tokenService}`,
        `    issuer: ${tokenIssuer}`,
        `    rootcertbundle: ${join(dir, 'token-cert.pem')}`,
      ].join('\n');
    }
    for (let attempt = 1; ; attempt++) {
      const port = await freePort(listenHost);
      const config = join(dir, 'config.yml');
      await writeFile(
        config,
        [
          'version: 0.1',
          'log:',
          '  level: error',
          '  accesslog:',
          '    disabled: true',
          'storage:',
          '  filesystem:',
          `    rootdirectory: ${storageDir}`,
          '  delete:',
          '    enabled: true',
          'http:',
          `  addr: ${listenHost}:${port}`,
          `  secret: ${randomBytes(16).toString('hex')}`,
          authYaml,
          '',
        ].join('\n'),
      );
      const child = spawn(registryBinary, ['serve', config], {
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      children.add(child);
      let stderr = '';
      child.stderr?.on(
        'data',
        (chunk: Buffer) => (stderr = (stderr + chunk.toString('utf8')).slice(-4000)),
      );
      const host = `${listenHost}:${port}`;
      if (await waitForRegistry(host, child)) {
        const stopToken = token;
        let stopped = false;
        return {
          host,
          storageDir,
          token,
          async stop() {
            if (stopped) return;
            stopped = true;
            await stopChild(child);
            await stopToken?.close();
            await rm(dir, { recursive: true, force: true });
          },
        };
      }
      await stopChild(child);
      if (attempt >= 3) throw new Error(`docker-registry did not start on ${host}: ${stderr}`);
    }
  } catch (error) {
    await token?.close();
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

async function waitForRegistry(host: string, child: ChildProcess): Promise<boolean> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) return false;
    try {
      const response = await fetch(`http://${host}/v2/`);
      await response.body?.cancel();
      return true;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  return false;
}

async function stopChild(child: ChildProcess): Promise<void> {
  children.delete(child);
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

// --- Bearer tokens (distribution docs/spec/auth/token.md, jwt.md) -------------------------

const tokenService = 'palisade-test-registry';
const tokenIssuer = 'palisade-test-issuer';

/**
 * libtrust's key ID, which distribution 2.8 uses to find the certificate of a token's "kid":
 * SHA-256 of the DER public key, first 240 bits, base32 without padding, in groups of four.
 */
function libtrustKeyId(publicKey: KeyObject): string {
  const der = publicKey.export({ type: 'spki', format: 'der' });
  const bits = createHash('sha256').update(der).digest().subarray(0, 30);
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let out = '';
  let buffer = 0;
  let count = 0;
  for (const byte of bits) {
    buffer = (buffer << 8) | byte;
    count += 8;
    while (count >= 5) {
      out += alphabet[(buffer >> (count - 5)) & 31];
      count -= 5;
    }
  }
  return (out.match(/.{4}/g) ?? []).join(':');
}

function base64url(data: Buffer | string): string {
  return Buffer.from(data).toString('base64url');
}

async function startTokenServer(
  dir: string,
  options: StartRegistryOptions,
): Promise<TokenServer & { close(): Promise<void> }> {
  const keyFile = join(dir, 'token-key.pem');
  const certFile = join(dir, 'token-cert.pem');
  await run('/usr/bin/openssl', [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    keyFile,
    '-out',
    certFile,
    '-days',
    '2',
    '-subj',
    '/CN=palisade-test-token',
  ]);
  const privateKey = createPrivateKey(await readFile(keyFile));
  const kid = libtrustKeyId(createPublicKey(privateKey));
  const users = new Map((options.users ?? []).map((user) => [user.username, user.password]));
  const refreshTokens = new Map<string, string>();
  const requests = { count: 0, refused: 0 };

  const issue = (
    subject: string,
    scopes: readonly string[],
    actions: readonly string[],
  ): string => {
    const now = Math.floor(Date.now() / 1000);
    const access = scopes.flatMap((scope) => {
      const [type, name, wanted] = scope.split(':');
      if (type !== 'repository' || name === undefined) return [];
      return [
        {
          type,
          name,
          actions: (wanted ?? '').split(',').filter((action) => actions.includes(action)),
        },
      ];
    });
    const header = base64url(JSON.stringify({ typ: 'JWT', alg: 'RS256', kid }));
    const claims = base64url(
      JSON.stringify({
        iss: tokenIssuer,
        sub: subject,
        aud: tokenService,
        exp: now + 300,
        nbf: now - 10,
        iat: now,
        jti: randomBytes(8).toString('hex'),
        access,
      }),
    );
    const signature = sign('sha256', Buffer.from(`${header}.${claims}`), privateKey);
    return `${header}.${claims}.${base64url(signature)}`;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    requests.count++;
    const url = new URL(req.url ?? '/', 'http://token');
    let subject: string | undefined;
    let scopes = url.searchParams.getAll('scope');
    const refuse = (): void => {
      requests.refused++;
      res
        .writeHead(401, { 'content-type': 'application/json' })
        .end('{"errors":[{"code":"UNAUTHORIZED"}]}');
    };
    if (req.method === 'POST') {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
      scopes = form.getAll('scope').flatMap((scope) => scope.split(' '));
      const grant = form.get('grant_type');
      if (grant === 'refresh_token') subject = refreshTokens.get(form.get('refresh_token') ?? '');
      if (grant === 'password') {
        const username = form.get('username') ?? '';
        if (users.get(username) === form.get('password')) subject = username;
      }
      if (subject === undefined) return refuse();
    } else {
      const authorization = req.headers.authorization ?? '';
      if (authorization.startsWith('Basic ')) {
        const decoded = Buffer.from(authorization.slice(6), 'base64').toString('utf8');
        const colon = decoded.indexOf(':');
        const username = decoded.slice(0, colon);
        if (colon < 0 || users.get(username) !== decoded.slice(colon + 1)) return refuse();
        subject = username;
      } else if (options.anonymousPull !== true) {
        return refuse();
      }
    }
    const token = issue(subject ?? '', scopes, subject === undefined ? ['pull'] : ['pull', 'push']);
    res.writeHead(200, { 'content-type': 'application/json' }).end(
      JSON.stringify({
        token,
        access_token: token,
        expires_in: 300,
        issued_at: new Date().toISOString(),
      }),
    );
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => res.writeHead(500).end(String(error)));
  });
  const port = await listen(server);
  return {
    realm: `http://127.0.0.1:${port}/token`,
    requests,
    addRefreshToken(token, username) {
      refreshTokens.set(token, username);
    },
    close: () => closeServer(server),
  };
}

function listen(server: Server, host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      resolve(typeof address === 'object' && address !== null ? address.port : 0);
    });
  });
}

function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

// --- A proxy in front of the registry: Basic auth, fault injection, request log ------------

export interface ProxyRequest {
  readonly method: string;
  readonly path: string;
  readonly status: number;
}

export interface TestProxy {
  readonly host: string;
  readonly log: ProxyRequest[];
  stop(): Promise<void>;
}

export interface ProxyOptions {
  /** Require these Basic credentials (401 with a Basic challenge otherwise). */
  readonly basicAuth?: TestUser;
  /** Answer a request with this status instead of forwarding it (fault injection). */
  readonly intercept?: (method: string, path: string) => number | undefined;
}

export async function startProxy(upstream: string, options: ProxyOptions = {}): Promise<TestProxy> {
  const log: ProxyRequest[] = [];
  const server = createServer((req, res) => {
    const path = req.url ?? '/';
    const method = req.method ?? 'GET';
    const answer = (status: number, headers: Record<string, string> = {}): void => {
      log.push({ method, path, status });
      res
        .writeHead(status, { 'content-type': 'application/json', ...headers })
        .end('{"errors":[]}');
    };
    if (options.basicAuth !== undefined) {
      const expected = `Basic ${Buffer.from(`${options.basicAuth.username}:${options.basicAuth.password}`).toString('base64')}`;
      if (req.headers.authorization !== expected) {
        answer(401, { 'www-authenticate': 'Basic realm="palisade-test"' });
        return;
      }
    }
    const injected = options.intercept?.(method, path);
    if (injected !== undefined) {
      answer(injected);
      return;
    }
    const headers = { ...req.headers, host: upstream };
    delete headers.authorization;
    const forward = httpRequest(`http://${upstream}${path}`, { method, headers }, (upstreamRes) => {
      log.push({ method, path, status: upstreamRes.statusCode ?? 0 });
      res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers);
      upstreamRes.pipe(res);
    });
    forward.on('error', () => answer(502));
    req.pipe(forward);
  });
  const port = await listen(server);
  return { host: `127.0.0.1:${port}`, log, stop: () => closeServer(server) };
}

/** Where the registry keeps a blob's bytes (distribution's filesystem storage layout). */
export function blobDataPath(registry: TestRegistry, digest: string): string {
  const hex = digest.slice(digest.indexOf(':') + 1);
  return join(
    registry.storageDir,
    'docker',
    'registry',
    'v2',
    'blobs',
    'sha256',
    hex.slice(0, 2),
    hex,
    'data',
  );
}

/** Copies an image from an OCI layout into a registry with skopeo. */
export async function pushWithSkopeo(
  layoutDir: string,
  tag: string,
  destination: string,
  options: {
    readonly all?: boolean;
    readonly creds?: TestUser;
    readonly preserveDigests?: boolean;
  } = {},
): Promise<void> {
  const args = ['--insecure-policy', 'copy', '--quiet', '--dest-tls-verify=false'];
  if (options.all === true) args.push('--all');
  // skopeo compresses uncompressed layers on push unless told to keep blobs as they are.
  if (options.preserveDigests === true) args.push('--preserve-digests');
  if (options.creds !== undefined)
    args.push('--dest-creds', `${options.creds.username}:${options.creds.password}`);
  args.push(`oci:${layoutDir}:${tag}`, `docker://${destination}`);
  try {
    await run(skopeoBinary, args, { env: { ...process.env, TMPDIR: tmpdir() } });
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? '';
    throw new Error(`skopeo ${args.join(' ')} failed: ${stderr}`, { cause: error });
  }
}
