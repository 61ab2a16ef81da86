// End-to-end: `palisade vulndb update` against a local HTTP server on 127.0.0.1 that serves OSV
// all.zip exports built in the test from real Debian records (the real download code path):
// first download, 304 on a repeated update (ETag / Last-Modified), a changed export,
// a corrupt download, a 404 (not retried) and a 500 that is retried; then `vulndb import` of a zip.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildZip } from '../src/image/analyzers/zip-builder.ts';
import { runPalisade, type CliRun } from './kit/cli.ts';

const debianDir = fileURLToPath(
  new URL('../../shared/vuln/osv-records/osv-scanner-offline-dbs/Debian/', import.meta.url),
);
const skip = existsSync(debianDir)
  ? undefined
  : `../shared/vuln is absent (${debianDir}); it holds the real OSV records these tests serve`;

function palisade(args: string[], cwd: string, env: Record<string, string>): Promise<CliRun> {
  return runPalisade(args, { cwd, env });
}

interface Served {
  body: Buffer;
  etag: string;
  lastModified: string;
}

interface Logged {
  readonly path: string;
  readonly status: number;
  readonly ifNoneMatch: string | undefined;
  readonly ifModifiedSince: string | undefined;
}

describe('palisade vulndb update (local OSV export server)', { skip }, () => {
  let work: string;
  let server: Server;
  let source: string;
  let env: Record<string, string>;
  const log: Logged[] = [];
  const exports = new Map<string, Served>();
  const failures = new Map<string, number[]>();
  const debianFiles =
    skip === undefined
      ? readdirSync(debianDir)
          .filter((f) => f.endsWith('.json'))
          .sort()
      : [];
  const debianZip = (files: readonly string[]) =>
    buildZip(files.map((name) => ({ name, data: readFileSync(join(debianDir, name)) })));

  const run = (args: string[]) => palisade(args, work, env);

  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'palisade-vulndb-update-'));
    env = { PALISADE_HOME: join(work, 'home') };
    server = createServer((req, res) => {
      const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
      const ifNoneMatch = req.headers['if-none-match'];
      const ifModifiedSince = req.headers['if-modified-since'];
      const answer = (status: number, headers: Record<string, string> = {}, body?: Buffer) => {
        log.push({ path, status, ifNoneMatch, ifModifiedSince });
        res.writeHead(status, headers).end(body);
      };
      const injected = failures.get(path)?.shift();
      if (injected !== undefined) return answer(injected);
      const served = exports.get(path);
      if (served === undefined) return answer(404);
      // RFC 9110 §13.1.2: If-None-Match wins over If-Modified-Since.
      if (ifNoneMatch === served.etag) return answer(304, { etag: served.etag });
      answer(
        200,
        {
          'content-type': 'application/zip',
          'content-length': String(served.body.length),
          etag: served.etag,
          'last-modified': served.lastModified,
        },
        served.body,
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    source = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`;
  });

  after(async () => {
    server?.closeAllConnections();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    if (work !== undefined) await rm(work, { recursive: true, force: true });
  });

  it('downloads and imports an ecosystem, then skips it while the server says 304', async () => {
    exports.set('/Debian/all.zip', {
      body: debianZip(debianFiles.slice(0, 2)),
      etag: '"v1"',
      lastModified: 'Sat, 01 Jun 2024 00:00:00 GMT',
    });
    const first = await run(['vulndb', 'update', '--ecosystem', 'Debian', '--source', source]);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /^Debian: downloaded \d+ bytes: 2 record\(s\) imported \(Debian\)/m);
    assert.equal(log.at(-1)?.ifNoneMatch, undefined);
    const status = JSON.parse((await run(['vulndb', 'status', '-o', 'json'])).stdout) as {
      records: number;
      sources: Record<string, { etag?: string; url: string }>;
    };
    assert.equal(status.records, 2);
    assert.equal(status.sources['Debian']?.etag, '"v1"');
    assert.equal(status.sources['Debian']?.url, `${source}/Debian/all.zip`);

    const second = await run(['vulndb', 'update', '--source', source]);
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stdout, /^Debian: not modified since the last update\.$/m);
    assert.equal(log.at(-1)?.status, 304);
    assert.equal(log.at(-1)?.ifNoneMatch, '"v1"');
    assert.equal(log.at(-1)?.ifModifiedSince, 'Sat, 01 Jun 2024 00:00:00 GMT');
  });

  it('downloads again when the export changed', async () => {
    exports.set('/Debian/all.zip', {
      body: debianZip(debianFiles),
      etag: '"v2"',
      lastModified: 'Sun, 02 Jun 2024 00:00:00 GMT',
    });
    const result = await run(['vulndb', 'update', '--ecosystem', 'Debian', '--source', source]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(log.at(-1)?.status, 200);
    const status = JSON.parse((await run(['vulndb', 'status', '-o', 'json'])).stdout) as {
      records: number;
    };
    assert.equal(status.records, debianFiles.length);
  });

  it('rejects a corrupt download and keeps the database as it was', async () => {
    const zip = debianZip(debianFiles);
    exports.set('/Alpine/all.zip', {
      // A zip cut short: its central directory is gone.
      body: zip.subarray(0, Math.floor(zip.length / 2)),
      etag: '"a1"',
      lastModified: 'Sat, 01 Jun 2024 00:00:00 GMT',
    });
    exports.set('/Ubuntu/all.zip', {
      body: Buffer.from('<html>captive portal</html>'),
      etag: '"u1"',
      lastModified: 'Sat, 01 Jun 2024 00:00:00 GMT',
    });
    const before = (await run(['vulndb', 'status', '-o', 'json'])).stdout;
    const result = await run([
      'vulndb',
      'update',
      '--ecosystem',
      'Alpine,Ubuntu',
      '--source',
      source,
    ]);
    assert.equal(result.code, 2);
    assert.match(
      result.stderr,
      /updating Alpine: .*\/Alpine\/all\.zip: the download is a corrupt zip archive/,
    );
    assert.match(result.stderr, /updating Ubuntu: .*the download is not a zip archive/);
    assert.doesNotMatch(result.stderr, /\n\s+at /);
    assert.equal((await run(['vulndb', 'status', '-o', 'json'])).stdout, before);
    // Nothing left behind beside the database: the downloads in progress were removed.
    assert.deepEqual(readdirSync(join(work, 'home', 'cache')).sort(), ['vulndb']);
    assert.ok(existsSync(join(work, 'home', 'cache', 'vulndb', 'PG_VERSION')));
  });

  it('does not retry a 404 and retries a 500', async () => {
    const before = log.length;
    const missing = await run(['vulndb', 'update', '--ecosystem', 'Go', '--source', source]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /updating Go: .*\/Go\/all\.zip answered HTTP 404/);
    assert.equal(log.length - before, 1);

    exports.set('/npm/all.zip', {
      body: buildZip([]),
      etag: '"n1"',
      lastModified: 'Sat, 01 Jun 2024 00:00:00 GMT',
    });
    failures.set('/npm/all.zip', [503]);
    const retried = await run(['vulndb', 'update', '--ecosystem', 'npm', '--source', source]);
    assert.equal(retried.code, 0, retried.stderr);
    assert.deepEqual(
      log.filter((l) => l.path === '/npm/all.zip').map((l) => l.status),
      [503, 200],
    );
  });

  it('rejects a --source that is not an http(s) URL', async () => {
    const result = await run(['vulndb', 'update', '--source', 'ftp://example']);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /--source ftp:\/\/example: expected an http\(s\) URL/);
  });

  it('imports an all.zip offline with vulndb import', async () => {
    const zipPath = join(work, 'debian-all.zip');
    await writeFile(zipPath, debianZip(debianFiles));
    const result = await run(['vulndb', 'import', zipPath, '--vulndb', 'offline-db']);
    assert.equal(result.code, 0, result.stderr);
    assert.match(
      result.stdout,
      new RegExp(`${debianFiles.length} record\\(s\\) imported \\(Debian\\)`),
    );
    // --vulndb DIR holds an embedded PostgreSQL (PGlite) database.
    assert.ok(existsSync(join(work, 'offline-db', 'PG_VERSION')));
    const status = JSON.parse(
      (await run(['vulndb', 'status', '--vulndb', 'offline-db', '-o', 'json'])).stdout,
    ) as { records: number; dataDir: string };
    assert.equal(status.records, debianFiles.length);
    assert.equal(status.dataDir, join(work, 'offline-db'));
    // A directory that is something else is refused, not turned into a database.
    await mkdir(join(work, 'not-a-db'));
    await writeFile(join(work, 'not-a-db', 'notes.txt'), 'mine');
    const refused = await run(['vulndb', 'import', zipPath, '--vulndb', 'not-a-db']);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /not-a-db is not a Palisade vulnerability database/);
    // A database of the JSON-file format of earlier Palisade versions is named as such.
    await mkdir(join(work, 'old-db', 'osv'), { recursive: true });
    await writeFile(join(work, 'old-db', 'osv', 'meta.json'), '{"formatVersion":1}');
    const old = await run(['image', 'scan', 'x.tar', '--vulndb', 'old-db']);
    assert.equal(old.code, 2);
    assert.match(old.stderr, /old-db holds a vulnerability database of an older Palisade/);
    const missing = await run(['vulndb', 'import', 'no-such.zip']);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /no-such\.zip: no such file or directory/);
  });
});
