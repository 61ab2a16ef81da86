// Content digests (OCI image-spec descriptor.md "Digests"): "algorithm:encoded", where we accept
// sha256 (64 hex) and sha512 (128 hex), and a stream check that hashes content as it passes and
// fails at the end unless both the digest and the byte count match. Not a general hash API.

import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { PalisadeError } from '../model/index.ts';

export type DigestAlgorithm = 'sha256' | 'sha512';

const encodedLength: Readonly<Record<DigestAlgorithm, number>> = { sha256: 64, sha512: 128 };

export interface ParsedDigest {
  readonly algorithm: DigestAlgorithm;
  /** Lower-case hex. */
  readonly hex: string;
}

/** Parses "sha256:<hex>"; anything else (unknown algorithm, wrong length, upper case) is undefined. */
export function parseDigest(digest: string): ParsedDigest | undefined {
  const colon = digest.indexOf(':');
  if (colon < 0) return undefined;
  const algorithm = digest.slice(0, colon);
  const hex = digest.slice(colon + 1);
  if (algorithm !== 'sha256' && algorithm !== 'sha512') return undefined;
  // image-spec: "the encoded portion MUST match /[a-f0-9]{64}/" for sha256 (128 for sha512).
  if (hex.length !== encodedLength[algorithm] || !/^[a-f0-9]+$/.test(hex)) return undefined;
  return { algorithm, hex };
}

export function isDigest(value: string): boolean {
  return parseDigest(value) !== undefined;
}

/** Parses a digest or throws `digest-invalid` naming where it came from. */
export function requireDigest(digest: string, where: string): ParsedDigest {
  const parsed = parseDigest(digest);
  if (parsed === undefined) {
    throw new PalisadeError(
      'digest-invalid',
      `${where}: '${digest}' is not a sha256 or sha512 digest`,
      { status: 422, details: { digest } },
    );
  }
  return parsed;
}

export function digestOf(bytes: Uint8Array, algorithm: DigestAlgorithm = 'sha256'): string {
  return `${algorithm}:${createHash(algorithm).update(bytes).digest('hex')}`;
}

/** Throws `digest-mismatch` unless `bytes` hash to `expected`. */
export function verifyBytes(bytes: Uint8Array, expected: string, what: string): void {
  const { algorithm } = requireDigest(expected, what);
  const actual = digestOf(bytes, algorithm);
  if (actual !== expected) throw digestMismatch(what, expected, actual);
}

export function digestMismatch(what: string, expected: string, actual: string): PalisadeError {
  return new PalisadeError(
    'digest-mismatch',
    `${what}: content has digest ${actual}, expected ${expected}; the source is corrupt or was tampered with`,
    { status: 422, details: { expected, actual } },
  );
}

export interface VerifyStreamOptions {
  /** The digest the content must have. */
  readonly digest: string;
  /** The exact byte count, when known (a descriptor's size); more bytes fail at once. */
  readonly size?: number;
  /** Names the content in errors: "layer sha256:… of registry.example/app:1". */
  readonly what: string;
}

/**
 * A pass-through stream that fails at its end (or as soon as it passes `size`) unless the
 * content matches. Consumers must treat what they parsed as untrusted until the stream ends.
 */
export function createVerifyStream(options: VerifyStreamOptions): Transform {
  const { algorithm } = requireDigest(options.digest, options.what);
  return new DigestVerifyStream(createHash(algorithm), algorithm, options);
}

class DigestVerifyStream extends Transform {
  private bytes = 0;

  constructor(
    private readonly hash: Hash,
    private readonly algorithm: DigestAlgorithm,
    private readonly options: VerifyStreamOptions,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.options.size !== undefined && this.bytes > this.options.size) {
      callback(this.sizeError());
      return;
    }
    this.hash.update(chunk);
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    if (this.options.size !== undefined && this.bytes !== this.options.size) {
      callback(this.sizeError());
      return;
    }
    const actual = `${this.algorithm}:${this.hash.digest('hex')}`;
    callback(
      actual === this.options.digest
        ? null
        : digestMismatch(this.options.what, this.options.digest, actual),
    );
  }

  private sizeError(): PalisadeError {
    return blobSizeError(this.options.what, this.options.size ?? 0, this.bytes);
  }
}

/** The error for content whose byte count differs from its descriptor's `size`. */
export function blobSizeError(what: string, expected: number, actual: number): PalisadeError {
  const larger = actual > expected;
  const problem = larger ? `is larger than` : `ended after ${actual} bytes of`;
  return new PalisadeError(
    larger ? 'digest-mismatch' : 'blob-truncated',
    `${what}: content ${problem} the ${expected} bytes its descriptor states`,
    { status: 422, details: { expected, actual } },
  );
}

/**
 * Checks what was hashed elsewhere (a worker thread) against the descriptor: the byte count
 * first, as the stream check does, then the digest.
 */
export function checkHashedBlob(
  options: VerifyStreamOptions,
  actual: { readonly digest: string; readonly bytes: number },
): PalisadeError | undefined {
  if (options.size !== undefined && actual.bytes !== options.size)
    return blobSizeError(options.what, options.size, actual.bytes);
  return actual.digest === options.digest
    ? undefined
    : digestMismatch(options.what, options.digest, actual.digest);
}
