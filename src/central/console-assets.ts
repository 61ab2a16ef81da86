// Serves the built web console (dist/web, from `npm run build`) at `/`: hashed assets under
// /assets/ with a year-long immutable cache (gzip when the build left a .gz beside them), and
// index.html with no-cache for every client route (the SPA fallback). API and docs paths never
// fall back to the page: an unknown one is the API's JSON 404. Not here: the console's data,
// which it reads from the API with the user's token like any other client.

import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { errorBody } from './errors.ts';

export const defaultConsoleDirectory = fileURLToPath(new URL('../../dist/web', import.meta.url));

const contentTypes: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.ttf': 'font/ttf',
  '.txt': 'text/plain; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
};

// React escapes what it renders; this keeps injected markup from loading or sending anything.
// PatternFly sets style attributes, hence 'unsafe-inline' for styles only.
const contentSecurityPolicy = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'self'",
  "form-action 'self'",
].join('; ');

const immutable = 'public, max-age=31536000, immutable';

/** Paths that belong to the API and its docs: never answered with the console page. */
const serverPaths = /^\/(api|docs|openapi\.json|healthz|readyz|metrics)(\/|$)/;

const notBuiltPage = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Palisade</title></head>
<body><h1>The Palisade console is not built</h1><p>Run <code>npm run build</code> (or <code>npm start</code>,
which builds it when needed) and reload. The API is available at <a href="/docs">/docs</a>.</p></body></html>`;

/** A file under root, or null when the path leaves it or names no regular file. */
async function fileUnder(root: string, urlPath: string): Promise<string | null> {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (decoded.includes('\0')) return null;
  const path = normalize(join(root, decoded));
  if (!path.startsWith(root + sep)) return null;
  try {
    return (await stat(path)).isFile() ? path : null;
  } catch {
    return null;
  }
}

function acceptsGzip(request: FastifyRequest): boolean {
  const header = request.headers['accept-encoding'];
  return typeof header === 'string' && /\bgzip\b/.test(header);
}

async function sendFile(
  request: FastifyRequest,
  reply: FastifyReply,
  path: string,
  cacheControl: string,
): Promise<FastifyReply> {
  const type = contentTypes[extname(path)] ?? 'application/octet-stream';
  reply.header('content-type', type).header('cache-control', cacheControl);
  reply.header('x-content-type-options', 'nosniff');
  if (acceptsGzip(request)) {
    const gzipped = `${path}.gz`;
    const found = await stat(gzipped).catch(() => null);
    if (found?.isFile() === true) {
      reply.header('content-encoding', 'gzip').header('vary', 'accept-encoding');
      return reply.send(createReadStream(gzipped));
    }
  }
  return reply.send(createReadStream(path));
}

export interface ConsoleAssetsOptions {
  /** The built console; dist/web of this package when omitted. */
  readonly directory?: string;
}

export function registerConsoleAssets(app: FastifyInstance, options: ConsoleAssetsOptions = {}) {
  const root = normalize(options.directory ?? defaultConsoleDirectory);

  const sendIndex = async (reply: FastifyReply): Promise<FastifyReply> => {
    let html: string;
    try {
      html = await readFile(join(root, 'index.html'), 'utf8');
    } catch {
      html = notBuiltPage;
    }
    return reply
      .type('text/html; charset=utf-8')
      .header('cache-control', 'no-cache')
      .header('content-security-policy', contentSecurityPolicy)
      .header('x-content-type-options', 'nosniff')
      .header('referrer-policy', 'no-referrer')
      .send(html);
  };

  app.get('/', { config: { access: 'public' }, schema: { hide: true } }, (_request, reply) =>
    sendIndex(reply),
  );

  app.get(
    '/assets/*',
    { config: { access: 'public' }, schema: { hide: true } },
    async (request, reply) => {
      const path = await fileUnder(root, request.url.split('?')[0] ?? '');
      if (path === null) {
        return reply
          .status(404)
          .send(errorBody('asset-not-found', `no console asset ${request.url.split('?')[0]}`));
      }
      return sendFile(request, reply, path, immutable);
    },
  );

  app.get(
    '/*',
    { config: { access: 'public' }, schema: { hide: true } },
    async (request, reply) => {
      const urlPath = request.url.split('?')[0] ?? '/';
      if (serverPaths.test(urlPath)) {
        return reply.status(404).send(errorBody('route-not-found', `no route GET ${urlPath}`));
      }
      // Unhashed files at the top of the build (favicon); anything else is a client route.
      const path = /^\/[^/]+\.[a-z0-9]+$/i.test(urlPath) ? await fileUnder(root, urlPath) : null;
      if (path !== null && !path.endsWith('.gz')) return sendFile(request, reply, path, 'no-cache');
      return sendIndex(reply);
    },
  );
}
