import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { PalisadeError } from '../model/index.ts';
import { digestOf } from './digest.ts';
import { inflateLayerInWorker } from './layer-inflate.ts';

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

describe('reading a layer blob on a worker thread', () => {
  let work: string;
  let plain: Buffer;
  let gzipped: string;
  let raw: string;

  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'palisade-inflate-test-'));
    // 3 MiB: several 1 MiB chunks, half of them incompressible.
    plain = Buffer.concat([randomBytes(1536 * 1024), Buffer.alloc(1536 * 1024, 'text line\n')]);
    gzipped = join(work, 'blob.gz');
    raw = join(work, 'blob.raw');
    await writeFile(gzipped, gzipSync(plain));
    // A file holding the raw blob at an offset, as a docker-save archive holds its members.
    await writeFile(raw, Buffer.concat([Buffer.from('header'), plain, Buffer.from('trailer')]));
  });

  after(async () => {
    await rm(work, { recursive: true, force: true });
  });

  it('gunzips a gzip blob and checks its digest', async () => {
    const blob = gzipSync(plain);
    const inflated = await inflateLayerInWorker(
      { path: gzipped, start: 0 },
      { digest: digestOf(blob), size: blob.length, what: 'layer x' },
    );
    assert.equal(inflated.gzip, true);
    assert.ok((await readAll(inflated.stream)).equals(plain));
  });

  it('passes an uncompressed member at an offset through unchanged', async () => {
    const inflated = await inflateLayerInWorker(
      { path: raw, start: 6, length: plain.length },
      { digest: digestOf(plain), size: plain.length, what: 'layer y' },
    );
    assert.equal(inflated.gzip, false);
    assert.ok((await readAll(inflated.stream)).equals(plain));
  });

  it('gunzips forwarded bytes (a registry blob) and checks their digest and size', async () => {
    const blob = gzipSync(plain);
    const pieces = (bytes: Buffer) =>
      Readable.from(
        Array.from({ length: 8 }, (_, k) =>
          bytes.subarray((k * bytes.length) / 8, ((k + 1) * bytes.length) / 8),
        ),
      );
    const inflated = await inflateLayerInWorker(pieces(blob), {
      digest: digestOf(blob),
      size: blob.length,
      what: 'layer r',
    });
    assert.equal(inflated.gzip, true);
    assert.ok((await readAll(inflated.stream)).equals(plain));

    // A failure may come before the format is known or while the stream is read: either way.
    const inflateAndRead = async (bytes: Buffer, what: string) =>
      readAll(
        (
          await inflateLayerInWorker(pieces(bytes), {
            digest: digestOf(blob),
            size: blob.length,
            what,
          })
        ).stream,
      );
    await assert.rejects(
      inflateAndRead(blob.subarray(0, blob.length - 100), 'layer short'),
      (error: PalisadeError) => {
        assert.equal(error.code, 'blob-truncated', error.message);
        assert.match(error.message, /layer short: content ended after \d+ bytes/);
        return true;
      },
    );

    await assert.rejects(
      inflateAndRead(Buffer.concat([blob, Buffer.alloc(64)]), 'layer long'),
      (error: PalisadeError) => {
        assert.equal(error.code, 'digest-mismatch', error.message);
        assert.match(error.message, /is larger than the \d+ bytes its descriptor states/);
        return true;
      },
    );
  });

  it("passes a forwarded stream's own error on", async () => {
    const failing = new Readable({
      read() {
        this.destroy(
          new PalisadeError('registry-unreachable', 'the registry went away', { status: 502 }),
        );
      },
    });
    await assert.rejects(
      inflateLayerInWorker(failing, { digest: undefined, size: undefined, what: 'layer f' }),
      (error: PalisadeError) => error.code === 'registry-unreachable',
    );
  });

  it('names the layer when the blob is missing', async () => {
    await assert.rejects(
      inflateLayerInWorker(
        { path: join(work, 'absent'), start: 0 },
        { digest: undefined, size: undefined, what: 'layer z' },
      ),
      (error: Error) => /layer z: .*absent is missing/.test(error.message),
    );
  });

  it('gives up a read whose caller aborts while it waits for a free worker, and the pool recovers', async () => {
    // Occupy every worker: a window of one byte stops each after its first chunk, unread.
    const busy = await Promise.all(
      Array.from({ length: Math.min(3, availableParallelism()) }, () =>
        inflateLayerInWorker(
          { path: raw, start: 6, length: plain.length },
          { digest: undefined, size: undefined, what: 'busy', windowBytes: 1 },
        ),
      ),
    );
    const controller = new AbortController();
    const waiting = inflateLayerInWorker(
      { path: gzipped, start: 0 },
      { digest: undefined, size: undefined, what: 'waiting', signal: controller.signal },
    );
    controller.abort();
    await assert.rejects(waiting, /The operation was aborted/);
    for (const { stream } of busy) stream.destroy();
    const after = await inflateLayerInWorker(
      { path: gzipped, start: 0 },
      { digest: undefined, size: undefined, what: 'after' },
    );
    assert.ok((await readAll(after.stream)).equals(plain));
  });
});
