import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PalisadeError } from '../model/index.ts';
import { decodeProtobufObject } from './protobuf.ts';

// A minimal protobuf writer for test input: length-delimited and varint fields only.
function varint(value: number): Buffer {
  const bytes: number[] = [];
  let v = value;
  while (v > 0x7f) {
    bytes.push((v & 0x7f) | 0x80);
    v = Math.floor(v / 128);
  }
  bytes.push(v);
  return Buffer.from(bytes);
}
function bytesField(field: number, value: Buffer | string): Buffer {
  const data = typeof value === 'string' ? Buffer.from(value) : value;
  return Buffer.concat([varint((field << 3) | 2), varint(data.length), data]);
}
function varintField(field: number, value: number): Buffer {
  return Buffer.concat([varint(field << 3), varint(value)]);
}
function envelope(apiVersion: string, kind: string, raw: Buffer): Buffer {
  const typeMeta = Buffer.concat([bytesField(1, apiVersion), bytesField(2, kind)]);
  return Buffer.concat([Buffer.from('k8s\0'), bytesField(1, typeMeta), bytesField(2, raw)]);
}

describe('protobuf request bodies', () => {
  it('decodes a Namespace as kubectl create namespace sends it', () => {
    const labels = bytesField(11, Buffer.concat([bytesField(1, 'team'), bytesField(2, 'a')]));
    const metadata = Buffer.concat([
      bytesField(1, 'team-a'),
      bytesField(2, ''),
      bytesField(8, Buffer.alloc(0)),
      labels,
    ]);
    const raw = Buffer.concat([
      bytesField(1, metadata),
      bytesField(2, Buffer.alloc(0)),
      bytesField(3, bytesField(1, '')),
    ]);
    assert.deepEqual(decodeProtobufObject(envelope('v1', 'Namespace', raw)), {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'team-a', labels: { team: 'a' } },
      spec: {},
      status: {},
    });
  });

  it('keeps an explicit zero in a pointer field such as Deployment replicas', () => {
    const raw = Buffer.concat([
      bytesField(1, bytesField(1, 'web')),
      bytesField(2, varintField(1, 0)),
    ]);
    const decoded = decodeProtobufObject(envelope('apps/v1', 'Deployment', raw));
    assert.deepEqual(decoded['spec'], { replicas: 0 });
  });

  it('refuses fields and kinds it cannot map instead of dropping them', () => {
    const unknownField = Buffer.concat([
      bytesField(1, bytesField(1, 'x')),
      bytesField(9, 'surprise'),
    ]);
    assert.throws(
      () => decodeProtobufObject(envelope('v1', 'ConfigMap', unknownField)),
      (e: unknown) =>
        e instanceof PalisadeError && e.status === 400 && /field 9 of ConfigMap/.test(e.message),
    );
    assert.throws(
      () => decodeProtobufObject(envelope('v1', 'Endpoints', Buffer.alloc(0))),
      (e: unknown) => e instanceof PalisadeError && e.status === 415,
    );
    assert.throws(
      () => decodeProtobufObject(Buffer.from('k8s\0\x0a\xff')),
      (e: unknown) => e instanceof PalisadeError && e.status === 400,
    );
  });
});
