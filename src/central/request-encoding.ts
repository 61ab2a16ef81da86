// Compressed request bodies (RFC 9110 §8.4 Content-Encoding): a Sensor gzips its snapshots and
// deltas. The body limit applies to the decompressed bytes — fastify counts what the stream
// returned here yields, so a gzip bomb ends in 413 as soon as it passes the route's limit — and
// the declared Content-Length to the bytes on the wire (receivedEncodedLength).

import type { FastifyInstance } from 'fastify';
import { Transform, type TransformCallback } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { PalisadeError } from '../model/index.ts';

/** Counts the encoded bytes that pass, for fastify's Content-Length check. */
class EncodedCounter extends Transform {
  bytes = 0;
  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback) {
    this.bytes += chunk.length;
    callback(null, chunk);
  }
}

export function installRequestDecoding(app: FastifyInstance): void {
  app.addHook('preParsing', (request, _reply, payload, done) => {
    const encoding = String(request.headers['content-encoding'] ?? 'identity')
      .trim()
      .toLowerCase();
    if (encoding === 'identity' || encoding === '') {
      done(null, payload);
      return;
    }
    if (encoding !== 'gzip' && encoding !== 'x-gzip') {
      done(
        new PalisadeError(
          'unsupported-encoding',
          `request body: content-encoding '${encoding}' is not supported; send gzip or none`,
          { status: 415 },
        ),
      );
      return;
    }
    const counter = new EncodedCounter();
    const gunzip = createGunzip();
    const decoded = payload.pipe(counter).pipe(gunzip) as typeof gunzip & {
      receivedEncodedLength: number;
    };
    Object.defineProperty(decoded, 'receivedEncodedLength', { get: () => counter.bytes });
    payload.on('error', (error) => decoded.destroy(error));
    counter.on('error', (error) => decoded.destroy(error));
    // zlib's own message ("incorrect header check") says nothing of where: name the body.
    gunzip.on('error', (error: Error & { statusCode?: number }) => {
      error.message = `request body: gzip content is corrupt or truncated (${error.message})`;
      error.statusCode = 400;
    });
    done(null, decoded);
  });
}
