import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { Readable } from 'node:stream';
import { PalisadeError } from '../model/index.ts';
import { decompressZstd } from './layers-zstd.ts';

const zstd = existsSync('/usr/bin/zstd')
  ? false
  : '/usr/bin/zstd is not installed (apt-get install -y zstd)';

async function decode(
  input: Buffer,
  chunkSize = 7,
  maxWindowBytes = 2 ** 27,
): Promise<{ output: Buffer; largest: number }> {
  const chunks: Buffer[] = [];
  for (let at = 0; at < input.length; at += chunkSize)
    chunks.push(input.subarray(at, at + chunkSize));
  const parts: Buffer[] = [];
  for await (const part of decompressZstd(Readable.from(chunks), {
    maxWindowBytes,
    what: 'layer x',
  }))
    parts.push(part);
  return {
    output: Buffer.concat(parts),
    largest: Math.max(0, ...parts.map((part) => part.length)),
  };
}

describe('zstd layers', () => {
  it(
    'decodes multi-frame streams with checksums and skippable frames, in small pieces',
    { skip: zstd },
    async () => {
      const a = Buffer.from('hello '.repeat(50_000));
      const b = Buffer.from(Array.from({ length: 300_000 }, (_, i) => (i * 7919) % 251));
      const skippable = Buffer.concat([
        Buffer.from([0x50, 0x2a, 0x4d, 0x18, 5, 0, 0, 0]),
        Buffer.from('meta!'),
      ]);
      const input = Buffer.concat([
        execFileSync('/usr/bin/zstd', ['-q', '-c'], { input: a }),
        skippable,
        execFileSync('/usr/bin/zstd', ['-q', '-c', '--no-check', '-19'], { input: b }),
      ]);
      const { output } = await decode(input, 1000);
      assert.deepEqual(output, Buffer.concat([a, b]));
    },
  );

  it(
    'yields at most a few blocks at a time, even for highly compressible input',
    { skip: zstd },
    async () => {
      const input = execFileSync('/usr/bin/zstd', ['-q', '-c', '-19'], {
        input: Buffer.alloc(16 * 1024 * 1024),
      });
      const { output, largest } = await decode(input, 64 * 1024);
      assert.equal(output.length, 16 * 1024 * 1024);
      assert.ok(largest <= 4 * 128 * 1024, `a piece of ${largest} bytes`);
    },
  );

  it('refuses truncated streams, garbage and oversized windows', { skip: zstd }, async () => {
    const good = execFileSync('/usr/bin/zstd', ['-q', '-c'], { input: Buffer.alloc(100_000, 1) });
    const code = (expected: string) => (error: unknown) =>
      error instanceof PalisadeError && error.code === expected;
    await assert.rejects(decode(good.subarray(0, good.length - 3)), code('layer-invalid'));
    await assert.rejects(
      decode(Buffer.concat([good, Buffer.from('garbage!')])),
      code('layer-invalid'),
    );
    await assert.rejects(decode(good, 7, 1024), code('limit-exceeded'));
  });
});
